/**
 * The ticket callback when a teardown ends: the same signed POST to the request's callbackUrl as provisioning's,
 * saying `workflow: teardown`, with the teardown summary (what was removed, what was left); a provisioning's
 * says `workflow: provisioning`, and a look-alike name of another environment is not taken for a teardown.
 */
import { createServer, Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../functions/commons/signature';
import { teardownInput } from '../../functions/commons/executions';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import { notifyTicket } from '../../functions/notify-ticket/notify';
import { createLocalTls, type LocalTls } from '../../local/azure/tls';
import { startLocalStepFunctions, type LocalStepFunctions } from '../../local/stepfunctions/server';
import { loopbackAllowance } from '../support/callback-allowance';
import { startTestPublicDns, type TestPublicDns } from '../support/public-dns';
import { ManualBackend, SECRET, STATE_MACHINE_ARN, sampleRequest, sfnClient } from './support';
import { TEARDOWN_STATE_MACHINE_ARN } from './teardown-support';

let tls: LocalTls;
let publicDns: TestPublicDns;
let listener: Server;
let port: number;
let received: { body: string; headers: Record<string, string | string[] | undefined> }[];
let backend: ManualBackend;
let server: LocalStepFunctions;
let sfn: SFNClient;

beforeAll(async () => {
  tls = await createLocalTls();
  publicDns = await startTestPublicDns();
});
afterAll(() => publicDns.close());
beforeEach(async () => {
  received = [];
  listener = createServer({ cert: tls.certPem, key: tls.keyPem }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), headers: request.headers });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as AddressInfo).port;
  backend = new ManualBackend();
  server = await startLocalStepFunctions({ backend, stateMachineArns: [STATE_MACHINE_ARN, TEARDOWN_STATE_MACHINE_ARN] });
  sfn = sfnClient(server.endpoint);
});
afterEach(async () => {
  sfn.destroy();
  await server.close();
  await new Promise((resolve) => listener.close(resolve));
});

const deps = () => ({
  sfn,
  signingSecret: async () => SECRET,
  post: { extraCaPem: tls.caPem, baseDelayMs: 1, maxAttempts: 2 },
  callbackChecks: { resolveHost: publicDns.resolveHost, allowance: loopbackAllowance(port) },
});

async function ended(stateMachineArn: string, name: string, input: unknown, end: Parameters<ManualBackend['finish']>[1]) {
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
  backend.finish(executionArn!, end);
  return { detail: { executionArn: executionArn!, status: end.status, stateMachineArn } };
}
const requestWithCallback = (): EnvironmentRequest => {
  const request = sampleRequest();
  request.ticket.callbackUrl = `https://127.0.0.1:${port}/hooks/OPS-1234`;
  return request as EnvironmentRequest;
};

test("a succeeded teardown: the ticket gets a signed callback saying teardown, with the teardown's summary", async () => {
  const summary = {
    environmentId: 'aoai-prod-01',
    message: 'Removed 27 resources of environment aoai-prod-01; left 1 that is not ours.',
    removed: [{ cloud: 'aws', type: 'vpn-connection', name: 'aoai-link-aoai-prod-01-vpn', id: 'vpn-0123' }],
    left: [{ cloud: 'azure', type: 'Microsoft.Network/networkSecurityGroups', name: 'nsg-aoai-prod-01-pe', id: '/subscriptions/x/nsg', reason: 'it lacks the tag environment=aoai-prod-01' }],
    tunnelKeySecrets: { recoveryWindowInDays: 7, note: 'restorable for 7 days' },
    openAiAccount: { publicNetworkAccess: 'kept as it is' },
  };
  const event = await ended(TEARDOWN_STATE_MACHINE_ARN, 'aoai-prod-01-teardown-1', teardownInput(requestWithCallback()), {
    status: 'SUCCEEDED',
    output: JSON.stringify(summary),
  });
  const outcome = await notifyTicket(event, deps());
  expect(outcome.notified).toBe(true);
  const [{ body, headers }] = received;
  expect(() =>
    verifySignature({ secret: SECRET, body, timestamp: String(headers[TIMESTAMP_HEADER.toLowerCase()]), signature: String(headers[SIGNATURE_HEADER.toLowerCase()]) }),
  ).not.toThrow();
  expect(JSON.parse(body)).toMatchObject({
    environmentId: 'aoai-prod-01',
    ticketId: 'OPS-1234',
    workflow: 'teardown',
    status: 'SUCCEEDED',
    executionArn: event.detail.executionArn,
    summary,
    error: null,
  });
  expect(body).not.toContain(SECRET);
});

test('a failed teardown carries its error; a provisioning says provisioning; a look-alike name of another environment is no teardown', async () => {
  const failed = await ended(TEARDOWN_STATE_MACHINE_ARN, 'aoai-prod-01-teardown-2', teardownInput(requestWithCallback()), {
    status: 'FAILED',
    error: 'ResourceNotReady',
    cause: 'the security group is still used by network interfaces',
  });
  await notifyTicket(failed, deps());
  expect(JSON.parse(received[0].body)).toMatchObject({ workflow: 'teardown', status: 'FAILED', error: 'ResourceNotReady', summary: null });

  const provisioning = await ended(STATE_MACHINE_ARN, 'aoai-prod-01-run-1', requestWithCallback(), { status: 'SUCCEEDED', output: '{}' });
  await notifyTicket(provisioning, deps());
  expect(JSON.parse(received[1].body)).toMatchObject({ workflow: 'provisioning', status: 'SUCCEEDED' });

  // Environment `aoai-prod-01-teardown`'s first provisioning is named like a teardown of `aoai-prod-01`.
  const lookAlike = requestWithCallback();
  lookAlike.environmentId = 'aoai-prod-01-teardown';
  const other = await ended(STATE_MACHINE_ARN, 'aoai-prod-01-teardown-run-1', lookAlike, { status: 'SUCCEEDED', output: '{}' });
  await notifyTicket(other, deps());
  expect(JSON.parse(received[2].body)).toMatchObject({ environmentId: 'aoai-prod-01-teardown', workflow: 'provisioning' });
});
