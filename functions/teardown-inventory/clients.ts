/** The clients (kept for the execution environment, ../commons/clients/environment-cache.ts) the teardown's first step reads with. */
import { azureClients } from '../commons/clients/azure';
import { ec2Client } from '../commons/clients/ec2';
import { lambdaClient } from '../commons/clients/lambda';
import { resolverClient } from '../commons/clients/resolver';
import { secretsClient } from '../commons/clients/secrets';
import { checkConfiguration } from '../commons/config';
import { forThisEnvironment } from '../commons/clients/environment-cache';

export function teardownInventoryClients() {
  return forThisEnvironment('TeardownInventory', () => {
    checkConfiguration('TeardownInventory');
    const secrets = secretsClient();
    const azure = azureClients(secrets);
    return {
      ec2: ec2Client(),
      secrets,
      resolver: resolverClient(),
      lambda: lambdaClient(),
      get arm() {
        return azure.arm;
      },
    };
  });
}
