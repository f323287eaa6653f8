/** Lambda: locks the OpenAI account's public network access and checks the update. */
import { actionHandler } from '../commons/handler';
import * as account from './openai-account';

export const handler = actionHandler('openai-account', {
  lockPublicAccess: (input, c) => account.lockPublicAccess(c.arm, input),
  checkAccountLocked: (input, c) => account.checkAccountLocked(c.arm, input),
});
