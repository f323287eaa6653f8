/** Lambda: deploys the probe into the VPC, keeps it as the stack describes it, and runs it. */
import { probeRunnerClients } from './clients';
import { actionHandler } from '../commons/handler';
import type { ActionInput, WorkflowActions } from '../commons/workflow-data';
import * as probe from './probe-runner';

/** Each action's input, as the state machine's Parameters pass it (commons/workflow-data.ts). */
type Input<Action extends keyof WorkflowActions['probe-runner']> = ActionInput<'probe-runner', Action>;

export const handler = actionHandler('probe-runner', probeRunnerClients, {
  createProbeFunction: (input: Input<'createProbeFunction'>, c) => probe.createProbeFunction(c, probe.probeCodeFromEnvironment(), input),
  checkProbeFunction: (input: Input<'checkProbeFunction'>, c) => probe.checkProbeFunction(c, probe.probeCodeFromEnvironment(), input),
  runProbe: (input: Input<'runProbe'>, c) => probe.runProbe(c, input),
});
