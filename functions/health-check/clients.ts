/** The clients (kept for the execution environment, ../commons/clients/environment-cache.ts) the health check uses, built from the function's settings. */
import { SFNClient } from '@aws-sdk/client-sfn';
import { azureClients } from '../commons/clients/azure';
import { cloudWatchClient } from '../commons/clients/cloudwatch';
import { ec2Client } from '../commons/clients/ec2';
import { lambdaClient } from '../commons/clients/lambda';
import { secretsClient } from '../commons/clients/secrets';
import { checkConfiguration } from '../commons/config';
import { forThisEnvironment } from '../commons/clients/environment-cache';
import { cloudWatchPublisher, type MetricsPublisher } from './metrics';
import type { HealthClients } from './health-check';

export interface HealthCheckClients extends HealthClients {
  sfn: SFNClient;
  metrics: MetricsPublisher;
}

export function healthCheckClients(): HealthCheckClients {
  return forThisEnvironment('HealthCheck', () => {
    checkConfiguration('HealthCheck');
    const azure = azureClients(secretsClient());
    const ec2 = ec2Client();
    return {
      ec2,
      lambda: lambdaClient(),
      sfn: new SFNClient({}),
      metrics: cloudWatchPublisher(cloudWatchClient()),
      get arm() {
        return azure.arm;
      },
      get azureCredential() {
        return azure.azureCredential;
      },
    };
  });
}
