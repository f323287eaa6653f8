/** The clients (kept for the execution environment, ../commons/clients/environment-cache.ts) the Azure removal steps use, built from the function's settings. */
import { azureClients } from '../commons/clients/azure';
import { secretsClient } from '../commons/clients/secrets';
import { checkConfiguration } from '../commons/config';
import { forThisEnvironment } from '../commons/clients/environment-cache';

export function removeAzureClients() {
  return forThisEnvironment('RemoveAzure', () => {
    checkConfiguration('RemoveAzure');
    return azureClients(secretsClient());
  });
}
