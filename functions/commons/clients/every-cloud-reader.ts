/**
 * The clients of a function that reads every service the environment touches (the request check, the
 * teardown's inventory): EC2, Route 53 Resolver, Secrets Manager, Lambda and ARM, kept for the execution
 * environment. The Azure client is built on first use, since its credential is read from Secrets Manager.
 */
import { checkConfiguration } from '../config';
import { azureClients } from './azure';
import { ec2Client } from './ec2';
import { forThisEnvironment } from './environment-cache';
import { lambdaClient } from './lambda';
import { resolverClient } from './resolver';
import { secretsClient } from './secrets';

export function everyCloudReaderClients(functionId: string) {
  return forThisEnvironment(functionId, () => {
    checkConfiguration(functionId);
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
