/**
 * A refused request, as data. `RequestRefused` (./errors) carries its problems as `{path, message}[]`; this
 * module writes them into the error's message and reads them back from whatever carries them afterwards.
 *
 * Why the message: Lambda's Node.js runtime reports a thrown error to Step Functions as
 * `{"errorType", "errorMessage", "trace"}` only (aws-lambda-nodejs-runtime-interface-client, Errors.js
 * `toRapidResponse`), so a field of the error object never reaches the execution's Cause. The message is
 * therefore a small JSON document, `{"refused": summary, "problems": [...]}`, and {@link refusalProblems} is
 * the one reader: the local runner, the CLI, the status endpoint and the notifier all use it.
 *
 * Step Functions keeps at most 32,768 characters of a Cause (API_TaskFailedEventDetails), and the message is
 * escaped once more inside it: a refusal keeps the problems that fit {@link REFUSAL_MESSAGE_BUDGET} and says
 * how many it left out, so what arrives is always whole JSON.
 */
import type { RequestProblem } from './request/contract';
import { redactText } from './redact';

export type { RequestProblem };

/** What a refusal says: one line of summary, then every problem with its field path. */
export interface Refusal {
  summary: string;
  problems: RequestProblem[];
}

/** The error name Step Functions matches; the Catch of the first state names it. */
export const REQUEST_REFUSED = 'RequestRefused';

/** Characters of message a refusal may use, leaving room for the Cause's own escaping and its stack trace. */
export const REFUSAL_MESSAGE_BUDGET = 12_000;

const encode = (summary: string, problems: RequestProblem[]) => JSON.stringify({ refused: summary, problems });

/**
 * The refusal as it travels: secret-free (every text through the one redactor) and within the budget. When the
 * problems do not all fit, the last one says how many were left out.
 */
export function encodeRefusal(summary: string, problems: RequestProblem[]): { message: string; refusal: Refusal } {
  const clean: Refusal = {
    summary: redactText(summary),
    problems: problems.map((p) => ({ path: redactText(String(p.path)), message: redactText(String(p.message)) })),
  };
  const leftOut = (count: number): RequestProblem => ({
    path: '(document)',
    message: `${count} more problem${count === 1 ? '' : 's'} not shown; fix these and send the request again`,
  });
  let kept = clean.problems;
  for (let shown = clean.problems.length - 1; shown >= 0 && encode(clean.summary, kept).length > REFUSAL_MESSAGE_BUDGET; shown--) {
    kept = [...clean.problems.slice(0, shown), leftOut(clean.problems.length - shown)];
  }
  const refusal = { summary: clean.summary, problems: kept };
  return { message: encode(refusal.summary, refusal.problems), refusal };
}

function isProblem(value: unknown): value is RequestProblem {
  const p = value as { path?: unknown; message?: unknown } | null;
  return typeof p === 'object' && p !== null && typeof p.path === 'string' && typeof p.message === 'string';
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The refusal in a refusal message, or in a Lambda Cause (`{"errorType", "errorMessage"}`) that carries one. */
function fromText(text: string, depth = 0): Refusal | undefined {
  const parsed = parseJson(text) as { refused?: unknown; problems?: unknown; errorType?: unknown; errorMessage?: unknown } | undefined;
  if (!parsed || typeof parsed !== 'object') return undefined;
  if (typeof parsed.refused === 'string' && Array.isArray(parsed.problems) && parsed.problems.every(isProblem)) {
    return { summary: parsed.refused, problems: parsed.problems.map(({ path, message }) => ({ path, message })) };
  }
  if (depth === 0 && parsed.errorType === REQUEST_REFUSED && typeof parsed.errorMessage === 'string') return fromText(parsed.errorMessage, 1);
  return undefined;
}

/**
 * The refusal, from what carries it: the error itself, the error as Lambda reported it (errorType and
 * errorMessage, as the local runner holds it), or the execution's Cause text. Undefined when it is not a
 * refusal. Decided by the error's name and the document's shape, never by words in a message.
 */
export function readRefusal(errorOrCause: unknown): Refusal | undefined {
  if (typeof errorOrCause === 'string') return fromText(errorOrCause);
  const e = errorOrCause as { name?: unknown; errorType?: unknown; message?: unknown; errorMessage?: unknown; summary?: unknown; problems?: unknown } | null;
  if (!e || typeof e !== 'object') return undefined;
  if (e.name !== REQUEST_REFUSED && e.errorType !== REQUEST_REFUSED) return undefined;
  if (typeof e.summary === 'string' && Array.isArray(e.problems) && e.problems.every(isProblem)) return { summary: e.summary, problems: e.problems };
  for (const text of [e.errorMessage, e.message]) {
    const found = typeof text === 'string' ? fromText(text) : undefined;
    if (found) return found;
  }
  return undefined;
}

/** The problems of a refusal (see {@link readRefusal}); undefined when it is not one. */
export function refusalProblems(errorOrCause: unknown): RequestProblem[] | undefined {
  return readRefusal(errorOrCause)?.problems;
}

/** A refusal as a person reads it: the summary, then one line per problem. */
export function formatRefusal(refusal: Refusal): string {
  const count = `${refusal.problems.length} problem${refusal.problems.length === 1 ? '' : 's'}`;
  return [`${refusal.summary} ${count}:`, ...refusal.problems.map((p) => `  - ${p.path}: ${p.message}`)].join('\n');
}
