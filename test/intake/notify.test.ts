/**
 * The ticket callback: signed (verified by a listener on 127.0.0.1), retried, free of secrets, and sent only
 * to a public address (checked again at connect time). The listener is reached through an allowance of the
 * loopback networks on its port, passed as a parameter (deployed: CALLBACK_ALLOWED_NETWORKS).
 */
import { createServer, Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { callbackTargetProblem, type CallbackAllowance } from '../../functions/commons/callback-url';
import { loopbackAllowance } from '../support/callback-allowance';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../functions/commons/signature';
import { CallbackRefused, InsecureCallbackUrl, notifyTicket, redactSecrets } from '../../functions/notify-ticket/notify';
import { CallbackFailed } from '../../functions/notify-ticket/post';
import { createLocalTls, LocalTls } from '../../local/azure/tls';
import type { LocalStepFunctions } from '../../local/stepfunctions/server';
import { startTestPublicDns, type TestPublicDns } from '../support/public-dns';
import { ManualBackend, SECRET, STATE_MACHINE_ARN, localSfn, sampleRequest } from './support';
import { RequestRefused } from '../../functions/commons/errors';

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
let listenerPort: number;
let publicDns: TestPublicDns;

beforeAll(async () => {
  tls = await createLocalTls();
  publicDns = await startTestPublicDns();
});

afterAll(() => publicDns.close());

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
  listenerPort = (listener.address() as AddressInfo).port;
  callbackBase = `https://127.0.0.1:${listenerPort}`;
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

const deps = (allowance: CallbackAllowance | null = loopbackAllowance(listenerPort)) => ({
  sfn,
  signingSecret: async () => SECRET,
  post: { extraCaPem: tls.caPem, baseDelayMs: 1, maxAttempts: 4 },
  callbackChecks: { resolveHost: publicDns.resolveHost, allowance: allowance ?? undefined },
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

test("a refused request's callback carries its problems as data", async () => {
  const refused = new RequestRefused('The request was refused; nothing was created.', [{ path: 'aws.region', message: 'this deployment runs in ap-northeast-1' }]);
  const cause = JSON.stringify({ errorType: refused.name, errorMessage: refused.message, trace: refused.stack!.split('\n') });
  const event = await endedExecution(`${callbackBase}/hooks/OPS-1234`, { status: 'FAILED', error: 'RequestRefused', cause });
  await notifyTicket(event, deps());
  expect(JSON.parse(received[0].body)).toMatchObject({ error: 'RequestRefused', problems: [{ path: 'aws.region', message: 'this deployment runs in ap-northeast-1' }] });
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

test('without the allowance, the same loopback listener is refused and nothing is sent', async () => {
  const event = await endedExecution(`${callbackBase}/hooks/OPS-1234`, { status: 'SUCCEEDED', output: '{}' });
  await expect(notifyTicket(event, deps(null))).rejects.toThrow(CallbackRefused);
  await expect(notifyTicket(event, deps(loopbackAllowance(listenerPort + 1)))).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
  expect(received).toHaveLength(0);
});

test('a callback name is resolved by the connect-time hook: the socket goes where the answer says', async () => {
  // management.azure.com is on the listener's certificate; the test's DNS points it at the listener.
  publicDns.records.set('management.azure.com', ['127.0.0.1']);
  const event = await endedExecution(`https://management.azure.com:${listenerPort}/hooks/OPS-1234`, { status: 'SUCCEEDED', output: '{}' });
  const outcome = await notifyTicket(event, deps());
  expect(outcome.notified).toBe(true);
  expect(received).toHaveLength(1);
  expect(publicDns.queries).toContain('management.azure.com');
});

test('DNS rebinding: a name that was public when validated and is private when dialed is refused at connect, once', async () => {
  publicDns.records.set('tickets.example.com', ['192.0.2.10']);
  const callbackUrl = `https://tickets.example.com:${listenerPort}/hooks/OPS-1234`;
  const event = await endedExecution(callbackUrl, { status: 'SUCCEEDED', output: '{}' });
  // What the validator saw: public.
  expect(await callbackTargetProblem(new URL(callbackUrl), { resolveHost: publicDns.resolveHost })).toBeUndefined();
  // Then the name moves to the metadata service, and to loopback (the allowance covers loopback only for the
  // listener's port; neither answer is dialed).
  for (const rebound of ['169.254.169.254', '10.20.30.40']) {
    publicDns.records.set('tickets.example.com', [rebound]);
    const error = await notifyTicket(event, deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CallbackFailed);
    expect((error as CallbackFailed).message).toContain(`now resolves to ${rebound}`);
    expect((error as CallbackFailed).attempts).toBe(1); // final: asking again cannot make it public
  }
  expect(received).toHaveLength(0);
});

test('error and cause are scrubbed of secret-looking text; summary fields that hold keys are redacted', async () => {
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXNpZw';
  const cause = [
    `ARM said: Authorization: Bearer ${jwt}`,
    '{"key1":"Acc0untKey1Value==","key2":"Acc0untKey2Value=="}',
    '<pre_shared_key>Tunn3l.Key_Value</pre_shared_key>',
    'access_token=At0kenValue123 and password: Pa55word!',
  ].join('\n');
  const summary = {
    key1: 'k1-value-xyz',
    key2: 'k2-value-xyz',
    certificatePem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
    CustomerGatewayConfiguration: '<vpn_connection><ike><pre_shared_key>Cgw.Key_123</pre_shared_key></ike></vpn_connection>',
    token: 'tok-value-xyz',
    access_token: 'acc-value-xyz',
    Authorization: 'Bearer zzz-value-xyz',
    pskSecretArn: 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:aoai-link/aoai-prod-01/tunnel-1-psk-AbCdEf',
    endpoint: 'https://aoai-prod.openai.azure.com',
  };
  const event = await endedExecution(`${callbackBase}/hooks/OPS-1234`, { status: 'FAILED', error: 'ProbeFailed', cause, output: JSON.stringify(summary) });
  await notifyTicket(event, deps());
  const body = received[0].body;
  for (const secret of [jwt, 'Acc0untKey1Value', 'Acc0untKey2Value', 'Tunn3l.Key_Value', 'At0kenValue123', 'Pa55word!', 'k1-value', 'k2-value', 'MIIB', 'Cgw.Key_123', 'tok-value', 'acc-value', 'zzz-value']) {
    expect([secret, body.includes(secret)]).toEqual([secret, false]);
  }
  const payload = JSON.parse(body);
  expect(payload.cause).toContain('ARM said: Authorization');
  expect(payload.summary.pskSecretArn).toBe(summary.pskSecretArn);
  expect(payload.summary.endpoint).toBe(summary.endpoint);
});

test('redaction keeps ARNs and ordinary fields', () => {
  expect(redactSecrets({ clientSecret: 'x', apiKey: 'y', nested: [{ sharedKey: 'z', keyArn: 'arn:k', name: 'n' }] })).toEqual({
    clientSecret: '[redacted]',
    apiKey: '[redacted]',
    nested: [{ sharedKey: '[redacted]', keyArn: 'arn:k', name: 'n' }],
  });
});
