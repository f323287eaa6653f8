/**
 * The `local serve` command line: its options and help, without what serving loads (the emulators), which
 * cli/local-serve.ts holds and the action loads when it runs.
 */
import { LocalOptionError } from '../local/runner/errors';
import { Command, act, once, type CliIo, type Outcome } from './command-line';
import type { ServeOptions, StopSignal } from './local-serve';

const serving = () => require('./local-serve') as typeof import('./local-serve');

function buildServeCommand(): Command {
  return new Command('serve')
    .description('keep the emulated clouds and a local Step Functions endpoint up on 127.0.0.1 until Ctrl-C or SIGTERM')
    .option('--world <FILE>', 'what exists when there is no state (default local/default-world.json)', once('--world'))
    .option('--state <FILE>', 'load the clouds from FILE if it exists; save them there on exit (mode 0600)', once('--state'))
    .addHelpText(
      'after',
      '\nLook at them with the AWS CLI, curl and dig. The first line printed is a JSON object:\n' +
        '{"aws", "azure", "caFile", "stepFunctions", "azureAuthorityHost", "dnsServers"}.\n' +
        'Exit status: 0 after a clean stop, 2 bad arguments or an unreadable file.\n',
    );
}

function toServeOptions(flags: { world?: string; state?: string }): ServeOptions {
  return { ...(flags.world ? { worldFile: flags.world } : {}), ...(flags.state ? { stateFile: flags.state } : {}) };
}

/** The arguments as `serve` reads them; a bad one throws LocalOptionError. */
export function parseServeArguments(argv: string[]): { help: true } | { help: false; options: ServeOptions } {
  const command = buildServeCommand()
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  try {
    command.parse(argv, { from: 'user' });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    if (code === 'commander.helpDisplayed') return { help: true };
    throw new LocalOptionError(message.replace(/^error: /, ''));
  }
  return { help: false, options: toServeOptions(command.opts()) };
}

/** `local serve`: its exit code lands in the outcome. */
export function serveCommand(io: CliIo, outcome: Outcome, untilStop?: () => Promise<StopSignal>): Command {
  const command = buildServeCommand();
  return command.action(act(outcome, () => serving().serve(toServeOptions(command.opts()), io, untilStop)));
}
