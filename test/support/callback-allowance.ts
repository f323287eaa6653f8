/**
 * The allowance tests give the callback checks: the loopback networks (127.0.0.0/8 and ::1), on the ports
 * named, or on every port when none are. It is what an operator's CALLBACK_ALLOWED_NETWORKS builds, narrowed
 * to the test's listener.
 */
import { allowedNetwork, type CallbackAllowance } from '../../functions/commons/callback-url';

export function loopbackAllowance(...ports: number[]): CallbackAllowance {
  const only = ports.length ? ports : undefined;
  return { networks: [allowedNetwork('127.0.0.0/8', only), allowedNetwork('::1/128', only)] };
}
