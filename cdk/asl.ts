/**
 * The state machine definition as the stack deploys it: the ASL file read as text, its `${Name}` placeholders
 * checked against the substitutions the stack provides. A placeholder without a value would deploy a state
 * machine whose Task points at the literal text `${...}`, which CloudFormation accepts and the first
 * execution fails on; so synth fails instead.
 */
import { readFileSync } from 'node:fs';

export class MissingSubstitutionError extends Error {
  constructor(readonly missing: string[], readonly aslPath: string) {
    super(
      `${aslPath} uses placeholder(s) with no substitution: ${missing.map((m) => '${' + m + '}').join(', ')}. ` +
        'Add the function to functions/catalog.ts (with `substitution`) or provide the value in the stack.',
    );
    this.name = 'MissingSubstitutionError';
  }
}

/** Names of the `${Name}` placeholders in a definition, each once, in order of appearance. */
export function placeholdersIn(definition: string): string[] {
  const names = new Set<string>();
  for (const match of definition.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)) names.add(match[1]);
  return [...names];
}

/** Reads the ASL, checks it is JSON and that every placeholder has a substitution. */
export function loadDefinition(aslPath: string, substitutionNames: Iterable<string>): string {
  const text = readFileSync(aslPath, 'utf8');
  JSON.parse(text); // a syntax error here is clearer than CloudFormation's later
  const provided = new Set(substitutionNames);
  const missing = placeholdersIn(text).filter((name) => !provided.has(name));
  if (missing.length > 0) throw new MissingSubstitutionError(missing, aslPath);
  return text;
}
