/**
 * `aoai-link local [REQUEST.json] [--world W] [--state S] [--out DIR] [--faults SPEC] [--jitter SEED]`
 * (contract: local-cloud.md). Exit 0 succeeded, 1 failed, 2 refused or bad arguments.
 */
import { LocalOptionError, runLocal, type LocalRunOptions, type LocalRunResult } from '../local/runner';
import { runServe } from './local-serve';
import { formatClock, formatDuration } from './progress';

export const LOCAL_USAGE = `Usage: aoai-link local [REQUEST.json] [options]
       aoai-link local serve [--world FILE] [--state FILE]   (keeps the emulated clouds up; serve --help)

Runs the provisioning workflow on this machine against emulated AWS and Azure, on a simulated clock.

  REQUEST.json       the environment request (default events/new-environment.json)
  --world FILE       what exists before the run (default local/default-world.json)
  --state FILE       load the emulated clouds from FILE if it exists, save them there at the end
  --out DIR          where history.json and report.json go (default out/local/<executionName>/)
  --faults SPEC      faults to inject, comma-separated: drop-response:NAME, throttle:RATE,
                     error5xx:RATE, gateway-failed, wrong-psk
  --jitter SEED      draw each latency within ±25% of the table, with this seed
  -h, --help         this help

Exit status: 0 succeeded, 1 failed, 2 refused (nothing created) or bad arguments.
`;

export class UsageError extends Error {
  override name = 'UsageError';
}

const VALUE_OPTIONS = new Set(['--world', '--state', '--out', '--faults', '--jitter']);

export type ParsedArguments = { help: true } | { help: false; options: LocalRunOptions };

export function parseLocalArguments(argv: string[]): ParsedArguments {
  const values: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return { help: true };
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg : arg.slice(0, eq);
      if (!VALUE_OPTIONS.has(name)) throw new UsageError(`unknown option ${name}`);
      const value = eq < 0 ? argv[++i] : arg.slice(eq + 1);
      if (value === undefined || value === '' || (eq < 0 && value.startsWith('--'))) throw new UsageError(`${name} needs a value`);
      if (name in values) throw new UsageError(`${name} given twice`);
      values[name] = value;
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option ${arg}`);
    } else {
      positional.push(arg);
    }
  }
  if (positional.length > 1) throw new UsageError(`one request file at most, got ${positional.length}: ${positional.join(' ')}`);
  let jitterSeed: number | undefined;
  if (values['--jitter'] !== undefined) {
    jitterSeed = Number(values['--jitter']);
    if (!Number.isSafeInteger(jitterSeed) || jitterSeed < 0) throw new UsageError(`--jitter needs a whole number seed, got "${values['--jitter']}"`);
  }
  return {
    help: false,
    options: {
      ...(positional[0] ? { requestFile: positional[0] } : {}),
      ...(values['--world'] ? { worldFile: values['--world'] } : {}),
      ...(values['--state'] ? { stateFile: values['--state'] } : {}),
      ...(values['--out'] ? { outDir: values['--out'] } : {}),
      ...(values['--faults'] ? { faults: values['--faults'] } : {}),
      ...(jitterSeed !== undefined ? { jitterSeed } : {}),
    },
  };
}

interface ProbeView {
  dns?: { ok?: boolean; answers?: string[]; detail?: string };
  tcp?: { ok?: boolean; address?: string; detail?: string };
  api?: { ok?: boolean; status?: number; detail?: string };
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

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
      const privateIp = probe.tcp?.address ?? [...(probe.dns?.answers ?? [])].reverse().find((a) => IPV4.test(a));
      if (privateIp) lines.push(`Private endpoint IP: ${privateIp}`);
      const mark = (ok?: boolean) => (ok ? 'ok' : 'FAILED');
      lines.push(
        `Probe from the VPC: DNS ${mark(probe.dns?.ok)}${probe.dns?.answers?.length ? ` (${probe.dns.answers.join(' -> ')})` : ''}, ` +
          `TCP 443 ${mark(probe.tcp?.ok)}, API ${mark(probe.api?.ok)}${probe.api?.status ? ` (HTTP ${probe.api.status})` : ''}`,
      );
    }
    const created = report.resources.aws.length + report.resources.azure.length;
    lines.push(`Resources in the emulated clouds: ${report.resources.aws.length} AWS, ${report.resources.azure.length} Azure (${created} in all)`);
  }
  return lines;
}

export async function run(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  if (argv[0] === 'serve') return runServe(argv.slice(1), out, err);
  let parsed: ParsedArguments;
  try {
    parsed = parseLocalArguments(argv);
  } catch (error) {
    err.write(`aoai-link local: ${(error as Error).message}\n\n${LOCAL_USAGE}`);
    return 2;
  }
  if (parsed.help) {
    out.write(LOCAL_USAGE);
    return 0;
  }
  let result: LocalRunResult;
  try {
    result = await runLocal({ ...parsed.options, output: out });
  } catch (error) {
    const bad = error instanceof LocalOptionError || (error as NodeJS.ErrnoException).code === 'ENOENT';
    err.write(`aoai-link local: ${(error as Error).message}\n`);
    if (!bad && process.env.AOAI_LINK_DEBUG) err.write(`${(error as Error).stack}\n`);
    return bad ? 2 : 1;
  }
  for (const line of summaryLines(result)) out.write(`${line}\n`);
  return result.exitCode;
}
