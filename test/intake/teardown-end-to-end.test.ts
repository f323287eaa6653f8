/**
 * The ticket's whole path with nothing stubbed but the clouds: a signed POST provisions through the local
 * runner, a signed DELETE tears the environment down on the teardown machine (real ASL, real handlers,
 * emulated AWS and Azure, one state file), the notifier posts the teardown's signed outcome to a listener on
 * 127.0.0.1, and a redelivered DELETE starts nothing.
 */
import * as fs from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../functions/commons/signature';
import { handleIntake } from '../../functions/intake/intake';
import { handleTeardownRequest, type TeardownIntakeDeps } from '../../functions/intake/teardown';
import { notifyTicket } from '../../functions/notify-ticket/notify';
import { createLocalTls } from '../../local/azure/tls';
import { localPublicDns } from '../../local/cloud/public-dns';
import { RunLocalBackend } from '../../local/stepfunctions/backend';
import { startLocalStepFunctions } from '../../local/stepfunctions/server';
import { loopbackAllowance } from '../support/callback-allowance';
import { SECRET, STATE_MACHINE_ARN, sampleRequest, sfnClient, webhookEvent } from './support';
import { TEARDOWN_STATE_MACHINE_ARN } from './teardown-support';

test('POST, then DELETE: the teardown runs to SUCCEEDED, its ticket hears of it, a redelivery starts nothing', async () => {
  const tls = await createLocalTls();
  const callbacks: { body: string; headers: Record<string, unknown> }[] = [];
  const listener = createServer({ cert: tls.certPem, key: tls.keyPem }, (request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      callbacks.push({ body: Buffer.concat(chunks).toString('utf8'), headers: request.headers });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aoai-link-teardown-e2e-'));
  const backend = new RunLocalBackend({ runOptions: { stateFile: path.join(dir, 'state.json'), outDir: path.join(dir, 'out') } });
  const server = await startLocalStepFunctions({ backend, stateMachineArns: [STATE_MACHINE_ARN, TEARDOWN_STATE_MACHINE_ARN] });
  const sfn = sfnClient(server.endpoint);
  try {
    const port = (listener.address() as AddressInfo).port;
    const request = sampleRequest();
    request.ticket.callbackUrl = `https://127.0.0.1:${port}/hooks/OPS-1234`;
    // Test-only: the product refuses loopback callbacks; this listener is the one exception, by parameter.
    const callbackChecks = { resolveHost: localPublicDns, allowance: loopbackAllowance(port) };
    const deps: TeardownIntakeDeps = {
      sfn,
      stateMachineArn: STATE_MACHINE_ARN,
      teardownStateMachineArn: TEARDOWN_STATE_MACHINE_ARN,
      signingSecret: async () => SECRET,
      callbackChecks,
    };
    const posted = await handleIntake(webhookEvent(JSON.stringify(request)), deps);
    expect(posted.statusCode).toBe(202);
    const provisioning = await server.waitForEnd(JSON.parse(posted.body).executionArn);
    expect(provisioning.status).toBe('SUCCEEDED');

    const started = Date.now();
    const deleteEvent = () => ({ ...webhookEvent(JSON.stringify({ environmentId: 'aoai-prod-01' })), httpMethod: 'DELETE', pathParameters: { environmentId: 'aoai-prod-01' } });
    const removed = await handleTeardownRequest(deleteEvent(), deps);
    expect(removed.statusCode).toBe(202);
    const { executionArn } = JSON.parse(removed.body);
    const teardown = await server.waitForEnd(executionArn);
    console.log(`teardown ${teardown.status} in ${Date.now() - started} ms real`, teardown.cause);
    expect({ status: teardown.status, error: teardown.error ?? null }).toEqual({ status: 'SUCCEEDED', error: null });

    await notifyTicket({ detail: { executionArn, status: teardown.status } }, { sfn, signingSecret: async () => SECRET, post: { extraCaPem: tls.caPem, baseDelayMs: 1 }, callbackChecks });
    expect(callbacks).toHaveLength(1);
    const [{ body, headers }] = callbacks;
    verifySignature({ secret: SECRET, body, timestamp: String(headers[TIMESTAMP_HEADER.toLowerCase()]), signature: String(headers[SIGNATURE_HEADER.toLowerCase()]) });
    const payload = JSON.parse(body);
    expect(payload).toMatchObject({ workflow: 'teardown', status: 'SUCCEEDED', environmentId: 'aoai-prod-01', ticketId: 'OPS-1234', executionArn });
    expect(payload.summary.removed.length).toBeGreaterThan(0);
    expect(body).not.toContain(SECRET);
    expect(body).not.toMatch(/"(preSharedKey|PreSharedKey|sharedKey|clientSecret)":"(?!\[redacted\])/);

    expect((await handleTeardownRequest(deleteEvent(), deps)).statusCode).toBe(200);
    expect([...server.executions.values()].filter((e) => e.stateMachineArn === TEARDOWN_STATE_MACHINE_ARN)).toHaveLength(1);
  } finally {
    sfn.destroy();
    await backend.idle();
    await server.close();
    await new Promise((resolve) => listener.close(resolve));
  }
}, 180_000);
