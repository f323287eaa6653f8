/**
 * Every client at once, for tests and tools that talk to both clouds. The functions never import this module:
 * each builds only the clients it uses (functions/<function>/clients.ts, from the builders in ./clients/), so its
 * bundle holds only those SDKs (test/cdk/bundle-clients.test.ts).
 */
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ResourceManagementClient } from '@azure/arm-resources';
import type { TokenCredential } from '@azure/core-auth';
import { azureClients } from './clients/azure';
import { ec2Clients } from './clients/ec2';
import { lambdaClient } from './clients/lambda';
import { resolverClient } from './clients/resolver';
import { secretsClient } from './clients/secrets';

export { armEndpoint, COGNITIVE_SERVICES_SCOPE } from './clients/azure';
export { extraCaPem } from './clients/tls';

export interface CloudClients {
  ec2: EC2Client;
  /** EC2 with the SDK's retries off: for creates that take no client token (see ec2.ts). */
  ec2Once: EC2Client;
  resolver: Route53ResolverClient;
  secrets: SecretsManagerClient;
  lambda: LambdaClient;
  arm: ResourceManagementClient;
  /** The service principal, for tokens of other Azure audiences (the OpenAI data plane). */
  azureCredential: TokenCredential;
}

/** New clients from the environment as it is now (nothing is kept between calls). */
export function cloudClients(env: NodeJS.ProcessEnv = process.env): CloudClients {
  const secrets = secretsClient();
  const azure = azureClients(secrets, env);
  return {
    ...ec2Clients(),
    resolver: resolverClient(),
    secrets,
    lambda: lambdaClient(),
    get azureCredential() {
      return azure.azureCredential;
    },
    get arm() {
      return azure.arm;
    },
  };
}
