/**
 * Lambda entry for the EventBridge rule on execution status changes: wiring only; the logic is notifyTicket.
 * A final failure is thrown, so Lambda's async retry and then the dead-letter queue keep the event.
 */
import { readFileSync } from 'node:fs';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { eventHandler } from '../commons/handler';
import { cachedSecret } from '../commons/secret';
import { type ExecutionStatusEvent, notifyTicket } from './notify';

const sfn = new SFNClient({});
const signingSecret = cachedSecret(new SecretsManagerClient({}), process.env.SIGNING_SECRET_ARN);
const extraCaPem = process.env.EXTRA_CA_PEM_FILE ? readFileSync(process.env.EXTRA_CA_PEM_FILE, 'utf8') : undefined;

export const handler = eventHandler(
  'notify-ticket',
  async (event: ExecutionStatusEvent, log) => {
    const outcome = await notifyTicket(event, { sfn, signingSecret, post: { extraCaPem } });
    if (!outcome.notified) return outcome;
    log.info('callback answered', { executionArn: event.detail.executionArn, status: outcome.result.status, attempts: outcome.result.attempts });
    return { notified: true as const, attempts: outcome.result.attempts };
  },
  (result, event) => ({ executionArn: event.detail.executionArn, ...result }),
);
