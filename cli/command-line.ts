/**
 * What every command shares: its streams, the exit code its action sets, commander wired to those streams
 * (usage errors exit 2, help and --version exit 0), option-value parsers, and the one plain line a
 * configuration problem (AWS region, credentials, endpoint) prints instead of a stack trace.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';

export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

export const PROCESS_IO: CliIo = { out: process.stdout, err: process.stderr };

/** Exit status: 0 succeeded, 1 failed, 2 usage, refusal or configuration problem (nothing started). */
export type ExitCode = number;

/** Where an action leaves its exit code: commander's actions return nothing the caller can read. */
export interface Outcome {
  code: ExitCode;
}

/** A problem with the command line or the environment it reads, said in one line; exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The environment (AWS region, credentials, endpoint) is not usable: one plain line, exit 2. */
export class ConfigurationProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigurationProblem';
  }
}

/** The action of a command: its exit code lands in the outcome. */
export function act<Args extends unknown[]>(outcome: Outcome, body: (...args: Args) => Promise<ExitCode>): (...args: Args) => Promise<void> {
  return async (...args: Args) => {
    outcome.code = await body(...args);
  };
}

/** The full name of a command for messages: "aoai-link local serve". */
function pathOf(command: Command): string {
  const names: string[] = [];
  for (let at: Command | null = command; at; at = at.parent) names.unshift(at.name());
  return names.join(' ');
}

/**
 * Sends a command tree's help and errors to the given streams and makes commander throw instead of exiting.
 * Errors are prefixed with the command's own name, like the commands' other messages.
 */
export function wire(command: Command, io: CliIo): Command {
  command
    .exitOverride()
    .showHelpAfterError(`(run "${pathOf(command)} --help" for its usage)`)
    .configureOutput({
      writeOut: (text) => io.out.write(text),
      writeErr: (text) => io.err.write(text),
      outputError: (text, write) => write(`${pathOf(command)}: ${text.replace(/^error: /, '')}`),
    });
  for (const sub of command.commands) wire(sub, io);
  return command;
}

/**
 * Parses argv with the program's command tree; the exit code. A command given alone is run under a bare
 * `aoai-link` (argv then starts after the command's own name), so its messages carry the program's name.
 */
export async function runCommand(command: Command, argv: string[], io: CliIo, outcome: Outcome): Promise<ExitCode> {
  const alone = command.parent === null && command.name() !== PROGRAM_NAME;
  // Positional options, as in the program: what follows a command's name is that command's to parse.
  const root = alone ? new Command(PROGRAM_NAME).enablePositionalOptions().addCommand(command) : command;
  const words = alone ? [command.name(), ...argv] : argv;
  let acting: Command = root;
  root.hook('preAction', (_root, actionCommand) => {
    acting = actionCommand;
  });
  wire(root, io);
  try {
    await root.parseAsync(words, { from: 'user' });
    return outcome.code;
  } catch (error) {
    return exitCodeOf(error, pathOf(acting), io);
  }
}

export const PROGRAM_NAME = 'aoai-link';

/** The exit code of what an action or commander threw, after saying it on stderr. */
export function exitCodeOf(error: unknown, commandName: string, io: CliIo): ExitCode {
  if (error instanceof CommanderError) {
    // commander has already written the help, the version or the usage error.
    return error.exitCode === 0 ? 0 : 2;
  }
  if (error instanceof UsageError || error instanceof ConfigurationProblem) {
    io.err.write(`${commandName}: ${error.message}\n`);
    return 2;
  }
  const plain = plainConfigurationProblem(error);
  if (plain) {
    io.err.write(`${commandName}: ${plain}\n`);
    return 2;
  }
  const { name, message, stack } = error instanceof Error ? error : new Error(String(error));
  io.err.write(`${commandName}: ${name}: ${message.split('\n')[0]}\n`);
  if (process.env.AOAI_LINK_DEBUG) io.err.write(`${stack}\n`);
  else io.err.write('(set AOAI_LINK_DEBUG=1 to see where it happened)\n');
  return 1;
}

/** Network error codes of Node's sockets and DNS: the endpoint cannot be reached at all. */
const UNREACHABLE_CODES: Record<string, string> = {
  ECONNREFUSED: 'refuses connections',
  ECONNRESET: 'dropped the connection',
  ENOTFOUND: 'has a host name that does not resolve',
  EAI_AGAIN: 'has a host name that does not resolve right now',
  ETIMEDOUT: 'does not answer',
  EHOSTUNREACH: 'is unreachable',
  ENETUNREACH: 'is on an unreachable network',
  EPROTO: 'does not speak the expected protocol',
};

/** Service answers that mean the credentials themselves were not accepted (AWS's common errors, every service). */
const REJECTED_CREDENTIAL_NAMES = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'MissingAuthenticationToken',
]);

const PERMISSION_NAMES = new Set(['AccessDeniedException', 'AccessDenied', 'NotAuthorized', 'UnauthorizedOperation']);

const ENDPOINT_SETTINGS = 'check AWS_ENDPOINT_URL_SFN / AWS_ENDPOINT_URL, or unset them to use the region\'s endpoint';

/**
 * One line for an AWS configuration problem, classified by the error's name or code only (the SDK's words
 * change between versions; its names and Node's codes do not). Undefined for anything else.
 */
export function plainConfigurationProblem(error: unknown): string | undefined {
  if (!error || typeof error !== 'object') return undefined;
  const { name, code, address, port } = error as { name?: string; code?: string; address?: string; port?: number };
  if (name === 'CredentialsProviderError') {
    return 'no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  }
  if (name && REJECTED_CREDENTIAL_NAMES.has(name)) {
    return `AWS did not accept the credentials (${name}): check AWS_PROFILE or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, and that they are for this account`;
  }
  if (name && PERMISSION_NAMES.has(name)) {
    const said = (error as { message?: string }).message?.split('\n')[0];
    return `AWS refused the call (${name})${said ? `: ${said}` : ''}`;
  }
  if (code && UNREACHABLE_CODES[code]) {
    const where = address ? `${address}${port ? `:${port}` : ''}` : 'the Step Functions endpoint';
    return `cannot reach ${where}: it ${UNREACHABLE_CODES[code]} (${code}); ${ENDPOINT_SETTINGS}`;
  }
  if (name === 'TimeoutError') return `the Step Functions endpoint did not answer in time (${name}); ${ENDPOINT_SETTINGS}`;
  return undefined;
}

/** Resolves the client's region and credentials before any call, so a missing one is named, not a stack trace. */
export async function checkAwsConfiguration(client: { config: { region: () => Promise<string>; credentials: () => Promise<unknown> } }): Promise<void> {
  try {
    // The SDK says "missing region" with a plain Error and no code: the step that failed is what names it.
    await client.config.region();
  } catch {
    throw new ConfigurationProblem('no AWS region: set AWS_REGION (or AWS_PROFILE with a region in its profile)');
  }
  try {
    await client.config.credentials();
  } catch (error) {
    const plain = plainConfigurationProblem(error);
    if (plain) throw new ConfigurationProblem(plain);
    throw error;
  }
}

/** An option's value given once: a repeated option is refused rather than the last silently winning. */
export function once<T>(flag: string, read: (value: string) => T = (value) => value as unknown as T): (value: string, previous: T | undefined) => T {
  return (value, previous) => {
    if (previous !== undefined) throw new InvalidArgumentError(`${flag} given twice`);
    if (value === '' || value.startsWith('--')) throw new InvalidArgumentError(`${flag} needs a value`);
    return read(value);
  };
}

/** A whole number >= 0 (a seed, a count); `refusal` says what was expected. */
export function wholeNumber(refusal: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed)) throw new InvalidArgumentError(refusal);
    return parsed;
  };
}

/** Writes one JSON document, the whole of stdout in --json mode. */
export function writeJson(io: CliIo, document: unknown): void {
  io.out.write(`${JSON.stringify(document, null, 2)}\n`);
}

/** A stream that drops what it is given: progress goes here in --json mode. */
export const DISCARD: NodeJS.WritableStream = {
  write: () => true,
} as unknown as NodeJS.WritableStream;

export { Command, InvalidArgumentError, Option };
