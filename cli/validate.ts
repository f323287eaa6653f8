/**
 * `aoai-link validate REQUEST`: the static checks of the request (schema, syntax, limits), every problem at
 * once, without any cloud. Exit 0 valid, 2 problems (or usage). The cloud checks (the VPC exists, prefixes
 * fit the VNet) run as the workflow's first state.
 */
import { readFileSync } from 'node:fs';
import { executionName, requestHash } from '../functions/commons/naming';
import { formatProblems, parseRequestText, type EnvironmentRequest } from '../functions/commons/request';
import { CliIo, PROCESS_IO, UsageError } from './sfn';

export const VALIDATE_USAGE = 'usage: aoai-link validate REQUEST.json   (- reads standard input)';

export type LoadedRequest = { ok: true; request: EnvironmentRequest; name: string } | { ok: false; message: string };

/** Reads and checks a request file; the message lists every problem. Shared with `start`. */
export function loadRequest(file: string): LoadedRequest {
  let text: Buffer;
  try {
    text = readFileSync(file === '-' ? 0 : file);
  } catch (error) {
    return { ok: false, message: `cannot read ${file}: ${(error as Error).message}` };
  }
  const parsed = parseRequestText(text);
  if (!parsed.ok) {
    return { ok: false, message: `${file}: ${parsed.problems.length} problem(s)\n${formatProblems(parsed.problems)}` };
  }
  return { ok: true, request: parsed.request, name: executionName(parsed.request.environmentId, requestHash(parsed.request)) };
}

export async function run(argv: string[], io: CliIo = PROCESS_IO): Promise<number> {
  try {
    const files = argv.filter((arg) => arg === '-' || !arg.startsWith('-'));
    if (files.length !== 1 || argv.length !== 1) throw new UsageError(VALIDATE_USAGE);
    const loaded = loadRequest(files[0]);
    if (!loaded.ok) {
      io.err.write(`${loaded.message}\n`);
      return 2;
    }
    io.out.write(`${files[0]}: valid request for environment ${loaded.request.environmentId} (execution name ${loaded.name})\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
