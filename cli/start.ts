/**
 * `aoai-link start REQUEST [--state-machine-arn ARN] [--no-follow] [--interval SECONDS]`: checks the request,
 * starts it on the deployed state machine by the same rule the webhook uses (startRequest: a request started
 * twice, from either side, runs once; after a failure it starts a re-run), then follows it like `watch`.
 * The state machine: --state-machine-arn, else AOAI_LINK_STATE_MACHINE_ARN (the stack's StateMachineArn output).
 * Exit 0 SUCCEEDED, 1 failed or refused to start (another run for the environment), 2 problems or usage.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { consoleUrl, startRequest } from '../functions/intake/executions';
import { CliIo, PROCESS_IO, UsageError, sfnClientFromEnv, takeOption } from './sfn';
import { loadRequest } from './validate';
import { followToEnd, parseInterval } from './watch';

export const START_USAGE =
  'usage: aoai-link start REQUEST.json [--state-machine-arn ARN] [--no-follow] [--interval SECONDS]\n' +
  '       (ARN default: $AOAI_LINK_STATE_MACHINE_ARN)';

export async function run(argv: string[], io: CliIo = PROCESS_IO, sfn: SFNClient = sfnClientFromEnv()): Promise<number> {
  try {
    const arnOption = takeOption(argv, 'state-machine-arn');
    const intervalOption = takeOption(arnOption.rest, 'interval');
    const follow = !intervalOption.rest.includes('--no-follow');
    const files = intervalOption.rest.filter((arg) => arg !== '--no-follow');
    if (files.length !== 1 || (files[0].startsWith('-') && files[0] !== '-')) throw new UsageError(START_USAGE);
    const stateMachineArn = arnOption.value ?? process.env.AOAI_LINK_STATE_MACHINE_ARN;
    if (!stateMachineArn) throw new UsageError(`no state machine: pass --state-machine-arn or set AOAI_LINK_STATE_MACHINE_ARN\n${START_USAGE}`);
    const intervalMs = parseInterval(intervalOption.value);

    const loaded = loadRequest(files[0]);
    if (!loaded.ok) {
      io.err.write(`${loaded.message}\n`);
      return 2;
    }
    const outcome = await startRequest(sfn, stateMachineArn, loaded.request);
    if (outcome.kind === 'busy') {
      io.err.write(
        `Environment ${loaded.request.environmentId} has an execution running: ${outcome.runningExecutionArn}\n` +
          `Wait for it (aoai-link watch ${outcome.runningExecutionArn}) and start again.\n`,
      );
      return 1;
    }
    const executionArn = outcome.executionArn;
    if (outcome.kind === 'already') {
      io.out.write(`This request was already started as ${outcome.executionName} (${outcome.status}); nothing new started.\n`);
    } else if (outcome.rerunOf) {
      io.out.write(`Started ${outcome.executionName}, a re-run after ${outcome.rerunOf.name} (${outcome.rerunOf.status})\n`);
    } else {
      io.out.write(`Started ${outcome.executionName}\n`);
    }
    if (!follow) {
      io.out.write(`${executionArn}\n${consoleUrl(executionArn)}\n`);
      return 0;
    }
    return await followToEnd(executionArn, { sfn, intervalMs }, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
