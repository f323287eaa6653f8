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
import { mkdirSync, writeFileSync } from 'node:fs';
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

function duration(operations: Operation[], match: RegExp): number {
  const found = operations.filter((o) => match.test(o.resource));
  return Math.max(0, ...found.map((o) => o.readyAt - o.startedAt));
}

export function criticalPath(operations: Operation[], output: any, jitterSeed?: number): number {
  const latencies = new (latency().Latencies)(jitterSeed);
  const publicIp = duration(operations, /\/publicIPAddresses\//i);
  const gateway = duration(operations, /\/virtualNetworkGateways\/[^/]+$/i);
  const account = duration(operations, /\/Microsoft\.CognitiveServices\/accounts\/[^/]+$/i);
  const tunnels: { outsideIp: string }[] = output?.tunnels ?? [];
  const vpnConnectionId: string = output?.created?.aws?.vpnConnection ?? '';
  const joins = tunnels.map((t, index) => ({
    create: duration(operations, new RegExp(`/connections/[^/]*tunnel-${index + 1}$`, 'i')),
    negotiation: latencies.of('tunnel.up', tunnelModel().tunnelKey(vpnConnectionId, t.outsideIp)),
  }));
  return publicIp + gateway + joinedTunnels(joins) + account;
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

const runDirectory = (label: string) => path.join(tmpdir(), `aoai-bench-${process.pid}-${label.replace(/\W+/g, '-')}`);

async function measure(label: string, jitterSeed?: number): Promise<Row> {
  const outDir = runDirectory(label);
  const result = await runner().runLocal({ output: null, outDir, stateFile: path.join(outDir, 'state.json'), ...(jitterSeed !== undefined ? { jitterSeed } : {}) });
  const report = result.report!;
  const critical = criticalPath(report.operations as Operation[], result.output, jitterSeed);
  return {
    run: label,
    status: result.status,
    simulatedSeconds: report.simulatedSeconds,
    criticalPathSeconds: critical,
    overPercent: Math.round(((report.simulatedSeconds - critical) / critical) * 1000) / 10,
    stateTransitions: report.stateTransitions,
    taskInvocations: report.taskInvocations,
    realMilliseconds: result.realMilliseconds,
  };
}

/** The teardown of what `measure` provisioned under the same label, on its saved clouds. */
async function measureTeardown(label: string, jitterSeed?: number): Promise<TeardownRow> {
  const outDir = runDirectory(label);
  const result = await runner().runLocal({
    output: null,
    outDir: path.join(outDir, 'teardown'),
    stateFile: path.join(outDir, 'state.json'),
    teardown: true,
    ...(jitterSeed !== undefined ? { jitterSeed } : {}),
  });
  const report = result.report!;
  return {
    run: label,
    status: result.status,
    simulatedSeconds: report.simulatedSeconds,
    removed: report.removed?.length ?? 0,
    left: report.resources.aws.length + report.resources.azure.length,
    stateTransitions: report.stateTransitions,
    taskInvocations: report.taskInvocations,
    realMilliseconds: result.realMilliseconds,
  };
}

async function bench(seeds: number, json: boolean, io: CliIo): Promise<ExitCode> {
  const runs: [label: string, seed?: number][] = [['default table'], ...Array.from({ length: seeds }, (_, i): [string, number] => [`--jitter ${i + 1}`, i + 1])];
  const rows: Row[] = [];
  const teardowns: TeardownRow[] = [];
  for (const [label, seed] of runs) {
    rows.push(await measure(label, seed));
    teardowns.push(await measureTeardown(label, seed));
  }
  mkdirSync('out', { recursive: true });
  writeFileSync(path.join('out', 'bench.json'), JSON.stringify({ rows, teardowns }, null, 2) + '\n');
  const met =
    rows.every((r) => r.status === 'SUCCEEDED' && r.overPercent <= 5 && r.stateTransitions < 400) &&
    teardowns.every((t) => t.status === 'SUCCEEDED' && t.left === 0);
  if (json) {
    writeJson(io, { goalMet: met, sequentialSeconds: SEQUENTIAL_SECONDS, rows, teardowns });
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
  const teardownLines = [
    'Teardown of each, on the same clouds:',
    '',
    '| run | status | simulated s | removed | left | transitions | task invocations | real ms |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...teardowns.map((t) => `| ${t.run} | ${t.status} | ${t.simulatedSeconds} | ${t.removed} | ${t.left} | ${t.stateTransitions} | ${t.taskInvocations} | ${t.realMilliseconds} |`),
  ];
  io.out.write(teardownLines.join('\n') + '\n\n');
  io.out.write(
    met
      ? 'Goal met on every run: within 5% of the critical path, under 400 transitions; every teardown succeeded and left nothing.\n'
      : 'Goal NOT met on every run (see tables).\n',
  );
  return met ? 0 : 1;
}

export function benchCommand(io: CliIo, outcome: Outcome): Command {
  return new Command('bench')
    .description('measure local runs against the critical path (default table and jittered seeds)')
    .option('--seeds <N>', 'how many jittered seeds after the default table (default 5)', once('--seeds', wholeNumber('--seeds needs a whole number')))
    .option('--json', 'print {goalMet, sequentialSeconds, rows} as JSON instead of the table')
    .addHelpText('after', '\nWrites out/bench.json. Exit status: 0 the goal is met on every run, 1 not, 2 bad arguments.\n')
    .action(act(outcome, (flags: { seeds?: number; json?: boolean }) => bench(flags.seeds ?? 5, flags.json === true, io)));
}

export async function run(argv: string[], io: CliIo = PROCESS_IO): Promise<ExitCode> {
  const outcome: Outcome = { code: 0 };
  return runCommand(benchCommand(io, outcome), argv, io, outcome);
}
