/** `aoai-link diagram`: prints the Mermaid picture of statemachine/provision.asl.json, for the README. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { projectRoot } from '../local/runner/project';
import { mermaidFromAsl } from './diagram';

export async function run(): Promise<number> {
  const definition = JSON.parse(readFileSync(path.join(projectRoot(), 'statemachine', 'provision.asl.json'), 'utf8'));
  process.stdout.write(mermaidFromAsl(definition) + '\n');
  return 0;
}
