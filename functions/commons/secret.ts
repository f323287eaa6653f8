/**
 * The webhook signing secret, read from Secrets Manager and kept for a few minutes: every request needs it,
 * and a replaced value (put-secret-value) is picked up without a redeploy.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export class SigningSecretUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SigningSecretUnavailable';
  }
}

export type SecretSource = () => Promise<string>;

export function cachedSecret(client: SecretsManagerClient, secretArn: string | undefined, ttlMs = 5 * 60_000): SecretSource {
  let cached: { value: string; at: number } | undefined;
  return async () => {
    if (!secretArn) throw new SigningSecretUnavailable('SIGNING_SECRET_ARN is not set.');
    if (cached && Date.now() - cached.at < ttlMs) return cached.value;
    const answer = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (!answer.SecretString) throw new SigningSecretUnavailable(`Secret ${secretArn} has no string value.`);
    cached = { value: answer.SecretString, at: Date.now() };
    return cached.value;
  };
}
