/**
 * One HTTP(S) POST of a JSON body with bounded retries and exponential backoff. Uses node:http(s) rather than
 * fetch so an extra CA (a TLS-inspecting proxy, local mode) can be trusted without touching global settings.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { rootCertificates } from 'node:tls';
import { CALLBACK_ADDRESS_REFUSED, type RequestLookup } from '../commons/callback-url';

export class CallbackFailed extends Error {
  constructor(message: string, readonly attempts: number, readonly lastStatus?: number) {
    super(message);
    this.name = 'CallbackFailed';
  }
}

export interface PostOptions {
  /** Total attempts, first included. */
  maxAttempts?: number;
  /** First backoff; doubles each retry. */
  baseDelayMs?: number;
  timeoutMs?: number;
  /** Extra CA certificate(s) to trust, PEM. */
  extraCaPem?: string;
  sleep?: (ms: number) => Promise<void>;
  /** Resolves the host for the socket and may refuse the answer (code ECALLBACKADDRESS): no retry then. */
  lookup?: RequestLookup;
}

export interface PostResult {
  status: number;
  attempts: number;
}

function postOnce(url: URL, body: string, headers: Record<string, string>, options: PostOptions): Promise<number> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = transport.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
        timeout: options.timeoutMs ?? 10_000,
        ...(options.lookup ? { lookup: options.lookup as never } : {}),
        ...(url.protocol === 'https:' && options.extraCaPem ? { ca: [...rootCertificates, options.extraCaPem] } : {}),
      },
      (response) => {
        response.resume(); // the answer's body is not needed; drain it so the socket is released
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
    request.end(body);
  });
}

/** Retries network errors, timeouts, 408, 429 and 5xx; any other 4xx is final (retrying cannot fix it). */
export async function postJsonWithRetries(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: PostOptions = {},
): Promise<PostResult> {
  const maxAttempts = options.maxAttempts ?? 5;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const target = new URL(url);
  let lastProblem = '';
  let lastStatus: number | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    try {
      const status = await postOnce(target, body, headers, options);
      if (status >= 200 && status < 300) return { status, attempts: attempt };
      lastStatus = status;
      lastProblem = `HTTP ${status}`;
      if (status < 500 && status !== 408 && status !== 429) {
        throw new CallbackFailed(`Callback refused with HTTP ${status}.`, attempt, status);
      }
    } catch (error) {
      if (error instanceof CallbackFailed) throw error;
      // The address check refused where the name leads: asking again cannot make it public.
      if ((error as NodeJS.ErrnoException).code === CALLBACK_ADDRESS_REFUSED) throw new CallbackFailed((error as Error).message, attempt);
      lastProblem = (error as Error).message;
    }
    if (attempt < maxAttempts) await sleep((options.baseDelayMs ?? 1_000) * 2 ** (attempt - 1));
  }
  throw new CallbackFailed(`Callback failed after ${maxAttempts} attempts: ${lastProblem}.`, maxAttempts, lastStatus);
}
