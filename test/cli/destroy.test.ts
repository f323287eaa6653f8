/**
 * `aoai-link destroy` against the local Step Functions endpoint with the real @aws-sdk/client-sfn: by request
 * file and by environment id, the public-access choice, refusals while something of the environment runs,
 * redeliveries, --wait, and (at the end) a real teardown of a real provisioning through the local runner.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { run as destroy } from '../../cli/destroy';
import { run as start } from '../../cli/start';
import { main } from '../../cli/main';
import { executionArnFor } from '../../functions/commons/executions';
import { RunLocalBackend } from '../../local/stepfunctions/backend';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../local/stepfunctions/server';
import { ManualBackend, PROJECT_ROOT, STATE_MACHINE_ARN, captured, sampleRequest, sfnClient } from '../intake/support';
import { TEARDOWN_STATE_MACHINE_ARN } from '../intake/teardown-support';

const REQUEST_FILE = path.join(PROJECT_ROOT, 'events', 'new-environment.json');
const ENV = 'aoai-prod-01';
const MACHINES = ['--state-machine-arn', STATE_MACHINE_ARN, '--teardown-state-machine-arn', TEARDOWN_STATE_MACHINE_ARN];
const io = () => ({ out: captured(), err: captured() });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aoai-link-destroy-'));
const writeRequest = (name: string, request: unknown) => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, JSON.stringify(request));
  return file;
};
const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('destroy against a driven endpoint', () => {
  let backend: ManualBackend;
  let server: LocalStepFunctions;
  let sfn: SFNClient;
  beforeEach(async () => {
    backend = new ManualBackend();
    server = await startLocalStepFunctions({ backend, stateMachineArns: [STATE_MACHINE_ARN, TEARDOWN_STATE_MACHINE_ARN] });
    sfn = sfnClient(server.endpoint);
  });
  afterEach(async () => {
    sfn.destroy();
    await server.close();
  });
  const teardowns = () => [...server.executions.values()].filter((e) => e.stateMachineArn === TEARDOWN_STATE_MACHINE_ARN);
  /** Provisions the sample request with `start` and ends it with `status`. */
  const provisioned = async (status: 'SUCCEEDED' | 'FAILED' = 'SUCCEEDED', file = REQUEST_FILE) => {
    const streams = io();
    expect(await start([file, '--state-machine-arn', STATE_MACHINE_ARN, '--no-follow', '--json'], streams, sfn)).toBe(0);
    const { executionArn, executionName } = JSON.parse(streams.out.text());
    backend.finish(executionArn, { status, ...(status === 'SUCCEEDED' ? { output: '{}' } : { error: 'TunnelsDown', cause: 'down' }) });
    await tick();
    return executionName as string;
  };

  test('destroy REQUEST.json: starts <env>-teardown-1 with the file\'s request, public access kept; again: nothing new', async () => {
    await provisioned();
    const streams = io();
    expect(await destroy([REQUEST_FILE, ...MACHINES, '--json'], streams, sfn)).toBe(0);
    const document = JSON.parse(streams.out.text());
    expect(document).toMatchObject({
      environmentId: ENV,
      executionName: `${ENV}-teardown-1`,
      executionArn: executionArnFor(TEARDOWN_STATE_MACHINE_ARN, `${ENV}-teardown-1`),
      started: true,
      publicNetworkAccessOnTeardown: 'keep',
    });
    expect(JSON.parse(teardowns()[0].input)).toEqual({ ...sampleRequest(), options: { ...sampleRequest().options, publicNetworkAccessOnTeardown: 'keep' } });

    const again = io();
    expect(await destroy([REQUEST_FILE, ...MACHINES], again, sfn)).toBe(0);
    expect(again.out.text()).toContain(`already started as ${ENV}-teardown-1 (RUNNING)`);
    expect(teardowns()).toHaveLength(1);
  });

  test("destroy --environment: the latest provisioning's request; --restore-public-access is merged into its options", async () => {
    const first = await provisioned('FAILED');
    const changed = sampleRequest();
    changed.ticket.id = 'OPS-5678';
    const latest = await provisioned('SUCCEEDED', writeRequest('changed.json', changed));
    expect([first, latest]).toEqual([`${ENV}-run-1`, `${ENV}-run-2`]);
    const streams = io();
    expect(await destroy(['--environment', ENV, '--restore-public-access', ...MACHINES], streams, sfn)).toBe(0);
    expect(streams.out.text()).toContain(`The request of ${ENV}-run-2 (SUCCEEDED)`);
    expect(streams.out.text()).toContain('will be restored');
    expect(JSON.parse(teardowns()[0].input)).toEqual({ ...changed, options: { ...changed.options, publicNetworkAccessOnTeardown: 'restore' } });
  });

  test('refused with exit 1 while a provisioning of the environment runs, and while another teardown runs', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: `${ENV}-run-1`, input: JSON.stringify(sampleRequest()) }),
    );
    const streams = io();
    expect(await destroy([REQUEST_FILE, ...MACHINES], streams, sfn)).toBe(1);
    expect(streams.err.text()).toContain(`has a provisioning running: ${executionArn}`);
    expect(teardowns()).toHaveLength(0);

    backend.finish(executionArn!, { status: 'SUCCEEDED', output: '{}' });
    await tick();
    expect(await destroy([REQUEST_FILE, ...MACHINES], io(), sfn)).toBe(0);
    const other = io();
    expect(await destroy([REQUEST_FILE, '--restore-public-access', ...MACHINES, '--json'], other, sfn)).toBe(1);
    expect(JSON.parse(other.out.text())).toMatchObject({ started: false, busy: true, runningWorkflow: 'teardown' });
    // And `start` is refused while the teardown runs.
    const refused = io();
    expect(await start([REQUEST_FILE, ...MACHINES, '--no-follow'], refused, sfn)).toBe(1);
    expect(refused.err.text()).toContain('has a teardown running');
  });

  test('exit 2: no provisioning to read with --environment, neither or both of file and id, no machine, an invalid file', async () => {
    const none = io();
    expect(await destroy(['--environment', ENV, ...MACHINES], none, sfn)).toBe(2);
    expect(none.err.text()).toContain(`no provisioning of environment ${ENV} was ever started`);
    expect(await destroy([...MACHINES], io(), sfn)).toBe(2);
    expect(await destroy([REQUEST_FILE, '--environment', ENV, ...MACHINES], io(), sfn)).toBe(2);
    expect(await destroy(['--environment', 'Not-An-Id', ...MACHINES], io(), sfn)).toBe(2);
    const noTeardownMachine = io();
    const saved = process.env.AOAI_LINK_TEARDOWN_STATE_MACHINE_ARN;
    delete process.env.AOAI_LINK_TEARDOWN_STATE_MACHINE_ARN;
    try {
      expect(await destroy([REQUEST_FILE, '--state-machine-arn', STATE_MACHINE_ARN], noTeardownMachine, sfn)).toBe(2);
    } finally {
      if (saved !== undefined) process.env.AOAI_LINK_TEARDOWN_STATE_MACHINE_ARN = saved;
    }
    expect(noTeardownMachine.err.text()).toContain('AOAI_LINK_TEARDOWN_STATE_MACHINE_ARN');
    const bad = sampleRequest();
    bad.environmentId = '9bad';
    expect(await destroy([writeRequest('bad.json', bad), ...MACHINES], io(), sfn)).toBe(2);
    expect(teardowns()).toHaveLength(0);
  });

  test('--wait follows the teardown to its end: exit 0 SUCCEEDED, 1 otherwise', async () => {
    await provisioned();
    const streams = io();
    const finished = destroy([REQUEST_FILE, ...MACHINES, '--wait', '--interval', '0.02', '--json'], streams, sfn);
    let running;
    while (!(running = teardowns()[0])) await tick();
    backend.emit(running.executionArn, { id: 1, type: 'ExecutionStarted', timestamp: new Date() });
    backend.finish(running.executionArn, { status: 'FAILED', error: 'ResourceNotReady', cause: 'still deleting' });
    expect(await finished).toBe(1);
    expect(JSON.parse(streams.out.text())).toMatchObject({ executionName: `${ENV}-teardown-1`, status: 'FAILED', error: 'ResourceNotReady' });
  });

  test('the program lists destroy', async () => {
    const streams = io();
    expect(await main(['--help'], streams.out, streams.err)).toBe(0);
    expect(streams.out.text()).toMatch(/\n\s+destroy \[options\] \[REQUEST\.json\]/);
  });
});

describe('destroy of a real provisioning, through the local runner', () => {
  test('start, then destroy --environment --wait: the teardown machine runs and succeeds; a second destroy starts nothing', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'real-'));
    const stateFile = path.join(dir, 'state.json');
    const backend = new RunLocalBackend({ runOptions: { stateFile, outDir: path.join(dir, 'out') } });
    const server = await startLocalStepFunctions({ backend, stateMachineArns: [STATE_MACHINE_ARN, TEARDOWN_STATE_MACHINE_ARN] });
    const sfn = sfnClient(server.endpoint);
    try {
      const started = Date.now();
      const provisioning = io();
      const provisioningCode = await start([REQUEST_FILE, ...MACHINES, '--interval', '0.05', '--json'], provisioning, sfn);
      expect({ provisioningCode, status: JSON.parse(provisioning.out.text()).status, error: JSON.parse(provisioning.out.text()).error }).toEqual({
        provisioningCode: 0,
        status: 'SUCCEEDED',
        error: null,
      });
      const provisionedMs = Date.now() - started;
      const streams = io();
      const code = await destroy(['--environment', ENV, ...MACHINES, '--wait', '--interval', '0.05', '--json'], streams, sfn);
      const document = JSON.parse(streams.out.text());
      console.log(`provisioning ${provisionedMs} ms real; teardown ${document.status} in ${document.seconds} simulated s, ${Date.now() - started - provisionedMs} ms real`);
      expect({ code, status: document.status, error: document.error }).toEqual({ code: 0, status: 'SUCCEEDED', error: null });
      expect(document).toMatchObject({ executionName: `${ENV}-teardown-1`, requestOf: `${ENV}-run-1` });
      expect(document.output.environmentId).toBe(ENV);
      expect(document.output.removed.length).toBeGreaterThan(0);
      // Redelivered: the teardown succeeded and nothing was provisioned since.
      const again = io();
      expect(await destroy(['--environment', ENV, ...MACHINES, '--json'], again, sfn)).toBe(0);
      expect(JSON.parse(again.out.text())).toMatchObject({ started: false, executionName: `${ENV}-teardown-1` });
    } finally {
      sfn.destroy();
      await backend.idle();
      await server.close();
    }
  }, 120_000);
});
