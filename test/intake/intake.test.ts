import { SFNClient } from '@aws-sdk/client-sfn';
import { MAX_REQUEST_BYTES } from '../../functions/commons/request/contract';
import { IntakeDeps, handleIntake } from '../../functions/intake/intake';
import { handleStatus } from '../../functions/environment-status/status';
import type { LocalStepFunctions } from '../../local/stepfunctions/server';
import { ManualBackend, SECRET, STATE_MACHINE_ARN, localSfn, sampleRequest, webhookEvent } from './support';
import { localPublicDns } from '../../local/cloud/public-dns';

let backend: ManualBackend;
let server: LocalStepFunctions;
let sfn: SFNClient;
let deps: IntakeDeps;

beforeEach(async () => {
  backend = new ManualBackend();
  ({ server, sfn } = await localSfn(backend));
  // The callback host (tickets.example.com) resolves by local mode's public-DNS rule: no query leaves 127.0.0.1.
  deps = { sfn, stateMachineArn: STATE_MACHINE_ARN, signingSecret: async () => SECRET, callbackChecks: { resolveHost: localPublicDns } };
});
afterEach(async () => {
  sfn.destroy();
  await server.close();
});

const body = (request: unknown = sampleRequest()) => JSON.stringify(request);
const parse = (answer: { body: string }) => JSON.parse(answer.body);

test('202: a signed, valid request starts one execution with a deterministic name and a console link', async () => {
  const answer = await handleIntake(webhookEvent(body()), deps);
  expect(answer.statusCode).toBe(202);
  const result = parse(answer);
  expect(result.executionName).toBe('aoai-prod-01-run-1');
  expect(result.executionArn).toBe(`${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${result.executionName}`);
  expect(result.consoleUrl).toBe(
    `https://ap-northeast-1.console.aws.amazon.com/states/home?region=ap-northeast-1#/v2/executions/details/${result.executionArn}`,
  );
  expect(server.executions.size).toBe(1);
  expect(JSON.parse(server.executions.get(result.executionArn)!.input).environmentId).toBe('aoai-prod-01');
});

test('401: unsigned, wrong signature, wrong secret, stale or future timestamp; nothing started', async () => {
  const now = Math.floor(Date.now() / 1000);
  const cases = [
    [webhookEvent(body(), { sign: false }), 'missing'],
    [webhookEvent(body(), { secret: 'another-secret' }), 'mismatch'],
    [webhookEvent(body(), { nowSeconds: now - 301 }), 'stale'],
    [webhookEvent(body(), { nowSeconds: now + 301 }), 'stale'],
  ] as const;
  for (const [event, reason] of cases) {
    const answer = await handleIntake(event, deps);
    expect(answer.statusCode).toBe(401);
    expect(parse(answer).reason).toBe(reason);
  }
  // A body changed after signing.
  const tampered = webhookEvent(body());
  tampered.body = tampered.body!.replace('OPS-1234', 'OPS-9999');
  expect((await handleIntake(tampered, deps)).statusCode).toBe(401);
  // Within the window is fine.
  expect((await handleIntake(webhookEvent(body(), { nowSeconds: now - 290 }), deps)).statusCode).toBe(202);
  expect(server.executions.size).toBe(1);
});

test('200: a redelivered webhook starts nothing new, while running and after the end', async () => {
  const first = parse(await handleIntake(webhookEvent(body()), deps));
  const again = await handleIntake(webhookEvent(body()), deps);
  expect(again.statusCode).toBe(200);
  expect(parse(again)).toMatchObject({ executionArn: first.executionArn, status: 'RUNNING' });

  backend.finish(first.executionArn, { status: 'SUCCEEDED', output: JSON.stringify({ ok: true }) });
  const later = await handleIntake(webhookEvent(body()), deps);
  expect(later.statusCode).toBe(200);
  expect(parse(later)).toMatchObject({ executionArn: first.executionArn, status: 'SUCCEEDED' });
  // Field order does not change the identity of the request.
  const reordered = Object.fromEntries(Object.entries(sampleRequest()).reverse());
  expect((await handleIntake(webhookEvent(JSON.stringify(reordered, null, 2)), deps)).statusCode).toBe(200);
  expect(server.executions.size).toBe(1);
});

test('409: another execution for the same environment is running; other environments are not blocked', async () => {
  const first = parse(await handleIntake(webhookEvent(body()), deps));
  const changed = sampleRequest();
  changed.ticket.id = 'OPS-5678';
  const conflict = await handleIntake(webhookEvent(body(changed)), deps);
  expect(conflict.statusCode).toBe(409);
  expect(parse(conflict).runningExecutionArn).toBe(first.executionArn);

  // `aoai-prod` is a prefix of `aoai-prod-01` but another environment.
  const other = sampleRequest();
  other.environmentId = 'aoai-prod';
  expect((await handleIntake(webhookEvent(body(other)), deps)).statusCode).toBe(202);

  backend.finish(first.executionArn, { status: 'FAILED', error: 'GatewayBuildFailed', cause: 'gateway Failed' });
  expect((await handleIntake(webhookEvent(body(changed)), deps)).statusCode).toBe(202);
});

test('202 again after a failure: the same request starts a re-run under the next attempt; its redeliveries start nothing', async () => {
  const first = parse(await handleIntake(webhookEvent(body()), deps));
  backend.finish(first.executionArn, { status: 'FAILED', error: 'TunnelsDown', cause: 'tunnel 1 DOWN' });
  const rerun = await handleIntake(webhookEvent(body()), deps);
  expect(rerun.statusCode).toBe(202);
  const second = parse(rerun);
  expect(second.executionName).toBe('aoai-prod-01-run-2');
  expect(second.message).toContain('aoai-prod-01-run-1 (FAILED)');
  // Redelivered while the re-run is RUNNING, and after it SUCCEEDED: nothing new.
  expect(parse(await handleIntake(webhookEvent(body()), deps))).toMatchObject({ executionArn: second.executionArn, status: 'RUNNING' });
  backend.finish(second.executionArn, { status: 'SUCCEEDED', output: '{}' });
  const after = await handleIntake(webhookEvent(body()), deps);
  expect(after.statusCode).toBe(200);
  expect(parse(after)).toMatchObject({ executionArn: second.executionArn, status: 'SUCCEEDED' });
  // TIMED_OUT and ABORTED are re-run too.
  const changed = sampleRequest();
  changed.ticket.id = 'OPS-5678';
  const third = parse(await handleIntake(webhookEvent(body(changed)), deps));
  expect(third.executionName).toBe('aoai-prod-01-run-3');
  backend.finish(third.executionArn, { status: 'TIMED_OUT' });
  expect(parse(await handleIntake(webhookEvent(body(changed)), deps)).executionName).toBe('aoai-prod-01-run-4');
  expect(server.executions.size).toBe(4);
});

/** Holds every StartExecution until two have been sent, so both deliveries have looked before either starts. */
function holdTwoStartsTogether(): (() => void)[] {
  const held: (() => void)[] = [];
  sfn.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'StartExecutionCommand') {
        await new Promise<void>((release) => {
          held.push(release);
          if (held.length === 2) held.forEach((go) => go());
        });
      }
      return next(args);
    },
    { step: 'initialize', name: 'holdStartsTogether' },
  );
  return held;
}

test('409 from Step Functions itself: two different requests for one environment racing for the same attempt', async () => {
  // Hold every StartExecution until both deliveries have sent theirs, so each has already looked and seen
  // nothing running: only the name (per environment and attempt) can keep the second from starting.
  const held = holdTwoStartsTogether();
  const changed = sampleRequest();
  changed.ticket.id = 'OPS-5678';
  const answers = await Promise.all([handleIntake(webhookEvent(body()), deps), handleIntake(webhookEvent(body(changed)), deps)]);
  expect(held).toHaveLength(2);
  expect(answers.map((a) => a.statusCode).sort()).toEqual([202, 409]);
  expect(server.executions.size).toBe(1);
  const winner = parse(answers.find((a) => a.statusCode === 202)!);
  expect(parse(answers.find((a) => a.statusCode === 409)!).runningExecutionArn).toBe(winner.executionArn);
});

test('identical deliveries racing for the same attempt: one execution (same name and input while running)', async () => {
  const held = holdTwoStartsTogether();
  const answers = await Promise.all([handleIntake(webhookEvent(body()), deps), handleIntake(webhookEvent(body()), deps)]);
  expect(answers.every((a) => a.statusCode === 202 || a.statusCode === 200)).toBe(true);
  expect(new Set(answers.map((a) => parse(a).executionArn)).size).toBe(1);
  expect(server.executions.size).toBe(1);
});

test('400: every problem of an invalid request is listed, nothing started', async () => {
  const bad = sampleRequest();
  bad.environmentId = 'Bad_Id';
  bad.aws.vpcId = 'vpc-nope';
  bad.azure.subscriptionId = 'not-a-guid';
  bad.azure.gatewaySku = 'VpnGw1';
  bad.extra = true;
  const answer = await handleIntake(webhookEvent(body(bad)), deps);
  expect(answer.statusCode).toBe(400);
  const paths = parse(answer).problems.map((p: { path: string }) => p.path);
  expect(paths).toEqual(expect.arrayContaining(['environmentId', 'aws.vpcId', 'azure.subscriptionId', 'azure.gatewaySku']));
  expect(paths.length).toBeGreaterThanOrEqual(5);
  expect((await handleIntake(webhookEvent('{ not json'), deps)).statusCode).toBe(400);
  expect(server.executions.size).toBe(0);
});

test('413: over the size limit, before anything else', async () => {
  const big = sampleRequest();
  big.ticket.id = 'x'.repeat(MAX_REQUEST_BYTES);
  const answer = await handleIntake(webhookEvent(body(big)), deps);
  expect(answer.statusCode).toBe(413);
  expect(server.executions.size).toBe(0);
});

test('base64-encoded bodies (API Gateway binary media) are verified on their bytes', async () => {
  const event = webhookEvent(body());
  event.body = Buffer.from(event.body!, 'utf8').toString('base64');
  event.isBase64Encoded = true;
  expect((await handleIntake(event, deps)).statusCode).toBe(202);
});

test('GET /environments/{id}: latest execution, its status and summary', async () => {
  const statusDeps = { sfn, stateMachineArn: STATE_MACHINE_ARN };
  const get = async (environmentId: string) => handleStatus({ pathParameters: { environmentId } }, statusDeps);
  expect((await get('aoai-prod-01')).statusCode).toBe(404);
  expect((await get('Not_Valid')).statusCode).toBe(400);

  const started = parse(await handleIntake(webhookEvent(body()), deps));
  expect(parse(await get('aoai-prod-01'))).toMatchObject({ status: 'RUNNING', executionArn: started.executionArn, summary: null });
  backend.finish(started.executionArn, { status: 'SUCCEEDED', output: JSON.stringify({ endpoint: 'aoai-prod.openai.azure.com' }) });
  const done = await get('aoai-prod-01');
  expect(done.statusCode).toBe(200);
  expect(parse(done)).toMatchObject({ status: 'SUCCEEDED', summary: { endpoint: 'aoai-prod.openai.azure.com' }, error: null });
});
