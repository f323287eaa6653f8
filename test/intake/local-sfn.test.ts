/** The local Step Functions endpoint behaves as the service does where the product relies on it. */
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { LocalStepFunctions } from '../../local/stepfunctions/server';
import { ManualBackend, STATE_MACHINE_ARN, localSfn } from './support';

let backend: ManualBackend;
let server: LocalStepFunctions;
let sfn: SFNClient;

beforeEach(async () => {
  backend = new ManualBackend();
  ({ server, sfn } = await localSfn(backend));
});
afterEach(async () => {
  sfn.destroy();
  await server.close();
});

const start = (name: string, input = '{"a":1}') => sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name, input }));
const errorName = (promise: Promise<unknown>) => promise.then(() => 'no error', (error) => (error as Error).name);

test('binds to 127.0.0.1 only', () => {
  expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

test('same name and input while RUNNING: the same execution (idempotent); otherwise ExecutionAlreadyExists', async () => {
  const first = await start('env-a-00000001');
  const again = await start('env-a-00000001');
  expect(again.executionArn).toBe(first.executionArn);
  expect(again.startDate).toEqual(first.startDate);
  expect(await errorName(start('env-a-00000001', '{"a":2}'))).toBe('ExecutionAlreadyExists');
  backend.finish(first.executionArn!, { status: 'SUCCEEDED', output: '{}' });
  expect(await errorName(start('env-a-00000001'))).toBe('ExecutionAlreadyExists');
  expect(server.executions.size).toBe(1);
});

test('errors: InvalidName, InvalidExecutionInput, ExecutionDoesNotExist, StateMachineDoesNotExist, InvalidArn', async () => {
  expect(await errorName(start('has space'))).toBe('InvalidName');
  expect(await errorName(start('x'.repeat(81)))).toBe('InvalidName');
  expect(await errorName(start('ok-name', '{nope'))).toBe('InvalidExecutionInput');
  const missing = `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:nothing`;
  expect(await errorName(sfn.send(new DescribeExecutionCommand({ executionArn: missing })))).toBe('ExecutionDoesNotExist');
  expect(await errorName(sfn.send(new GetExecutionHistoryCommand({ executionArn: missing })))).toBe('ExecutionDoesNotExist');
  const otherMachine = STATE_MACHINE_ARN.replace('aoai-link-provision', 'other');
  expect(await errorName(sfn.send(new ListExecutionsCommand({ stateMachineArn: otherMachine })))).toBe('StateMachineDoesNotExist');
  expect(await errorName(sfn.send(new DescribeExecutionCommand({ executionArn: 'not-an-arn' })))).toBe('InvalidArn');
});

test('DescribeExecution, ListExecutions (status filter, newest first) and the history with dates', async () => {
  const a = await start('env-a-00000001');
  await new Promise((resolve) => setTimeout(resolve, 5));
  const b = await start('env-b-00000002');
  backend.emit(a.executionArn!, { id: 1, type: 'ExecutionStarted', timestamp: new Date('2026-01-01T00:00:00Z') });
  backend.emit(a.executionArn!, { id: 2, previousEventId: 1, type: 'TaskStateEntered', timestamp: new Date('2026-01-01T00:00:01Z'), stateEnteredEventDetails: { name: 'ValidateRequest', input: '{}' } });
  backend.finish(a.executionArn!, { status: 'FAILED', error: 'RequestRefused', cause: 'aws.vpcId: no such VPC' });

  const described = await sfn.send(new DescribeExecutionCommand({ executionArn: a.executionArn }));
  expect(described).toMatchObject({ status: 'FAILED', error: 'RequestRefused', name: 'env-a-00000001', input: '{"a":1}' });
  expect(described.startDate).toBeInstanceOf(Date);
  expect(described.stopDate).toBeInstanceOf(Date);

  const all = await sfn.send(new ListExecutionsCommand({ stateMachineArn: STATE_MACHINE_ARN }));
  expect(all.executions!.map((e) => e.executionArn)).toEqual([b.executionArn, a.executionArn]);
  const running = await sfn.send(new ListExecutionsCommand({ stateMachineArn: STATE_MACHINE_ARN, statusFilter: 'RUNNING' }));
  expect(running.executions!.map((e) => e.name)).toEqual(['env-b-00000002']);

  const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: a.executionArn }));
  expect(history.events!.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'ExecutionFailed']);
  expect(history.events![1].timestamp).toEqual(new Date('2026-01-01T00:00:01Z'));
  expect(history.events![1].stateEnteredEventDetails?.name).toBe('ValidateRequest');
  expect(history.events![2].executionFailedEventDetails).toEqual({ error: 'RequestRefused', cause: 'aws.vpcId: no such VPC' });
  const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn: a.executionArn, maxResults: 2 }));
  expect(page.events).toHaveLength(2);
  const rest = await sfn.send(new GetExecutionHistoryCommand({ executionArn: a.executionArn, maxResults: 2, nextToken: page.nextToken }));
  expect(rest.events!.map((e) => e.id)).toEqual([3]);
});

test('RedriveExecution: only FAILED, TIMED_OUT or ABORTED; same ARN, RUNNING again, history continued after ExecutionRedriven', async () => {
  const { executionArn } = await start('env-a-run-1');
  const redrive = (clientToken?: string) => sfn.send(new RedriveExecutionCommand({ executionArn, clientToken }));
  expect(await errorName(redrive())).toBe('ExecutionNotRedrivable');
  backend.emit(executionArn!, { id: 1, type: 'ExecutionStarted', timestamp: new Date('2026-01-01T00:00:00Z') });
  backend.emit(executionArn!, {
    id: 2,
    previousEventId: 1,
    type: 'TaskStateEntered',
    timestamp: new Date('2026-01-01T00:00:01Z'),
    stateEnteredEventDetails: { name: 'Check both ends of each tunnel', input: '{"tunnelCheck":{"attempt":111}}' },
  });
  backend.finish(executionArn!, { status: 'FAILED', error: 'TunnelsDown', cause: 'tunnel 1 DOWN' });
  expect(await sfn.send(new DescribeExecutionCommand({ executionArn }))).toMatchObject({ redriveCount: 0, redriveStatus: 'REDRIVABLE' });

  const answer = await redrive('token-1');
  expect(answer.redriveDate).toBeInstanceOf(Date);
  // The same client token is the same redrive; the backend was asked once, with the history so far.
  await redrive('token-1');
  expect(backend.redriven).toHaveLength(1);
  expect(backend.redriven[0]).toMatchObject({ executionArn, redriveCount: 1, input: { a: 1 } });
  expect(backend.redriven[0].events.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'ExecutionFailed']);

  const running = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  expect(running).toMatchObject({ status: 'RUNNING', redriveCount: 1, redriveStatus: 'NOT_REDRIVABLE' });
  expect(running.redriveStatusReason).toBe('Execution is RUNNING and cannot be redriven.');
  expect(running.error).toBeUndefined();
  expect(await errorName(redrive('token-2'))).toBe('ExecutionNotRedrivable');

  // The continuation's own ExecutionStarted becomes the ExecutionRedriven event; its events follow it.
  backend.emit(executionArn!, { id: 1, type: 'ExecutionStarted', timestamp: new Date('2026-01-01T01:00:00Z') });
  backend.emit(executionArn!, { id: 2, previousEventId: 1, type: 'TaskStateEntered', timestamp: new Date('2026-01-01T01:00:01Z'), stateEnteredEventDetails: { name: 'Check both ends of each tunnel' } });
  backend.finish(executionArn!, { status: 'SUCCEEDED', output: '{"ok":true}' });
  const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
  expect(history.events!.map((e) => [e.id, e.type])).toEqual([
    [1, 'ExecutionStarted'],
    [2, 'TaskStateEntered'],
    [3, 'ExecutionFailed'],
    [4, 'ExecutionRedriven'],
    [5, 'TaskStateEntered'],
    [6, 'ExecutionSucceeded'],
  ]);
  expect(history.events![3].executionRedrivenEventDetails).toEqual({ redriveCount: 1 });
  expect(history.events![4].previousEventId).toBe(4);
  const done = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  expect(done).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1, redriveStatus: 'NOT_REDRIVABLE', output: '{"ok":true}' });
  expect(await errorName(redrive('token-3'))).toBe('ExecutionNotRedrivable');
  expect(server.executions.size).toBe(1);
});
