/**
 * `aoai-link destroy REQUEST.json | --environment ID [--restore-public-access] [--wait] [--interval SECONDS] [--json]`:
 * starts the teardown of an environment on the deployed teardown state machine, by the same rule the webhook's
 * DELETE uses (startTeardown: a teardown asked twice runs once; never while a provisioning or another teardown
 * of the environment runs). With --environment the request is the one the environment's latest provisioning
 * execution ran. --wait follows the teardown like `start` follows a provisioning.
 * The state machines: --teardown-state-machine-arn, else AOAI_LINK_TEARDOWN_STATE_MACHINE_ARN (the stack's
 * TeardownStateMachineArn output), and --state-machine-arn, else AOAI_LINK_STATE_MACHINE_ARN (provisioning's).
 * Exit 0 SUCCEEDED (or started, without --wait), 1 failed or refused to start (something of the environment
 * is running), 2 problems, usage, configuration, or no provisioning of the environment to read the request of.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import { isEnvironmentId, type EnvironmentRequest } from '../functions/commons/request/contract';
import { Command, PROCESS_IO, UsageError, act, checkAwsConfiguration, once, runCommand, writeJson, type CliIo, type ExitCode, type Outcome } from './command-line';
import { sfnClientFromEnv } from './sfn';
import { loadRequest } from './validate';
import { announceAndFollow } from './start';
import { parseInterval } from './watch';

/** Loaded when the command runs: it brings the Step Functions SDK. */
const executions = () => require('../functions/commons/executions') as typeof import('../functions/commons/executions');


interface DestroyFlags {
  environment?: string;
  restorePublicAccess?: boolean;
  wait?: boolean;
  interval?: number;
  json?: boolean;
  stateMachineArn?: string;
  teardownStateMachineArn?: string;
}

function environmentIdArgument(value: string): string {
  if (!isEnvironmentId(value)) throw new UsageError(`--environment ${value}: must match ^[a-z][a-z0-9-]{2,30}$ and not end with "-"`);
  return value;
}

async function destroy(file: string | undefined, flags: DestroyFlags, io: CliIo, sfnOf: () => SFNClient): Promise<ExitCode> {
  if ((file === undefined) === (flags.environment === undefined)) {
    throw new UsageError('name the environment once: a REQUEST.json file or --environment ID');
  }
  const teardownStateMachineArn = flags.teardownStateMachineArn ?? process.env.AOAI_LINK_TEARDOWN_STATE_MACHINE_ARN;
  if (!teardownStateMachineArn) {
    throw new UsageError('no teardown state machine: pass --teardown-state-machine-arn or set AOAI_LINK_TEARDOWN_STATE_MACHINE_ARN');
  }
  // Needed either way: a teardown never starts while a provisioning of the environment runs.
  const provisioningStateMachineArn = flags.stateMachineArn ?? process.env.AOAI_LINK_STATE_MACHINE_ARN;
  if (!provisioningStateMachineArn) throw new UsageError('no provisioning state machine: pass --state-machine-arn or set AOAI_LINK_STATE_MACHINE_ARN');
  const json = flags.json === true;
  const say = (line: string) => {
    if (!json) io.out.write(`${line}\n`);
  };

  let request: EnvironmentRequest;
  let requestOf: string;
  const sfn = sfnOf();
  if (file !== undefined) {
    const loaded = loadRequest(file);
    if (!loaded.ok) {
      if (json) writeJson(io, { file, started: false, problems: loaded.problems });
      else io.err.write(`${loaded.message}\n`);
      return 2;
    }
    await checkAwsConfiguration(sfn);
    request = loaded.request;
    requestOf = file;
  } else {
    const environmentId = environmentIdArgument(flags.environment!);
    await checkAwsConfiguration(sfn);
    const provisioned = await executions().latestProvisioningRequest(sfn, provisioningStateMachineArn, environmentId);
    if (!provisioned) {
      const message = `no provisioning of environment ${environmentId} was ever started on ${provisioningStateMachineArn}: there is no request to read; pass the request file instead`;
      if (json) writeJson(io, { environmentId, started: false, problems: [{ path: '--environment', message }] });
      else io.err.write(`aoai-link destroy: ${message}\n`);
      return 2;
    }
    request = provisioned.request;
    requestOf = provisioned.execution.name;
    say(`The request of ${provisioned.execution.name} (${provisioned.execution.status})`);
  }

  const input = executions().teardownInput(request, flags.restorePublicAccess ? 'restore' : undefined);
  const environmentId = input.environmentId;
  const outcome = await executions().startTeardown(sfn, { provisioningStateMachineArn, teardownStateMachineArn }, input);
  if (outcome.kind === 'busy') {
    if (json) {
      writeJson(io, { environmentId, started: false, busy: true, runningWorkflow: outcome.workflow, runningExecutionArn: outcome.runningExecutionArn });
    } else {
      io.err.write(
        `Environment ${environmentId} has a ${outcome.workflow} running: ${outcome.runningExecutionArn}\n` +
          `Wait for it (aoai-link watch ${outcome.runningExecutionArn}) and destroy again.\n`,
      );
    }
    return 1;
  }
  const publicNetworkAccessOnTeardown = input.options.publicNetworkAccessOnTeardown;
  return announceAndFollow(io, sfn, outcome, 'teardown', {
    document: { environmentId, requestOf, publicNetworkAccessOnTeardown },
    lines: [
      publicNetworkAccessOnTeardown === 'restore'
        ? "The OpenAI account's public access will be restored to what it was before provisioning."
        : "The OpenAI account's network settings are kept as they are.",
    ],
    follow: flags.wait === true,
    json,
    interval: flags.interval,
  });
}

export function destroyCommand(io: CliIo, outcome: Outcome, sfn: () => SFNClient = sfnClientFromEnv): Command {
  return new Command('destroy')
    .description('remove an environment: start the teardown in AWS Step Functions for a request or an environment id')
    .argument('[REQUEST.json]', 'the request file; - reads standard input')
    .option('--environment <ID>', "the environment instead of a file: its latest provisioning execution's request", once('--environment'))
    .option('--restore-public-access', "put the OpenAI account's public access back as it was before provisioning (default: as the request's options say, else keep it)")
    .option('--wait', 'follow the teardown until it ends, step by step')
    .option('--interval <SECONDS>', 'between polls of the history while following (default 5)', parseInterval)
    .option('--json', 'print one JSON document (what was started and, with --wait, how it ended)')
    .option('--teardown-state-machine-arn <ARN>', 'the deployed teardown state machine (default $AOAI_LINK_TEARDOWN_STATE_MACHINE_ARN)', once('--teardown-state-machine-arn'))
    .option('--state-machine-arn <ARN>', 'the deployed provisioning state machine (default $AOAI_LINK_STATE_MACHINE_ARN)', once('--state-machine-arn'))
    .addHelpText(
      'after',
      '\nOnly what the product created for the environment is removed (tags managed-by and environment); anything else\n' +
        'is left and listed in the summary. A teardown asked twice runs once; it never starts while a provisioning or\n' +
        'another teardown of the environment runs. Region and credentials come from the usual AWS settings.\n' +
        'Exit status: 0 SUCCEEDED (or started, without --wait), 1 failed or something of the environment is running,\n' +
        '2 problems, usage, or no provisioning of --environment to read the request of.\n',
    )
    .action(act(outcome, (file: string | undefined, flags: DestroyFlags) => destroy(file, flags, io, sfn)));
}

export async function run(argv: string[], io: CliIo = PROCESS_IO, sfn?: SFNClient): Promise<ExitCode> {
  const outcome: Outcome = { code: 0 };
  return runCommand(destroyCommand(io, outcome, sfn ? () => sfn : sfnClientFromEnv), argv, io, outcome);
}
