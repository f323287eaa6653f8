/** Lambda entry for GET /environments/{environmentId}: wiring only; the logic is handleStatus. */
import { SFNClient } from '@aws-sdk/client-sfn';
import { ProxyEvent, json } from '../intake/http';
import { handleStatus } from './status';

const sfn = new SFNClient({});

export async function handler(event: ProxyEvent) {
  try {
    return await handleStatus(event, { sfn, stateMachineArn: process.env.STATE_MACHINE_ARN ?? '' });
  } catch (error) {
    console.error(JSON.stringify({ level: 'ERROR', message: 'status failed', error: String(error) }));
    return json(500, { message: 'Internal error.' });
  }
}
