/** The command line against the local Step Functions endpoint, with the real @aws-sdk/client-sfn. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { run as start } from '../../cli/start';
import { run as validate } from '../../cli/validate';
import { run as watch } from '../../cli/watch';
import type { LocalStepFunctions } from '../../local/stepfunctions/server';
import { ManualBackend, PROJECT_ROOT, STATE_MACHINE_ARN, captured, localSfn, sampleRequest } from '../intake/support';

const REQUEST_FILE = path.join(PROJECT_ROOT, 'events', 'new-environment.json');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'aoai-link-cli-'));
const writeRequest = (name: string, request: unknown) => {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, JSON.stringify(request));
  return file;
};
const io = () => ({ out: captured(), err: captured() });

describe('validate', () => {
  test('a valid request: exit 0 and the execution name', async () => {
    const streams = io();
    expect(await validate([REQUEST_FILE], streams)).toBe(0);
    expect(streams.out.text()).toMatch(/valid request for environment aoai-prod-01 \(execution name aoai-prod-01-[0-9a-f]{8}\)/);
  });

  test('an invalid request: exit 2, every problem with its field path', async () => {
    const bad = sampleRequest();
    bad.environmentId = '9bad';
    bad.aws.routeTableIds = [];
    bad.azure.gatewaySubnetPrefix = '192.168.255.0/29';
    bad.unknownField = 1;
    const streams = io();
    expect(await validate([writeRequest('bad.json', bad)], streams)).toBe(2);
    const text = streams.err.text();
    for (const field of ['environmentId', 'aws.routeTableIds', 'azure.gatewaySubnetPrefix', 'unknownField']) expect(text).toContain(field);
  });

  test('usage and unreadable files: exit 2', async () => {
    expect(await validate([], io())).toBe(2);
    expect(await validate([path.join(tmp, 'missing.json')], io())).toBe(2);
  });
});

describe('watch and start', () => {
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

  /** Plays a short history into the execution, then ends it, while the command polls. */
  function play(executionArn: string, end: 'SUCCEEDED' | 'FAILED') {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const at = (s: number) => new Date(t0 + s * 1000);
    const events = [
      { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
      { id: 2, previousEventId: 1, type: 'TaskStateEntered', timestamp: at(0), stateEnteredEventDetails: { name: 'ValidateRequest' } },
      { id: 3, previousEventId: 2, type: 'TaskStateExited', timestamp: at(2), stateExitedEventDetails: { name: 'ValidateRequest' } },
      { id: 4, previousEventId: 3, type: 'TaskStateEntered', timestamp: at(2), stateEnteredEventDetails: { name: 'CreateAzureGateway' } },
    ];
    let i = 0;
    const timer = setInterval(() => {
      if (i < events.length) backend.emit(executionArn, events[i++]);
      else {
        clearInterval(timer);
        if (end === 'SUCCEEDED') {
          backend.emit(executionArn, { id: 5, previousEventId: 4, type: 'TaskStateExited', timestamp: at(2400), stateExitedEventDetails: { name: 'CreateAzureGateway' } });
          backend.finish(executionArn, { status: 'SUCCEEDED', output: '{"ok":true}' });
        } else {
          backend.finish(executionArn, { status: 'FAILED', error: 'GatewayBuildFailed', cause: 'The VPN gateway ended Failed.' });
        }
      }
    }, 15);
  }

  test('watch follows the history to the end: exit 0 on success, 1 on failure, 2 for an unknown execution', async () => {
    const ok = await sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'aoai-prod-01-00000001', input: '{}' }));
    play(ok.executionArn!, 'SUCCEEDED');
    const streams = io();
    expect(await watch([ok.executionArn!, '--interval', '0.02'], streams, sfn)).toBe(0);
    const text = streams.out.text();
    expect(text).toContain('ValidateRequest');
    expect(text).toContain('CreateAzureGateway');
    expect(text).toMatch(/SUCCEEDED/);

    const bad = await sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'aoai-prod-01-00000002', input: '{}' }));
    play(bad.executionArn!, 'FAILED');
    const failed = io();
    expect(await watch([bad.executionArn!, '--interval', '0.02'], failed, sfn)).toBe(1);
    expect(failed.out.text()).toContain('GatewayBuildFailed');

    expect(await watch([`${ok.executionArn}-nope`], io(), sfn)).toBe(2);
    expect(await watch([], io(), sfn)).toBe(2);
  });

  test('start: starts under the deterministic name and follows; again: nothing new; another for the env: refused', async () => {
    const following = (async () => {
      while (backend.started.size === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      play([...backend.started.keys()][0], 'SUCCEEDED');
    })();
    const streams = io();
    expect(await start([REQUEST_FILE, '--state-machine-arn', STATE_MACHINE_ARN, '--interval', '0.02'], streams, sfn)).toBe(0);
    await following;
    const [executionArn] = [...server.executions.keys()];
    expect(executionArn).toMatch(/:execution:aoai-link-provision:aoai-prod-01-run-1$/);
    expect(JSON.parse(server.executions.get(executionArn)!.input)).toEqual(sampleRequest());

    const again = io();
    expect(await start([REQUEST_FILE, '--state-machine-arn', STATE_MACHINE_ARN, '--no-follow'], again, sfn)).toBe(0);
    expect(again.out.text()).toContain('already started');
    expect(server.executions.size).toBe(1);

    const other = sampleRequest();
    other.ticket.id = 'OPS-2';
    const first = await start([writeRequest('other.json', other), '--state-machine-arn', STATE_MACHINE_ARN, '--no-follow'], io(), sfn);
    expect(first).toBe(0);
    const third = sampleRequest();
    third.ticket.id = 'OPS-3';
    const refused = io();
    expect(await start([writeRequest('third.json', third), '--state-machine-arn', STATE_MACHINE_ARN], refused, sfn)).toBe(1);
    expect(refused.err.text()).toContain('has an execution running');
  });

  test('start: an invalid request is refused before anything starts (exit 2); no state machine is a usage error', async () => {
    const bad = sampleRequest();
    delete bad.aws;
    expect(await start([writeRequest('noaws.json', bad), '--state-machine-arn', STATE_MACHINE_ARN], io(), sfn)).toBe(2);
    const saved = process.env.AOAI_LINK_STATE_MACHINE_ARN;
    delete process.env.AOAI_LINK_STATE_MACHINE_ARN;
    expect(await start([REQUEST_FILE], io(), sfn)).toBe(2);
    if (saved !== undefined) process.env.AOAI_LINK_STATE_MACHINE_ARN = saved;
    expect(server.executions.size).toBe(0);
  });
});
