/**
 * `aoai-link history EXECUTION_ARN [--json]`: an execution's history as it is now, in the progress display's
 * lines (or as JSON: its status and every event), without waiting for it to end. Exit 0 SUCCEEDED, 1 any
 * other status (a running one too), 2 usage or configuration.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { Command, PROCESS_IO, act, runCommand, writeJson, type CliIo, type ExitCode, type Outcome } from './command-line';
import { ProgressDisplay } from './progress';
import { isLocalEndpoint, sfnClientFromEnv } from './sfn';
import { executionArnArgument, executionDocument, readExecutionForCommand } from './watch';

async function history(executionArn: string, flags: { json?: boolean }, io: CliIo, sfnOf: () => SFNClient): Promise<ExitCode> {
  const sfn = sfnOf();
  const execution = await readExecutionForCommand(sfn, executionArn);
  if (flags.json) {
    writeJson(io, { ...executionDocument(executionArn, execution), events: execution.events });
  } else {
    const display = new ProgressDisplay(io.out, { simulated: await isLocalEndpoint(sfn) });
    for (const event of execution.events) display.onEvent(event);
    if (execution.status === 'RUNNING') io.out.write(`(still RUNNING: aoai-link watch ${executionArn} follows it)\n`);
    else display.finish({ status: execution.status, error: execution.error, cause: execution.cause, seconds: execution.seconds });
  }
  return execution.status === 'SUCCEEDED' ? 0 : 1;
}

export function historyCommand(io: CliIo, outcome: Outcome, sfn: () => SFNClient = sfnClientFromEnv): Command {
  return new Command('history')
    .description("print an execution's history as it is now (no waiting)")
    .argument('<EXECUTION_ARN>', 'the execution', executionArnArgument)
    .option('--json', 'print {executionArn, status, error, cause, seconds, output, events} as JSON')
    .addHelpText('after', '\nExit status: 0 SUCCEEDED, 1 any other status (RUNNING too), 2 bad arguments or configuration.\n')
    .action(act(outcome, (executionArn: string, flags: { json?: boolean }) => history(executionArn, flags, io, sfn)));
}

export async function run(argv: string[], io: CliIo = PROCESS_IO, sfn?: SFNClient): Promise<ExitCode> {
  const outcome: Outcome = { code: 0 };
  return runCommand(historyCommand(io, outcome, sfn ? () => sfn : sfnClientFromEnv), argv, io, outcome);
}
