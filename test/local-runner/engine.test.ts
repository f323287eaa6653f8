import { runStateMachine, type EngineResult, type TaskHandler } from '../../local/runner/engine';
import { prepareDefinition, substitutePlaceholders } from '../../local/runner/definition';
import { UnknownPlaceholderError, UnsupportedResourceError } from '../../local/runner/errors';
import { RequestRefused, ResourceNotReady, toyArn, toyDefinition } from './toy';

const record: Record<string, TaskHandler> = { [toyArn('Record')]: (input) => ({ recorded: input }) };

function timelineOf(result: EngineResult): Record<string, [number, number | null]> {
  return Object.fromEntries(result.timeline.map((t) => [t.state, [t.enteredAt, t.exitedAt]]));
}

describe('the local engine on the simulated clock', () => {
  it('overlaps parallel branches: two branches each waiting 60 s take 60 simulated seconds', async () => {
    const started = Date.now();
    const result = await runStateMachine({
      definition: toyDefinition('parallel-waits.asl.json', ['Record']),
      handlers: record,
      input: { short: 30, long: 30 },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.simulatedSeconds).toBe(60);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('60 s in one branch and 60 s + 30 s in the other take 90 simulated seconds', async () => {
    const result = await runStateMachine({
      definition: toyDefinition('parallel-waits.asl.json', ['Record']),
      handlers: record,
      input: { short: 60, long: 30 },
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.simulatedSeconds).toBe(90);
    const timeline = timelineOf(result);
    expect(timeline['Wait a minute']).toEqual([0, 60]);
    expect(timeline['Wait the short time']).toEqual([0, 60]);
    expect(timeline['Wait the long time']).toEqual([60, 90]);
    expect(timeline['Both']).toEqual([0, 90]);
    // Waits pass their input through; only the Task is a handler invocation.
    expect(result.taskInvocations).toBe(1);
    expect(result.output).toEqual([{ short: 60, long: 30 }, { recorded: { short: 60, long: 30 } }]);
    expect(result.stateTransitions).toBe(7);
  });

  it('sleeps retry intervals on the simulated clock: IntervalSeconds 10, BackoffRate 2, two failures add 30 s', async () => {
    let flakyCalls = 0;
    const result = await runStateMachine({
      definition: toyDefinition('retry-catch.asl.json', ['Flaky', 'Refuse']),
      handlers: {
        [toyArn('Flaky')]: async () => {
          flakyCalls++;
          if (flakyCalls <= 2) throw new ResourceNotReady(`not yet (${flakyCalls})`);
          return { ok: true };
        },
        [toyArn('Refuse')]: () => {
          throw new RequestRefused('no');
        },
      },
      input: {},
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(flakyCalls).toBe(3);
    expect(result.simulatedSeconds).toBe(30);
    expect(result.taskInvocations).toBe(4);
    const flaky = result.events.filter((e) => ['TaskScheduled', 'TaskFailed', 'TaskSucceeded'].includes(e.type)).slice(0, 6);
    expect(flaky.map((e) => [e.type, e.simulatedSeconds])).toEqual([
      ['TaskScheduled', 0],
      ['TaskFailed', 0],
      ['TaskScheduled', 10],
      ['TaskFailed', 10],
      ['TaskScheduled', 30],
      ['TaskSucceeded', 30],
    ]);
  });

  it('gives Retry and Catch the thrown error by name, with a Lambda-style Cause', async () => {
    const result = await runStateMachine({
      definition: toyDefinition('retry-catch.asl.json', ['Flaky', 'Refuse']),
      handlers: {
        [toyArn('Flaky')]: () => ({ ok: true }),
        [toyArn('Refuse')]: () => {
          throw new RequestRefused('aws.vpcId: no such VPC\nazure.resourceGroup: no such group');
        },
      },
      input: {},
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({
      flaky: { ok: true },
      refusal: {
        Error: 'RequestRefused',
        Cause: JSON.stringify({ errorType: 'RequestRefused', errorMessage: 'aws.vpcId: no such VPC\nazure.resourceGroup: no such group' }),
      },
    });
    const failed = result.events.find((e) => e.type === 'TaskFailed');
    expect(failed?.taskFailedEventDetails).toEqual({
      resourceType: 'lambda',
      resource: toyArn('Refuse'),
      error: 'RequestRefused',
      cause: '{"errorType":"RequestRefused","errorMessage":"aws.vpcId: no such VPC\\nazure.resourceGroup: no such group"}',
    });
    // A caught task exits without TaskSucceeded.
    const refuseEvents = result.events.filter((e) => e.id > failed!.id && e.id <= failed!.id + 1).map((e) => e.type);
    expect(refuseEvents).toEqual(['TaskStateExited']);
  });

  it('fails the execution with the error, the Lambda Cause and the state it started in', async () => {
    let attempts = 0;
    const result = await runStateMachine({
      definition: toyDefinition('fail.asl.json', ['Break']),
      handlers: {
        [toyArn('Break')]: () => {
          attempts++;
          throw new TypeError('cannot read the thing');
        },
      },
      input: {},
    });
    expect(result.status).toBe('FAILED');
    expect(attempts).toBe(2);
    expect(result.error).toBe('TypeError');
    expect(JSON.parse(result.cause!)).toEqual({ errorType: 'TypeError', errorMessage: 'cannot read the thing' });
    expect(result.failedState).toBe('Break');
    // 20 s wait, one retry after 5 s; the 600 s branch is cancelled and does not move the clock.
    expect(result.simulatedSeconds).toBe(25);
    const last = result.events[result.events.length - 1];
    expect(last.type).toBe('ExecutionFailed');
    expect(last.executionFailedEventDetails).toEqual({ error: 'TypeError', cause: result.cause });
    expect(result.events.some((e) => e.type === 'ParallelStateFailed')).toBe(true);
    expect(timelineOf(result)['Break']).toEqual([20, 25]);
  });

  it('stops the retries of a cancelled branch when its Parallel fails', async () => {
    let flakyCalls = 0;
    const result = await runStateMachine({
      definition: toyDefinition('cancel.asl.json', ['Break', 'Flaky']),
      handlers: {
        [toyArn('Break')]: () => {
          throw new RequestRefused('broken');
        },
        [toyArn('Flaky')]: () => {
          flakyCalls++;
          throw new ResourceNotReady('still not ready');
        },
      },
      input: {},
    });
    expect(result).toMatchObject({ status: 'FAILED', error: 'RequestRefused', failedState: 'Break', simulatedSeconds: 5 });
    expect(flakyCalls).toBe(2); // at 0 and 3 s
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(flakyCalls).toBe(2);
    expect(result.events[result.events.length - 1].type).toBe('ExecutionFailed');
  });

  it('times the execution out on the simulated clock (top-level TimeoutSeconds)', async () => {
    let polls = 0;
    const result = await runStateMachine({
      definition: toyDefinition('timeout.asl.json', ['Poll']),
      handlers: { [toyArn('Poll')]: () => ({ polls: ++polls }) },
      input: {},
    });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Timeout');
    expect(result.simulatedSeconds).toBe(100);
    expect(polls).toBe(4); // at 0, 30, 60, 90
    expect(result.events.map((e) => e.type)).toContain('ExecutionTimedOut');
  });

  it('is deterministic: the same run gives the same history and simulated duration', async () => {
    const runOnce = async () => {
      let calls = 0;
      return runStateMachine({
        definition: toyDefinition('retry-catch.asl.json', ['Flaky', 'Refuse']),
        handlers: {
          [toyArn('Flaky')]: async () => {
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 5)); // real time must not matter
            if (++calls < 3) throw new ResourceNotReady('not yet');
            return { ok: true };
          },
          [toyArn('Refuse')]: () => {
            throw new RequestRefused('no');
          },
        },
        input: { n: 1 },
      });
    };
    const [first, second] = [await runOnce(), await runOnce()];
    expect(second.simulatedSeconds).toBe(first.simulatedSeconds);
    expect(second.events).toEqual(first.events);
  });

  it('writes events in the shape of GetExecutionHistory', async () => {
    const result = await runStateMachine({
      definition: toyDefinition('parallel-waits.asl.json', ['Record']),
      handlers: record,
      input: { short: 1, long: 2 },
    });
    const events = result.events;
    expect(events[0]).toMatchObject({ id: 1, type: 'ExecutionStarted', timestamp: '2025-01-01T00:00:00.000Z', simulatedSeconds: 0 });
    expect(JSON.parse(events[0].executionStartedEventDetails!.input!)).toEqual({ short: 1, long: 2 });
    events.forEach((event, i) => {
      expect(event.id).toBe(i + 1);
      if (i > 0) expect(event.previousEventId).toBeLessThan(event.id);
      expect(new Date(event.timestamp).toISOString()).toBe(event.timestamp);
    });
    const types = new Set(events.map((e) => e.type));
    for (const type of ['PassStateEntered', 'ParallelStateEntered', 'ParallelStateStarted', 'WaitStateEntered', 'WaitStateExited', 'TaskStateEntered', 'TaskScheduled', 'TaskStarted', 'TaskSucceeded', 'TaskStateExited', 'ParallelStateSucceeded', 'SucceedStateEntered', 'ExecutionSucceeded']) {
      expect(types).toContain(type);
    }
    const waitEntered = events.find((e) => e.type === 'WaitStateEntered' && e.stateEnteredEventDetails?.name === 'Wait the long time');
    expect(waitEntered).toMatchObject({ timestamp: '2025-01-01T00:00:01.000Z', simulatedSeconds: 1 });
    // A Wait is never reported as a Task.
    expect(events.filter((e) => e.type === 'TaskStateEntered').map((e) => e.stateEnteredEventDetails?.name)).toEqual(['Record']);
    const exited = events.find((e) => e.type === 'TaskStateExited');
    expect(JSON.parse(exited!.stateExitedEventDetails!.output!)).toEqual({ recorded: { short: 1, long: 2 } });
  });
});

describe('preparing a definition', () => {
  it('refuses placeholders it has no value for, naming them', () => {
    expect(() => substitutePlaceholders('{"Resource":"${A}","Other":"${Nope}"}', { A: 'x' })).toThrow(UnknownPlaceholderError);
    expect(() => substitutePlaceholders('{"Resource":"${Nope}"}', { A: 'x' })).toThrow(/\$\{Nope\}/);
  });

  it('refuses Task resources without a local handler (never calls real Lambda)', () => {
    const definition = toyDefinition('retry-catch.asl.json', ['Flaky', 'Refuse']);
    expect(() => prepareDefinition(definition, new Set([toyArn('Flaky')]))).toThrow(UnsupportedResourceError);
  });

  it('rewrites Waits into Tasks that keep InputPath, OutputPath and Next, and lifts TimeoutSeconds', () => {
    const prepared = prepareDefinition(
      {
        TimeoutSeconds: 50,
        StartAt: 'W',
        States: { W: { Type: 'Wait', SecondsPath: '$.s', InputPath: '$.in', OutputPath: '$.out', Next: 'E' }, E: { Type: 'Succeed' } },
      },
      new Set(),
    );
    expect(prepared.timeoutSeconds).toBe(50);
    expect(prepared.definition.TimeoutSeconds).toBeUndefined();
    expect(prepared.waits).toEqual(new Set(['W']));
    expect(prepared.definition.States.W).toMatchObject({
      Type: 'Task',
      InputPath: '$.in',
      OutputPath: '$.out',
      Next: 'E',
      Parameters: { 'seconds.$': '$.s', 'input.$': '$' },
    });
  });
});
