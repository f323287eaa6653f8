/**
 * functions/commons/executions.ts with the real SFN client against the local Step Functions endpoint: the
 * environment's executions (exact names, every page, newest attempt first), and what a start comes to
 * (started, already, busy) in each state the environment's latest execution can be in, races included.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import {
  consoleUrl,
  describeIfExists,
  environmentExecutions,
  executionArnFor,
  isEnvironmentExecution,
  parseOutput,
  regionOf,
  startRequest,
} from '../../functions/commons/executions';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../local/stepfunctions/server';
import { ManualBackend, STATE_MACHINE_ARN, sampleRequest, sfnClient } from './support';

let backend: ManualBackend;
let server: LocalStepFunctions;
let sfn: SFNClient;

beforeEach(async () => {
  backend = new ManualBackend();
  // Pages shorter than maxResults, as the service may answer: the look-ups must follow nextToken.
  server = await startLocalStepFunctions({ backend, pageLimit: 2 });
  sfn = sfnClient(server.endpoint);
});
afterEach(async () => {
  sfn.destroy();
  await server.close();
});

const request = (changes: (r: any) => void = () => undefined): EnvironmentRequest => {
  const r = sampleRequest();
  changes(r);
  return r as EnvironmentRequest;
};
const ENV = 'aoai-prod-01';
const arnOf = (name: string) => executionArnFor(STATE_MACHINE_ARN, name);
/** Starts an execution directly, as another caller (or an earlier delivery) would have. */
const startDirectly = (name: string, input: unknown) =>
  sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name, input: JSON.stringify(input) }));

/** Runs `hook` once, right after the next response to `commandName` (an event between two calls). */
function after(commandName: string, hook: () => Promise<unknown> | void) {
  let done = false;
  sfn.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (!done && context.commandName === commandName) {
        done = true;
        await hook();
      }
      return result;
    },
    { step: 'initialize', name: `after${commandName}` },
  );
}

describe('names, ARNs and links', () => {
  test('execution ARN from the state machine ARN; anything else is refused', () => {
    expect(executionArnFor(STATE_MACHINE_ARN, 'aoai-prod-01-run-3')).toBe(
      'arn:aws:states:ap-northeast-1:123456789012:execution:aoai-link-provision:aoai-prod-01-run-3',
    );
    expect(() => executionArnFor('arn:aws:states:ap-northeast-1:123456789012:execution:aoai-link-provision:x', 'y')).toThrow();
    expect(() => executionArnFor('arn:aws:states:ap-northeast-1:123456789012:stateMachine', 'y')).toThrow();
    expect(() => executionArnFor('not-an-arn', 'y')).toThrow();
  });

  test('the console link opens the execution in its own region', () => {
    const arn = 'arn:aws:states:eu-west-1:123456789012:execution:aoai-link-provision:aoai-prod-01-run-1';
    expect(regionOf(arn)).toBe('eu-west-1');
    expect(regionOf('nothing')).toBe('');
    expect(consoleUrl(arn)).toBe(
      `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${arn}`,
    );
  });

  test('an environment owns exactly <id>-run-<n>, not a longer id that starts the same', () => {
    expect(isEnvironmentExecution('aoai-prod-run-1', 'aoai-prod')).toBe(true);
    expect(isEnvironmentExecution('aoai-prod-run-12', 'aoai-prod')).toBe(true);
    expect(isEnvironmentExecution('aoai-prod-01-run-1', 'aoai-prod')).toBe(false);
    expect(isEnvironmentExecution('aoai-prod-run-0', 'aoai-prod')).toBe(false);
    expect(isEnvironmentExecution('aoai-prod-run-x', 'aoai-prod')).toBe(false);
  });

  test('the output is JSON when it is JSON, text otherwise, undefined when absent', () => {
    expect(parseOutput('{"a":[1]}')).toEqual({ a: [1] });
    expect(parseOutput('not json')).toBe('not json');
    expect(parseOutput(undefined)).toBeUndefined();
    expect(parseOutput(null as unknown as undefined)).toBeUndefined();
  });
});

describe('look-ups', () => {
  test("every page of the environment's executions, highest attempt first (as numbers), others left out", async () => {
    // Started out of order: the attempt decides, not the start date.
    for (const attempt of [9, 1, 10, 2]) await startDirectly(`${ENV}-run-${attempt}`, { attempt });
    await startDirectly('aoai-prod-run-11', {});
    await startDirectly(`${ENV}-other`, {});
    await startDirectly(`${ENV}-01-run-12`, {});
    const found = await environmentExecutions(sfn, STATE_MACHINE_ARN, ENV);
    expect(found.map((e) => [e.name, e.attempt, e.status, e.executionArn])).toEqual(
      [10, 9, 2, 1].map((n) => [`${ENV}-run-${n}`, n, 'RUNNING', arnOf(`${ENV}-run-${n}`)]),
    );
    expect(found[0].startDate).toBeInstanceOf(Date);
  });

  test('the status filter is passed to Step Functions', async () => {
    for (const attempt of [1, 2, 3]) await startDirectly(`${ENV}-run-${attempt}`, {});
    backend.finish(arnOf(`${ENV}-run-2`), { status: 'FAILED', error: 'TunnelsDown' });
    expect((await environmentExecutions(sfn, STATE_MACHINE_ARN, ENV, 'FAILED')).map((e) => e.name)).toEqual([`${ENV}-run-2`]);
    expect((await environmentExecutions(sfn, STATE_MACHINE_ARN, ENV, 'RUNNING')).map((e) => e.name)).toEqual([`${ENV}-run-3`, `${ENV}-run-1`]);
  });

  test('describe: undefined for an execution that does not exist; other errors are not hidden', async () => {
    expect(await describeIfExists(sfn, arnOf(`${ENV}-run-1`))).toBeUndefined();
    await startDirectly(`${ENV}-run-1`, { a: 1 });
    expect(await describeIfExists(sfn, arnOf(`${ENV}-run-1`))).toMatchObject({ status: 'RUNNING', input: '{"a":1}' });
    await expect(describeIfExists(sfn, 'not-an-arn')).rejects.toMatchObject({ name: 'InvalidArn' });
  });
});

describe('starting a request', () => {
  test('the first start is run 1, without a predecessor', async () => {
    const outcome = await startRequest(sfn, STATE_MACHINE_ARN, request());
    expect(outcome).toEqual({ kind: 'started', executionArn: arnOf(`${ENV}-run-1`), executionName: `${ENV}-run-1`, attempt: 1 });
    expect(JSON.parse(server.executions.get(arnOf(`${ENV}-run-1`))!.input)).toEqual(request());
  });

  test('the same request while running or after success: already, nothing new; in any field order', async () => {
    await startRequest(sfn, STATE_MACHINE_ARN, request());
    const reordered = Object.fromEntries(Object.entries(request()).reverse()) as unknown as EnvironmentRequest;
    expect(await startRequest(sfn, STATE_MACHINE_ARN, reordered)).toEqual({
      kind: 'already',
      executionArn: arnOf(`${ENV}-run-1`),
      executionName: `${ENV}-run-1`,
      status: 'RUNNING',
    });
    backend.finish(arnOf(`${ENV}-run-1`), { status: 'SUCCEEDED', output: '{}' });
    expect(await startRequest(sfn, STATE_MACHINE_ARN, request())).toMatchObject({ kind: 'already', status: 'SUCCEEDED' });
    expect(server.executions.size).toBe(1);
  });

  test('another request while one runs: busy, naming the running one; nothing started', async () => {
    await startRequest(sfn, STATE_MACHINE_ARN, request());
    const changed = request((r) => (r.ticket.id = 'OPS-5678'));
    expect(await startRequest(sfn, STATE_MACHINE_ARN, changed)).toEqual({
      kind: 'busy',
      runningExecutionArn: arnOf(`${ENV}-run-1`),
      runningExecutionName: `${ENV}-run-1`,
    });
    expect(server.executions.size).toBe(1);
  });

  test('an older run still running behind a failed latest one: busy with the older', async () => {
    await startDirectly(`${ENV}-run-1`, request((r) => (r.ticket.id = 'OPS-1')));
    await startDirectly(`${ENV}-run-2`, request());
    backend.finish(arnOf(`${ENV}-run-2`), { status: 'FAILED', error: 'TunnelsDown' });
    expect(await startRequest(sfn, STATE_MACHINE_ARN, request())).toEqual({
      kind: 'busy',
      runningExecutionArn: arnOf(`${ENV}-run-1`),
      runningExecutionName: `${ENV}-run-1`,
    });
    expect(server.executions.size).toBe(2);
  });

  test.each(['FAILED', 'TIMED_OUT', 'ABORTED'] as const)('the same request after %s: the next attempt, naming the one it re-runs', async (status) => {
    await startRequest(sfn, STATE_MACHINE_ARN, request());
    backend.finish(arnOf(`${ENV}-run-1`), { status });
    const outcome = await startRequest(sfn, STATE_MACHINE_ARN, request());
    expect(outcome).toMatchObject({ kind: 'started', executionArn: arnOf(`${ENV}-run-2`), executionName: `${ENV}-run-2`, attempt: 2 });
    expect(outcome.kind === 'started' && outcome.rerunOf).toMatchObject({ name: `${ENV}-run-1`, attempt: 1, status });
  });

  test('a changed request after a success starts the next attempt', async () => {
    await startRequest(sfn, STATE_MACHINE_ARN, request());
    backend.finish(arnOf(`${ENV}-run-1`), { status: 'SUCCEEDED', output: '{}' });
    const outcome = await startRequest(sfn, STATE_MACHINE_ARN, request((r) => (r.ticket.id = 'OPS-5678')));
    expect(outcome).toMatchObject({ kind: 'started', executionName: `${ENV}-run-2`, attempt: 2 });
  });

  test('the latest run ends between the look-up and the describe: it no longer blocks the next attempt', async () => {
    await startRequest(sfn, STATE_MACHINE_ARN, request());
    after('ListExecutionsCommand', () => backend.finish(arnOf(`${ENV}-run-1`), { status: 'FAILED', error: 'TunnelsDown' }));
    const outcome = await startRequest(sfn, STATE_MACHINE_ARN, request((r) => (r.ticket.id = 'OPS-5678')));
    expect(outcome).toMatchObject({ kind: 'started', executionName: `${ENV}-run-2` });
  });

  test('losing the race for the name to another request: busy with the winner, nothing overwritten', async () => {
    const other = request((r) => (r.ticket.id = 'OPS-5678'));
    after('ListExecutionsCommand', () => startDirectly(`${ENV}-run-1`, other));
    expect(await startRequest(sfn, STATE_MACHINE_ARN, request())).toEqual({
      kind: 'busy',
      runningExecutionArn: arnOf(`${ENV}-run-1`),
      runningExecutionName: `${ENV}-run-1`,
    });
    expect(JSON.parse(server.executions.get(arnOf(`${ENV}-run-1`))!.input)).toEqual(other);
  });

  test('losing the race to the same request that has already ended: already, with its status', async () => {
    after('ListExecutionsCommand', async () => {
      await startDirectly(`${ENV}-run-1`, request());
      backend.finish(arnOf(`${ENV}-run-1`), { status: 'SUCCEEDED', output: '{}' });
    });
    expect(await startRequest(sfn, STATE_MACHINE_ARN, request())).toEqual({
      kind: 'already',
      executionArn: arnOf(`${ENV}-run-1`),
      executionName: `${ENV}-run-1`,
      status: 'SUCCEEDED',
    });
  });

  test('a start answered with an execution that began well before the call is a redelivery, not a new start', async () => {
    after('ListExecutionsCommand', () => startDirectly(`${ENV}-run-1`, request()));
    const realNow = Date.now.bind(Date);
    // The concurrent delivery started it a few seconds before this call reached Step Functions.
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 3_000);
    try {
      expect(await startRequest(sfn, STATE_MACHINE_ARN, request())).toEqual({
        kind: 'already',
        executionArn: arnOf(`${ENV}-run-1`),
        executionName: `${ENV}-run-1`,
        status: 'RUNNING',
      });
    } finally {
      spy.mockRestore();
    }
  });

  test('a start answered within the clock slack is this call\'s own start', async () => {
    const realNow = Date.now.bind(Date);
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 1_000);
    try {
      expect(await startRequest(sfn, STATE_MACHINE_ARN, request())).toMatchObject({ kind: 'started', executionName: `${ENV}-run-1` });
    } finally {
      spy.mockRestore();
    }
  });

  test('a start refused for another reason is an error, not a lost race', async () => {
    // The state machine is gone between the look-up and the start.
    sfn.middlewareStack.add(
      (next, context) => async (args: any) => {
        if (context.commandName === 'StartExecutionCommand') args.input.stateMachineArn = STATE_MACHINE_ARN.replace('aoai-link-provision', 'deleted');
        return next(args);
      },
      { step: 'initialize', name: 'deletedMachine' },
    );
    await expect(startRequest(sfn, STATE_MACHINE_ARN, request())).rejects.toMatchObject({ name: 'StateMachineDoesNotExist' });
  });
});
