import * as path from 'node:path';
import { formatClock, formatDuration, ProgressDisplay } from '../../cli/progress';
import type { HistoryEvent } from '../../cli/history';
import { runLocal } from '../../local/runner';
import { CollectingStream, fixture, temporaryDirectory } from './support';
import { ResourceNotReady, TransientCloudError } from './toy';

const REQUEST_FILE = path.join(__dirname, '..', '..', 'events', 'new-environment.json');

async function shortRun(output: CollectingStream) {
  let creates = 0;
  return runLocal({
    requestFile: REQUEST_FILE,
    definitionFile: fixture('small.asl.json'),
    clouds: false,
    outDir: temporaryDirectory('progress'),
    output,
    progress: (_executionName, out) => new ProgressDisplay(out, { simulated: true }),
    handlers: {
      ValidateRequestFunctionArn: () => ({}),
      CreateFunctionArn: () => {
        creates++;
        if (creates <= 2) throw new ResourceNotReady('the subnet is still Updating');
        if (creates === 3) throw new TransientCloudError('ARM answered 503');
        return { readyInSeconds: 2400, ready: true };
      },
      SummariseFunctionArn: () => ({}),
    },
  });
}

describe('the progress display', () => {
  const savedNoColor = process.env.NO_COLOR;
  afterEach(() => {
    if (savedNoColor === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = savedNoColor;
  });

  it('shows a short local run line by line, in plain ASCII when not on a terminal', async () => {
    const output = new CollectingStream();
    await shortRun(output);
    expect(output.lines.slice(1)).toEqual([
      '[00:00:00] > Check the request',
      '[00:00:00] + Check the request (0 s)',
      '[00:00:00] > Create the thing',
      // Waiting on a dependency is said once, not as a failure; a real fault shows as one, then its retry.
      '[00:00:00] ~ Create the thing: waiting — the subnet is still Updating',
      '[00:00:30] x Create the thing: TransientCloudError — ARM answered 503',
      '[00:00:35] * Create the thing (retrying)',
      '[00:00:35] + Create the thing (35 s)',
      '[00:00:35] ~ Wait for the thing',
      '[00:40:35] > Summarise',
      '[00:40:35] + Summarise (0 s)',
      '+ SUCCEEDED in 00:40:35 simulated (40 min 35 s)',
    ]);
    expect(output.lines[0]).toMatch(/^Running aoai-prod-01-[0-9a-f]{8} locally/);
  });

  it('uses symbols and colour on a terminal, and plain ASCII there too when NO_COLOR is set', async () => {
    delete process.env.NO_COLOR;
    const tty = new CollectingStream(true);
    await shortRun(tty);
    const plain = tty.text.replace(/\x1b\[[0-9;]*m/g, '');
    expect(tty.text).toContain('\x1b[');
    expect(plain).toContain('[00:00:00] ▶ Check the request');
    expect(plain).toContain('[00:00:35] ✓ Create the thing (35 s)');
    expect(plain).toContain('[00:00:35] ⏳ Wait for the thing');
    expect(plain).toContain('[00:00:00] ⏳ Create the thing: waiting — the subnet is still Updating');
    expect(plain).toContain('[00:00:30] ✗ Create the thing: TransientCloudError');
    expect(plain).toContain('[00:00:35] ↻ Create the thing (retrying)');

    process.env.NO_COLOR = '1';
    const noColour = new CollectingStream(true);
    await shortRun(noColour);
    expect(noColour.text).not.toContain('\x1b[');
    expect(noColour.text).toContain('[00:00:00] > Check the request');
  });

  it('prints a polling loop once, and a failed execution with its state and readable cause', () => {
    const out = new CollectingStream();
    const display = new ProgressDisplay(out, { simulated: true });
    let id = 0;
    const at = (seconds: number, event: Omit<HistoryEvent, 'id' | 'timestamp' | 'simulatedSeconds'>) =>
      display.onEvent({ id: ++id, timestamp: new Date(seconds * 1000).toISOString(), simulatedSeconds: seconds, ...event });
    at(0, { type: 'ExecutionStarted' });
    for (let i = 0; i < 3; i++) {
      at(i * 60, { type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Check the gateway' } });
      at(i * 60, { type: 'TaskStateExited', stateExitedEventDetails: { name: 'Check the gateway' } });
      at(i * 60, { type: 'WaitStateEntered', stateEnteredEventDetails: { name: 'Wait for the gateway' } });
    }
    display.finish({ status: 'FAILED', error: 'GatewayBuildFailed', cause: JSON.stringify({ errorType: 'GatewayBuildFailed', errorMessage: 'the gateway ended Failed' }), seconds: 180, state: 'Check the gateway' });
    expect(out.lines).toEqual([
      '[00:00:00] > Check the gateway',
      '[00:00:00] + Check the gateway (0 s)',
      '[00:00:00] ~ Wait for the gateway',
      'x FAILED after 00:03:00 simulated: GatewayBuildFailed',
      '  in state: Check the gateway',
      '  the gateway ended Failed',
    ]);
  });

  it('shows real executions on elapsed wall-clock time (watch)', () => {
    const out = new CollectingStream();
    const display = new ProgressDisplay(out);
    display.onEvent({ id: 1, type: 'ExecutionStarted', timestamp: '2026-03-01T10:00:00Z' });
    display.onEvent({ id: 2, previousEventId: 1, type: 'TaskStateEntered', timestamp: '2026-03-01T10:40:15Z', stateEnteredEventDetails: { name: 'Create the Azure VPN gateway' } });
    display.onEvent({ id: 3, previousEventId: 2, type: 'TaskStateExited', timestamp: '2026-03-01T10:40:16Z', stateExitedEventDetails: { name: 'Create the Azure VPN gateway' } });
    expect(out.lines).toEqual(['[00:40:15] > Create the Azure VPN gateway', '[00:40:16] + Create the Azure VPN gateway (1 s)']);
  });

  it('formats clocks and durations', () => {
    expect(formatClock(2415)).toBe('00:40:15');
    expect(formatClock(90061)).toBe('25:01:01');
    expect(formatDuration(1)).toBe('1 s');
    expect(formatDuration(125)).toBe('2 min 5 s');
    expect(formatDuration(2400)).toBe('40 min');
    expect(formatDuration(3720)).toBe('1 h 2 min');
  });
});
