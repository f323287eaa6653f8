/**
 * functions/environment-status: GET /environments/{environmentId} with the real SFN client against the local
 * Step Functions endpoint: the id is checked before any call, the latest attempt is the one shown, and an
 * ended execution shows its summary or its error and cause.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { handleStatus } from '../../functions/environment-status/status';
import { executionArnFor } from '../../functions/commons/executions';
import { LOCAL_TEARDOWN_STATE_MACHINE_ARN, startLocalStepFunctions, type LocalStepFunctions } from '../../local/stepfunctions/server';
import { ManualBackend, STATE_MACHINE_ARN, sfnClient } from '../intake/support';
import { lambdaContext } from '../support/lambda-context';
import { logLines } from '../support/log-lines';
import { RequestRefused } from '../../functions/commons/errors';

let backend: ManualBackend;
let server: LocalStepFunctions;
let sfn: SFNClient;
let calls: string[];

beforeEach(async () => {
  backend = new ManualBackend();
  server = await startLocalStepFunctions({ backend, pageLimit: 2 });
  sfn = sfnClient(server.endpoint);
  calls = [];
  sfn.middlewareStack.add(
    (next, context) => async (args) => {
      calls.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'recordCalls' },
  );
});
afterEach(async () => {
  sfn.destroy();
  await server.close();
});

const ENV = 'aoai-prod-01';
const arnOf = (name: string) => executionArnFor(STATE_MACHINE_ARN, name);
const get = (environmentId: string | undefined) =>
  handleStatus({ pathParameters: environmentId === undefined ? null : { environmentId } }, { sfn, stateMachineArn: STATE_MACHINE_ARN });
const start = (name: string, input: unknown = { environmentId: ENV }) =>
  sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name, input: JSON.stringify(input) }));
const bodyOf = (answer: { body: string }) => JSON.parse(answer.body);

test.each([
  ['Not_Valid'],
  ['ab'],
  ['1abc'],
  ['aoai-prod-'],
  ['a'.repeat(32)],
  ['aoai prod'],
  [''],
])('400 for the id %j, before any call to Step Functions', async (environmentId) => {
  const answer = await get(environmentId);
  expect(answer.statusCode).toBe(400);
  expect(bodyOf(answer).message).toEqual(expect.any(String));
  expect(answer.headers['Content-Type']).toBe('application/json');
  expect(calls).toEqual([]);
});

test('400 without a path parameter', async () => {
  expect((await get(undefined)).statusCode).toBe(400);
  expect(calls).toEqual([]);
});

test('ids at the limits are accepted: three characters, and thirty-one', async () => {
  expect((await get('abc')).statusCode).toBe(404);
  expect((await get(`a${'b'.repeat(30)}`)).statusCode).toBe(404);
});

test('404 naming the environment when it has no execution (another environment\'s do not count)', async () => {
  await start('aoai-prod-run-1');
  await start(`${ENV}-01-run-1`);
  const answer = await get('aoai-prod-01');
  expect(answer.statusCode).toBe(404);
  expect(bodyOf(answer)).toEqual({ message: expect.stringContaining(ENV), environmentId: ENV });
});

test('200 with the latest attempt while it runs: no summary, no error yet, the console link', async () => {
  for (const n of [1, 2, 10]) await start(`${ENV}-run-${n}`);
  backend.finish(arnOf(`${ENV}-run-1`), { status: 'SUCCEEDED', output: '{"old":true}' });
  const answer = await get(ENV);
  expect(answer.statusCode).toBe(200);
  const body = bodyOf(answer);
  expect(body).toEqual({
    environmentId: ENV,
    executionArn: arnOf(`${ENV}-run-10`),
    executionName: `${ENV}-run-10`,
    status: 'RUNNING',
    startDate: expect.any(String),
    summary: null,
    error: null,
    cause: null,
    problems: null,
    consoleUrl: `https://ap-northeast-1.console.aws.amazon.com/states/home?region=ap-northeast-1#/v2/executions/details/${arnOf(`${ENV}-run-10`)}`,
  });
  expect(new Date(body.startDate).getTime()).toBeGreaterThan(0);
});

test('200 after success: the summary is the execution output, parsed', async () => {
  await start(`${ENV}-run-1`);
  backend.finish(arnOf(`${ENV}-run-1`), { status: 'SUCCEEDED', output: JSON.stringify({ privateEndpointIp: '192.168.1.4' }) });
  const body = bodyOf(await get(ENV));
  expect(body).toMatchObject({ status: 'SUCCEEDED', summary: { privateEndpointIp: '192.168.1.4' }, error: null, cause: null });
  expect(new Date(body.stopDate).getTime()).toBeGreaterThanOrEqual(new Date(body.startDate).getTime());
});

test('200 after a failure: the error and the cause', async () => {
  await start(`${ENV}-run-1`);
  backend.finish(arnOf(`${ENV}-run-1`), { status: 'FAILED', error: 'TunnelsDown', cause: 'tunnel 1: aws DOWN, azure NotConnected' });
  expect(bodyOf(await get(ENV))).toMatchObject({
    status: 'FAILED',
    summary: null,
    error: 'TunnelsDown',
    cause: 'tunnel 1: aws DOWN, azure NotConnected',
  });
});

test('200 after a refusal: the problems as data, read back from the Cause Lambda wrote; null for any other failure', async () => {
  const refused = new RequestRefused('The request contradicts what the clouds report; nothing was created.', [{ path: 'aws.vpcId', message: 'VPC vpc-1 was not found' }]);
  const cause = JSON.stringify({ errorType: refused.name, errorMessage: refused.message, trace: refused.stack!.split('\n') });
  await start(`${ENV}-run-1`);
  backend.finish(arnOf(`${ENV}-run-1`), { status: 'FAILED', error: 'RequestRefused', cause });
  expect(bodyOf(await get(ENV))).toMatchObject({ status: 'FAILED', error: 'RequestRefused', cause, problems: [{ path: 'aws.vpcId', message: 'VPC vpc-1 was not found' }] });
  await start(`${ENV}-run-2`);
  backend.finish(arnOf(`${ENV}-run-2`), { status: 'FAILED', error: 'TunnelsDown', cause });
  expect(bodyOf(await get(ENV))).toMatchObject({ error: 'TunnelsDown', problems: null });
});

test('404 when the listed execution is gone by the time it is described (past its retention)', async () => {
  await start(`${ENV}-run-1`);
  sfn.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'ListExecutionsCommand') server.executions.delete(arnOf(`${ENV}-run-1`));
      return result;
    },
    { step: 'initialize', name: 'expireAfterList' },
  );
  calls = [];
  const answer = await get(ENV);
  expect(answer.statusCode).toBe(404);
  expect(bodyOf(answer)).toEqual({ message: expect.stringContaining(ENV), environmentId: ENV });
  expect(calls).toEqual(['ListExecutionsCommand', 'DescribeExecutionCommand']);
});

describe('the Lambda handler', () => {
  const saved = { ...process.env };
  beforeEach(() => {
    Object.assign(process.env, {
      AWS_REGION: 'ap-northeast-1',
      AWS_ENDPOINT_URL_SFN: server.endpoint,
      AWS_ACCESS_KEY_ID: 'AKIATESTLOCAL0000000',
      AWS_SECRET_ACCESS_KEY: 'test-secret-access-key',
      STATE_MACHINE_ARN,
      TEARDOWN_STATE_MACHINE_ARN: LOCAL_TEARDOWN_STATE_MACHINE_ARN,
    });
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  test('answers what handleStatus answers, and 500 without detail (logged as one ERROR line) when it throws', async () => {
    // Loaded now: the module builds its client from the environment set above.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { handler } = require('../../functions/environment-status/handler') as typeof import('../../functions/environment-status/handler');
    await start(`${ENV}-run-1`);
    const context = lambdaContext('aoai-link-environment-status', 'req-status-1');
    const ok = await handler({ pathParameters: { environmentId: ENV } }, context);
    expect(ok.statusCode).toBe(200);
    expect(bodyOf(ok).executionName).toBe(`${ENV}-run-1`);

    delete process.env.STATE_MACHINE_ARN;
    let failed: { statusCode: number; body: string } | undefined;
    const logged = await logLines(async () => {
      failed = await handler({ pathParameters: { environmentId: ENV } }, context);
    });
    expect(failed!.statusCode).toBe(500);
    expect(bodyOf(failed!)).toEqual({ message: 'Internal error.' });
    expect(logged).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        service: 'environment-status',
        message: 'request failed',
        function_request_id: 'req-status-1',
        // Named before any call is made (it was an SFN InvalidArn for an empty ARN).
        error: 'ConfigurationError',
        cause: expect.stringContaining('STATE_MACHINE_ARN'),
      }),
    ]);
  });
});
