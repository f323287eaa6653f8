/**
 * Lambda entry for the webhook: POST /environments starts a provisioning (handleIntake), DELETE
 * /environments/{environmentId} a teardown (handleTeardownRequest). Wiring only.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { requiredSetting } from '../commons/config';
import { httpHandler } from '../commons/handler';
import { json, type ProxyEvent } from '../commons/http';
import { cachedSecret } from '../commons/secret';
import { handleIntake, type IntakeDeps } from './intake';
import { handleTeardownRequest, type TeardownIntakeDeps } from './teardown';

const sfn = new SFNClient({});
const signingSecret = cachedSecret(new SecretsManagerClient({}), process.env.SIGNING_SECRET_ARN);

// Read when a start needs them: a missing one is a ConfigurationError naming it, not a call with an empty ARN.
const deps: TeardownIntakeDeps & IntakeDeps = {
  sfn,
  get stateMachineArn() {
    return requiredSetting('STATE_MACHINE_ARN');
  },
  get teardownStateMachineArn() {
    return requiredSetting('TEARDOWN_STATE_MACHINE_ARN');
  },
  signingSecret,
};

/** API Gateway's REST proxy event names the method; only the two routes of the stack reach this function. */
export function isTeardownRoute(event: ProxyEvent & { httpMethod?: string }): boolean {
  return event.httpMethod === 'DELETE';
}

// Details of a failure go to the function's log, not to the caller.
export const handler = httpHandler(
  'intake',
  (event: ProxyEvent & { httpMethod?: string }) => (isTeardownRoute(event) ? handleTeardownRequest(event, deps) : handleIntake(event, deps)),
  json(500, { message: 'Internal error; the request was not started. Retry later.' }),
);
