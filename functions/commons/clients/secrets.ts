/** The Secrets Manager client (region and endpoint from the SDK's standard variables, see ec2.ts). */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export function secretsClient(): SecretsManagerClient {
  return new SecretsManagerClient({});
}
