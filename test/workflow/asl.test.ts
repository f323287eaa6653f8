/**
 * The provisioning state machine's definition: valid for both offline validators, JSONPath only, every Task a
 * catalog function with retries that end in States.ALL, every poll loop bounded, and the README's picture
 * generated from it.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LAMBDAS } from '../../functions/catalog';
import { localFunctionArn } from '../../local/runner/lambdas';
import { TERMINAL_ERRORS } from '../../functions/commons/errors';
import { mermaidFromAsl } from '../../cli/diagram';

const root = path.join(__dirname, '..', '..');
const text = readFileSync(path.join(root, 'statemachine', 'provision.asl.json'), 'utf8');
const definition = JSON.parse(text);

function substituted(): any {
  return JSON.parse(
    text.replace(/\$\{(\w+)\}/g, (match, name) => {
      const fn = LAMBDAS.find((l) => l.substitution === name);
      if (!fn) throw new Error(`unknown placeholder ${match}`);
      return localFunctionArn(fn);
    }),
  );
}

interface Visited {
  name: string;
  state: any;
}

function allStates(machine: any, out: Visited[] = []): Visited[] {
  for (const [name, state] of Object.entries<any>(machine.States)) {
    out.push({ name, state });
    for (const branch of state.Branches ?? []) allStates(branch, out);
  }
  return out;
}

const states = allStates(definition);

describe('provision.asl.json', () => {
  it('passes asl-validator with ARN and path checks', () => {
    // asl-validator ships no type declarations.
    const validator = require('asl-validator') as (definition: unknown, options: object) => { isValid: boolean; errors: unknown[] };
    const result = validator(substituted(), { checkArn: true, checkPaths: true });
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('passes @wmfs/statelint', () => {
    const lint = require('@wmfs/statelint')();
    expect(lint.validate(substituted())).toEqual([]);
  });

  it('is written in JSONPath: no JSONata, no Assign, no Arguments/Output (the local interpreter ignores them)', () => {
    expect(text).not.toMatch(/"(QueryLanguage|Assign|Arguments|Output)"/);
  });

  it('uses only placeholders the catalog substitutes, and every catalog function a state machine calls is used by this one or the teardown', () => {
    const placeholdersOf = (asl: string) => new Set([...asl.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    const placeholders = placeholdersOf(text);
    const teardown = placeholdersOf(readFileSync(path.join(root, 'statemachine', 'teardown.asl.json'), 'utf8'));
    const known = new Set(LAMBDAS.map((l) => l.substitution).filter(Boolean));
    expect([...placeholders, ...teardown].filter((p) => !known.has(p))).toEqual([]);
    expect([...known].filter((k) => !placeholders.has(k!) && !teardown.has(k!))).toEqual([]);
    // The two machines call different functions: a provisioning role never gets a teardown's deletes.
    expect([...placeholders].filter((p) => teardown.has(p))).toEqual([]);
  });

  it('has unique state names that read as sentences', () => {
    const names = states.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) {
      expect(name).toMatch(/^[A-Z][^\s]*( [^\s]+){2,}/); // capitalised, three words or more
      expect(name).not.toMatch(/[A-Z][a-z]+[A-Z][a-z]+[A-Z]/); // no CamelCaseIdentifiers
    }
  });

  it.each(states.filter((s) => s.state.Type === 'Task').map((s) => [s.name, s.state]))('Task "%s" retries transient faults, fails fast on terminal errors, and ends with States.ALL', (_name, state: any) => {
    const retry: any[] = state.Retry;
    expect(retry[0].ErrorEquals).toContain('TransientCloudError');
    expect(retry[0].JitterStrategy).toBe('FULL');
    expect(retry[0].BackoffRate).toBeGreaterThan(1);
    const terminal = retry.find((r) => r.MaxAttempts === 0);
    expect(terminal.ErrorEquals).toEqual(expect.arrayContaining(TERMINAL_ERRORS));
    expect(retry[retry.length - 1].ErrorEquals).toEqual(['States.ALL']);
    expect(state.TimeoutSeconds).toBeGreaterThan(0);
  });

  it('bounds the gateway wait at 90 minutes and the tunnel wait at 30 minutes', () => {
    const byName = Object.fromEntries(states.map((s) => [s.name, s.state]));
    const gatewayBound =
      byName['Wait 30 minutes for the gateway build'].Seconds +
      byName['Check whether the VPN gateway is ready'].Parameters.maxAttempts * byName['Wait 30 seconds more for the VPN gateway'].Seconds;
    expect(gatewayBound).toBe(90 * 60);
    const tunnelBound =
      byName['Wait for the tunnels to come up (about 2 minutes)'].Seconds +
      byName['Check both ends of each tunnel'].Parameters.maxAttempts * byName['Wait 15 seconds more for the tunnels'].Seconds;
    expect(tunnelBound).toBeGreaterThanOrEqual(30 * 60);
    expect(tunnelBound).toBeLessThanOrEqual(31 * 60);
  });

  it('never passes a secret through the state: only ARNs of the tunnel keys', () => {
    expect(text).not.toMatch(/PreSharedKey|sharedKey|apiKey|api-key|SecretString|clientSecret/i);
    expect(text).toMatch(/pskSecretArns/);
  });

  it('is drawn in the README by the diagram generated from it', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const block = readme.match(/```mermaid\n([\s\S]*?)\n```/);
    expect(block?.[1]).toBe(mermaidFromAsl(definition));
  });

  it('has the teardown machine drawn beside it, in the README section on teardown, from its own ASL', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('\n## Teardown\n'));
    const block = section.match(/```mermaid\n([\s\S]*?)\n```/);
    const teardown = JSON.parse(readFileSync(path.join(root, 'statemachine', 'teardown.asl.json'), 'utf8'));
    expect(block?.[1]).toBe(mermaidFromAsl(teardown));
  });
});
