/**
 * The ticket callback's POST: attempts are bounded (the default and a given bound), the backoff doubles from
 * its base, only network errors, timeouts, 408, 429 and 5xx are retried, a refused address is final at once,
 * and what is sent is the body and headers given. Every listener is on 127.0.0.1.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { CALLBACK_ADDRESS_REFUSED, guardedLookup } from '../../functions/commons/callback-url';
import { loopbackAllowance } from '../support/callback-allowance';
import { CallbackFailed, postJsonWithRetries } from '../../functions/notify-ticket/post';
import { createLocalTls, type LocalTls } from '../../local/azure/tls';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { verifySignature } from '../../functions/commons/signature';
import { CallbackRefused, notifyTicket } from '../../functions/notify-ticket/notify';
import type { LocalStepFunctions } from '../../local/stepfunctions/server';
import { startHarness, type Harness } from '../local-aws/helpers';
import { startTestPublicDns, type TestPublicDns } from '../support/public-dns';
import { ManualBackend, SECRET, STATE_MACHINE_ARN, localSfn, sampleRequest } from './support';
import { lambdaContext } from '../support/lambda-context';
import { logLines } from '../support/log-lines';

interface Received {
  method?: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface Listener {
  url: string;
  port: number;
  received: Received[];
  /** Status codes to answer, in order; then `fallback`. */
  answers: number[];
  fallback: number;
  /** When set, requests are read and never answered. */
  silent: boolean;
  close(): Promise<void>;
}

async function listen(make: (handler: (request: IncomingMessage, response: import('node:http').ServerResponse) => void) => Server, scheme: 'http' | 'https'): Promise<Listener> {
  const sockets = new Set<Socket>();
  const state: Listener = { url: '', port: 0, received: [], answers: [], fallback: 200, silent: false, close: async () => undefined };
  const server = make((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      state.received.push({ method: request.method, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (state.silent) return;
      // A body in the answer: the client must drain it before the request counts as answered.
      response.writeHead(state.answers.shift() ?? state.fallback, { 'Content-Type': 'text/plain' }).end('answer body '.repeat(2000));
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.url = `${scheme}://127.0.0.1:${state.port}/hooks/OPS-1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return state;
}

let listener: Listener;
beforeEach(async () => {
  listener = await listen((handler) => createHttpServer(handler), 'http');
});
afterEach(() => listener.close());

/** Records the backoff asked for instead of waiting it out. */
function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
}

async function failure(promise: Promise<unknown>): Promise<CallbackFailed> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CallbackFailed);
  return error as CallbackFailed;
}

describe('the bound', () => {
  test('by default five attempts in all, then it gives up; the backoff doubles from one second', async () => {
    listener.fallback = 503;
    const { sleep, delays } = recordingSleep();
    const error = await failure(postJsonWithRetries(listener.url, '{}', {}, { sleep }));
    expect(listener.received).toHaveLength(5);
    expect(error.attempts).toBe(5);
    expect(error.lastStatus).toBe(503);
    expect(error.message).toMatch(/after 5 attempts: HTTP 503/);
    expect(delays).toEqual([1000, 2000, 4000, 8000]);
  });

  test.each([1, 2, 3])('a bound of %i is exactly that many attempts', async (maxAttempts) => {
    listener.fallback = 500;
    const { sleep, delays } = recordingSleep();
    const error = await failure(postJsonWithRetries(listener.url, '{}', {}, { sleep, maxAttempts, baseDelayMs: 7 }));
    expect(listener.received).toHaveLength(maxAttempts);
    expect(error.attempts).toBe(maxAttempts);
    expect(delays).toEqual([7, 14, 28].slice(0, maxAttempts - 1));
  });

  test('success on the last allowed attempt counts its attempts', async () => {
    listener.answers = [502, 504];
    const { sleep, delays } = recordingSleep();
    expect(await postJsonWithRetries(listener.url, '{}', {}, { sleep, maxAttempts: 3, baseDelayMs: 5 })).toEqual({ status: 200, attempts: 3 });
    expect(delays).toEqual([5, 10]);
  });

  test('the default wait really waits', async () => {
    listener.answers = [503];
    const started = Date.now();
    expect(await postJsonWithRetries(listener.url, '{}', {}, { maxAttempts: 2, baseDelayMs: 200 })).toEqual({ status: 200, attempts: 2 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });
});

describe('what is retried', () => {
  test.each([
    [408, true],
    [429, true],
    [500, true],
    [599, true],
    [300, false],
    [308, false],
    [400, false],
    [401, false],
    [404, false],
    [409, false],
    [499, false],
  ])('HTTP %i retried: %s', async (status, retried) => {
    listener.answers = [status];
    const { sleep } = recordingSleep();
    const outcome = postJsonWithRetries(listener.url, '{}', {}, { sleep, maxAttempts: 3, baseDelayMs: 1 });
    if (retried) {
      expect(await outcome).toEqual({ status: 200, attempts: 2 });
    } else {
      const error = await failure(outcome);
      expect([error.attempts, error.lastStatus]).toEqual([1, status]);
      expect(error.message).toContain(`HTTP ${status}`);
    }
  });

  test.each([200, 201, 202, 204, 299])('HTTP %i is delivered', async (status) => {
    listener.answers = [status];
    expect(await postJsonWithRetries(listener.url, '{}', {}, { maxAttempts: 1 })).toEqual({ status, attempts: 1 });
  });

  test('a refused connection is retried, and the last problem is reported', async () => {
    const port = listener.port;
    await listener.close();
    const { sleep, delays } = recordingSleep();
    const error = await failure(postJsonWithRetries(`http://127.0.0.1:${port}/x`, '{}', {}, { sleep, maxAttempts: 3, baseDelayMs: 2 }));
    expect(error.attempts).toBe(3);
    expect(error.lastStatus).toBeUndefined();
    expect(error.message).toMatch(/after 3 attempts: .*ECONNREFUSED/);
    expect(delays).toEqual([2, 4]);
  });

  test('a listener that never answers times out, is retried, and is bounded too', async () => {
    listener.silent = true;
    const { sleep } = recordingSleep();
    const error = await failure(postJsonWithRetries(listener.url, '{}', {}, { sleep, maxAttempts: 2, timeoutMs: 150 }));
    expect(listener.received).toHaveLength(2);
    expect(error.message).toMatch(/after 2 attempts: timed out/);
  });

  test('an address the lookup hook refuses is final at the first attempt, and nothing is sent', async () => {
    const { sleep, delays } = recordingSleep();
    const lookup = guardedLookup({ resolveHost: async () => ['169.254.169.254'] }, listener.port);
    const error = await failure(postJsonWithRetries(`http://tickets.example.com:${listener.port}/x`, '{}', {}, { sleep, lookup, maxAttempts: 4 }));
    expect(error.attempts).toBe(1);
    expect(error.message).toMatch(/now resolves to 169\.254\.169\.254/);
    expect(delays).toEqual([]);
    expect(listener.received).toHaveLength(0);
    expect(CALLBACK_ADDRESS_REFUSED).toBe('ECALLBACKADDRESS');
  });

  test('a lookup failure that is not a refusal is retried', async () => {
    const { sleep } = recordingSleep();
    let asked = 0;
    const lookup = guardedLookup(
      {
        resolveHost: async () => {
          asked += 1;
          if (asked === 1) throw Object.assign(new Error('resolver timed out'), { code: 'ETIMEOUT' });
          return ['127.0.0.1'];
        },
        allowance: loopbackAllowance(listener.port),
      },
      listener.port,
    );
    expect(await postJsonWithRetries(`http://tickets.example.com:${listener.port}/x`, '{}', {}, { sleep, lookup, maxAttempts: 3 })).toEqual({ status: 200, attempts: 2 });
    expect(listener.received[0].headers.host).toBe(`tickets.example.com:${listener.port}`);
  });
});

describe('what is sent', () => {
  test('a POST of the body as given, with its headers, JSON content type and byte length', async () => {
    const body = JSON.stringify({ note: '東京リージョン', status: 'SUCCEEDED' });
    await postJsonWithRetries(listener.url, body, { 'X-Signature': 'sha256=abc', 'X-Signature-Timestamp': '1' }, { maxAttempts: 1 });
    const [request] = listener.received;
    expect(request.method).toBe('POST');
    expect(request.body).toBe(body);
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(request.headers['x-signature']).toBe('sha256=abc');
    expect(request.headers['x-signature-timestamp']).toBe('1');
  });
});

describe('https', () => {
  let tls: LocalTls;
  let secure: Listener;
  beforeAll(async () => {
    tls = await createLocalTls();
  });
  beforeEach(async () => {
    secure = await listen((handler) => createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, handler), 'https');
  });
  afterEach(() => secure.close());

  test('the extra CA is trusted; without it the certificate is refused (and that is retried, bounded)', async () => {
    expect(await postJsonWithRetries(secure.url, '{}', {}, { extraCaPem: tls.caPem, maxAttempts: 1 })).toEqual({ status: 200, attempts: 1 });
    const { sleep } = recordingSleep();
    const error = await failure(postJsonWithRetries(secure.url, '{}', {}, { sleep, maxAttempts: 2 }));
    expect(error.attempts).toBe(2);
    expect(secure.received).toHaveLength(1);
  });
});

describe('the notifier Lambda, wired from its environment', () => {
  // The handler builds its clients from the environment, as in Lambda; here the environment points them at the
  // local Step Functions and Secrets Manager on 127.0.0.1, and its callback settings at a test DNS, with 127.0.0.1
  // allowed (CALLBACK_DNS_SERVERS, CALLBACK_ALLOWED_NETWORKS) as an operator would set them.
  let tls: LocalTls;
  let secure: Listener;
  let aws: Harness;
  let stepFunctions: LocalStepFunctions;
  let sfn: SFNClient;
  let backend: ManualBackend;
  let publicDns: TestPublicDns;
  let caFile: string;
  const saved: Record<string, string | undefined> = {};
  const setEnv = (values: Record<string, string | undefined>) => {
    for (const [key, value] of Object.entries(values)) {
      if (!(key in saved)) saved[key] = process.env[key];
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };

  beforeAll(async () => {
    tls = await createLocalTls();
    caFile = path.join(mkdtempSync(path.join(tmpdir(), 'notify-ca-')), 'ca.pem');
    writeFileSync(caFile, tls.caPem);
  });
  beforeEach(async () => {
    secure = await listen((handler) => createHttpsServer({ cert: tls.certPem, key: tls.keyPem }, handler), 'https');
    aws = await startHarness();
    backend = new ManualBackend();
    ({ server: stepFunctions, sfn } = await localSfn(backend));
    publicDns = await startTestPublicDns({ 'management.azure.com': ['127.0.0.1'] });
    const signing = await aws.secrets.send(new CreateSecretCommand({ Name: 'aoai-link/webhook-signing', SecretString: SECRET }));
    setEnv({
      AWS_REGION: 'ap-northeast-1',
      AWS_ACCESS_KEY_ID: 'AKIATESTLOCAL0000000',
      AWS_SECRET_ACCESS_KEY: 'test-secret-access-key',
      AWS_ENDPOINT_URL_SFN: stepFunctions.endpoint,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint,
      SIGNING_SECRET_ARN: signing.ARN,
      EXTRA_CA_PEM_FILE: caFile,
      CALLBACK_ALLOWED_NETWORKS: '127.0.0.1/32',
      CALLBACK_DNS_SERVERS: publicDns.address,
    });
  });
  afterEach(async () => {
    setEnv(saved);
    for (const key of Object.keys(saved)) delete saved[key];
    await publicDns.close();
    sfn.destroy();
    await stepFunctions.close();
    await aws.close();
    await secure.close();
  });

  async function endedWith(input: unknown, end: Parameters<ManualBackend['finish']>[1]) {
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: `aoai-prod-01-run-${Date.now()}`, input: JSON.stringify(input) }));
    backend.finish(executionArn!, end);
    return { 'detail-type': 'Step Functions Execution Status Change', detail: { executionArn: executionArn!, status: end.status } };
  }

  /** A fresh handler module: its clients and its callback checks read the environment when first used. */
  function loadHandler(): typeof import('../../functions/notify-ticket/handler').handler {
    let handler: typeof import('../../functions/notify-ticket/handler').handler | undefined;
    jest.isolateModules(() => {
      handler = require('../../functions/notify-ticket/handler').handler;
    });
    return handler!;
  }

  test('delivered: signed with the secret from Secrets Manager, over TLS trusted through EXTRA_CA_PEM_FILE, logged without secrets', async () => {
    const request = sampleRequest();
    request.ticket.callbackUrl = `https://management.azure.com:${secure.port}/hooks/OPS-1234`;
    const event = await endedWith(request, { status: 'SUCCEEDED', output: JSON.stringify({ endpoint: 'x', sharedKey: 'never-this' }) });
    const handler = loadHandler();
    let outcome: unknown;
    const logged = await logLines(async () => {
      outcome = await handler(event, lambdaContext('aoai-link-notify-ticket', 'req-notify-1'));
    });
    expect(outcome).toEqual({ notified: true, attempts: 1 });
    expect(secure.received).toHaveLength(1);
    const [{ body, headers }] = secure.received;
    expect(() => verifySignature({ secret: SECRET, body, timestamp: String(headers['x-signature-timestamp']), signature: String(headers['x-signature']) })).not.toThrow();
    expect(JSON.parse(body)).toMatchObject({ environmentId: 'aoai-prod-01', ticketId: 'OPS-1234', status: 'SUCCEEDED', summary: { endpoint: 'x', sharedKey: '[redacted]' } });
    const line = { level: 'INFO', service: 'notify-ticket', function_name: 'aoai-link-notify-ticket', function_request_id: 'req-notify-1', executionArn: event.detail.executionArn };
    expect(logged).toEqual([
      expect.objectContaining({ ...line, message: 'callback answered', status: 200, attempts: 1 }),
      expect.objectContaining({ ...line, message: 'event handled', notified: true, attempts: 1 }),
    ]);
    expect(JSON.stringify(logged)).not.toContain(SECRET);
  });

  test('no callback: nothing sent, the reason logged and returned', async () => {
    const request = sampleRequest();
    delete request.ticket;
    const event = await endedWith(request, { status: 'FAILED', error: 'E', cause: 'c' });
    const handler = loadHandler();
    let outcome: unknown;
    const logged = await logLines(async () => {
      outcome = await handler(event, lambdaContext('aoai-link-notify-ticket'));
    });
    expect(outcome).toEqual({ notified: false, reason: expect.any(String) });
    expect(logged).toEqual([
      expect.objectContaining({ level: 'INFO', message: 'event handled', executionArn: event.detail.executionArn, notified: false, reason: (outcome as { reason: string }).reason }),
    ]);
    expect(secure.received).toHaveLength(0);
  });

  test('the configured checks apply when none are passed: a callback name pointing inside is refused before anything is sent', async () => {
    publicDns.records.set('tickets.example.com', ['10.1.2.3']);
    const request = sampleRequest();
    request.ticket.callbackUrl = `https://tickets.example.com:${secure.port}/hooks/OPS-1234`;
    const event = await endedWith(request, { status: 'SUCCEEDED', output: '{}' });
    const error = await notifyTicket(event, { sfn, signingSecret: async () => SECRET, post: { extraCaPem: tls.caPem, maxAttempts: 3, sleep: async () => undefined } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallbackFailed);
    expect((error as CallbackFailed).attempts).toBe(1);
    expect((error as CallbackFailed).message).toContain('10.1.2.3');
    // And by its text, without a lookup.
    const literal = sampleRequest();
    literal.ticket.callbackUrl = 'https://169.254.169.254/latest/meta-data';
    await expect(notifyTicket(await endedWith(literal, { status: 'SUCCEEDED', output: '{}' }), { sfn, signingSecret: async () => SECRET })).rejects.toBeInstanceOf(CallbackRefused);
    expect(secure.received).toHaveLength(0);
  });

  test('an input without ticket fields or environment: nulls in the payload, not missing fields', async () => {
    const event = await endedWith({ ticket: { callbackUrl: `https://management.azure.com:${secure.port}/h` } }, { status: 'ABORTED' });
    const outcome = await notifyTicket(event, { sfn, signingSecret: async () => SECRET, post: { extraCaPem: tls.caPem, maxAttempts: 1 } });
    expect(outcome.notified && outcome.payload).toEqual({
      environmentId: null,
      ticketId: null,
      executionArn: event.detail.executionArn,
      status: 'ABORTED',
      summary: null,
      consoleUrl: expect.stringContaining(event.detail.executionArn),
      error: null,
      cause: null,
      problems: null,
      workflow: 'provisioning',
    });
    const nullInput = await endedWith(null, { status: 'SUCCEEDED', output: '{}' });
    expect(await notifyTicket(nullInput, { sfn, signingSecret: async () => SECRET })).toEqual({ notified: false, reason: expect.any(String) });
  });

  test('the refusal of a callback carries no secret-looking text from the URL', async () => {
    const request = sampleRequest();
    request.ticket.callbackUrl = 'https://user:password=hunter22@10.0.0.1/hooks';
    const error = await notifyTicket(await endedWith(request, { status: 'SUCCEEDED', output: '{}' }), { sfn, signingSecret: async () => SECRET }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallbackRefused);
    expect((error as Error).name).toBe('CallbackRefused');
    expect((error as Error).message).toMatch(/10\.0\.0\.1 is a private address/);
  });
});
