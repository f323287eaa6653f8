/**
 * The intake's Lambda entry as API Gateway calls it: DELETE goes to the teardown, POST to provisioning, each
 * with the machines and the signing secret from the environment the stack sets (the local Step Functions
 * endpoint and the local Secrets Manager, reached through the SDK's own endpoint variables).
 */
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { LocalStepFunctions } from '../../local/stepfunctions/server';
import { startHarness, type Harness } from '../local-aws/helpers';
import { lambdaContext } from '../support/lambda-context';
import { logLines } from '../support/log-lines';
import { ManualBackend, SECRET, STATE_MACHINE_ARN, localSfn, sampleRequest, webhookEvent } from './support';
import { TEARDOWN_STATE_MACHINE_ARN } from './teardown-support';

let aws: Harness;
let backend: ManualBackend;
let server: LocalStepFunctions;
let sfn: SFNClient;
const saved = { ...process.env };

beforeAll(async () => {
  aws = await startHarness();
  backend = new ManualBackend();
  ({ server, sfn } = await localSfn(backend));
  const { ARN } = await aws.secrets.send(new CreateSecretCommand({ Name: 'aoai-link/webhook-signing', SecretString: SECRET }));
  Object.assign(process.env, {
    AWS_REGION: 'ap-northeast-1',
    AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
    AWS_SECRET_ACCESS_KEY: 'local-secret',
    AWS_ENDPOINT_URL_SFN: server.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
    AWS_EC2_METADATA_DISABLED: 'true',
    SIGNING_SECRET_ARN: ARN,
    STATE_MACHINE_ARN,
    TEARDOWN_STATE_MACHINE_ARN,
  });
});
afterAll(async () => {
  process.env = saved;
  sfn.destroy();
  await server.close();
  await aws.close();
});

const loadHandler = () => {
  let handler: typeof import('../../functions/intake/handler').handler | undefined;
  jest.isolateModules(() => {
    handler = require('../../functions/intake/handler').handler;
  });
  return handler!;
};
const deleteEvent = (environmentId: string) => ({ ...webhookEvent(JSON.stringify({ environmentId })), httpMethod: 'DELETE', pathParameters: { environmentId } });
/** The sample request without a ticket: POST then needs no callback check (no DNS). */
const postBody = () => {
  const request = sampleRequest();
  delete request.ticket;
  return JSON.stringify(request);
};

test('DELETE starts a teardown, POST a provisioning; a DELETE before any provisioning is 404', async () => {
  const handler = loadHandler();
  const context = lambdaContext('aoai-link-intake', 'req-teardown-1');
  expect((await handler(deleteEvent('aoai-prod-01'), context)).statusCode).toBe(404);

  const posted = await handler({ ...webhookEvent(postBody()), httpMethod: 'POST' }, context);
  expect(posted.statusCode).toBe(202);
  const provisioning = JSON.parse(posted.body);
  expect(provisioning.executionArn).toContain(':execution:aoai-link-provision:aoai-prod-01-run-1');
  backend.finish(provisioning.executionArn, { status: 'SUCCEEDED', output: '{}' });
  await new Promise((resolve) => setTimeout(resolve, 5));

  const removed = await handler(deleteEvent('aoai-prod-01'), context);
  expect(removed.statusCode).toBe(202);
  expect(JSON.parse(removed.body).executionArn).toContain(':execution:aoai-link-teardown:aoai-prod-01-teardown-1');
  // While the teardown runs, provisioning is refused.
  expect((await handler({ ...webhookEvent(postBody()), httpMethod: 'POST' }, context)).statusCode).toBe(409);
});

test('without the teardown machine in the environment, POST and DELETE are a 500 that tells nothing; the log names the variable', async () => {
  delete process.env.TEARDOWN_STATE_MACHINE_ARN;
  try {
    const handler = loadHandler();
    const other = sampleRequest();
    delete other.ticket;
    other.environmentId = 'aoai-other-01';
    const answers: Awaited<ReturnType<typeof handler>>[] = [];
    const logged = await logLines(async () => {
      answers.push(await handler({ ...webhookEvent(JSON.stringify(other)), httpMethod: 'POST' }, lambdaContext('aoai-link-intake', 'req-teardown-2')));
      // An environment with a provisioning (the test above): the teardown's start needs the machine.
      answers.push(await handler(deleteEvent('aoai-prod-01'), lambdaContext('aoai-link-intake', 'req-teardown-3')));
    });
    expect(answers.map((a) => a.statusCode)).toEqual([500, 500]);
    for (const answer of answers) expect(answer.body).not.toContain('TEARDOWN_STATE_MACHINE_ARN');
    const failure = expect.objectContaining({ level: 'ERROR', error: 'ConfigurationError', cause: expect.stringContaining('TEARDOWN_STATE_MACHINE_ARN') });
    expect(logged).toEqual([failure, failure]);
  } finally {
    process.env.TEARDOWN_STATE_MACHINE_ARN = TEARDOWN_STATE_MACHINE_ARN;
  }
});
