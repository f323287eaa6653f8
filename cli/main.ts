/**
 * The `aoai-link` command line: one commander program holding every command, so `--help`, `help <command>`
 * and `--version` work the same everywhere, usage errors exit 2 and help exits 0.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../local/runner/project';
import { benchCommand } from './bench';
import { Command, PROCESS_IO, PROGRAM_NAME, runCommand, type CliIo, type ExitCode, type Outcome } from './command-line';
import { destroyCommand } from './destroy';
import { diagramCommand } from './diagram-command';
import { historyCommand } from './history-command';
import { localCommand } from './local';
import { planCommand } from './plan';
import { reportCommand } from './report';
import { startCommand } from './start';
import { validateCommand } from './validate';
import { watchCommand } from './watch';

/** The version of the package the command runs from (read at run time: the bundle carries no copy). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
}

/** The whole program; each command's action leaves its exit code in the outcome. */
export function program(io: CliIo, outcome: Outcome): Command {
  return new Command(PROGRAM_NAME)
    .description('Provisions a private path from an AWS VPC to an Azure OpenAI account (AWS Step Functions workflow).')
    .version(packageVersion(), '-V, --version', 'print the version')
    .enablePositionalOptions()
    .addCommand(localCommand(io, outcome))
    .addCommand(validateCommand(io, outcome))
    .addCommand(planCommand(io, outcome))
    .addCommand(startCommand(io, outcome))
    .addCommand(destroyCommand(io, outcome))
    .addCommand(watchCommand(io, outcome))
    .addCommand(historyCommand(io, outcome))
    .addCommand(reportCommand(io, outcome))
    .addCommand(benchCommand(io, outcome))
    .addCommand(diagramCommand(io, outcome))
    .addHelpText('after', '\nRun "aoai-link help <command>" or "aoai-link <command> --help" for its options.\n');
}

export async function main(argv: string[], out: NodeJS.WritableStream = PROCESS_IO.out, err: NodeJS.WritableStream = PROCESS_IO.err): Promise<ExitCode> {
  const io = { out, err };
  const outcome: Outcome = { code: 0 };
  return runCommand(program(io, outcome), argv, io, outcome);
}
