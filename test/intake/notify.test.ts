/** The ticket callback: signed (verified by a listener on 127.0.0.1), retried, and free of secrets. */
import { createServer, Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../functions/commons/signature';
import { InsecureCallbackUrl, notifyTicket, redactSecrets } from '../../functions/notify-ticket/notify';
import { CallbackFailed } from '../../functions/notify-ticket/post';
import { createLocalTls, LocalTls } from '../../local/azure/tls';
import type { LocalStepFunctions } from '../../local/stepfunctions/server';
import { ManualBackend, SECRET, STATE_MACHINE_ARN, localSfn, sampleRequest } from './support';

interface Received {
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

let tls: LocalTls;
let listener: Server;
let callbackBase: string;
let received: Received[];
let answers: number[]; // status codes to answer, in order; then 200
let backend: ManualBackend;
let server: LocalStepFunctions;
let sfn: SFNClient;

beforeAll(async () => {
  tls = await createLocalTls();
});

beforeEach(async () => {
  received = [];
  answers = [];
  listener = createServer({ cert: tls.certPem, key: tls.keyPem }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: request.headers });
      response.writeHead(answers.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  callbackBase = `https://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  backend = new ManualBackend();
  ({ server, sfn } = await localSfn(backend));
});

afterEach(async () => {
  sfn.destroy();
  await server.close();
  await new Promise((resolve) => listener.close(resolve));
});

async function endedExecution(callbackUrl: string | undefined, end: Parameters<ManualBackend['finish']>[1]) {
  const request = sampleRequest();
  if (callbackUrl) request.ticket.callbackUrl = callbackUrl;
  else delete request.ticket;
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name: 'aoai-prod-01-0a1b2c3d', input: JSON.stringify(request) }),
  );
  backend.finish(executionArn!, end);
  return { detail: { executionArn: executionArn!, status: end.status } };
}

const deps = () => ({
  sfn,
  signingSecret: async () => SECRET,
  post: { extraCaPem: tls.caPem, baseDelayMs: 1, maxAttempts: 4 },
});

test('a succeeded execution: signed JSON with status, summary and console link; no secret in it', async () => {
  const summary = {
    endpoint: 'https://aoai-prod.openai.azure.com',
    tunnels: [{ outsideIp: '203.0.113.10', preSharedKey: 'psk-should-never-leave', pskSecretArn: 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:aoai-link/aoai-prod-01/tunnel-1-psk-AbCdEf' }],
  };
  const event = await endedExecution(`${callbackBase}/hooks/OPS-1234`, { status: 'SUCCEEDED', output: JSON.stringify(summary) });
  const outcome = await notifyTicket(event, deps());
  expect(outcome.notified).toBe(true);
  expect(received).toHaveLength(1);

  const [{ body, headers }] = received;
  // The receiver verifies it exactly as a ticket system would.
  expect(() =>
    verifySignature({ secret: SECRET, body, timestamp: String(headers[TIMESTAMP_HEADER.toLowerCase()]), signature: String(headers[SIGNATURE_HEADER.toLowerCase()]) }),
  ).not.toThrow();
  const payload = JSON.parse(body);
  expect(payload).toMatchObject({
    environmentId: 'aoai-prod-01',
    ticketId: 'OPS-1234',
    executionArn: event.detail.executionArn,
    status: 'SUCCEEDED',
    error: null,
    cause: null,
    consoleUrl: expect.stringContaining(encodeURI(event.detail.executionArn)),
  });
  expect(payload.summary.endpoint).toBe(summary.endpoint);
  expect(payload.summary.tunnels[0].pskSecretArn).toBe(summary.tunnels[0].pskSecretArn); // an ARN is not a secret
  expect(body).not.toContain('psk-should-never-leave');
  expect(body).not.toContain(SECRET);
});

test('a failed execution carries error and cause', async () => {
  const event = await endedExecution(`${callbackBase}/hooks/OPS-1234`, { status: 'FAILED', error: 'GatewayBuildFailed', cause: 'The VPN gateway ended Failed.' });
  await notifyTicket(event, deps());
  expect(JSON.parse(received[0].body)).toMatchObject({ status: 'FAILED', summary: null, error: 'GatewayBuildFailed', cause: 'The VPN gateway ended Failed.' });
});

test('retried with backoff on 5xx and 429, then delivered; a 4xx is final; attempts are bounded', async () => {
  answers = [503, 429, 200];
  const event = await endedExecution(`${callbackBase}/hooks/OPS-1234`, { status: 'SUCCEEDED', output: '{}' });
  const outcome = await notifyTicket(event, deps());
  expect(outcome.notified && outcome.result.attempts).toBe(3);
  expect(received).toHaveLength(3);

  received = [];
  answers = [404];
  await expect(notifyTicket(event, deps())).rejects.toThrow(CallbackFailed);
  expect(received).toHaveLength(1);

  received = [];
  answers = [500, 500, 500, 500, 500];
  await expect(notifyTicket(event, deps())).rejects.toThrow(/after 4 attempts/);
  expect(received).toHaveLength(4);
});

test('no callbackUrl: nothing sent; http callbacks refused', async () => {
  const none = await endedExecution(undefined, { status: 'SUCCEEDED', output: '{}' });
  expect(await notifyTicket(none, deps())).toEqual({ notified: false, reason: expect.any(String) });
  server.executions.clear();
  const insecure = await endedExecution('http://127.0.0.1:9/hooks', { status: 'SUCCEEDED', output: '{}' });
  await expect(notifyTicket(insecure, deps())).rejects.toThrow(InsecureCallbackUrl);
  expect(received).toHaveLength(0);
});

test('redaction keeps ARNs and ordinary fields', () => {
  expect(redactSecrets({ clientSecret: 'x', apiKey: 'y', nested: [{ sharedKey: 'z', keyArn: 'arn:k', name: 'n' }] })).toEqual({
    clientSecret: '[redacted]',
    apiKey: '[redacted]',
    nested: [{ sharedKey: '[redacted]', keyArn: 'arn:k', name: 'n' }],
  });
});
