/**
 * The webhook intake's decisions at their edges, against the local Step Functions endpoint and, for the signing
 * secret, the local Secrets Manager: the size limit to the byte, the order of the answers, the answers' bodies,
 * the callback check (with the process's checks when none are passed), the secret's cache, and the handler's
 * wiring (a failure is a 500 whose body tells nothing).
 */
import { CreateSecretCommand, PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { CALLBACK_ALLOWED_NETWORKS, CALLBACK_DNS_SERVERS } from '../../functions/commons/callback-url';
import { loopbackAllowance } from '../support/callback-allowance';
import { MAX_REQUEST_BYTES } from '../../functions/commons/request/contract';
import { json, rawBody } from '../../functions/commons/http';
import { handleIntake, type IntakeDeps } from '../../functions/intake/intake';
import { SigningSecretUnavailable, cachedSecret } from '../../functions/commons/secret';
import type { LocalStepFunctions } from '../../local/stepfunctions/server';
import { startHarness, type Harness } from '../local-aws/helpers';
import { startTestPublicDns, type TestPublicDns } from '../support/public-dns';
import { ManualBackend, SECRET, STATE_MACHINE_ARN, localSfn, sampleRequest, webhookEvent } from './support';
import { lambdaContext } from '../support/lambda-context';
import { logLines } from '../support/log-lines';

let publicDns: TestPublicDns;
beforeAll(async () => {
  publicDns = await startTestPublicDns({ 'tickets.example.com': ['192.0.2.10'], 'inside.example.com': ['10.9.8.7'] });
});
afterAll(() => publicDns.close());

describe('handleIntake', () => {
  let backend: ManualBackend;
  let server: LocalStepFunctions;
  let sfn: SFNClient;
  let deps: IntakeDeps;
  beforeEach(async () => {
    backend = new ManualBackend();
    ({ server, sfn } = await localSfn(backend));
    deps = { sfn, stateMachineArn: STATE_MACHINE_ARN, signingSecret: async () => SECRET, callbackChecks: { resolveHost: publicDns.resolveHost } };
  });
  afterEach(async () => {
    sfn.destroy();
    await server.close();
  });

  const parse = (answer: { body: string }) => JSON.parse(answer.body);
  /** The sample request, padded with trailing whitespace (still valid JSON) to exactly `bytes` bytes. */
  const paddedTo = (bytes: number) => {
    const text = JSON.stringify(sampleRequest());
    return text + ' '.repeat(bytes - Buffer.byteLength(text));
  };

  test('the limit is counted in bytes: exactly the limit is taken, one byte more is 413 before the signature is read', async () => {
    const atLimit = paddedTo(MAX_REQUEST_BYTES);
    expect(Buffer.byteLength(atLimit)).toBe(MAX_REQUEST_BYTES);
    expect((await handleIntake(webhookEvent(atLimit), deps)).statusCode).toBe(202);

    const over = paddedTo(MAX_REQUEST_BYTES + 1);
    const refused = await handleIntake(webhookEvent(over, { sign: false }), deps);
    expect(refused.statusCode).toBe(413);
    expect(parse(refused).message).toContain(String(MAX_REQUEST_BYTES + 1));
    // Multi-byte characters: fewer characters than the limit, more bytes.
    const request = sampleRequest();
    request.ticket.id = 'é'.repeat(MAX_REQUEST_BYTES / 2);
    const wide = JSON.stringify(request);
    expect(wide.length).toBeLessThan(MAX_REQUEST_BYTES + MAX_REQUEST_BYTES / 2);
    expect((await handleIntake(webhookEvent(wide), deps)).statusCode).toBe(413);
    expect(server.executions.size).toBe(1);
  });

  test('401 names the reason; headers are found in any case; a bad signature is refused before the body is validated', async () => {
    const unsigned = await handleIntake(webhookEvent('{ not json', { sign: false }), deps);
    expect(unsigned.statusCode).toBe(401);
    expect(parse(unsigned)).toEqual({ message: expect.any(String), reason: 'missing' });
    expect(unsigned.body).not.toContain(SECRET);

    const event = webhookEvent(JSON.stringify(sampleRequest()));
    event.headers = Object.fromEntries(Object.entries(event.headers!).map(([k, v]) => [k.toLowerCase(), v]));
    expect((await handleIntake(event, deps)).statusCode).toBe(202);

    const wrongClock = await handleIntake(webhookEvent(JSON.stringify(sampleRequest())), { ...deps, nowSeconds: () => Math.floor(Date.now() / 1000) + 3600 });
    expect(parse(wrongClock).reason).toBe('stale');
  });

  test('a signing secret that cannot be read is not a 401: the failure is thrown for a 500', async () => {
    const failing = { ...deps, signingSecret: async () => Promise.reject(new SigningSecretUnavailable('SIGNING_SECRET_ARN is not set.')) };
    await expect(handleIntake(webhookEvent(JSON.stringify(sampleRequest())), failing)).rejects.toBeInstanceOf(SigningSecretUnavailable);
    expect(server.executions.size).toBe(0);
  });

  test('400 counts its problems; a callback leading inside is refused with its field path; nothing starts', async () => {
    const bad = sampleRequest();
    bad.environmentId = 'Bad_Id';
    bad.aws.vpcId = 'vpc-nope';
    const invalid = await handleIntake(webhookEvent(JSON.stringify(bad)), deps);
    expect(invalid.statusCode).toBe(400);
    const problems = parse(invalid).problems;
    expect(parse(invalid).message).toContain(`${problems.length} problem(s)`);

    const inside = sampleRequest();
    inside.ticket.callbackUrl = 'https://inside.example.com/hooks/OPS-1';
    const refused = await handleIntake(webhookEvent(JSON.stringify(inside)), deps);
    expect(refused.statusCode).toBe(400);
    expect(parse(refused)).toEqual({ message: 'The request has 1 problem(s).', problems: [{ path: 'ticket.callbackUrl', message: expect.stringMatching(/10\.9\.8\.7/) }] });
    expect(server.executions.size).toBe(0);
  });

  test('without callback checks the configured ones are used (CALLBACK_DNS_SERVERS names the test DNS)', async () => {
    const saved = { networks: process.env[CALLBACK_ALLOWED_NETWORKS], servers: process.env[CALLBACK_DNS_SERVERS] };
    delete process.env[CALLBACK_ALLOWED_NETWORKS];
    process.env[CALLBACK_DNS_SERVERS] = publicDns.address;
    try {
      const inside = sampleRequest();
      inside.ticket.callbackUrl = 'https://inside.example.com/hooks/OPS-1';
      const { callbackChecks: _unused, ...withoutChecks } = deps;
      expect((await handleIntake(webhookEvent(JSON.stringify(inside)), withoutChecks)).statusCode).toBe(400);
      expect(publicDns.queries).toContain('inside.example.com');
      expect((await handleIntake(webhookEvent(JSON.stringify(sampleRequest())), withoutChecks)).statusCode).toBe(202);
      // The network configured as allowed lets the same private answer through.
      process.env[CALLBACK_ALLOWED_NETWORKS] = '10.9.0.0/16';
      const elsewhere = { ...inside, environmentId: 'aoai-prod-02' };
      expect((await handleIntake(webhookEvent(JSON.stringify(elsewhere)), withoutChecks)).statusCode).toBe(202);
    } finally {
      for (const [name, value] of [[CALLBACK_ALLOWED_NETWORKS, saved.networks], [CALLBACK_DNS_SERVERS, saved.servers]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  test('an allowance reaches the validator too: a loopback callback passes only on its port', async () => {
    const request = sampleRequest();
    request.ticket.callbackUrl = 'https://127.0.0.1:8443/hooks/OPS-1';
    const withAllowance = { ...deps, callbackChecks: { resolveHost: publicDns.resolveHost, allowance: loopbackAllowance(8443) } };
    const wrongPort = { ...deps, callbackChecks: { resolveHost: publicDns.resolveHost, allowance: loopbackAllowance(8444) } };
    expect((await handleIntake(webhookEvent(JSON.stringify(request)), wrongPort)).statusCode).toBe(400);
    expect((await handleIntake(webhookEvent(JSON.stringify(request)), withAllowance)).statusCode).toBe(202);
  });

  test('a request without a callback is started without any lookup', async () => {
    const request = sampleRequest();
    delete request.ticket.callbackUrl;
    const before = publicDns.queries.length;
    expect((await handleIntake(webhookEvent(JSON.stringify(request)), deps)).statusCode).toBe(202);
    expect(publicDns.queries.length).toBe(before);
  });

  test('the answers carry what the ticket system needs, as JSON that is not cached', async () => {
    const started = await handleIntake(webhookEvent(JSON.stringify(sampleRequest())), deps);
    expect(started.headers).toEqual({ 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    const first = parse(started);
    expect(first).toEqual({
      message: 'Started.',
      environmentId: 'aoai-prod-01',
      executionArn: expect.stringMatching(/:execution:.*:aoai-prod-01-run-1$/),
      executionName: 'aoai-prod-01-run-1',
      status: 'RUNNING',
      consoleUrl: expect.stringContaining(first.executionArn),
    });

    const again = parse(await handleIntake(webhookEvent(JSON.stringify(sampleRequest())), deps));
    expect(again).toEqual({ ...first, message: 'Already received; no new execution was started.' });

    const changed = sampleRequest();
    changed.ticket.id = 'OPS-9';
    const busy = await handleIntake(webhookEvent(JSON.stringify(changed)), deps);
    expect(busy.statusCode).toBe(409);
    expect(parse(busy)).toEqual({
      message: expect.stringContaining('aoai-prod-01'),
      environmentId: 'aoai-prod-01',
      runningExecutionArn: first.executionArn,
      consoleUrl: first.consoleUrl,
    });

    backend.finish(first.executionArn, { status: 'FAILED', error: 'X', cause: 'y' });
    const rerun = parse(await handleIntake(webhookEvent(JSON.stringify(changed)), deps));
    expect(rerun).toMatchObject({ executionName: 'aoai-prod-01-run-2', status: 'RUNNING', message: 'Started; a re-run after aoai-prod-01-run-1 (FAILED).' });
  });
});

describe('the raw body and the answer shape', () => {
  test('the bytes as signed: base64 decoded when API Gateway encoded them, none when absent', () => {
    expect(rawBody({ body: 'é', isBase64Encoded: false })).toEqual(Buffer.from('é', 'utf8'));
    expect(rawBody({ body: Buffer.from([0xff, 0x00]).toString('base64'), isBase64Encoded: true })).toEqual(Buffer.from([0xff, 0x00]));
    expect(rawBody({ body: null })).toEqual(Buffer.alloc(0));
    expect(rawBody({})).toEqual(Buffer.alloc(0));
    expect(json(418, { a: 1 })).toEqual({ statusCode: 418, headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }, body: '{"a":1}' });
  });
});

describe('the signing secret, from Secrets Manager', () => {
  let aws: Harness;
  let reads: number;
  let arn: string;
  beforeEach(async () => {
    aws = await startHarness();
    reads = 0;
    aws.secrets.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetSecretValueCommand') reads += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countSecretReads' },
    );
    arn = (await aws.secrets.send(new CreateSecretCommand({ Name: 'aoai-link/webhook-signing', SecretString: 'first-value' }))).ARN!;
  });
  afterEach(() => aws.close());

  test('read once and kept for the time to live, then read again (a rotated value is picked up)', async () => {
    const secret = cachedSecret(aws.secrets, arn, 200);
    expect(await secret()).toBe('first-value');
    expect(await secret()).toBe('first-value');
    expect(reads).toBe(1);
    await aws.secrets.send(new PutSecretValueCommand({ SecretId: arn, SecretString: 'second-value' }));
    expect(await secret()).toBe('first-value');
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(await secret()).toBe('second-value');
    expect(reads).toBe(2);
  });

  test('the default time to live is minutes, not one read per request', async () => {
    const secret = cachedSecret(aws.secrets, arn);
    await secret();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await secret();
    expect(reads).toBe(1);
  });

  test('no ARN, or a secret without a string value, is SigningSecretUnavailable; nothing is cached from a failure', async () => {
    await expect(cachedSecret(aws.secrets, undefined)()).rejects.toMatchObject({ name: 'SigningSecretUnavailable' });
    await expect(cachedSecret(aws.secrets, '')()).rejects.toBeInstanceOf(SigningSecretUnavailable);
    expect(reads).toBe(0);
    const binary = (await aws.secrets.send(new CreateSecretCommand({ Name: 'binary-only', SecretBinary: Buffer.from([1, 2, 3]) }))).ARN!;
    const secret = cachedSecret(aws.secrets, binary);
    await expect(secret()).rejects.toBeInstanceOf(SigningSecretUnavailable);
    await expect(secret()).rejects.toBeInstanceOf(SigningSecretUnavailable);
    expect(reads).toBe(2);
  });
});

describe('the Lambda handler', () => {
  test('a failure is a 500 that tells the caller nothing; the cause goes to the log', async () => {
    const previous = process.env.SIGNING_SECRET_ARN;
    delete process.env.SIGNING_SECRET_ARN;
    try {
      let handler: typeof import('../../functions/intake/handler').handler | undefined;
      jest.isolateModules(() => {
        handler = require('../../functions/intake/handler').handler;
      });
      const context = lambdaContext('aoai-link-intake', 'req-intake-1');
      let answer: Awaited<ReturnType<NonNullable<typeof handler>>> | undefined;
      const logged = await logLines(async () => {
        answer = await handler!(webhookEvent(JSON.stringify(sampleRequest())), context);
      });
      expect(answer!.statusCode).toBe(500);
      expect(JSON.parse(answer!.body)).toEqual({ message: 'Internal error; the request was not started. Retry later.' });
      expect(answer!.body).not.toContain('SIGNING_SECRET_ARN');
      expect(logged).toEqual([
        expect.objectContaining({
          level: 'ERROR',
          service: 'intake',
          message: 'request failed',
          function_name: 'aoai-link-intake',
          function_request_id: 'req-intake-1',
          error: 'SigningSecretUnavailable',
          cause: expect.stringContaining('SIGNING_SECRET_ARN is not set'),
        }),
      ]);
      // The size limit is answered before anything needs the secret.
      expect((await handler!(webhookEvent('x'.repeat(MAX_REQUEST_BYTES + 1), { sign: false }), context)).statusCode).toBe(413);
    } finally {
      if (previous !== undefined) process.env.SIGNING_SECRET_ARN = previous;
    }
  });
});
