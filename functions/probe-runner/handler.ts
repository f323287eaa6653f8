/** Lambda: deploys the probe into the VPC and runs it. */
import { actionHandler } from '../commons/handler';
import * as probe from './probe-runner';

export const handler = actionHandler('probe-runner', {
  createProbeFunction: (input, c) => probe.createProbeFunction(c.ec2, c.ec2Once, c.lambda, probe.probeCodeFromEnvironment(), input),
  checkProbeFunction: (input, c) => probe.checkProbeFunction(c.lambda, input),
  runProbe: (input, c) => probe.runProbe(c, input),
});
