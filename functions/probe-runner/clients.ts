/** The clients (kept for the execution environment, ../commons/clients/environment-cache.ts) the probe runner uses, built from the function's settings. */
import { azureClients } from '../commons/clients/azure';
import { ec2Clients } from '../commons/clients/ec2';
import { lambdaClient } from '../commons/clients/lambda';
import { resolverClient } from '../commons/clients/resolver';
import { secretsClient } from '../commons/clients/secrets';
import { checkConfiguration } from '../commons/config';
import { forThisEnvironment } from '../commons/clients/environment-cache';

export function probeRunnerClients() {
  return forThisEnvironment('ProbeRunner', () => {
    checkConfiguration('ProbeRunner');
    const azure = azureClients(secretsClient());
    return {
      ...ec2Clients(),
      lambda: lambdaClient(),
      resolver: resolverClient(),
      get azureCredential() {
        return azure.azureCredential;
      },
    };
  });
}
