/**
 * `aoai-link bench [--seeds N] [--json]`: measures the workflow in local mode against its critical path.
 *
 * The critical path of a run is what the clouds made it wait for, read from that run's own operations: public IP
 * + VPN gateway + the tunnels' joins (one connection create after the other, each tunnel negotiating once its
 * own connection exists) + account update. With `--jitter` every
 * latency moves within ±25%, so the goal (within 5% of the critical path, under 400 transitions) is measured on
 * the default table and on N jittered seeds. Each provisioned environment is then torn down on the same clouds,
 * and the teardown measured too (it must succeed and leave nothing). Prints the tables and writes out/bench.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type * as LatencyModule from '../local/latency';
import type * as TunnelsModule from '../local/network/tunnels';
import type * as RunnerModule from '../local/runner';
import { tmpdir } from 'node:os';
import { Command, PROCESS_IO, act, once, runCommand, wholeNumber, writeJson, type CliIo, type ExitCode, type Outcome } from './command-line';

/** Loaded when the bench runs: the runner brings the SDKs and the emulators. */
const runner = () => require('../local/runner') as typeof RunnerModule;
const latency = () => require('../local/latency') as typeof LatencyModule;
const tunnelModel = () => require('../local/network/tunnels') as typeof TunnelsModule;

interface Operation {
  cloud: string;
  resource: string;
  operation: string;
  startedAt: number;
  readyAt: number;
}

interface Row {
  run: string;
  status: string;
  simulatedSeconds: number;
  criticalPathSeconds: number;
  overPercent: number;
  stateTransitions: number;
  taskInvocations: number;
  realMilliseconds: number;
}

interface TeardownRow {
  run: string;
  status: string;
  simulatedSeconds: number;
  removed: number;
  /** What of anything is left in the emulated clouds after it (world resources are not listed). */
  left: number;
  stateTransitions: number;
  taskInvocations: number;
  realMilliseconds: number;
}

const SEQUENTIAL_SECONDS = 3835; // the seeds' strictly sequential order on the default table (issue 3)

function duration(operations: Operation[], match: RegExp, operation?: string): number {
  const found = operations.filter((o) => match.test(o.resource) && (operation === undefined || o.operation === operation));
  return Math.max(0, ...found.map((o) => o.readyAt - o.startedAt));
}

/**
 * The AWS side up to the Azure local network gateways, as far as one step must wait for the one before: the
 * virtual private gateway, the VPN connection on it (whose tunnel addresses the local network gateways need),
 * then those gateways. The customer gateway and the attachment run beside them. On a fresh hub the gateway
 * build hides this; on a ready hub it is the critical path.
 */
function awsSideToLocalGateways(operations: Operation[]): number {
  return duration(operations, /^vgw-/, 'create') + duration(operations, /^vpn-/, 'create') + duration(operations, /\/localNetworkGateways\//i, 'create');
}

export function criticalPath(operations: Operation[], output: any, jitterSeed?: number): number {
  const latencies = new (latency().Latencies)(jitterSeed);
  const publicIp = duration(operations, /\/publicIPAddresses\//i);
  const gateway = duration(operations, /\/virtualNetworkGateways\/[^/]+$/i);
  const account = duration(operations, /\/Microsoft\.CognitiveServices\/accounts\/[^/]+$/i);
  const tunnels: { outsideIp: string }[] = output?.tunnels ?? [];
  const vpnConnectionId: string = output?.created?.aws?.vpnConnection ?? '';
  // With BGP, tunnels 3 and 4 are the second VPN connection's, and each also waits for its session.
  const bgp = output?.routing === 'bgp';
  const vpnConnectionIds: string[] = output?.created?.aws?.vpnConnections ?? [vpnConnectionId];
  const joins = tunnels.map((t, index) => {
    const key = tunnelModel().tunnelKey(vpnConnectionIds[bgp ? Math.floor(index / 2) : 0] ?? vpnConnectionId, t.outsideIp);
    return {
      create: duration(operations, new RegExp(`/connections/[^/]*tunnel-${index + 1}$`, 'i')),
      negotiation: latencies.of('tunnel.up', key) + (bgp ? latencies.of('bgp.session', key) : 0),
    };
  });
  return Math.max(publicIp + gateway, awsSideToLocalGateways(operations)) + joinedTunnels(joins) + account;
}

/**
 * Azure creates one connection at a time per gateway, so the joins are sequential: each tunnel negotiates once
 * its own connection exists, after the creates before it. The bound is the best order's last tunnel up.
 */
export function joinedTunnels(joins: { create: number; negotiation: number }[]): number {
  if (!joins.length) return 0;
  const orders = (rest: number[]): number[][] => (rest.length <= 1 ? [rest] : rest.flatMap((i) => orders(rest.filter((j) => j !== i)).map((o) => [i, ...o])));
  return Math.min(
    ...orders(joins.map((_, i) => i)).map((order) => {
      let created = 0;
      return Math.max(...order.map((i) => (created += joins[i].create) + joins[i].negotiation));
    }),
  );
}

/** How far a run's simulated time is over its critical path, in percent to one decimal. */
function percentOver(simulatedSeconds: number, criticalSeconds: number): number {
  return Math.round(((simulatedSeconds - criticalSeconds) / criticalSeconds) * 1000) / 10;
}

const runDirectory = (label: string) => path.join(tmpdir(), `aoai-bench-${process.pid}-${label.replace(/\W+/g, '-')}`);

/** The default request with active-active BGP routing. */
function bgpRequest(): unknown {
  const request = readJson('events/new-environment.json');
  request.options.routing = 'bgp';
  return request;
}

async function measure(label: string, jitterSeed?: number, request?: unknown): Promise<Row> {
  const outDir = runDirectory(label);
  const result = await runner().runLocal({
    output: null,
    outDir,
    stateFile: path.join(outDir, 'state.json'),
    ...(jitterSeed !== undefined ? { jitterSeed } : {}),
    ...(request !== undefined ? { request } : {}),
  });
  const report = result.report!;
  const critical = criticalPath(report.operations as Operation[], result.output, jitterSeed);
  return {
    run: label,
    status: result.status,
    simulatedSeconds: report.simulatedSeconds,
    criticalPathSeconds: critical,
    overPercent: percentOver(report.simulatedSeconds, critical),
    stateTransitions: report.stateTransitions,
    taskInvocations: report.taskInvocations,
    realMilliseconds: result.realMilliseconds,
  };
}

/** The longest a re-run on a provisioned environment may take: it checks, repairs what drifted, proves the path again (issue 13). */
const RERUN_GOAL_SECONDS = 300;

interface RerunRow {
  run: string;
  status: string;
  simulatedSeconds: number;
  stateTransitions: number;
  taskInvocations: number;
  realMilliseconds: number;
}

/** A run on the clouds `measure` left under the same label (`subdirectory` holds its history and report). */
async function runAgainOn(label: string, subdirectory: string, jitterSeed?: number, request?: unknown, teardown = false) {
  const outDir = runDirectory(label);
  const result = await runner().runLocal({
    output: null,
    outDir: path.join(outDir, subdirectory),
    stateFile: path.join(outDir, 'state.json'),
    ...(teardown ? { teardown } : {}),
    ...(jitterSeed !== undefined ? { jitterSeed } : {}),
    ...(request !== undefined ? { request } : {}),
  });
  const report = result.report!;
  const row = {
    run: label,
    status: result.status,
    simulatedSeconds: report.simulatedSeconds,
    stateTransitions: report.stateTransitions,
    taskInvocations: report.taskInvocations,
    realMilliseconds: result.realMilliseconds,
  };
  return { report, row };
}

/** The same request again: nothing to build, nothing to wait for. */
async function measureRerun(label: string, jitterSeed?: number, request?: unknown): Promise<RerunRow> {
  return (await runAgainOn(label, 'rerun', jitterSeed, request)).row;
}

/** The teardown of what `measure` provisioned under the same label. */
async function measureTeardown(label: string, jitterSeed?: number, request?: unknown): Promise<TeardownRow> {
  const { report, row } = await runAgainOn(label, 'teardown', jitterSeed, request, true);
  return { ...row, removed: report.removed?.length ?? 0, left: report.resources.aws.length + report.resources.azure.length };
}

interface HubRow {
  run: string;
  status: string;
  environments: number;
  succeeded: number;
  simulatedSeconds: number;
  /** For one environment on a ready hub: its own critical path (the AWS side, the joins), and how far over. */
  criticalPathSeconds?: number;
  overPercent?: number;
  realMilliseconds: number;
}

const ROOT = path.join(__dirname, '..');
const readJson = (file: string) => JSON.parse(readFileSync(path.join(ROOT, file), 'utf8'));

/** The default world with `spokes` more VPCs (172.20.0.0/16 on), each with two subnets in two zones and a route table. */
function hubWorld(spokes: number): any {
  const world = readJson('local/default-world.json');
  for (let i = 1; i <= spokes; i++) {
    const hex = i.toString(16).padStart(2, '0');
    const vpcId = `vpc-0c1b2c3d4e5f600${hex}`;
    const cidr = `172.${20 + i}.0.0/16`;
    world.aws.vpcs.push({ VpcId: vpcId, CidrBlock: cidr });
    const subnets = ['a', 'c'].map((zone, n) => ({
      SubnetId: `subnet-0c1b2c3d4e5f60${hex}${n + 1}`,
      VpcId: vpcId,
      AvailabilityZone: `ap-northeast-1${zone}`,
      CidrBlock: `172.${20 + i}.${n + 1}.0/24`,
    }));
    world.aws.subnets.push(...subnets);
    world.aws.routeTables.push({ RouteTableId: `rtb-0c1b2c3d4e5f600${hex}`, VpcId: vpcId, SubnetIds: subnets.map((s) => s.SubnetId) });
  }
  return world;
}

/** The request of spoke `i` of hubWorld: the default request on its own VPC, naming no subnet prefix (the hub has them). */
function spokeRequest(world: any, i: number): any {
  const request = readJson('events/new-environment.json');
  const hex = i.toString(16).padStart(2, '0');
  const vpcId = `vpc-0c1b2c3d4e5f600${hex}`;
  const subnets = world.aws.subnets.filter((s: any) => s.VpcId === vpcId).map((s: any) => s.SubnetId);
  request.environmentId = `spoke-${String(i).padStart(2, '0')}`;
  delete request.ticket;
  request.aws = { ...request.aws, vpcId, routeTableIds: [`rtb-0c1b2c3d4e5f600${hex}`], resolverSubnetIds: subnets, probeSubnetIds: [subnets[0]] };
  for (const field of ['gatewaySubnetPrefix', 'privateEndpointSubnetPrefix', 'dnsResolverSubnetPrefix']) delete request.azure[field];
  return request;
}

/**
 * The hub: the default environment builds it (the fresh hub's 44 minutes), one spoke then joins the ready hub
 * alone (measured against its own critical path), then `spokes` more start together; all are then torn down
 * together, and a teardown run after them, the last on the hub, must leave nothing.
 */
async function benchHub(spokes: number): Promise<HubRow[]> {
  const outDir = runDirectory('hub');
  mkdirSync(outDir, { recursive: true });
  const worldFile = path.join(outDir, 'world.json');
  // One spoke joins the ready hub alone, then `spokes` more start together.
  const world = hubWorld(spokes + 1);
  writeFileSync(worldFile, JSON.stringify(world));
  const stateFile = path.join(outDir, 'state.json');
  const requestFiles = Array.from({ length: spokes + 1 }, (_, index) => {
    const file = path.join(outDir, `spoke-${index + 1}.json`);
    writeFileSync(file, JSON.stringify(spokeRequest(world, index + 1)));
    return file;
  });
  const rows: HubRow[] = [];
  /** One environment's run, measured against the critical path its own operations give. */
  const measured = (label: string, run: Awaited<ReturnType<ReturnType<typeof runner>['runLocal']>>): HubRow => {
    if (!run.report) throw new Error(`${label} was ${run.status}: ${JSON.stringify(run.problems ?? run.error)}`);
    const critical = criticalPath(run.report.operations as Operation[], run.output);
    return {
      run: label,
      status: run.status,
      environments: 1,
      succeeded: run.status === 'SUCCEEDED' ? 1 : 0,
      simulatedSeconds: run.report.simulatedSeconds,
      criticalPathSeconds: critical,
      overPercent: percentOver(run.report.simulatedSeconds, critical),
      realMilliseconds: run.realMilliseconds,
    };
  };
  rows.push(measured('the first environment, building the hub', await runner().runLocal({ output: null, worldFile, stateFile, outDir: path.join(outDir, 'hub') })));
  rows.push(
    measured(
      'one more environment on the ready hub',
      await runner().runLocal({ output: null, worldFile, stateFile, requestFile: requestFiles[0], outDir: path.join(outDir, 'spoke-1') }),
    ),
  );
  const started = Date.now();
  const together = await runner().runLocalRequests({ output: null, worldFile, stateFile, requestFiles: requestFiles.slice(1), outDir: path.join(outDir, 'together') });
  rows.push({
    run: `${spokes} more environments started together on the hub`,
    status: together.exitCode === 0 ? 'SUCCEEDED' : 'FAILED',
    environments: together.runs.length,
    succeeded: together.runs.filter((r) => r.status === 'SUCCEEDED').length,
    simulatedSeconds: Math.max(0, ...together.runs.map((r) => r.report?.simulatedSeconds ?? 0)),
    realMilliseconds: Date.now() - started,
  });
  const teardownStarted = Date.now();
  const teardown = await runner().runLocalRequests({
    output: null,
    worldFile,
    stateFile,
    requestFiles: [path.join(ROOT, 'events', 'new-environment.json'), ...requestFiles],
    outDir: path.join(outDir, 'teardown'),
    teardown: true,
  });
  const left = Math.max(0, ...teardown.runs.map((r) => (r.report?.resources.aws.length ?? 0) + (r.report?.resources.azure.length ?? 0)));
  rows.push({
    // Torn down at the same moment, each environment sees the others on the hub and keeps the hub for them.
    run: `teardown of all ${spokes + 2} together (left: ${left}, the hub each kept for the others)`,
    status: teardown.exitCode === 0 ? 'SUCCEEDED' : 'FAILED',
    environments: teardown.runs.length,
    succeeded: teardown.runs.filter((r) => r.status === 'SUCCEEDED').length,
    simulatedSeconds: Math.max(0, ...teardown.runs.map((r) => r.report?.simulatedSeconds ?? 0)),
    realMilliseconds: Date.now() - teardownStarted,
  });
  // Then the teardown of any one of them again: the last on the hub now, it removes the hub; nothing may be left.
  const last = await runner().runLocal({ output: null, worldFile, stateFile, teardown: true, outDir: path.join(outDir, 'teardown-again') });
  const leftAfter = (last.report?.resources.aws.length ?? 0) + (last.report?.resources.azure.length ?? 0);
  rows.push({
    run: `the teardown of one of them again (removed: ${last.report?.removed?.length ?? 0}, left: ${leftAfter})`,
    status: last.status === 'SUCCEEDED' && leftAfter === 0 ? 'SUCCEEDED' : 'FAILED',
    environments: 1,
    succeeded: last.status === 'SUCCEEDED' ? 1 : 0,
    simulatedSeconds: last.report?.simulatedSeconds ?? 0,
    realMilliseconds: last.realMilliseconds,
  });
  return rows;
}

async function bench(seeds: number, json: boolean, io: CliIo, spokes = 10): Promise<ExitCode> {
  const runs: [label: string, seed?: number][] = [['default table'], ...Array.from({ length: seeds }, (_, i): [string, number] => [`--jitter ${i + 1}`, i + 1])];
  const rows: Row[] = [];
  const teardowns: TeardownRow[] = [];
  const reruns: RerunRow[] = [];
  for (const [label, seed] of runs) {
    rows.push(await measure(label, seed));
    reruns.push(await measureRerun(label, seed));
    teardowns.push(await measureTeardown(label, seed));
  }
  for (const [label, seed] of [['BGP routing, default table'], ['BGP routing, --jitter 1', 1]] as [string, number?][]) {
    rows.push(await measure(label, seed, bgpRequest()));
    reruns.push(await measureRerun(label, seed, bgpRequest()));
    teardowns.push(await measureTeardown(label, seed, bgpRequest()));
  }
  const hub = spokes > 0 ? await benchHub(spokes) : [];
  mkdirSync('out', { recursive: true });
  writeFileSync(path.join('out', 'bench.json'), JSON.stringify({ rows, reruns, teardowns, hub }, null, 2) + '\n');
  const met =
    rows.every((r) => r.status === 'SUCCEEDED' && r.overPercent <= 5 && r.stateTransitions < 400) &&
    reruns.every((r) => r.status === 'SUCCEEDED' && r.simulatedSeconds <= RERUN_GOAL_SECONDS) &&
    teardowns.every((t) => t.status === 'SUCCEEDED' && t.left === 0) &&
    hub.every((h) => h.status === 'SUCCEEDED' && h.succeeded === h.environments && (h.overPercent === undefined || h.overPercent <= 5));
  if (json) {
    writeJson(io, { goalMet: met, sequentialSeconds: SEQUENTIAL_SECONDS, rows, reruns, teardowns, hub });
    return met ? 0 : 1;
  }
  const header = '| run | status | simulated s | critical path s | over | transitions | task invocations | real ms |';
  const lines = [header, '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |'];
  for (const r of rows) {
    lines.push(
      `| ${r.run} | ${r.status} | ${r.simulatedSeconds} | ${r.criticalPathSeconds} | ${r.overPercent}% | ${r.stateTransitions} | ${r.taskInvocations} | ${r.realMilliseconds} |`,
    );
  }
  io.out.write(lines.join('\n') + `\n\nThe seeds' strictly sequential order would take about ${SEQUENTIAL_SECONDS} s on the default table.\n\n`);
  const rerunLines = [
    `The same request again on the provisioned clouds (goal: within ${RERUN_GOAL_SECONDS} simulated s):`,
    '',
    '| run | status | simulated s | transitions | task invocations | real ms |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...reruns.map((r) => `| ${r.run} | ${r.status} | ${r.simulatedSeconds} | ${r.stateTransitions} | ${r.taskInvocations} | ${r.realMilliseconds} |`),
  ];
  io.out.write(rerunLines.join('\n') + '\n\n');
  const teardownLines = [
    'Teardown of each, on the same clouds:',
    '',
    '| run | status | simulated s | removed | left | transitions | task invocations | real ms |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...teardowns.map((t) => `| ${t.run} | ${t.status} | ${t.simulatedSeconds} | ${t.removed} | ${t.left} | ${t.stateTransitions} | ${t.taskInvocations} | ${t.realMilliseconds} |`),
  ];
  io.out.write(teardownLines.join('\n') + '\n\n');
  if (hub.length) {
    const hubLines = [
      'Many environments on one hub:',
      '',
      '| run | status | environments | succeeded | simulated s | critical path s | over | real ms |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...hub.map((h) => `| ${h.run} | ${h.status} | ${h.environments} | ${h.succeeded} | ${h.simulatedSeconds} | ${h.criticalPathSeconds ?? ''} | ${h.overPercent === undefined ? '' : `${h.overPercent}%`} | ${h.realMilliseconds} |`),
    ];
    io.out.write(hubLines.join('\n') + '\n\n');
  }
  io.out.write(
    met
      ? 'Goal met on every run: within 5% of the critical path, under 400 transitions; every re-run within 300 s; every teardown succeeded and left nothing.\n'
      : 'Goal NOT met on every run (see tables).\n',
  );
  return met ? 0 : 1;
}

export function benchCommand(io: CliIo, outcome: Outcome): Command {
  return new Command('bench')
    .description('measure local runs against the critical path (default table and jittered seeds)')
    .option('--seeds <N>', 'how many jittered seeds after the default table (default 5)', once('--seeds', wholeNumber('--seeds needs a whole number')))
    .option('--hub-spokes <N>', 'environments to add to one hub after the first (default 10; 0 skips the hub runs)', once('--hub-spokes', wholeNumber('--hub-spokes needs a whole number')))
    .option('--json', 'print {goalMet, sequentialSeconds, rows, teardowns, hub} as JSON instead of the table')
    .addHelpText('after', '\nWrites out/bench.json. Exit status: 0 the goal is met on every run, 1 not, 2 bad arguments.\n')
    .action(act(outcome, (flags: { seeds?: number; json?: boolean; hubSpokes?: number }) => bench(flags.seeds ?? 5, flags.json === true, io, flags.hubSpokes ?? 10)));
}

export async function run(argv: string[], io: CliIo = PROCESS_IO): Promise<ExitCode> {
  const outcome: Outcome = { code: 0 };
  return runCommand(benchCommand(io, outcome), argv, io, outcome);
}
