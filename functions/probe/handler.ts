/**
 * Lambda: the probe itself. The workflow deploys this code per environment into the VPC's probe subnets and
 * invokes it; it answers with the result of each check.
 */
import { handleProbeEvent, type ProbeEvent } from './probe';
import { systemNetwork } from './system-network';

export async function handler(event: ProbeEvent) {
  return handleProbeEvent(event, systemNetwork);
}
