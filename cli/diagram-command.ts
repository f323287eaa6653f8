/** `aoai-link diagram`: prints the Mermaid picture of statemachine/provision.asl.json, for the README. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../local/runner/project';
import { Command, PROCESS_IO, act, runCommand, type CliIo, type ExitCode, type Outcome } from './command-line';
import { mermaidFromAsl } from './diagram';

async function diagram(io: CliIo): Promise<ExitCode> {
  const definition = JSON.parse(readFileSync(path.join(projectRoot(), 'statemachine', 'provision.asl.json'), 'utf8'));
  io.out.write(mermaidFromAsl(definition) + '\n');
  return 0;
}

export function diagramCommand(io: CliIo, outcome: Outcome): Command {
  return new Command('diagram')
    .description('print the Mermaid diagram of the state machine (as in the README)')
    .action(act(outcome, () => diagram(io)));
}

export async function run(argv: string[] = [], io: CliIo = PROCESS_IO): Promise<ExitCode> {
  const outcome: Outcome = { code: 0 };
  return runCommand(diagramCommand(io, outcome), argv, io, outcome);
}
