/** Toy state machines and handlers for the runner's tests: no emulated cloud involved. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Definition } from '../../local/runner/definition';
import { substitutePlaceholders } from '../../local/runner/definition';

export const toyArn = (name: string) => `arn:aws:lambda:ap-northeast-1:123456789012:function:toy-${name}`;

/** Reads a fixture and substitutes `${XFunctionArn}` with the toy ARN of X. */
export function toyDefinition(file: string, names: string[]): Definition {
  const text = readFileSync(path.join(__dirname, 'fixtures', file), 'utf8');
  const values = Object.fromEntries(names.map((n) => [`${n}FunctionArn`, toyArn(n)]));
  return JSON.parse(substitutePlaceholders(text, values)) as Definition;
}

export class ResourceNotReady extends Error {
  override name = 'ResourceNotReady';
}

export class TransientCloudError extends Error {
  override name = 'TransientCloudError';
}

export class RequestRefused extends Error {
  override name = 'RequestRefused';
}
