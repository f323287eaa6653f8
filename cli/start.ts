/**
 * `aoai-link start REQUEST [--state-machine-arn ARN] [--no-follow] [--interval SECONDS]`: checks the request,
 * starts it on the deployed state machine under the same deterministic name the webhook uses (so a request
 * started twice, from either side, runs once), then follows it like `watch`.
 * The state machine: --state-machine-arn, else AOAI_LINK_STATE_MACHINE_ARN (the stack's StateMachineArn output).
 * Exit 0 SUCCEEDED, 1 failed or refused to start (another run for the environment), 2 problems or usage.
 */
import { ExecutionStatus, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { consoleUrl, describeIfExists, environmentExecutions, executionArnFor } from '../functions/intake/executions';
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
    const executionArn = executionArnFor(stateMachineArn, loaded.name);
    const existing = await describeIfExists(sfn, executionArn);
    if (existing) {
      io.out.write(`This request was already started (${existing.status}); nothing new started.\n`);
    } else {
      const running = (
        await environmentExecutions(sfn, stateMachineArn, loaded.request.environmentId, ExecutionStatus.RUNNING)
      ).filter((e) => e.name !== loaded.name);
      if (running.length > 0) {
        io.err.write(
          `Environment ${loaded.request.environmentId} has an execution running: ${running[0].executionArn}\n` +
            `Wait for it (aoai-link watch ${running[0].executionArn}) and start again.\n`,
        );
        return 1;
      }
      try {
        await sfn.send(new StartExecutionCommand({ stateMachineArn, name: loaded.name, input: JSON.stringify(loaded.request) }));
        io.out.write(`Started ${loaded.name}\n`);
      } catch (error) {
        if ((error as { name?: string }).name !== 'ExecutionAlreadyExists') throw error;
        io.out.write(`This request was already started; nothing new started.\n`);
      }
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
