/**
 * `aoai-link start REQUEST [--state-machine-arn ARN] [--no-follow] [--interval SECONDS] [--json]`: checks the
 * request, starts it on the deployed state machine by the same rule the webhook uses (startRequest: a request
 * started twice, from either side, runs once; after a failure it starts a re-run), then follows it like `watch`.
 * The state machine: --state-machine-arn, else AOAI_LINK_STATE_MACHINE_ARN (the stack's StateMachineArn output).
 * Exit 0 SUCCEEDED (or started, with --no-follow), 1 failed or refused to start (another run for the
 * environment), 2 problems, usage or configuration.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { Command, PROCESS_IO, UsageError, act, checkAwsConfiguration, once, runCommand, writeJson, type CliIo, type ExitCode, type Outcome } from './command-line';
import { sfnClientFromEnv } from './sfn';
import { loadRequest } from './validate';
import { executionDocument, followToEnd, parseInterval } from './watch';

/** Loaded when the command runs: it brings the Step Functions SDK. */
const executions = () => require('../functions/commons/executions') as typeof import('../functions/commons/executions');

interface StartFlags {
  stateMachineArn?: string;
  teardownStateMachineArn?: string;
  follow: boolean;
  interval?: number;
  json?: boolean;
}

async function start(file: string, flags: StartFlags, io: CliIo, sfnOf: () => SFNClient): Promise<ExitCode> {
  const stateMachineArn = flags.stateMachineArn ?? process.env.AOAI_LINK_STATE_MACHINE_ARN;
  if (!stateMachineArn) throw new UsageError('no state machine: pass --state-machine-arn or set AOAI_LINK_STATE_MACHINE_ARN');
  const json = flags.json === true;
  const loaded = loadRequest(file);
  if (!loaded.ok) {
    if (json) writeJson(io, { file, started: false, problems: loaded.problems });
    else io.err.write(`${loaded.message}\n`);
    return 2;
  }
  const sfn = sfnOf();
  await checkAwsConfiguration(sfn);
  // With the teardown machine known, nothing starts while a teardown of the environment runs (as the webhook).
  const teardownStateMachineArn = flags.teardownStateMachineArn ?? process.env.AOAI_LINK_TEARDOWN_STATE_MACHINE_ARN;
  const outcome = await executions().startRequest(sfn, stateMachineArn, loaded.request, { teardownStateMachineArn });
  if (outcome.kind === 'busy') {
    if (json) writeJson(io, { file, environmentId: loaded.request.environmentId, started: false, busy: true, runningExecutionArn: outcome.runningExecutionArn });
    else {
      io.err.write(
        `Environment ${loaded.request.environmentId} has ${outcome.workflow === 'teardown' ? 'a teardown' : 'an execution'} running: ${outcome.runningExecutionArn}\n` +
          `Wait for it (aoai-link watch ${outcome.runningExecutionArn}) and start again.\n`,
      );
    }
    return 1;
  }
  return announceAndFollow(io, sfn, outcome, 'request', {
    document: { file, environmentId: loaded.request.environmentId },
    follow: flags.follow,
    json,
    interval: flags.interval,
  });
}

/** An execution start that did start (or found its redelivery), as start and destroy report it. */
interface StartedExecution {
  kind: 'started' | 'already';
  executionArn: string;
  executionName: string;
  status?: string;
  rerunOf?: { name: string; status: string };
}

/**
 * Says what was started (or that it already was), then either prints the execution's ARN and console link or
 * follows it to its end. The exit status of `start` and `destroy`: 0 started (not followed) or SUCCEEDED.
 */
export async function announceAndFollow(
  io: CliIo,
  sfn: SFNClient,
  outcome: StartedExecution,
  what: 'request' | 'teardown',
  options: { document: Record<string, unknown>; follow: boolean; json: boolean; interval?: number; lines?: string[] },
): Promise<ExitCode> {
  const say = (line: string) => {
    if (!options.json) io.out.write(`${line}\n`);
  };
  const { executionArn } = outcome;
  if (outcome.kind === 'already') {
    say(`This ${what} was already started as ${outcome.executionName} (${outcome.status}); nothing new started.`);
  } else if (outcome.rerunOf) {
    say(`Started ${outcome.executionName}, a re-run after ${outcome.rerunOf.name} (${outcome.rerunOf.status})`);
  } else {
    say(`Started ${outcome.executionName}`);
  }
  for (const line of options.lines ?? []) say(line);
  const started = {
    ...options.document,
    executionName: outcome.executionName,
    started: outcome.kind !== 'already',
    rerunOf: outcome.kind === 'started' && outcome.rerunOf ? outcome.rerunOf.name : null,
    consoleUrl: executions().consoleUrl(executionArn),
  };
  if (!options.follow) {
    if (options.json) writeJson(io, { ...started, executionArn });
    else say(`${executionArn}\n${executions().consoleUrl(executionArn)}`);
    return 0;
  }
  const result = await followToEnd(executionArn, { sfn, intervalMs: options.interval, quiet: options.json }, io);
  if (options.json) writeJson(io, { ...started, ...executionDocument(executionArn, result) });
  return result.status === 'SUCCEEDED' ? 0 : 1;
}

export function startCommand(io: CliIo, outcome: Outcome, sfn: () => SFNClient = sfnClientFromEnv): Command {
  return new Command('start')
    .description('start the workflow in AWS Step Functions for a request, then follow it')
    .argument('<REQUEST.json>', 'the request file; - reads standard input')
    .option('--state-machine-arn <ARN>', 'the deployed state machine (default $AOAI_LINK_STATE_MACHINE_ARN)', once('--state-machine-arn'))
    .option(
      '--teardown-state-machine-arn <ARN>',
      'the deployed teardown state machine: refuse while a teardown of the environment runs (default $AOAI_LINK_TEARDOWN_STATE_MACHINE_ARN)',
      once('--teardown-state-machine-arn'),
    )
    .option('--no-follow', 'print the execution ARN and its console link, and return at once')
    .option('--interval <SECONDS>', 'between polls of the history while following (default 5)', parseInterval)
    .option('--json', 'print one JSON document (what was started and, when following, how it ended)')
    .addHelpText(
      'after',
      '\nA request started twice runs once; after a failed run it starts a re-run. Region and credentials come from\n' +
        'the usual AWS settings (AWS_REGION, AWS_PROFILE, ...).\n' +
        'Exit status: 0 SUCCEEDED (or started, with --no-follow), 1 failed or another run is going, 2 problems or usage.\n',
    )
    .action(act(outcome, (file: string, flags: StartFlags) => start(file, flags, io, sfn)));
}

export async function run(argv: string[], io: CliIo = PROCESS_IO, sfn?: SFNClient): Promise<ExitCode> {
  const outcome: Outcome = { code: 0 };
  return runCommand(startCommand(io, outcome, sfn ? () => sfn : sfnClientFromEnv), argv, io, outcome);
}
