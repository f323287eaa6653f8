/** Lambda: deploys the probe into the VPC, keeps it as the stack describes it, and runs it. */
import { actionHandler } from '../commons/handler';
import * as probe from './probe-runner';

export const handler = actionHandler('probe-runner', {
  createProbeFunction: (input, c) => probe.createProbeFunction(c, probe.probeCodeFromEnvironment(), input),
  checkProbeFunction: (input, c) => probe.checkProbeFunction(c, probe.probeCodeFromEnvironment(), input),
  runProbe: (input, c) => probe.runProbe(c, input),
});
