/**
 * ARM writes that fail after Azure accepted them (`--faults async-fail:RATE`): the workflow repairs what a
 * transient failure left Failed, within the run and on a re-run, and stops on what fails every time.
 */
import { createdCounts, run, type Run } from '../workflow/support';

let baseline: Run;

beforeAll(async () => {
  baseline = await run();
}, 600_000);

describe('async-fail', () => {
  it.each([1, 2, 3, 4, 5])('async-fail:0.3 with seed %i repairs what failed and succeeds without duplicates', async (seed) => {
    const flaky = await run({ faults: 'async-fail:0.3', jitterSeed: seed });
    expect({ status: flaky.result.status, cause: flaky.result.cause }).toEqual({ status: 'SUCCEEDED', cause: null });
    expect(createdCounts(flaky.state())).toEqual(createdCounts(baseline.state()));
    // Some write really did fail and was sent again: more ARM operations than the fault-free run.
    expect(flaky.result.report!.operations.length).toBeGreaterThan(baseline.result.report!.operations.length);
  }, 600_000);

  it('a resource that fails every time ends the run naming it and what ARM reports; a re-run without the fault converges', async () => {
    const failed = await run({ faults: 'async-fail:1' });
    expect(failed.result.status).toBe('FAILED');
    // The first write of the run is the GatewaySubnet: untaggable, so the state's Retry is its bound, and the
    // cause is what ARM last reported for it (a repair in flight, or Failed).
    expect((failed.result as any).failedState).toBe('Read the gateway public IP');
    expect(failed.result.cause).toMatch(/GatewaySubnet .*(is still (Creating|Updating)|ended in provisioningState Failed)/);
    const again = await run({ stateFile: failed.stateFile });
    expect(again.result.status).toBe('SUCCEEDED');
    expect(createdCounts(again.state())).toEqual(createdCounts(baseline.state()));
  }, 600_000);
});
