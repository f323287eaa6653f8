/** Lambda entry for POST /environments: wiring only; the logic is handleIntake. */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { ProxyEvent, json } from './http';
import { handleIntake } from './intake';
import { cachedSecret } from './secret';

const sfn = new SFNClient({});
const signingSecret = cachedSecret(new SecretsManagerClient({}), process.env.SIGNING_SECRET_ARN);

export async function handler(event: ProxyEvent) {
  try {
    return await handleIntake(event, { sfn, stateMachineArn: process.env.STATE_MACHINE_ARN ?? '', signingSecret });
  } catch (error) {
    // Details go to the function's log, not to the caller.
    console.error(JSON.stringify({ level: 'ERROR', message: 'intake failed', error: String(error) }));
    return json(500, { message: 'Internal error; the request was not started. Retry later.' });
  }
}
