/**
 * Re-runs that converge in minutes (issue 13): the same request on a provisioned environment finds every
 * resource ready, so no state waits for a build that is not happening; it writes nothing, proves the path again,
 * and stays within 300 simulated seconds. A resource that drifted is repaired, and only its own wait is taken.
 */
import { createdCounts, run, type Run } from './support';
import { PROVEN_PROBE } from './hub-support';

const RERUN_GOAL_SECONDS = 300;

/** The names of the Wait states a run entered. */
function waitsEntered(r: Run): string[] {
  return JSON.parse(r.historyText())
    .events.filter((e: any) => e.type === 'WaitStateEntered')
    .map((e: any) => e.stateEnteredEventDetails.name);
}

/** Every write call a run sent to either cloud (AWS create/modify/delete actions, ARM PUT/PATCH/DELETE). */
function writes(r: Run): string[] {
  const calls = r.result.report!.apiCalls;
  const aws = Object.keys(calls.aws).filter((call) => !/^(Describe|Get|List)/.test(call));
  const azure = Object.keys(calls.azure).filter((call) => /^(PUT|PATCH|DELETE) /.test(call));
  return [...aws, ...azure].sort();
}

describe('the same request again on a provisioned environment', () => {
  let first: Run;
  let again: Run;

  beforeAll(async () => {
    first = await run();
    again = await run({ stateFile: first.stateFile });
  }, 600_000);

  it(`succeeds within ${RERUN_GOAL_SECONDS} simulated seconds, entering no wait at all`, () => {
    expect([again.result.status, again.result.error]).toEqual(['SUCCEEDED', null]);
    expect(again.result.report!.simulatedSeconds).toBeLessThanOrEqual(RERUN_GOAL_SECONDS);
    expect(waitsEntered(again)).toEqual([]);
    // The first run waited for each of them.
    expect(waitsEntered(first)).toEqual(
      expect.arrayContaining([
        'Wait for the virtual private gateway (about 30 seconds)',
        'Wait for the VPN connection (about 5 minutes)',
        'Wait for the probe function (about 1 minute)',
        'Wait for the outbound endpoint (about 3 minutes)',
        'Wait for the rule association (about 1 minute)',
        'Wait for the tunnels to come up (about 2 minutes)',
      ]),
    );
  });

  it('writes nothing to either cloud, creates nothing, and proves the path again', () => {
    // Only the probe's own invocation, and the secret reads the tunnel check makes, reach the clouds.
    expect(writes(again).filter((call) => call !== 'Invoke')).toEqual([]);
    expect(createdCounts(again.state())).toEqual(createdCounts(first.state()));
    expect(again.result.report!.probe).toMatchObject(PROVEN_PROBE);
  });
});

describe('a re-run after a tunnel key drifted on the Azure side', () => {
  let repaired: Run;
  let first: Run;

  beforeAll(async () => {
    first = await run();
    const drifted = first.state();
    const connection = Object.values(drifted.azure.resources).find((r) => r.type === 'Microsoft.Network/connections')!;
    connection.body.properties.sharedKey = 'Drifted.key.0123456789';
    require('node:fs').writeFileSync(first.stateFile, JSON.stringify(drifted));
    repaired = await run({ stateFile: first.stateFile });
  }, 600_000);

  it('sets the key again, takes only the tunnels\' wait, and the path is proven within the goal', () => {
    expect([repaired.result.status, repaired.result.error]).toEqual(['SUCCEEDED', null]);
    expect(writes(repaired)).toContain('PUT Microsoft.Network/connections/sharedkey');
    expect(waitsEntered(repaired)).toEqual(['Wait for the tunnels to come up (about 2 minutes)']);
    expect(repaired.result.report!.simulatedSeconds).toBeLessThanOrEqual(RERUN_GOAL_SECONDS);
    expect(repaired.result.report!.probe).toMatchObject(PROVEN_PROBE);
  });
});
