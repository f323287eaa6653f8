/**
 * `aoai-link local [REQUEST.json ...] [--world W] [--state S] [--out DIR] [--faults SPEC] [--jitter SEED]
 * [--teardown | --plan | --health] [--json]` and `aoai-link local serve` (contract: local-cloud.md, version 2).
 * Exit 0 every run succeeded, 1 one failed, 2 one was refused (nothing created) or bad arguments.
 */
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { FaultSpecError, KNOWN_FAULTS, parseFaults } from '../local/faults';
import type { TeardownSummary } from '../functions/commons/teardown-data';
import type { LocalRunOptions, LocalRunResult } from '../local/runner';
import type { RemovedEntry } from '../local/runner/report';
import { LocalOptionError } from '../local/runner/errors';
import { Command, DISCARD, InvalidArgumentError, Option, UsageError, act, once, runCommand, wholeNumber, writeJson, type CliIo, type ExitCode, type Outcome } from './command-line';
import { serveCommand } from './local-serve-command';
import { formatClock, formatDuration, ProgressDisplay } from './progress';

/** The runner and what it loads (the SDKs, the emulators), loaded when a run starts: `--help` needs none of it. */
const localRunner = () => require('../local/runner') as typeof import('../local/runner');
/** The step lines of each execution, as the runner reports its events; a teardown says so at its end. */
const progressDisplay = (subject?: string) => (_executionName: string, out: NodeJS.WritableStream) => new ProgressDisplay(out, { simulated: true, subject });

/**
 * Several executions share one console: each gets plain lines (no rewritten status line, which the others would
 * break) that start with its name.
 */
const namedProgressDisplay = (subject?: string) => (executionName: string, out: NodeJS.WritableStream) => {
  let pending = '';
  const named = new Writable({
    write(chunk, _encoding, done) {
      const lines = (pending + String(chunk)).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) out.write(`[${executionName}] ${line}\n`);
      done();
    },
  });
  return new ProgressDisplay(named, { simulated: true, fancy: false, subject });
};

/** The modes of the contract, one at a time. */
const MODES = ['teardown', 'plan', 'health'] as const;
type Mode = (typeof MODES)[number];
/** `--plan --teardown`: the plan of a teardown. */
const PLANNED_WITH_TEARDOWN = new Set(['plan teardown', 'teardown plan']);
/** Modes whose issues come later: parsed, and refused until they exist. */
const LATER_MODES: readonly Mode[] = [];
const MODE_HELP: Record<Mode, string> = {
  teardown: "remove each request's environment from the clouds of --state (statemachine/teardown.asl.json); report.json lists what was removed",
  plan: 'print what a run would create, adopt, update or keep (with --teardown: delete) and its monthly cost, and write plan.json; nothing is written to the clouds',
  health: "check each request's environment once against --state (the scheduled health check's code; nothing is created): DIR/health.json, exit 0 healthy, 1 not",
};

export interface LocalArguments {
  /** Empty: the default request. */
  requestFiles: string[];
  /** Everything but the request and the output. */
  options: Omit<LocalRunOptions, 'requestFile' | 'output'>;
  json: boolean;
  mode?: Mode;
}

export type ParsedArguments = { help: true } | ({ help: false } & LocalArguments);

/** A fault spec is checked by the parser the runner uses, so an unknown name is refused before anything starts. */
function faultSpec(value: string): string {
  try {
    parseFaults(value);
  } catch (error) {
    if (error instanceof FaultSpecError) throw new InvalidArgumentError(error.message);
    throw error;
  }
  return value;
}

interface LocalFlags {
  world?: string;
  state?: string;
  out?: string;
  faults?: string;
  jitter?: number;
  json?: boolean;
  teardown?: boolean;
  plan?: boolean;
  health?: boolean;
}

function toArguments(requestFiles: string[], flags: LocalFlags): LocalArguments {
  // `--plan --teardown` plans the teardown: the plan is the mode, the teardown what it plans.
  const mode = flags.plan ? 'plan' : MODES.find((name) => flags[name]);
  return {
    requestFiles,
    options: {
      ...(flags.teardown ? { teardown: true } : {}),
      ...(flags.world ? { worldFile: flags.world } : {}),
      ...(flags.state ? { stateFile: flags.state } : {}),
      ...(flags.out ? { outDir: flags.out } : {}),
      ...(flags.faults ? { faults: flags.faults } : {}),
      ...(flags.jitter !== undefined ? { jitterSeed: flags.jitter } : {}),
    },
    json: flags.json === true,
    ...(mode ? { mode } : {}),
  };
}

/** The `local` command; `execute` is what it does with its arguments (the run, or a test's capture). */
function buildLocalCommand(execute: (args: LocalArguments) => Promise<ExitCode>, outcome: Outcome, io: CliIo, withServe = true): Command {
  const command = new Command('local')
    .description('run the workflow on this machine against emulated AWS and Azure, on a simulated clock (no cloud account needed)')
    .argument('[REQUEST.json...]', 'environment requests (default events/new-environment.json)')
    .option('--world <FILE>', 'what exists before the run (default local/default-world.json)', once('--world'))
    .option('--state <FILE>', 'load the emulated clouds from FILE if it exists, save them there at the end (mode 0600)', once('--state'))
    .option('--out <DIR>', 'where history.json and report.json go (default out/local/<executionName>/)', once('--out'))
    .option(
      '--faults <SPEC>',
      `faults to inject, comma-separated: ${KNOWN_FAULTS.join(', ')}`,
      once('--faults', faultSpec),
    )
    .option('--jitter <SEED>', 'draw each latency within ±25% of the table, with this seed', once('--jitter', wholeNumber('--jitter needs a whole number seed')))
    .option('--json', 'print one JSON document of the runs on stdout instead of the progress')
    .enablePositionalOptions()
    .helpCommand(false)
    .addHelpText('after', '\nExit status: 0 succeeded, 1 failed, 2 refused (nothing created) or bad arguments.\n');
  for (const mode of MODES) {
    command.addOption(new Option(`--${mode}`, MODE_HELP[mode]).conflicts(MODES.filter((other) => other !== mode && !PLANNED_WITH_TEARDOWN.has(`${mode} ${other}`))));
  }
  command.action(act(outcome, (requestFiles: string[], flags: LocalFlags) => execute(toArguments(requestFiles, flags))));
  if (withServe) command.addCommand(serveCommand(io, outcome));
  return command;
}

/** The arguments as the command reads them; throws UsageError on a bad one. For tests and scripts. */
export function parseLocalArguments(argv: string[]): ParsedArguments {
  const silent: CliIo = { out: DISCARD, err: DISCARD };
  let parsed: LocalArguments | undefined;
  const outcome: Outcome = { code: 0 };
  // Parsing only: `serve` is a command of its own.
  const command = buildLocalCommand(async (args) => ((parsed = args), 0), outcome, silent, false).exitOverride();
  try {
    command.configureOutput({ writeOut: () => undefined, writeErr: () => undefined }).parse(argv, { from: 'user' });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === 'commander.helpDisplayed') return { help: true };
    throw new UsageError(message.replace(/^error: /, ''));
  }
  return { help: false, ...parsed! };
}

interface ProbeView {
  dns?: { ok?: boolean; answers?: string[]; detail?: string };
  tcp?: { ok?: boolean; address?: string; detail?: string };
  api?: { ok?: boolean; status?: number; detail?: string };
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function privateEndpointIp(probe: ProbeView | null | undefined): string | undefined {
  return probe?.tcp?.address ?? [...(probe?.dns?.answers ?? [])].reverse().find((a) => IPV4.test(a));
}

/** The parts of a teardown's output (TeardownSummary) the summary shows, read defensively: it is the function's. */
function teardownSummaryOf(output: unknown): Partial<Pick<TeardownSummary, 'message' | 'left' | 'tunnelKeySecrets'>> {
  return output && typeof output === 'object' ? (output as Partial<TeardownSummary>) : {};
}

/** What a teardown's summary adds: the function's own words, what it removed and what it left. */
function teardownLines(result: LocalRunResult, removed: RemovedEntry[]): string[] {
  const lines: string[] = [];
  const summary = teardownSummaryOf(result.output);
  // The summary counts what its inventory named; the clouds' own lists also count children that went with a parent.
  if (typeof summary.message === 'string') lines.push(`Summary: ${summary.message}`);
  if (removed.length === 0) {
    lines.push('Removed nothing.');
  } else {
    const count = (cloud: string) => removed.filter((entry) => entry.cloud === cloud).length;
    lines.push(`Removed from the emulated clouds: ${removed.length} resource${removed.length === 1 ? '' : 's'} (${count('aws')} AWS, ${count('azure')} Azure):`);
    for (const entry of removed) lines.push(`  - ${entry.cloud} ${entry.type} ${entry.id}`);
  }
  for (const left of Array.isArray(summary.left) ? summary.left : []) lines.push(`Left, not ours: ${left.cloud} ${left.type} ${left.name}: ${left.reason}`);
  if (typeof summary.tunnelKeySecrets?.note === 'string') lines.push(summary.tunnelKeySecrets.note);
  return lines;
}

/** The short summary after the progress lines. */
export function summaryLines(result: LocalRunResult): string[] {
  const lines: string[] = [];
  if (result.outDir) {
    lines.push(`History: ${result.outDir}/history.json`);
    lines.push(`Report:  ${result.outDir}/report.json`);
  }
  const report = result.report;
  if (report) {
    lines.push(
      `Simulated duration ${formatClock(report.simulatedSeconds)} (${formatDuration(report.simulatedSeconds)}), ` +
        `${report.stateTransitions} state transitions, ${report.taskInvocations} task invocations, real time ${(result.realMilliseconds / 1000).toFixed(1)} s`,
    );
    const probe = report.probe as ProbeView | null;
    if (probe) {
      const privateIp = privateEndpointIp(probe);
      if (privateIp) lines.push(`Private endpoint IP: ${privateIp}`);
      const mark = (ok?: boolean) => (ok ? 'ok' : 'FAILED');
      lines.push(
        `Probe from the VPC: DNS ${mark(probe.dns?.ok)}${probe.dns?.answers?.length ? ` (${probe.dns.answers.join(' -> ')})` : ''}, ` +
          `TCP 443 ${mark(probe.tcp?.ok)}, API ${mark(probe.api?.ok)}${probe.api?.status ? ` (HTTP ${probe.api.status})` : ''}`,
      );
    }
    if (report.removed) lines.push(...teardownLines(result, report.removed));
    const created = report.resources.aws.length + report.resources.azure.length;
    lines.push(`Resources in the emulated clouds: ${report.resources.aws.length} AWS, ${report.resources.azure.length} Azure (${created} in all)`);
  }
  return lines;
}

/** One run in the --json document: what the summary lines say, as data (the files hold the rest). */
export function runDocument(requestFile: string | undefined, result: LocalRunResult): Record<string, unknown> {
  const report = result.report;
  const probe = (report?.probe ?? null) as ProbeView | null;
  return {
    request: requestFile ?? null,
    executionName: result.executionName ?? null,
    status: result.status,
    exitCode: result.exitCode,
    error: result.error,
    cause: result.cause,
    failedState: result.failedState ?? null,
    problems: result.problems ?? [],
    history: result.outDir ? path.join(result.outDir, 'history.json') : null,
    report: result.outDir ? path.join(result.outDir, 'report.json') : null,
    simulatedSeconds: report?.simulatedSeconds ?? null,
    stateTransitions: report?.stateTransitions ?? null,
    taskInvocations: report?.taskInvocations ?? null,
    realMilliseconds: result.realMilliseconds,
    privateEndpointIp: privateEndpointIp(probe) ?? null,
    probe,
    resources: report ? { aws: report.resources.aws.length, azure: report.resources.azure.length } : null,
    ...(report?.removed ? { removed: report.removed, message: teardownSummaryOf(result.output).message ?? null } : {}),
  };
}

/** The runs of the requests (several start together on one simulated clock, against the same clouds). */
async function runRequests(args: LocalArguments, output: NodeJS.WritableStream | null): Promise<{ exitCode: ExitCode; runs: { file: string | undefined; result: LocalRunResult }[] }> {
  const subject = args.mode === 'teardown' ? 'Teardown' : undefined;
  const progress = (args.requestFiles.length > 1 ? namedProgressDisplay : progressDisplay)(subject);
  const { exitCode, runs } = await localRunner().runLocalRequests({ ...args.options, requestFiles: args.requestFiles, output, ...(output ? { progress } : {}) });
  return { exitCode, runs: runs.map((result, index) => ({ file: args.requestFiles[index], result })) };
}

async function runLocalArguments(args: LocalArguments, io: CliIo): Promise<ExitCode> {
  if (args.mode === 'health') return (require('./local-health') as typeof import('./local-health')).runLocalHealth(args, io);
  if (args.mode === 'plan') return (require('./local-plan') as typeof import('./local-plan')).runLocalPlan(args, io);
  if (args.mode && LATER_MODES.includes(args.mode)) {
    throw new UsageError(`--${args.mode} is not available yet (it comes with a later issue); nothing was started`);
  }
  let exitCode: ExitCode;
  let runs: { file: string | undefined; result: LocalRunResult }[];
  try {
    ({ exitCode, runs } = await runRequests(args, args.json ? null : io.out));
  } catch (error) {
    // A request, world or state file that cannot be read, or a bad option: nothing ran.
    if (error instanceof LocalOptionError || (error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError((error as Error).message);
    throw error;
  }
  if (args.json) {
    writeJson(io, { exitCode, runs: runs.map((run) => runDocument(run.file, run.result)) });
  } else {
    for (const { result } of runs) for (const line of summaryLines(result)) io.out.write(`${line}\n`);
  }
  return exitCode;
}

/** The `local` command with its `serve` subcommand, writing to io. */
export function localCommand(io: CliIo, outcome: Outcome): Command {
  return buildLocalCommand((args) => runLocalArguments(args, io), outcome, io);
}

export async function run(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<ExitCode> {
  const io = { out, err };
  const outcome: Outcome = { code: 0 };
  return runCommand(localCommand(io, outcome), argv, io, outcome);
}
