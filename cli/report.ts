/**
 * `aoai-link report EXECUTION_ARN [--out FILE]`: the same self-contained page a local run writes as report.html,
 * for an execution in Step Functions, drawn from its history (GetExecutionHistory) and its description: the
 * states' timeline, the topology in its output, the probe's checks, what it created, adopted, used or removed.
 * The history holds no cloud operation, so the page says so rather than guessing them.
 * Exit 0 when the page is written (whatever the execution's status), 2 usage or configuration.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type * as ReportPageModule from '../local/runner/report-html';
import { Command, PROCESS_IO, act, once, runCommand, type CliIo, type ExitCode, type Outcome } from './command-line';
import { isLocalEndpoint, sfnClientFromEnv } from './sfn';
import { executionArnArgument, readExecutionForCommand } from './watch';

const reportPage = () => require('../local/runner/report-html') as typeof ReportPageModule;

/** A JSON document the history carries as text; anything else is left out of the page. */
function parsed(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function report(executionArn: string, flags: { out?: string }, io: CliIo, sfnOf: () => SFNClient): Promise<ExitCode> {
  const sfn = sfnOf();
  const execution = await readExecutionForCommand(sfn, executionArn);
  const started = execution.events.find((event) => event.type === 'ExecutionStarted') as { executionStartedEventDetails?: { input?: string } } | undefined;
  const page = reportPage().renderReportPage({
    executionName: executionArn.split(':').pop() ?? executionArn,
    status: execution.status,
    error: execution.error,
    cause: execution.cause,
    seconds: execution.seconds,
    simulated: await isLocalEndpoint(sfn),
    stateTransitions: execution.events.filter((event) => event.type.endsWith('StateEntered')).length,
    timeline: reportPage().timelineFromHistory(execution.events),
    operations: [],
    request: parsed(started?.executionStartedEventDetails?.input),
    output: parsed(execution.output),
  });
  const file = path.resolve(flags.out ?? 'report.html');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, page);
  io.out.write(`${file}\n`);
  return 0;
}

export function reportCommand(io: CliIo, outcome: Outcome, sfn: () => SFNClient = sfnClientFromEnv): Command {
  return new Command('report')
    .description("write an execution's report page (self-contained HTML: timeline, topology, probe, changes)")
    .argument('<EXECUTION_ARN>', 'the execution', executionArnArgument)
    .option('--out <FILE>', 'where to write the page (default report.html)', once('--out'))
    .addHelpText('after', '\nExit status: 0 the page was written, 2 bad arguments or configuration.\n')
    .action(act(outcome, (executionArn: string, flags: { out?: string }) => report(executionArn, flags, io, sfn)));
}

export async function run(argv: string[], io: CliIo = PROCESS_IO, sfn?: SFNClient): Promise<ExitCode> {
  const outcome: Outcome = { code: 0 };
  return runCommand(reportCommand(io, outcome, sfn ? () => sfn : sfnClientFromEnv), argv, io, outcome);
}
