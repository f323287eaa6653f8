/** Lambda entry for POST /environments: wiring only; the logic is handleIntake. */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { requiredSetting } from '../commons/config';
import { httpHandler } from '../commons/handler';
import { json, type ProxyEvent } from '../commons/http';
import { cachedSecret } from '../commons/secret';
import { handleIntake } from './intake';

const sfn = new SFNClient({});
const signingSecret = cachedSecret(new SecretsManagerClient({}), process.env.SIGNING_SECRET_ARN);

// Details of a failure go to the function's log, not to the caller.
export const handler = httpHandler(
  'intake',
  (event: ProxyEvent) =>
    handleIntake(event, {
      sfn,
      // Read when the start needs it: a missing one is a ConfigurationError naming it, not a call with an empty ARN.
      get stateMachineArn() {
        return requiredSetting('STATE_MACHINE_ARN');
      },
      signingSecret,
    }),
  json(500, { message: 'Internal error; the request was not started. Retry later.' }),
);
