/**
 * The one reader of the functions' environment. What each function reads is declared in its catalog entry
 * (functions/catalog.ts); the stack and the local runner fill that declaration. A function checks its required
 * variables when it builds its clients, so a missing one stops it with the variable's name instead of a
 * request to an empty ARN.
 */
import { functionDefinition, variablesOf } from '../catalog';

export class ConfigurationError extends Error {
  /** `invalid`: a variable that is set but whose value does not parse, and why (`missing` is then empty). */
  constructor(
    readonly missing: string[],
    functionId?: string,
    readonly invalid?: { name: string; problem: string },
  ) {
    super(
      `${functionId ? `${functionId}: ` : ''}` +
        (invalid
          ? `the environment variable ${invalid.name} is not valid: ${invalid.problem}`
          : `the environment variable${missing.length === 1 ? '' : 's'} ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set`) +
        ' (see its catalog entry, functions/catalog.ts)',
    );
    this.name = 'ConfigurationError';
  }
}

/** A variable that must be set (non-empty). */
export function requiredSetting(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (!value) throw new ConfigurationError([name]);
  return value;
}

/** A variable that may be absent; empty counts as absent. */
export function optionalSetting(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[name] || undefined;
}

/**
 * An optional variable read through `parse`; empty counts as absent. A value `parse` rejects with a RangeError
 * is a ConfigurationError naming the variable.
 */
export function parsedSetting<T>(name: string, parse: (text: string) => T, env: NodeJS.ProcessEnv = process.env): T | undefined {
  const text = optionalSetting(name, env);
  if (text === undefined) return undefined;
  try {
    return parse(text);
  } catch (error) {
    if (error instanceof RangeError) throw new ConfigurationError([], undefined, { name, problem: error.message });
    throw error;
  }
}

/** Every required variable of the catalog function `functionId`, or a ConfigurationError naming all that are missing. */
export function checkConfiguration(functionId: string, env: NodeJS.ProcessEnv = process.env): void {
  const missing = variablesOf(functionDefinition(functionId))
    .filter((variable) => variable.required && !env[variable.name])
    .map((variable) => variable.name);
  if (missing.length) throw new ConfigurationError(missing, functionId);
}

/** The required variables of `functionId`, by name (checked first). */
export function functionSettings<Name extends string>(functionId: string, names: readonly Name[], env: NodeJS.ProcessEnv = process.env): Record<Name, string> {
  checkConfiguration(functionId, env);
  return Object.fromEntries(names.map((name) => [name, requiredSetting(name, env)])) as Record<Name, string>;
}
