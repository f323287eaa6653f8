/** The clients (kept for the execution environment, ../commons/clients/environment-cache.ts) the AWS VPN steps use, built from the function's settings. */
import { checkConfiguration } from '../commons/config';
import { forThisEnvironment } from '../commons/clients/environment-cache';
import { ec2Clients } from '../commons/clients/ec2';
import { secretsClient } from '../commons/clients/secrets';

export function awsVpnClients() {
  return forThisEnvironment('AwsVpn', () => {
    checkConfiguration('AwsVpn');
    return { ...ec2Clients(), secrets: secretsClient() };
  });
}
