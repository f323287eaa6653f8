import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ProgressDisplay } from '../../cli/progress';
import { runLocal, type LocalRunOptions, type TaskHandler } from '../../local/runner';
import { CollectingStream, fixture, temporaryDirectory } from './support';
import { RequestRefused as ProductRequestRefused } from '../../functions/commons/errors';
import { RequestRefused, ResourceNotReady } from './toy';

const REQUEST_FILE = path.join(__dirname, '..', '..', 'events', 'new-environment.json');

function toyHandlers(readyAfterCheck: boolean): { handlers: Record<string, TaskHandler>; calls: string[] } {
  const calls: string[] = [];
  let creates = 0;
  return {
    calls,
    handlers: {
      ValidateRequestFunctionArn: (input) => {
        calls.push('validate');
        return { environmentId: (input as { environmentId: string }).environmentId };
      },
      CreateFunctionArn: () => {
        calls.push('create');
        if (++creates === 1) throw new ResourceNotReady('not yet');
        return { readyInSeconds: 60, ready: readyAfterCheck };
      },
      SummariseFunctionArn: () => {
        calls.push('summarise');
        return { probe: { dns: { ok: true, answers: ['aoai-prod.privatelink.openai.azure.com', '192.168.1.4'] }, tcp: { ok: true }, api: { ok: true, status: 200 } } };
      },
    },
  };
}

function toyRun(extra: Partial<LocalRunOptions>): LocalRunOptions {
  return {
    requestFile: REQUEST_FILE,
    definitionFile: fixture('small.asl.json'),
    clouds: false,
    output: null,
    // The command line's display, as cli/local.ts passes it.
    progress: (_executionName, out) => new ProgressDisplay(out, { simulated: true }),
    ...extra,
  };
}

describe('runLocal on a toy state machine (no emulated clouds)', () => {
  it('exits 0 when the execution succeeds and writes history.json and report.json', async () => {
    const outDir = temporaryDirectory('ok');
    const { handlers, calls } = toyHandlers(true);
    const result = await runLocal(toyRun({ handlers, outDir }));
    expect(result).toMatchObject({ exitCode: 0, status: 'SUCCEEDED', error: null, cause: null, outDir });
    expect(result.executionName).toMatch(/^aoai-prod-01-[0-9a-f]{8}$/);
    // Checked once before the start, then by the state machine's own first state.
    expect(calls).toEqual(['validate', 'validate', 'create', 'create', 'summarise']);

    const report = JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8'));
    expect(Object.keys(report)).toEqual([
      'executionName', 'status', 'error', 'cause', 'simulatedSeconds', 'stateTransitions', 'taskInvocations',
      'apiCalls', 'resources', 'operations', 'probe', 'timeline',
    ]);
    expect(report).toMatchObject({
      executionName: result.executionName,
      status: 'SUCCEEDED',
      simulatedSeconds: 70, // retry after 10 s, then a 60 s wait
      stateTransitions: 5,
      taskInvocations: 4,
      probe: { dns: { ok: true }, tcp: { ok: true }, api: { ok: true, status: 200 } },
    });
    expect(report.timeline).toEqual([
      { state: 'Check the request', enteredAt: 0, exitedAt: 0 },
      { state: 'Create the thing', enteredAt: 0, exitedAt: 10 },
      { state: 'Wait for the thing', enteredAt: 10, exitedAt: 70 },
      { state: 'Is it ready?', enteredAt: 70, exitedAt: 70 },
      { state: 'Summarise', enteredAt: 70, exitedAt: 70 },
    ]);
    const history = JSON.parse(readFileSync(path.join(outDir, 'history.json'), 'utf8'));
    expect(history.events[0].type).toBe('ExecutionStarted');
    expect(history.events[history.events.length - 1].type).toBe('ExecutionSucceeded');
    expect(history).toEqual(JSON.parse(JSON.stringify(result.history)));
  });

  it('exits 1 when the execution fails, with the error, the cause and the failed state', async () => {
    const outDir = temporaryDirectory('failed');
    const output = new CollectingStream();
    const result = await runLocal(toyRun({ handlers: toyHandlers(false).handlers, outDir, output }));
    expect(result).toMatchObject({ exitCode: 1, status: 'FAILED', error: 'ThingNeverReady', cause: 'the thing did not become ready', failedState: 'Give up' });
    expect(result.report?.status).toBe('FAILED');
    expect(output.text).toContain('x FAILED after 00:01:10 simulated: ThingNeverReady');
    expect(output.text).toContain('  in state: Give up');
    expect(output.text).toContain('  the thing did not become ready');
    expect(existsSync(path.join(outDir, 'report.json'))).toBe(true);
  });

  it('exits 2 and starts nothing when the request is refused by the schema', async () => {
    const outDir = temporaryDirectory('refused');
    const output = new CollectingStream();
    const { handlers, calls } = toyHandlers(true);
    const result = await runLocal(toyRun({ request: { version: 1, environmentId: 'X' }, handlers, outDir: path.join(outDir, 'out'), output }));
    expect(result.exitCode).toBe(2);
    expect(result.status).toBe('REFUSED');
    expect(result.problems!.length).toBeGreaterThan(1);
    expect(calls).toEqual([]);
    expect(existsSync(path.join(outDir, 'out'))).toBe(false);
    for (const problem of result.problems!) expect(output.text).toContain(`  - ${problem.path}: ${problem.message}`);
  });

  it('exits 2 when the check against the clouds refuses the request, listing every problem', async () => {
    const output = new CollectingStream();
    const { handlers, calls } = toyHandlers(true);
    handlers.ValidateRequestFunctionArn = () => {
      throw new ProductRequestRefused('The request contradicts what the clouds report; nothing was created.', [
        { path: 'aws.vpcId', message: 'vpc-0a1b2c3d4e5f60001 does not exist' },
        { path: 'azure.virtualNetworkName', message: 'vnet-hub was not found' },
      ]);
    };
    const result = await runLocal(toyRun({ handlers, outDir: temporaryDirectory('refused2'), output }));
    expect(result).toMatchObject({ exitCode: 2, status: 'REFUSED', error: 'RequestRefused' });
    expect(result.problems).toEqual([
      { path: 'aws.vpcId', message: 'vpc-0a1b2c3d4e5f60001 does not exist' },
      { path: 'azure.virtualNetworkName', message: 'vnet-hub was not found' },
    ]);
    expect(calls).toEqual([]);
    expect(output.text).toContain('  - azure.virtualNetworkName: vnet-hub was not found');
  });
});
