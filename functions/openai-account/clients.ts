/** The clients (kept for the execution environment, ../commons/clients/environment-cache.ts) the account-lock steps use, built from the function's settings. */
import { azureClients } from '../commons/clients/azure';
import { secretsClient } from '../commons/clients/secrets';
import { checkConfiguration } from '../commons/config';
import { forThisEnvironment } from '../commons/clients/environment-cache';

export function openAiAccountClients() {
  return forThisEnvironment('OpenAiAccount', () => {
    checkConfiguration('OpenAiAccount');
    return azureClients(secretsClient());
  });
}
