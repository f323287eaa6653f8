/**
 * The probe, run from inside the VPC as seed 000 section 4 does by hand: DNS (`dig`), TCP 443 (`nc -vz`), then
 * a chat completion (`curl`). Each check's result is reported; the Entra ID token is used and never returned.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import { rootCertificates } from 'node:tls';
import * as tls from 'node:tls';
import type { ProbeResult } from '../commons/workflow-data';
import type { ProbeNetwork } from './network';

export type { ProbeResult };

export interface ProbeInput {
  /** `<subdomain>.openai.azure.com` */
  host: string;
  deployment: string;
  /**
   * A short-lived Entra ID access token for the data plane (scope https://cognitiveservices.azure.com/.default),
   * obtained by the probe runner and handed over in the invocation only; never returned or logged.
   */
  token: string;
  /** The private endpoint's address: DNS must answer it, TCP goes to it. */
  expectedPrivateIp?: string;
  apiVersion?: string;
  timeoutMs?: number;
}

/** What the probe function is invoked with: a probe, or a warm-up that only wakes an Inactive function. */
export type ProbeEvent = ProbeInput | { warmUp: true };

export const isWarmUp = (event: ProbeEvent): event is { warmUp: true } => (event as { warmUp?: unknown }).warmUp === true;

const PRIVATE_RANGES = [/^10\./, /^172\.(1[6-9]|2\d|3[01])\./, /^192\.168\./];
export const isPrivateAddress = (ip: string) => PRIVATE_RANGES.some((range) => range.test(ip));

function requestOverSocket(socket: Socket, input: ProbeInput, extraCaPem: string | undefined, timeoutMs: number): Promise<{ status: number; body: string }> {
  const secure = tls.connect({ socket, servername: input.host, ca: extraCaPem ? [...rootCertificates, extraCaPem] : undefined });
  const apiVersion = input.apiVersion ?? '2024-10-21';
  const body = JSON.stringify({ messages: [{ role: 'user', content: 'Reply with the word pong.' }], max_tokens: 5 });
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: input.host,
        method: 'POST',
        path: `/openai/deployments/${encodeURIComponent(input.deployment)}/chat/completions?api-version=${apiVersion}`,
        headers: { host: input.host, authorization: `Bearer ${input.token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        createConnection: () => secure,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => {
          clearTimeout(deadline);
          resolve({ status: res.statusCode ?? 0, body: text });
        });
      },
    );
    // One deadline for handshake, request and answer. The request's own `timeout` option is never armed with
    // a createConnection socket (only an agent sets it on the socket), and a trickling answer would reset it.
    const deadline = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    req.end(body);
  });
}

/** The data plane answers `{error: {code, message}}`, or `{statusCode, message}` when it refuses a token. */
function apiError(body: string): { code?: string; message: string } {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string; code?: string }; message?: string };
    if (parsed.error) return { code: parsed.error.code, message: parsed.error.message ?? body.slice(0, 200) };
    return { message: parsed.message ?? body.slice(0, 200) };
  } catch {
    return { message: body.slice(0, 200) };
  }
}

export async function runProbe(input: ProbeInput, network: ProbeNetwork): Promise<ProbeResult> {
  const timeoutMs = input.timeoutMs ?? 5000;
  const result: ProbeResult = {
    dns: { ok: false, answers: [], detail: '' },
    tcp: { ok: false, detail: 'not tried' },
    api: { ok: false, detail: 'not tried' },
  };

  let resolved: string | undefined;
  try {
    const answer = await network.resolve(input.host);
    result.dns.answers = [...answer.cnames, ...answer.addresses];
    resolved = answer.addresses[0];
    const viaPrivateLink = answer.cnames.some((c) => c.includes('.privatelink.'));
    const expected = input.expectedPrivateIp ? answer.addresses.includes(input.expectedPrivateIp) : resolved !== undefined && isPrivateAddress(resolved);
    result.dns.ok = viaPrivateLink && expected;
    result.dns.detail = result.dns.ok
      ? `${input.host} resolves to the private endpoint ${resolved}`
      : `${input.host} resolves to ${resolved ?? 'nothing'}${input.expectedPrivateIp ? `, not the private endpoint ${input.expectedPrivateIp}` : ''}: the query did not reach the Azure private zone`;
  } catch (error) {
    result.dns.detail = `DNS lookup of ${input.host} failed: ${(error as Error).message}`;
  }

  // TCP goes to the private endpoint even when DNS is wrong, so the network path is judged on its own.
  const target = input.expectedPrivateIp ?? (resolved && isPrivateAddress(resolved) ? resolved : undefined);
  if (!target) {
    result.tcp.detail = 'no private address to connect to';
    return result;
  }
  const started = Date.now();
  let socket: Socket;
  try {
    socket = await network.connect(target, 443, timeoutMs);
    result.tcp = { ok: true, address: target, milliseconds: Date.now() - started, detail: `connected to ${target}:443` };
  } catch (error) {
    result.tcp = { ok: false, address: target, detail: `TCP 443 to ${target} failed: ${(error as Error).message}` };
    return result;
  }

  try {
    const answer = await requestOverSocket(socket, input, network.extraCaPem, timeoutMs);
    if (answer.status === 200) {
      result.api = { ok: true, status: 200, detail: `chat completions answered for deployment ${input.deployment}` };
    } else {
      const refused = apiError(answer.body);
      result.api = { ok: false, status: answer.status, ...(refused.code ? { code: refused.code } : {}), detail: `HTTP ${answer.status}: ${refused.message}` };
    }
  } catch (error) {
    result.api = { ok: false, detail: `the API call failed: ${(error as Error).message}` };
  } finally {
    socket.destroy();
  }
  return result;
}

/** The probe function's entry: a warm-up returns at once (it only wakes the function); anything else is a probe. */
export async function handleProbeEvent(event: ProbeEvent, network: ProbeNetwork): Promise<ProbeResult | { warmedUp: true }> {
  if (isWarmUp(event)) return { warmedUp: true };
  return runProbe(event, network);
}
