/** Shared by the teardown tests of the webhook and the command line. */
import { LOCAL_TEARDOWN_STATE_MACHINE_ARN } from '../../local/stepfunctions/server';

/** The local endpoint's teardown machine (named aoai-link-teardown, as the stack names it: test/cdk/stack.test.ts). */
export const TEARDOWN_STATE_MACHINE_ARN = LOCAL_TEARDOWN_STATE_MACHINE_ARN;
