/** `aoai-link diagram [provision|teardown]`: prints the Mermaid picture of a state machine's ASL, for the README. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Argument } from 'commander';
import { projectRoot } from '../local/runner/project';
import { Command, PROCESS_IO, act, runCommand, type CliIo, type ExitCode, type Outcome } from './command-line';
import { mermaidFromAsl } from './diagram';

const MACHINES = ['provision', 'teardown'] as const;

async function diagram(io: CliIo, machine: (typeof MACHINES)[number]): Promise<ExitCode> {
  const definition = JSON.parse(readFileSync(path.join(projectRoot(), 'statemachine', `${machine}.asl.json`), 'utf8'));
  io.out.write(mermaidFromAsl(definition) + '\n');
  return 0;
}

export function diagramCommand(io: CliIo, outcome: Outcome): Command {
  return new Command('diagram')
    .description('print the Mermaid diagram of a state machine (as in the README)')
    .addArgument(new Argument('[machine]', 'which state machine').choices(MACHINES).default('provision'))
    .action(act(outcome, (machine: (typeof MACHINES)[number]) => diagram(io, machine)));
}

export async function run(argv: string[] = [], io: CliIo = PROCESS_IO): Promise<ExitCode> {
  const outcome: Outcome = { code: 0 };
  return runCommand(diagramCommand(io, outcome), argv, io, outcome);
}
