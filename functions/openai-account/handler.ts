/** Lambda: locks the OpenAI account's public network access and checks the update. */
import { openAiAccountClients } from './clients';
import { actionHandler } from '../commons/handler';
import type { ActionInput, WorkflowActions } from '../commons/workflow-data';
import * as account from './openai-account';

/** Each action's input, as the state machine's Parameters pass it (commons/workflow-data.ts). */
type Input<Action extends keyof WorkflowActions['openai-account']> = ActionInput<'openai-account', Action>;

export const handler = actionHandler('openai-account', openAiAccountClients, {
  lockPublicAccess: (input: Input<'lockPublicAccess'>, c) => account.lockPublicAccess(c.arm, input),
  checkAccountLocked: (input: Input<'checkAccountLocked'>, c) => account.checkAccountLocked(c.arm, input),
});
