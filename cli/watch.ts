/**
 * `aoai-link watch EXECUTION_ARN [--interval SECONDS] [--json]`: follows an execution's history with the same
 * progress display as local mode, until it ends. Exit 0 SUCCEEDED, 1 any other end, 2 usage or configuration.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { Command, InvalidArgumentError, PROCESS_IO, UsageError, act, checkAwsConfiguration, runCommand, writeJson, type CliIo, type ExitCode, type Outcome } from './command-line';
import { ProgressDisplay } from './progress';
import { followExecution, isLocalEndpoint, readExecution, sfnClientFromEnv, type FollowResult } from './sfn';

/** Loaded when the command runs: it brings the Step Functions SDK. */
const executions = () => require('../functions/commons/executions') as typeof import('../functions/commons/executions');

export interface FollowSettings {
  sfn: SFNClient;
  intervalMs?: number;
  /** No progress lines: the caller prints the result as JSON. */
  quiet?: boolean;
}

/** The parsed output of an execution, or its text when it is not JSON. */
function outputOf(result: FollowResult): unknown {
  if (result.output === undefined) return null;
  try {
    return JSON.parse(result.output);
  } catch {
    return result.output;
  }
}

/** What `watch --json` and `start --json` print of an execution's end. */
export function executionDocument(executionArn: string, result: FollowResult): Record<string, unknown> {
  return { executionArn, status: result.status, error: result.error, cause: result.cause, seconds: result.seconds, output: outputOf(result) };
}

/** Follows to the end; the result (progress lines and the summary unless quiet). Shared with `start`. */
export async function followToEnd(executionArn: string, settings: FollowSettings, io: CliIo): Promise<FollowResult> {
  const local = await isLocalEndpoint(settings.sfn);
  const display = settings.quiet ? undefined : new ProgressDisplay(io.out, { simulated: local });
  if (display) io.out.write(`Following ${executionArn}\n${local ? '(local Step Functions endpoint)' : executions().consoleUrl(executionArn)}\n`);
  const result = await followExecution(settings.sfn, executionArn, display ?? { onEvent: () => undefined }, {
    intervalMs: settings.intervalMs ?? (local ? 200 : 5_000),
  });
  display?.finish({ status: result.status, error: result.error, cause: result.cause, seconds: result.seconds });
  return result;
}

/** `--interval SECONDS`: a positive number, in milliseconds. */
export function parseInterval(value: string): number {
  const secondsValue = Number(value);
  if (value.trim() === '' || !Number.isFinite(secondsValue) || secondsValue <= 0) throw new InvalidArgumentError('--interval takes a positive number of seconds');
  return secondsValue * 1000;
}

export function executionArnArgument(value: string): string {
  if (!value.startsWith('arn:')) throw new InvalidArgumentError('expected an execution ARN (arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME)');
  return value;
}

/** Names the two answers that mean the ARN is wrong, so they read as a usage problem, not a crash. */
export function asUsageProblem(error: unknown): unknown {
  const name = (error as { name?: string }).name;
  if (name === 'ExecutionDoesNotExist' || name === 'InvalidArn') return new UsageError(`${name}: ${(error as Error).message.split('\n')[0]}`);
  return error;
}

/** One execution as a command reads it: the AWS configuration checked first, a wrong ARN a usage problem. */
export async function readExecutionForCommand(sfn: SFNClient, executionArn: string): Promise<Awaited<ReturnType<typeof readExecution>>> {
  await checkAwsConfiguration(sfn);
  try {
    return await readExecution(sfn, executionArn);
  } catch (error) {
    throw asUsageProblem(error);
  }
}

async function watch(executionArn: string, flags: { interval?: number; json?: boolean }, io: CliIo, sfn: () => SFNClient): Promise<ExitCode> {
  const client = sfn();
  await checkAwsConfiguration(client);
  try {
    const result = await followToEnd(executionArn, { sfn: client, intervalMs: flags.interval, quiet: flags.json }, io);
    if (flags.json) writeJson(io, executionDocument(executionArn, result));
    return result.status === 'SUCCEEDED' ? 0 : 1;
  } catch (error) {
    throw asUsageProblem(error);
  }
}

export function watchCommand(io: CliIo, outcome: Outcome, sfn: () => SFNClient = sfnClientFromEnv): Command {
  return new Command('watch')
    .description('follow an execution in AWS Step Functions until it ends, step by step')
    .argument('<EXECUTION_ARN>', 'the execution to follow', executionArnArgument)
    .option('--interval <SECONDS>', 'between polls of its history (default 5; 0.2 on a local endpoint)', parseInterval)
    .option('--json', 'print only {executionArn, status, error, cause, seconds, output} at the end, as JSON')
    .addHelpText(
      'after',
      '\nRegion and credentials come from the usual AWS settings (AWS_REGION, AWS_PROFILE, ...); the endpoint from\n' +
        'AWS_ENDPOINT_URL_SFN or AWS_ENDPOINT_URL when set.\nExit status: 0 SUCCEEDED, 1 any other end, 2 bad arguments or configuration.\n',
    )
    .action(act(outcome, (executionArn: string, flags: { interval?: number; json?: boolean }) => watch(executionArn, flags, io, sfn)));
}

export async function run(argv: string[], io: CliIo = PROCESS_IO, sfn?: SFNClient): Promise<ExitCode> {
  const outcome: Outcome = { code: 0 };
  return runCommand(watchCommand(io, outcome, sfn ? () => sfn : sfnClientFromEnv), argv, io, outcome);
}
