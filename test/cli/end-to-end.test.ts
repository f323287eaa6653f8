/**
 * The whole local path with nothing stubbed but the clouds: a signed webhook through the intake handler starts
 * an execution on the local Step Functions endpoint, which the local runner runs (real ASL, real handlers,
 * emulated AWS and Azure); `watch` follows it; the notifier posts the signed result to a listener on 127.0.0.1.
 * The test checks the plumbing agrees end to end whatever the workflow's outcome is.
 */
import * as fs from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { run as watch } from '../../cli/watch';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../functions/commons/signature';
import { handleIntake } from '../../functions/intake/intake';
import { notifyTicket } from '../../functions/notify-ticket/notify';
import { createLocalTls } from '../../local/azure/tls';
import { localPublicDns } from '../../local/cloud/public-dns';
import { loopbackAllowance } from '../support/callback-allowance';
import { RunLocalBackend } from '../../local/stepfunctions/backend';
import { SECRET, STATE_MACHINE_ARN, captured, localSfn, sampleRequest, webhookEvent } from '../intake/support';

test('webhook → local execution → watch → signed callback', async () => {
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
  const backend = new RunLocalBackend({ runOptions: { outDir: fs.mkdtempSync(path.join(os.tmpdir(), 'aoai-link-e2e-')) } });
  const { server, sfn } = await localSfn(backend);
  try {
    const request = sampleRequest();
    const callbackPort = (listener.address() as AddressInfo).port;
    request.ticket.callbackUrl = `https://127.0.0.1:${callbackPort}/hooks/OPS-1234`;
    // The product refuses loopback callbacks unless allowed (CALLBACK_ALLOWED_NETWORKS); here only this listener is.
    const callbackChecks = { resolveHost: localPublicDns, allowance: loopbackAllowance(callbackPort) };
    const started = Date.now();
    const answer = await handleIntake(webhookEvent(JSON.stringify(request)), {
      sfn,
      stateMachineArn: STATE_MACHINE_ARN,
      signingSecret: async () => SECRET,
      callbackChecks,
    });
    expect(answer.statusCode).toBe(202);
    const { executionArn } = JSON.parse(answer.body);

    const streams = { out: captured(), err: captured() };
    const exitCode = await watch([executionArn, '--interval', '0.1'], streams, sfn);
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    console.log(`local execution ${described.status} in ${Date.now() - started} ms real; watch printed ${streams.out.text().split('\n').length} lines`);
    expect(exitCode).toBe(described.status === 'SUCCEEDED' ? 0 : 1);
    expect(streams.out.text()).toContain(String(described.status));
    expect(streams.out.text().split('\n').length).toBeGreaterThan(10);

    await notifyTicket({ detail: { executionArn, status: String(described.status) } }, {
      sfn,
      signingSecret: async () => SECRET,
      post: { extraCaPem: tls.caPem, baseDelayMs: 1 },
      callbackChecks,
    });
    expect(callbacks).toHaveLength(1);
    const [{ body, headers }] = callbacks;
    verifySignature({ secret: SECRET, body, timestamp: String(headers[TIMESTAMP_HEADER.toLowerCase()]), signature: String(headers[SIGNATURE_HEADER.toLowerCase()]) });
    expect(JSON.parse(body)).toMatchObject({ executionArn, status: described.status, environmentId: 'aoai-prod-01' });
    expect(body).not.toContain(SECRET);
    expect(body).not.toMatch(/"(preSharedKey|PreSharedKey|sharedKey|clientSecret)":"(?!\[redacted\])/);
  } finally {
    sfn.destroy();
    await backend.idle();
    await server.close();
    await new Promise((resolve) => listener.close(resolve));
  }
}, 60_000);
