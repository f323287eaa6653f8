/**
 * `aoai-link watch EXECUTION_ARN [--interval SECONDS]`: follows an execution's history with the same
 * progress display as local mode, until it ends. Exit 0 SUCCEEDED, 1 any other end, 2 usage.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { consoleUrl } from '../functions/intake/executions';
import { ProgressDisplay } from './progress';
import { CliIo, PROCESS_IO, UsageError, followExecution, isLocalEndpoint, sfnClientFromEnv, takeOption } from './sfn';

export const WATCH_USAGE = 'usage: aoai-link watch EXECUTION_ARN [--interval SECONDS]';

export interface FollowSettings {
  sfn: SFNClient;
  intervalMs?: number;
}

/** Follows to the end and prints the summary; the exit code. Shared with `start`. */
export async function followToEnd(executionArn: string, settings: FollowSettings, io: CliIo): Promise<number> {
  const local = await isLocalEndpoint(settings.sfn);
  io.out.write(`Following ${executionArn}\n${local ? '(local Step Functions endpoint)' : consoleUrl(executionArn)}\n`);
  const display = new ProgressDisplay(io.out, { simulated: local });
  const result = await followExecution(settings.sfn, executionArn, display, {
    intervalMs: settings.intervalMs ?? (local ? 200 : 5_000),
  });
  display.finish({ status: result.status, error: result.error, cause: result.cause, seconds: result.seconds });
  return result.status === 'SUCCEEDED' ? 0 : 1;
}

export function parseInterval(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const secondsValue = Number(value);
  if (!Number.isFinite(secondsValue) || secondsValue <= 0) throw new UsageError('--interval takes a positive number of seconds');
  return secondsValue * 1000;
}

export async function run(argv: string[], io: CliIo = PROCESS_IO, sfn: SFNClient = sfnClientFromEnv()): Promise<number> {
  try {
    const { value: interval, rest } = takeOption(argv, 'interval');
    if (rest.length !== 1 || rest[0].startsWith('-') || !rest[0].startsWith('arn:')) throw new UsageError(WATCH_USAGE);
    return await followToEnd(rest[0], { sfn, intervalMs: parseInterval(interval) }, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err.write(`${error.message}\n`);
      return 2;
    }
    if ((error as { name?: string }).name === 'ExecutionDoesNotExist' || (error as { name?: string }).name === 'InvalidArn') {
      io.err.write(`${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}
