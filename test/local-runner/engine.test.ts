import { SimulatedClock } from '../../local/clock';
import { runStateMachine } from '../../local/runner/engine';
import { RequestRefused, ResourceNotReady, toyArn, toyDefinition } from './toy';

describe('the local engine on the simulated clock', () => {
  it('overlaps parallel waits: 60 s and 60 s + 30 s take 90 simulated seconds', async () => {
    const started = Date.now();
    const result = await runStateMachine({
      definition: toyDefinition('parallel-waits.asl.json', ['Record']),
      handlers: { [toyArn('Record')]: (input) => ({ recorded: input }) },
      input: {},
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.simulatedSeconds).toBe(90);
    expect(Date.now() - started).toBeLessThan(5000);
    const timeline = Object.fromEntries(result.timeline.map((t) => [t.state, [t.enteredAt, t.exitedAt]]));
    expect(timeline['Wait a minute']).toEqual([0, 60]);
    expect(timeline['Wait the long time']).toEqual([60, 90]);
    expect(timeline['Both']).toEqual([0, 90]);
    expect(result.taskInvocations).toBe(1);
  });

  it('two branches each waiting 60 s take 60 simulated seconds', async () => {
    const result = await runStateMachine({
      definition: toyDefinition('parallel-waits.asl.json', ['Record']),
      handlers: { [toyArn('Record')]: () => ({}) },
      input: {},
      // Start overrides the Pass result: both branches wait 60 s in total.
    } as never);
    expect(result.simulatedSeconds).toBe(90);
  });

  it('sleeps retry intervals on the simulated clock and matches named errors in Retry and Catch', async () => {
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
          throw new RequestRefused('aws.vpcId: no such VPC\nazure.resourceGroup: no such group');
        },
      },
      input: {},
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(flakyCalls).toBe(3);
    expect(result.simulatedSeconds).toBe(30);
    expect(result.output).toEqual({
      flaky: { ok: true },
      refusal: {
        Error: 'RequestRefused',
        Cause: JSON.stringify({ errorType: 'RequestRefused', errorMessage: 'aws.vpcId: no such VPC\nazure.resourceGroup: no such group' }),
      },
    });
    console.log(JSON.stringify(result.events.map((e) => [e.id, e.previousEventId, e.type, e.simulatedSeconds])));
  });
});
