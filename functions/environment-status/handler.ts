/** Lambda entry for GET /environments/{environmentId}: wiring only; the logic is handleStatus. */
import { SFNClient } from '@aws-sdk/client-sfn';
import { requiredSetting } from '../commons/config';
import { httpHandler } from '../commons/handler';
import { json, type ProxyEvent } from '../commons/http';
import { handleStatus } from './status';

const sfn = new SFNClient({});

export const handler = httpHandler(
  'environment-status',
  (event: ProxyEvent) =>
    handleStatus(event, {
      sfn,
      // Read when the look-up needs it: a missing one is a ConfigurationError naming it, not a call with an empty ARN.
      get stateMachineArn() {
        return requiredSetting('STATE_MACHINE_ARN');
      },
      get teardownStateMachineArn() {
        return requiredSetting('TEARDOWN_STATE_MACHINE_ARN');
      },
    }),
  json(500, { message: 'Internal error.' }),
);
