/**
 * Local mode's `--teardown` (contract v2): the runner runs statemachine/teardown.asl.json for each request's
 * environment, refuses a bad request before anything runs, reports what the run itself removed (`removed`, from
 * the emulated clouds' lists before and after) and what remains, and the local Step Functions endpoint serves the
 * teardown state machine beside provisioning.
 *
 * The wiring tests replace the teardown's functions by placeholder (the runner's handler overrides); where
 * something must really go, the override deletes it with the real SDK client against the emulated cloud. The
 * end-to-end block at the bottom runs the real functions after a real provisioning.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DeleteFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetExecutionHistoryCommand, ListExecutionsCommand, RedriveExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ProgressDisplay } from '../../cli/progress';
import { LAMBDAS } from '../../functions/catalog';
import { resourceNames } from '../../functions/commons/naming';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import { runLocal, runLocalRequests, type LocalRunResult, type TaskHandler } from '../../local/runner';
import { substitutePlaceholders, type Definition } from '../../local/runner/definition';
import { catalogHandlers } from '../../local/runner/lambdas';
import { removedResources, type ResourceLists } from '../../local/runner/report';
import { RunLocalBackend } from '../../local/stepfunctions/backend';
import { LOCAL_STATE_MACHINE_ARN, LOCAL_TEARDOWN_STATE_MACHINE_ARN, startLocalStepFunctions } from '../../local/stepfunctions/server';
import { sfnClient } from '../intake/support';
import { CollectingStream, temporaryDirectory } from './support';
import { RequestRefused } from './toy';

const ROOT = path.join(__dirname, '..', '..');
const REQUEST_FILE = path.join(ROOT, 'events', 'new-environment.json');
const TEARDOWN_DEFINITION = path.join(ROOT, 'statemachine', 'teardown.asl.json');
const request = (): EnvironmentRequest => JSON.parse(readFileSync(REQUEST_FILE, 'utf8'));
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

const TEARDOWN_PLACEHOLDERS = ['TeardownInventoryFunctionArn', 'RemoveAzureFunctionArn', 'RemoveAwsVpnFunctionArn', 'RemoveAwsDnsFunctionArn', 'RemoveProbeFunctionArn', 'SummariseTeardownFunctionArn'];

/** Toy teardown functions: every removal finds nothing unless `remove` handles its action; calls are counted. */
function toyTeardown(options: { nothingToRemove?: boolean; remove?: Record<string, () => Promise<unknown>> } = {}) {
  const calls: string[] = [];
  const inventory: TaskHandler = (input) => {
    calls.push('inventory');
    const { request: document } = input as { request: EnvironmentRequest };
    return {
      request: document,
      inventory: { environmentId: document.environmentId, ours: [], foreign: [], nothingToRemove: options.nothingToRemove ?? false, restorePublicNetworkAccess: false },
    };
  };
  const removal: TaskHandler = async (input) => {
    const { action } = input as { action: string };
    calls.push(action);
    return options.remove?.[action] ? options.remove[action]() : { outcome: 'absent' };
  };
  const handlers: Record<string, TaskHandler> = {
    TeardownInventoryFunctionArn: inventory,
    RemoveAzureFunctionArn: removal,
    RemoveAwsVpnFunctionArn: (input) => ((input as { action: string }).action === 'scheduleTunnelKeyDeletion' ? (calls.push('scheduleTunnelKeyDeletion'), { secrets: [], recoveryWindowInDays: 7 }) : removal(input, undefined as never)),
    RemoveAwsDnsFunctionArn: removal,
    RemoveProbeFunctionArn: removal,
    SummariseTeardownFunctionArn: () => {
      calls.push('summarise');
      return { environmentId: 'aoai-prod-01', message: options.nothingToRemove ? 'Nothing of environment aoai-prod-01 exists: nothing to remove.' : 'Removed what there was.', removed: [], left: [] };
    },
  };
  return { calls, handlers };
}

function statesEntered(result: LocalRunResult): string[] {
  return (result.history?.events ?? []).flatMap((event) => (event.stateEnteredEventDetails ? [event.stateEnteredEventDetails.name] : []));
}

describe('the teardown definition', () => {
  it("is the stack's teardown.asl.json, and every placeholder in it is a catalog function local mode can run", () => {
    const { substitutions } = catalogHandlers('ap-northeast-1', '123456789012');
    const definition = JSON.parse(substitutePlaceholders(readFileSync(TEARDOWN_DEFINITION, 'utf8'), substitutions)) as Definition;
    const catalogArns = new Set(LAMBDAS.filter((lambda) => lambda.substitution).map((lambda) => substitutions[lambda.substitution!]));
    const resources: string[] = [];
    const walk = (machine: { States: Record<string, any> }) => {
      for (const state of Object.values(machine.States)) {
        if (state.Type === 'Task') resources.push(state.Resource);
        for (const branch of state.Branches ?? []) walk(branch);
      }
    };
    walk(definition);
    expect(resources.length).toBeGreaterThan(20);
    expect(resources.filter((arn) => !catalogArns.has(arn))).toEqual([]);
    // The check before start is the first state's own task: the inventory.
    expect(definition.States[definition.StartAt].Resource).toBe(substitutions.TeardownInventoryFunctionArn);
    expect(new Set(TEARDOWN_PLACEHOLDERS.map((name) => substitutions[name]))).toEqual(new Set(resources));
  });
});

describe('a teardown run, wired with toy functions', () => {
  it('runs teardown.asl.json under a name of its own, checks with the inventory first, and says it is a teardown', async () => {
    const { calls, handlers } = toyTeardown({ nothingToRemove: true });
    const output = new CollectingStream();
    const outDir = temporaryDirectory('teardown-toy');
    const result = await runLocal({
      requestFile: REQUEST_FILE,
      teardown: true,
      clouds: false,
      outDir,
      output,
      progress: (_name, out) => new ProgressDisplay(out, { simulated: true, subject: 'Teardown' }),
      handlers,
    });
    expect([result.status, result.exitCode]).toEqual(['SUCCEEDED', 0]);
    expect(result.executionName).toMatch(/^aoai-prod-01-teardown-[0-9a-f]{8}$/);
    // Once before the execution starts, once as its first state; nothing to remove, so straight to the summary.
    expect(calls).toEqual(['inventory', 'inventory', 'summarise']);
    expect(statesEntered(result)).toEqual(['Find what the environment left in both clouds', 'Is anything of the environment left?', 'Summarise the teardown']);
    expect(output.lines[0]).toBe(`Tearing down environment aoai-prod-01 (${result.executionName}) locally against the emulated clouds (simulated clock)`);
    expect(output.lines).toContain('[00:00:00] > Find what the environment left in both clouds');
    expect(output.lines[output.lines.length - 1]).toBe('+ Teardown SUCCEEDED in 00:00:00 simulated (0 s)');
    const report = readJson(path.join(outDir, 'report.json'));
    expect(report.removed).toEqual([]);
    expect(readJson(path.join(outDir, 'history.json')).events.at(-1).type).toBe('ExecutionSucceeded');
  });

  it('a request the inventory refuses: exit 2 before the execution starts, nothing removed, no history, no state', async () => {
    const { calls, handlers } = toyTeardown();
    handlers.TeardownInventoryFunctionArn = () => {
      calls.push('inventory');
      throw new RequestRefused(JSON.stringify({ refused: 'The request was refused.', problems: [{ path: 'aws.vpcId', message: 'no such VPC' }] }));
    };
    const outDir = temporaryDirectory('teardown-refused');
    const stateFile = path.join(outDir, 'state.json');
    const result = await runLocal({ requestFile: REQUEST_FILE, teardown: true, outDir, stateFile, output: null, handlers });
    expect([result.status, result.exitCode]).toEqual(['REFUSED', 2]);
    expect(result.problems).toEqual([{ path: 'aws.vpcId', message: 'no such VPC' }]);
    expect(calls).toEqual(['inventory']);
    expect([existsSync(path.join(outDir, 'history.json')), existsSync(stateFile)]).toEqual([false, false]);
  });

  it('a request that breaks the schema: exit 2 before any function runs', async () => {
    const { calls, handlers } = toyTeardown();
    const broken = { ...request(), environmentId: 'Not An Id!' };
    const outDir = temporaryDirectory('teardown-schema');
    const result = await runLocal({ request: broken, teardown: true, outDir, output: null, handlers });
    expect([result.status, result.exitCode]).toEqual(['REFUSED', 2]);
    expect(result.problems?.map((problem) => problem.path)).toContain('environmentId');
    expect(calls).toEqual([]);
    expect(existsSync(path.join(outDir, 'history.json'))).toBe(false);
  });
});

describe('what a teardown reports it removed', () => {
  const dir = temporaryDirectory('teardown-removed');
  const stateFile = path.join(dir, 'state.json');
  const probeFunction = resourceNames(request()).aws.probeFunction;
  // The probe function is really deleted, through the real Lambda client, against the emulated Lambda.
  const deleteTheProbe = async () => {
    await new LambdaClient({}).send(new DeleteFunctionCommand({ FunctionName: probeFunction }));
    return { outcome: 'removed' };
  };
  let provisioned: LocalRunResult;

  beforeAll(async () => {
    provisioned = await runLocal({ requestFile: REQUEST_FILE, stateFile, outDir: path.join(dir, 'provision'), output: null });
  }, 300_000);

  it('lists what was there when it started and is gone at its end, and nothing that is still there', async () => {
    expect(provisioned.status).toBe('SUCCEEDED');
    const probeArn = provisioned.report!.resources.aws.find((entry) => entry.type === 'function')!.id;
    const { handlers } = toyTeardown({ remove: { removeProbeFunction: deleteTheProbe } });
    const outDir = path.join(dir, 'first');
    const result = await runLocal({ requestFile: REQUEST_FILE, teardown: true, stateFile, outDir, output: null, handlers });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.report!.removed).toEqual([{ cloud: 'aws', type: 'function', id: probeArn }]);
    expect(result.report!.resources.aws.map((entry) => entry.id)).not.toContain(probeArn);
    // Everything else provisioning made is still listed, and the saved state keeps the deletion.
    expect(result.report!.resources.aws.length + result.report!.resources.azure.length).toBe(
      provisioned.report!.resources.aws.length + provisioned.report!.resources.azure.length - 1,
    );
    expect(readJson(path.join(outDir, 'report.json')).removed).toEqual(result.report!.removed);
    expect(readJson(stateFile).aws.functions.find((f: { FunctionArn: string }) => f.FunctionArn === probeArn).deletedAt).toEqual(expect.any(Number));
  }, 120_000);

  it('a second teardown lists nothing: what an earlier run removed is not this run’s doing', async () => {
    const { calls, handlers } = toyTeardown({ remove: { removeProbeFunction: async () => ({ outcome: 'absent' }) } });
    const result = await runLocal({ requestFile: REQUEST_FILE, teardown: true, stateFile, outDir: path.join(dir, 'second'), output: null, handlers });
    expect(result.status).toBe('SUCCEEDED');
    expect(calls).toContain('removeProbeFunction');
    expect(result.report!.removed).toEqual([]);
  }, 120_000);
});

describe('removals when several executions share the clouds', () => {
  const first = request();
  const second: EnvironmentRequest = { ...request(), environmentId: 'aoai-b-01' };
  const subnetOf = (env: EnvironmentRequest) => resourceNames(env).azure.privateEndpointSubnet.id;
  // Both environments are on the same hub VNet: its GatewaySubnet is claimed by each.
  const gatewaySubnet = resourceNames(first).azure.gatewaySubnet.id;
  const elsewhere = '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-other/providers/Microsoft.Network/publicIPAddresses/pip-other';
  const before: ResourceLists = {
    aws: [
      { type: 'vpn-connection', id: 'vpn-a', tags: { environment: 'aoai-prod-01' } },
      { type: 'vpn-connection', id: 'vpn-b', tags: { environment: 'aoai-b-01' } },
      { type: 'resolver-rule-association', id: 'rslvr-rrassoc-b', tags: { Name: 'aoai-link-aoai-b-01-openai' } },
      { type: 'security-group', id: 'sg-kept', tags: { environment: 'aoai-prod-01' } },
    ],
    azure: [
      { type: 'Microsoft.Network/virtualNetworks/subnets', id: subnetOf(first), provisioningState: 'Succeeded', tags: {} },
      { type: 'Microsoft.Network/virtualNetworks/subnets', id: subnetOf(second), provisioningState: 'Succeeded', tags: {} },
      { type: 'Microsoft.Network/virtualNetworks/subnets', id: gatewaySubnet, provisioningState: 'Succeeded', tags: {} },
      { type: 'Microsoft.Network/publicIPAddresses', id: elsewhere, provisioningState: 'Succeeded', tags: {} },
    ],
  };
  const after: ResourceLists = { aws: [before.aws[3]], azure: [] };

  it("each lists its own environment's removals, what both claim, and what no environment's names claim", () => {
    expect(removedResources(before, after, first, [second]).map((entry) => entry.id)).toEqual(['vpn-a', subnetOf(first), gatewaySubnet, elsewhere]);
    expect(removedResources(before, after, second, [first]).map((entry) => entry.id)).toEqual(['vpn-b', 'rslvr-rrassoc-b', subnetOf(second), gatewaySubnet, elsewhere]);
  });

  it('alone, an execution lists everything that went', () => {
    expect(removedResources(before, after, first)).toHaveLength(7);
    expect(removedResources(before, after, first)[0]).toEqual({ cloud: 'aws', type: 'vpn-connection', id: 'vpn-a' });
  });
});

describe('the local Step Functions endpoint', () => {
  it('serves the teardown state machine beside provisioning, and runs teardown.asl.json for it', async () => {
    const { calls, handlers } = toyTeardown({ nothingToRemove: true });
    const backend = new RunLocalBackend({ runOptions: { clouds: false, handlers, outDir: temporaryDirectory('teardown-sfn') } });
    const server = await startLocalStepFunctions({ backend });
    const sfn = sfnClient(server.endpoint);
    try {
      expect(LOCAL_TEARDOWN_STATE_MACHINE_ARN).toBe('arn:aws:states:ap-northeast-1:123456789012:stateMachine:aoai-link-teardown');
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: LOCAL_TEARDOWN_STATE_MACHINE_ARN, name: 'aoai-prod-01-teardown-1', input: readFileSync(REQUEST_FILE, 'utf8') }));
      expect(executionArn).toBe('arn:aws:states:ap-northeast-1:123456789012:execution:aoai-link-teardown:aoai-prod-01-teardown-1');
      const ended = await server.waitForEnd(executionArn!);
      expect(ended.status).toBe('SUCCEEDED');
      const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn }));
      const entered = (history.events ?? []).flatMap((event) => (event.stateEnteredEventDetails?.name ? [event.stateEnteredEventDetails.name] : []));
      expect(entered[0]).toBe('Find what the environment left in both clouds');
      expect(calls).toContain('summarise');
      // Each state machine lists its own executions.
      expect((await sfn.send(new ListExecutionsCommand({ stateMachineArn: LOCAL_TEARDOWN_STATE_MACHINE_ARN }))).executions?.map((e) => e.name)).toEqual(['aoai-prod-01-teardown-1']);
      expect((await sfn.send(new ListExecutionsCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN }))).executions).toEqual([]);
    } finally {
      sfn.destroy();
      await backend.idle();
      await server.close();
    }
  });

  it('redrives a failed teardown from where it stopped, on the teardown definition', async () => {
    const { calls, handlers } = toyTeardown({ nothingToRemove: true });
    const summarise = handlers.SummariseTeardownFunctionArn;
    let failures = 0;
    handlers.SummariseTeardownFunctionArn = (input, invocation) => {
      // Fails past its retries the first time only (a permission the role lacked, fixed before the redrive).
      if (failures++ < 1) throw Object.assign(new Error('not allowed yet'), { name: 'PermissionDenied' });
      return summarise(input, invocation);
    };
    const backend = new RunLocalBackend({ runOptions: { clouds: false, handlers, outDir: temporaryDirectory('teardown-redrive') } });
    const server = await startLocalStepFunctions({ backend });
    const sfn = sfnClient(server.endpoint);
    try {
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: LOCAL_TEARDOWN_STATE_MACHINE_ARN, name: 'aoai-prod-01-teardown-1', input: readFileSync(REQUEST_FILE, 'utf8') }));
      expect((await server.waitForEnd(executionArn!)).status).toBe('FAILED');
      const before = calls.length;
      await sfn.send(new RedriveExecutionCommand({ executionArn }));
      expect((await server.waitForEnd(executionArn!)).status).toBe('SUCCEEDED');
      // It resumed at the summary: the inventory did not run again.
      expect(calls.slice(before)).toEqual(['summarise']);
    } finally {
      sfn.destroy();
      await backend.idle();
      await server.close();
    }
  });
});

/** Every resource the state holds, with whether it still exists (what a cloud's List/Describe would show). */
function liveIds(state: any): Set<string> {
  const aws = state.aws;
  const ids = [
    ...aws.vpcs.map((r: any) => r.VpcId),
    ...aws.subnets.map((r: any) => r.SubnetId),
    ...aws.routeTables.map((r: any) => r.RouteTableId),
    ...[...aws.customerGateways, ...aws.vpnGateways, ...aws.vpnConnections].filter((r: any) => r.deletedAt === undefined).map((r: any) => r.CustomerGatewayId ?? r.VpnGatewayId ?? r.VpnConnectionId),
    ...aws.securityGroups.filter((r: any) => r.deletedAt === undefined).map((r: any) => r.GroupId),
    ...[...aws.resolverEndpoints, ...aws.resolverRules, ...aws.resolverRuleAssociations].filter((r: any) => r.deletedAt === undefined).map((r: any) => r.Id),
    ...aws.secrets.filter((r: any) => r.DeletedDate === undefined).map((r: any) => r.ARN),
    ...aws.functions.filter((r: any) => r.deletedAt === undefined).map((r: any) => r.FunctionArn),
    ...Object.values(state.azure.resources)
      .filter((r: any) => !(r.operation?.kind === 'delete'))
      .map((r: any) => r.id.toLowerCase()),
  ];
  return new Set(ids);
}

const DELETING_CALL = /^(Delete|Detach|Disassociate|DELETE )/;

describe('end to end: provisioning, then the real teardown, then again', () => {
  const dir = temporaryDirectory('teardown-e2e');
  const stateFile = path.join(dir, 'state.json');
  let provisioned: LocalRunResult;
  let provisionedState: any;
  let first: LocalRunResult;
  let second: LocalRunResult;

  beforeAll(async () => {
    provisioned = await runLocal({ requestFile: REQUEST_FILE, stateFile, outDir: path.join(dir, 'provision'), output: null });
    provisionedState = readJson(stateFile);
    first = await runLocal({ requestFile: REQUEST_FILE, teardown: true, stateFile, outDir: path.join(dir, 'teardown-1'), output: null });
    second = await runLocal({ requestFile: REQUEST_FILE, teardown: true, stateFile, outDir: path.join(dir, 'teardown-2'), output: null });
    console.log(
      `teardown after the default run: ${first.status} in ${first.report?.simulatedSeconds} simulated s, ${first.report?.stateTransitions} transitions, ` +
        `${first.report?.taskInvocations} task invocations, ${first.realMilliseconds} ms real; removed ${first.report?.removed?.length}; ` +
        `second teardown ${second.status} in ${second.report?.simulatedSeconds} simulated s`,
    );
  }, 600_000);

  it('the teardown succeeds and nothing the environment had is left in either cloud', () => {
    expect(provisioned.status).toBe('SUCCEEDED');
    expect([first.status, first.error, first.failedState ?? null]).toEqual(['SUCCEEDED', null, null]);
    expect(first.report!.resources).toEqual({ aws: [], azure: [] });
    // Everything provisioning's report listed is in the teardown's `removed`, and nothing more.
    const made = [...provisioned.report!.resources.aws.map((r) => `aws ${r.type} ${r.id}`), ...provisioned.report!.resources.azure.map((r) => `azure ${r.type} ${r.id}`)];
    expect(first.report!.removed!.map((r) => `${r.cloud} ${r.type} ${r.id}`).sort()).toEqual(made.sort());
    // The summary a change board reads names the same resources as the clouds lost.
    // (NSG rules are children the clouds' lists do not show: the summary names them besides.)
    const summary = first.output as { removed: { cloud: string; type: string; id: string }[] };
    const RULE = 'Microsoft.Network/networkSecurityGroups/securityRules';
    expect(summary.removed.filter((r) => r.type === RULE)).toHaveLength(3);
    expect(summary.removed.filter((r) => r.type !== RULE).map((r) => `${r.cloud} ${r.type} ${r.id}`.toLowerCase()).sort()).toEqual(made.map((m) => m.toLowerCase()).sort());
  });

  it("every world resource is still there, and the OpenAI account's network settings are kept", () => {
    const after = readJson(stateFile);
    const live = liveIds(after);
    const world = [
      ...provisionedState.aws.vpcs.map((r: any) => r.VpcId),
      ...provisionedState.aws.subnets.map((r: any) => r.SubnetId),
      ...provisionedState.aws.routeTables.map((r: any) => r.RouteTableId),
      ...Object.values(provisionedState.azure.resources)
        .filter((r: any) => r.preExisting)
        .map((r: any) => r.id.toLowerCase()),
    ];
    expect(world.length).toBeGreaterThan(5);
    expect(world.filter((id) => !live.has(id))).toEqual([]);
    const account = (state: any) => Object.values(state.azure.resources).find((r: any) => r.type === 'Microsoft.CognitiveServices/accounts') as any;
    expect(account(after).body.properties.publicNetworkAccess).toBe(account(provisionedState).body.properties.publicNetworkAccess);
  });

  it('a second teardown is a no-op: it succeeds, removes nothing and calls no delete', () => {
    expect([second.status, second.exitCode]).toEqual(['SUCCEEDED', 0]);
    expect(second.report!.removed).toEqual([]);
    const calls = [...Object.keys(second.report!.apiCalls.aws), ...Object.keys(second.report!.apiCalls.azure)];
    expect(calls.filter((call) => DELETING_CALL.test(call))).toEqual([]);
  });

  it('no tunnel key appears in the teardown history, report or function log', () => {
    const keys = provisionedState.aws.vpnConnections.flatMap((c: any) => c.Tunnels.map((t: any) => t.PreSharedKey));
    expect(keys.length).toBe(2);
    for (const file of ['history.json', 'report.json', 'functions.log']) {
      const text = readFileSync(path.join(dir, 'teardown-1', file), 'utf8');
      for (const key of keys) expect(text).not.toContain(key);
    }
  });
});

describe('end to end: two environments provisioned, then torn down at once', () => {
  it('each report lists only its own removals, and nothing of either is left', async () => {
    const dir = temporaryDirectory('teardown-two');
    const stateFile = path.join(dir, 'state.json');
    const requestFiles = [REQUEST_FILE, path.join(__dirname, 'fixtures', 'second-vpc.request.json')];
    const worldFile = path.join(__dirname, 'fixtures', 'two-vpcs.world.json');
    const provisioned = await runLocalRequests({ requestFiles, worldFile, stateFile, outDir: path.join(dir, 'provision'), output: null });
    expect(provisioned.runs.map((run) => run.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    const torn = await runLocalRequests({ requestFiles, stateFile, teardown: true, outDir: path.join(dir, 'teardown'), output: null });
    expect([torn.exitCode, ...torn.runs.map((run) => run.status)]).toEqual([0, 'SUCCEEDED', 'SUCCEEDED']);
    const [first, second] = torn.runs.map((run) => run.report!.removed!.map((entry) => entry.id));
    expect(first.filter((id) => second.includes(id))).toEqual([]);
    expect(first.some((id) => id.includes('aoai-prod-01'))).toBe(true);
    expect(first.filter((id) => id.includes('aoai-b-01') || id.includes('vnet-b'))).toEqual([]);
    expect(second.filter((id) => id.includes('aoai-prod-01') || id.includes('vnet-hub'))).toEqual([]);
    const made = provisioned.runs[0].report!.resources;
    expect([...first, ...second].sort()).toEqual([...made.aws, ...made.azure].map((entry) => entry.id).sort());
    expect(torn.runs[0].report!.resources).toEqual({ aws: [], azure: [] });
  }, 600_000);
});

describe('end to end: a teardown whose delete answers are lost converges', () => {
  it.each([['DeleteVpnConnection'], ['DELETE Microsoft.Network/virtualNetworkGateways']])('drop-response:%s, then a re-run if needed: nothing left', async (operation) => {
    const dir = temporaryDirectory('teardown-drop');
    const stateFile = path.join(dir, 'state.json');
    expect((await runLocal({ requestFile: REQUEST_FILE, stateFile, outDir: path.join(dir, 'provision'), output: null })).status).toBe('SUCCEEDED');
    const dropped = await runLocal({ requestFile: REQUEST_FILE, teardown: true, stateFile, faults: `drop-response:${operation}`, outDir: path.join(dir, 'teardown-1'), output: null });
    const [cloud, name] = operation.startsWith('DELETE ') ? (['azure', operation] as const) : (['aws', operation] as const);
    // The fault fired: the operation was called (and its first answer lost).
    expect(dropped.report!.apiCalls[cloud][name]).toBeGreaterThanOrEqual(1);
    const final = dropped.status === 'SUCCEEDED' ? dropped : await runLocal({ requestFile: REQUEST_FILE, teardown: true, stateFile, outDir: path.join(dir, 'teardown-2'), output: null });
    expect([final.status, final.error]).toEqual(['SUCCEEDED', null]);
    expect(final.report!.resources).toEqual({ aws: [], azure: [] });
  }, 600_000);
});
