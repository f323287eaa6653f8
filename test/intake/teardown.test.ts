/**
 * The webhook's DELETE /environments/{environmentId} against the local Step Functions endpoint with the real
 * SFN client, both state machines registered: every answer (401, 400, 404, 409, 200, 202), the teardown's
 * input (the latest provisioning request with the public-access choice), its execution names and re-runs,
 * and provisioning's POST refused while a teardown of the environment runs.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { executionArnFor } from '../../functions/commons/executions';
import { handleIntake } from '../../functions/intake/intake';
import { handleTeardownRequest, type TeardownIntakeDeps } from '../../functions/intake/teardown';
import { handleStatus } from '../../functions/environment-status/status';
import { localPublicDns } from '../../local/cloud/public-dns';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../local/stepfunctions/server';
import { ManualBackend, SECRET, STATE_MACHINE_ARN, sampleRequest, sfnClient, webhookEvent } from './support';
import { TEARDOWN_STATE_MACHINE_ARN } from './teardown-support';

let backend: ManualBackend;
let server: LocalStepFunctions;
let sfn: SFNClient;
let deps: TeardownIntakeDeps;

beforeEach(async () => {
  backend = new ManualBackend();
  server = await startLocalStepFunctions({ backend, stateMachineArns: [STATE_MACHINE_ARN, TEARDOWN_STATE_MACHINE_ARN], pageLimit: 2 });
  sfn = sfnClient(server.endpoint);
  deps = {
    sfn,
    stateMachineArn: STATE_MACHINE_ARN,
    teardownStateMachineArn: TEARDOWN_STATE_MACHINE_ARN,
    signingSecret: async () => SECRET,
    callbackChecks: { resolveHost: localPublicDns },
  };
});
afterEach(async () => {
  sfn.destroy();
  await server.close();
});

const ENV = 'aoai-prod-01';
const parse = (answer: { body: string }) => JSON.parse(answer.body);
/** The body a DELETE must carry: it names the environment, since the signature covers the body and not the path. */
const named = (environmentId: string, extra: Record<string, unknown> = {}) => JSON.stringify({ environmentId, ...extra });
/** A signed DELETE for the environment with `body` (by default the one naming it). */
const deleteEvent = (environmentId = ENV, body = named(environmentId), options: Parameters<typeof webhookEvent>[1] = {}) => ({
  ...webhookEvent(body, options),
  httpMethod: 'DELETE',
  pathParameters: { environmentId },
});
const remove = async (environmentId = ENV, body = named(environmentId)) => {
  const answer = await handleTeardownRequest(deleteEvent(environmentId, body), deps);
  return { statusCode: answer.statusCode, ...parse(answer) };
};
const provision = async (request: Record<string, any> = sampleRequest()) => {
  const answer = await handleIntake(webhookEvent(JSON.stringify(request)), deps);
  return { statusCode: answer.statusCode, ...parse(answer) };
};
const teardownsStarted = () => [...server.executions.values()].filter((e) => e.stateMachineArn === TEARDOWN_STATE_MACHINE_ARN);
/** Start dates are compared: the next start must be in a later millisecond. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
const RESTORE = named(ENV, { publicNetworkAccessOnTeardown: 'restore' });

test('404: no provisioning of the environment was ever started; nothing is started', async () => {
  const answer = await remove();
  expect(answer).toMatchObject({ statusCode: 404, environmentId: ENV });
  // Another environment's provisioning does not count, even one whose id starts the same.
  const other = sampleRequest();
  other.environmentId = 'aoai-prod';
  expect((await provision(other)).statusCode).toBe(202);
  expect((await remove()).statusCode).toBe(404);
  expect(teardownsStarted()).toHaveLength(0);
});

test('401: unsigned, wrong secret, stale, or a body changed after signing; nothing is looked up or started', async () => {
  const provisioned = await provision();
  backend.finish(provisioned.executionArn, { status: 'SUCCEEDED', output: '{}' });
  const now = Math.floor(Date.now() / 1000);
  const cases = [
    [deleteEvent(ENV, '', { sign: false }), 'missing'],
    [deleteEvent(ENV, '', { secret: 'another-secret' }), 'mismatch'],
    [deleteEvent(ENV, '', { nowSeconds: now - 301 }), 'stale'],
    [deleteEvent(ENV, RESTORE, { nowSeconds: now + 301 }), 'stale'],
  ] as const;
  for (const [event, reason] of cases) {
    const answer = await handleTeardownRequest(event, deps);
    expect({ status: answer.statusCode, reason: parse(answer).reason }).toEqual({ status: 401, reason });
  }
  // Signed without the option, sent with it: the signature covers the raw body.
  const tampered = deleteEvent(ENV);
  tampered.body = RESTORE;
  expect((await handleTeardownRequest(tampered, deps)).statusCode).toBe(401);
  expect(teardownsStarted()).toHaveLength(0);
});

test('400: a malformed environmentId, or a body other than empty or the one option; nothing started', async () => {
  const provisioned = await provision();
  backend.finish(provisioned.executionArn, { status: 'SUCCEEDED', output: '{}' });
  for (const id of ['Aoai', 'ao', 'aoai-prod-', '9aoai', 'a'.repeat(32)]) expect({ id, status: (await remove(id)).statusCode }).toEqual({ id, status: 400 });
  for (const body of ['', 'nope', '[]', '"restore"', '{}', named(ENV, { publicNetworkAccessOnTeardown: 'enable' }), named(ENV, { force: true }), JSON.stringify({ publicNetworkAccessOnTeardown: 'restore' })]) {
    expect({ body, status: (await remove(ENV, body)).statusCode }).toEqual({ body, status: 400 });
  }
  expect(teardownsStarted()).toHaveLength(0);
});

test("400: a DELETE signed for one environment, replayed against another's path, starts nothing", async () => {
  const provisioned = await provision();
  backend.finish(provisioned.executionArn, { status: 'SUCCEEDED', output: '{}' });
  const other = await provision({ ...sampleRequest(), environmentId: 'aoai-prod-02' });
  backend.finish(other.executionArn, { status: 'SUCCEEDED', output: '{}' });
  const replayed = await remove('aoai-prod-02', named(ENV));
  expect(replayed).toMatchObject({ statusCode: 400, message: expect.stringContaining(`must be the path's, "aoai-prod-02"`) });
  expect(teardownsStarted()).toHaveLength(0);
});

test("202: starts <env>-teardown-1 on the teardown machine with the latest provisioning's request, public access kept by default", async () => {
  const request = sampleRequest();
  const provisioned = await provision(request);
  backend.finish(provisioned.executionArn, { status: 'FAILED', error: 'TunnelsDown', cause: 'tunnel 1 DOWN' });
  await tick();
  // The latest provisioning is the re-run with a changed request: its request is the one torn down.
  const changed = sampleRequest();
  changed.ticket.id = 'OPS-5678';
  const rerun = await provision(changed);
  expect(rerun.executionName).toBe(`${ENV}-run-2`);
  backend.finish(rerun.executionArn, { status: 'SUCCEEDED', output: '{}' });
  await tick();

  const answer = await remove();
  expect(answer.statusCode).toBe(202);
  expect(answer.executionName).toBe(`${ENV}-teardown-1`);
  expect(answer.executionArn).toBe(executionArnFor(TEARDOWN_STATE_MACHINE_ARN, `${ENV}-teardown-1`));
  expect(answer.consoleUrl).toBe(`https://ap-northeast-1.console.aws.amazon.com/states/home?region=ap-northeast-1#/v2/executions/details/${answer.executionArn}`);
  expect(answer).toMatchObject({ status: 'RUNNING', requestOf: `${ENV}-run-2`, publicNetworkAccessOnTeardown: 'keep' });
  const [teardown] = teardownsStarted();
  expect(teardown.name).toBe(`${ENV}-teardown-1`);
  expect(JSON.parse(teardown.input)).toEqual({ ...changed, options: { ...changed.options, publicNetworkAccessOnTeardown: 'keep' } });
  expect(teardown.input).not.toContain(SECRET);
});

test('202 with {"publicNetworkAccessOnTeardown": "restore"}: the choice is merged into the options', async () => {
  const provisioned = await provision();
  backend.finish(provisioned.executionArn, { status: 'SUCCEEDED', output: '{}' });
  await tick();
  const answer = await remove(ENV, RESTORE);
  expect(answer).toMatchObject({ statusCode: 202, publicNetworkAccessOnTeardown: 'restore' });
  expect(JSON.parse(teardownsStarted()[0].input).options).toEqual({ ...sampleRequest().options, publicNetworkAccessOnTeardown: 'restore' });
});

test('409: a provisioning of the environment is running; another environment is not blocked', async () => {
  const provisioned = await provision();
  const answer = await remove();
  expect(answer).toMatchObject({ statusCode: 409, runningWorkflow: 'provisioning', runningExecutionArn: provisioned.executionArn });
  expect(teardownsStarted()).toHaveLength(0);

  const other = sampleRequest();
  other.environmentId = 'aoai-prod';
  const otherRun = await provision(other);
  backend.finish(otherRun.executionArn, { status: 'SUCCEEDED', output: '{}' });
  await tick();
  expect((await remove('aoai-prod')).statusCode).toBe(202);
  // Once the provisioning has ended, the teardown starts.
  backend.finish(provisioned.executionArn, { status: 'FAILED', error: 'GatewayBuildFailed', cause: 'gateway Failed' });
  await tick();
  expect((await remove()).statusCode).toBe(202);
});

test('200 while a teardown of the same request runs or after it succeeded; 409 for a different one while it runs', async () => {
  const provisioned = await provision();
  backend.finish(provisioned.executionArn, { status: 'SUCCEEDED', output: '{}' });
  await tick();
  const first = await remove();
  expect(first.statusCode).toBe(202);
  // An explicit "keep" is the same teardown as a body without the option.
  const again = await remove(ENV, named(ENV, { publicNetworkAccessOnTeardown: 'keep' }));
  expect(again).toMatchObject({ statusCode: 200, executionArn: first.executionArn, status: 'RUNNING' });
  const different = await remove(ENV, RESTORE);
  expect(different).toMatchObject({ statusCode: 409, runningWorkflow: 'teardown', runningExecutionArn: first.executionArn });

  backend.finish(first.executionArn, { status: 'SUCCEEDED', output: JSON.stringify({ removed: [] }) });
  const later = await remove();
  expect(later).toMatchObject({ statusCode: 200, executionArn: first.executionArn, status: 'SUCCEEDED' });
  expect(teardownsStarted()).toHaveLength(1);
});

test('202 again after a failed teardown: a re-run under the next attempt, whose redeliveries start nothing', async () => {
  const provisioned = await provision();
  backend.finish(provisioned.executionArn, { status: 'SUCCEEDED', output: '{}' });
  await tick();
  const first = await remove();
  backend.finish(first.executionArn, { status: 'FAILED', error: 'States.Timeout', cause: 'took too long' });
  const rerun = await remove();
  expect(rerun).toMatchObject({ statusCode: 202, executionName: `${ENV}-teardown-2` });
  expect(rerun.message).toContain(`${ENV}-teardown-1 (FAILED)`);
  expect((await remove()).statusCode).toBe(200);
  expect(teardownsStarted().map((e) => e.name).sort()).toEqual([`${ENV}-teardown-1`, `${ENV}-teardown-2`]);
});

test('POST is refused with 409 while a teardown of the environment runs; after it, the same request builds again (202, not a redelivery)', async () => {
  const provisioned = await provision();
  backend.finish(provisioned.executionArn, { status: 'SUCCEEDED', output: '{}' });
  await tick();
  const teardown = await remove();
  expect(teardown.statusCode).toBe(202);

  const during = await provision();
  expect(during).toMatchObject({ statusCode: 409, runningWorkflow: 'teardown', runningExecutionArn: teardown.executionArn });
  const changed = sampleRequest();
  changed.ticket.id = 'OPS-5678';
  expect((await provision(changed)).statusCode).toBe(409);
  expect([...server.executions.values()].filter((e) => e.stateMachineArn === STATE_MACHINE_ARN)).toHaveLength(1);

  backend.finish(teardown.executionArn, { status: 'SUCCEEDED', output: '{}' });
  await tick();
  const rebuilt = await provision();
  expect(rebuilt).toMatchObject({ statusCode: 202, executionName: `${ENV}-run-2` });
  backend.finish(rebuilt.executionArn, { status: 'SUCCEEDED', output: '{}' });
  await tick();
  // Something was built after the first teardown: removing it again is a new teardown, not a redelivery.
  expect(await remove()).toMatchObject({ statusCode: 202, executionName: `${ENV}-teardown-2` });
});

test('GET /environments/{id} with the teardown machine: the latest teardown beside the provisioning, and which ran last', async () => {
  const statusDeps = { sfn, stateMachineArn: STATE_MACHINE_ARN, teardownStateMachineArn: TEARDOWN_STATE_MACHINE_ARN };
  const get = async (environmentId = ENV) => {
    const answer = await handleStatus({ pathParameters: { environmentId } }, statusDeps);
    return { statusCode: answer.statusCode, ...parse(answer) };
  };
  expect((await get()).statusCode).toBe(404);
  const provisioned = await provision();
  backend.finish(provisioned.executionArn, { status: 'SUCCEEDED', output: JSON.stringify({ endpoint: 'aoai-prod.openai.azure.com' }) });
  await tick();
  expect(await get()).toMatchObject({ statusCode: 200, status: 'SUCCEEDED', teardown: null, latestWorkflow: 'provisioning' });

  const teardown = await remove();
  backend.finish(teardown.executionArn, { status: 'SUCCEEDED', output: JSON.stringify({ message: 'Removed 27 resources.' }) });
  expect(await get()).toMatchObject({
    statusCode: 200,
    executionArn: provisioned.executionArn,
    status: 'SUCCEEDED',
    latestWorkflow: 'teardown',
    teardown: { executionArn: teardown.executionArn, executionName: `${ENV}-teardown-1`, status: 'SUCCEEDED', summary: { message: 'Removed 27 resources.' } },
  });
  await tick();
  const rebuilt = await provision();
  expect(await get()).toMatchObject({ executionArn: rebuilt.executionArn, status: 'RUNNING', latestWorkflow: 'provisioning' });
  // Without the teardown machine, the answer is provisioning's alone, as before.
  expect(parse(await handleStatus({ pathParameters: { environmentId: ENV } }, { sfn, stateMachineArn: STATE_MACHINE_ARN }))).not.toHaveProperty('teardown');
});

test("teardown names are read exactly: another environment's, a zero-padded or a suffixed name is not one of the environment's attempts", async () => {
  const provisioned = await provision();
  backend.finish(provisioned.executionArn, { status: 'SUCCEEDED', output: '{}' });
  await tick();
  const input = JSON.stringify({ environmentId: ENV });
  for (const name of [`${ENV}-teardown-07`, `${ENV}-teardown-3x`, `${ENV}-teardown-0`, 'aoai-prod-teardown-5', `${ENV}-teardown-teardown-1`]) {
    await sfn.send(new StartExecutionCommand({ stateMachineArn: TEARDOWN_STATE_MACHINE_ARN, name, input }));
  }
  // None of them is running for the environment, and none numbers its attempts.
  expect(await remove()).toMatchObject({ statusCode: 202, executionName: `${ENV}-teardown-1` });
});
