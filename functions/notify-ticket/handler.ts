/**
 * Lambda entry for the EventBridge rule on execution status changes: wiring only; the logic is notifyTicket.
 * A final failure is thrown, so Lambda's async retry and then the dead-letter queue keep the event.
 */
import { readFileSync } from 'node:fs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { cachedSecret } from '../intake/secret';
import { ExecutionStatusEvent, notifyTicket } from './notify';

const sfn = new SFNClient({});
const signingSecret = cachedSecret(new SecretsManagerClient({}), process.env.SIGNING_SECRET_ARN);
const extraCaPem = process.env.EXTRA_CA_PEM_FILE ? readFileSync(process.env.EXTRA_CA_PEM_FILE, 'utf8') : undefined;

export async function handler(event: ExecutionStatusEvent) {
  const outcome = await notifyTicket(event, { sfn, signingSecret, post: { extraCaPem } });
  console.log(
    JSON.stringify({
      level: 'INFO',
      executionArn: event.detail.executionArn,
      notified: outcome.notified,
      ...(outcome.notified ? { status: outcome.result.status, attempts: outcome.result.attempts } : { reason: outcome.reason }),
    }),
  );
  return outcome.notified ? { notified: true, attempts: outcome.result.attempts } : outcome;
}
