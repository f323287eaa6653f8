/** The clients (kept for the execution environment, ../commons/clients/environment-cache.ts) the tunnel steps use, built from the function's settings. */
import { azureClients } from '../commons/clients/azure';
import { ec2Client } from '../commons/clients/ec2';
import { secretsClient } from '../commons/clients/secrets';
import { checkConfiguration } from '../commons/config';
import { forThisEnvironment } from '../commons/clients/environment-cache';

export function tunnelsClients() {
  return forThisEnvironment('Tunnels', () => {
    checkConfiguration('Tunnels');
    const secrets = secretsClient();
    const azure = azureClients(secrets);
    return {
      ec2: ec2Client(),
      secrets,
      get arm() {
        return azure.arm;
      },
    };
  });
}
