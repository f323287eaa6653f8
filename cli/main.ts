/**
 * The `aoai-link` command line: dispatches to the commands. `local` is built in; `validate`, `start` and
 * `watch` are loaded from their own modules when present, so a missing one says so instead of breaking the rest.
 */
import * as path from 'node:path';
import { projectRoot } from '../local/runner/project';
import { run as runLocalCommand } from './local';

type Command = (argv: string[]) => Promise<number>;

interface CommandInfo {
  summary: string;
  /** Built in, or the cli/ module exporting `run(argv)`. */
  run?: Command;
  module?: string;
}

const COMMANDS: Record<string, CommandInfo> = {
  local: { summary: 'run the workflow locally against emulated AWS and Azure (no cloud account needed)', run: runLocalCommand },
  validate: { summary: 'check an environment request without starting anything', module: 'validate' },
  start: { summary: 'start the workflow in AWS Step Functions for a request', module: 'start' },
  watch: { summary: 'follow a running execution in AWS Step Functions', module: 'watch' },
  bench: { summary: 'measure local runs against the critical path (default table and jittered seeds)', module: 'bench' },
  diagram: { summary: 'print the Mermaid diagram of the state machine (as in the README)', module: 'diagram-command' },
};

export const HELP = `Usage: aoai-link <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, info]) => `  ${name.padEnd(10)}${info.summary}`)
  .join('\n')}

Run "aoai-link <command> --help" for a command's options.
`;

export class CommandNotAvailable extends Error {
  override name = 'CommandNotAvailable';
}

/** Loads cli/<name> (TypeScript through the require hook, or jest's transform), outside the bundle. */
function loadCommand(name: string, moduleName: string): Command {
  let loaded: { run?: unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(path.join(projectRoot(), 'cli', moduleName)) as { run?: unknown };
  } catch (error) {
    throw new CommandNotAvailable(`the "${name}" command is not available in this build (${(error as Error).message.split('\n')[0]})`);
  }
  if (typeof loaded.run !== 'function') throw new CommandNotAvailable(`the "${name}" command is not available: cli/${moduleName} exports no run(argv)`);
  return loaded.run as Command;
}

export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? err : out).write(HELP);
    return name === undefined ? 2 : 0;
  }
  const info = COMMANDS[name];
  if (!info) {
    err.write(`aoai-link: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  let command: Command;
  try {
    command = info.run ?? loadCommand(name, info.module!);
  } catch (error) {
    err.write(`aoai-link: ${(error as Error).message}\n`);
    return 1;
  }
  return command(rest);
}
