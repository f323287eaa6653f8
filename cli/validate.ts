/**
 * `aoai-link validate REQUEST [--json]`: the static checks of the request (schema, syntax, limits), every
 * problem at once, without any cloud. Exit 0 valid, 2 problems (or usage). The cloud checks (the VPC exists,
 * prefixes fit the VNet) run as the workflow's first state.
 */
import { readFileSync } from 'node:fs';
import { executionName, requestHash } from '../functions/commons/naming';
import type { EnvironmentRequest, RequestProblem } from '../functions/commons/request/contract';
import { formatProblems, parseRequestText } from '../functions/commons/request/schema';
import { Command, PROCESS_IO, act, runCommand, writeJson, type CliIo, type ExitCode, type Outcome } from './command-line';

export type LoadedRequest =
  | { ok: true; request: EnvironmentRequest; name: string }
  | { ok: false; message: string; problems: RequestProblem[] };

/** Reads and checks a request file; the message lists every problem. Shared with `start`. */
export function loadRequest(file: string): LoadedRequest {
  let text: Buffer;
  try {
    text = readFileSync(file === '-' ? 0 : file);
  } catch (error) {
    const message = `cannot read ${file}: ${(error as Error).message}`;
    return { ok: false, message, problems: [{ path: '(file)', message }] };
  }
  const parsed = parseRequestText(text);
  if (!parsed.ok) {
    return { ok: false, message: `${file}: ${parsed.problems.length} problem(s)\n${formatProblems(parsed.problems)}`, problems: parsed.problems };
  }
  return { ok: true, request: parsed.request, name: executionName(parsed.request.environmentId, requestHash(parsed.request)) };
}

async function validate(file: string, json: boolean, io: CliIo): Promise<ExitCode> {
  const loaded = loadRequest(file);
  if (json) {
    writeJson(
      io,
      loaded.ok
        ? { file, valid: true, environmentId: loaded.request.environmentId, executionName: loaded.name, problems: [] }
        : { file, valid: false, problems: loaded.problems },
    );
    return loaded.ok ? 0 : 2;
  }
  if (!loaded.ok) {
    io.err.write(`${loaded.message}\n`);
    return 2;
  }
  io.out.write(`${file}: valid request for environment ${loaded.request.environmentId} (execution name ${loaded.name})\n`);
  return 0;
}

export function validateCommand(io: CliIo, outcome: Outcome): Command {
  return new Command('validate')
    .description('check an environment request without starting anything (no cloud needed)')
    .argument('<REQUEST.json>', 'the request file; - reads standard input')
    .option('--json', 'print {file, valid, environmentId, executionName, problems} as JSON')
    .addHelpText('after', '\nExit status: 0 valid, 2 problems (every one listed) or bad arguments.\n')
    .action(act(outcome, (file: string, flags: { json?: boolean }) => validate(file, flags.json === true, io)));
}

export async function run(argv: string[], io: CliIo = PROCESS_IO): Promise<ExitCode> {
  const outcome: Outcome = { code: 0 };
  return runCommand(validateCommand(io, outcome), argv, io, outcome);
}
