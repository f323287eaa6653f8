/** The clients (kept for the execution environment, ../commons/clients/environment-cache.ts) the AWS VPN removal steps use. */
import { checkConfiguration } from '../commons/config';
import { forThisEnvironment } from '../commons/clients/environment-cache';
import { ec2Client } from '../commons/clients/ec2';
import { secretsClient } from '../commons/clients/secrets';

export function removeAwsVpnClients() {
  return forThisEnvironment('RemoveAwsVpn', () => {
    checkConfiguration('RemoveAwsVpn');
    // Deletions are safe to resend: the SDK's own retries stay on.
    return { ec2: ec2Client(), secrets: secretsClient() };
  });
}
