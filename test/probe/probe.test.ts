/**
 * The probe's verdict (functions/probe/probe.ts): what each DNS answer, TCP outcome and data-plane answer makes
 * of the result the runner judges. The data plane is a TLS server of our own on 127.0.0.1; DNS and TCP are a
 * ProbeNetwork that maps the private addresses to loopback listeners.
 */
import { randomBytes } from 'node:crypto';
import { handleProbeEvent, isPrivateAddress, runProbe, type ProbeInput } from '../../functions/probe/probe';
import { DataPlane, TestNetwork, closedPort, dnsError, makeTls, silentListener, type TestTls } from './support';

const HOST = 'aoai-prod.openai.azure.com';
const PRIVATELINK = 'aoai-prod.privatelink.openai.azure.com';
const PRIVATE_IP = '192.168.1.4';
const OTHER_PRIVATE_IP = '192.168.1.5';
const PUBLIC_IP = '20.210.3.4';

const privateAnswer = { cnames: [PRIVATELINK], addresses: [PRIVATE_IP] };
const nonEmpty = expect.stringMatching(/\S/);

let tls: TestTls;
let plane: DataPlane;
let token: string;

beforeAll(async () => {
  tls = await makeTls();
  plane = await DataPlane.start(tls);
});
afterAll(() => plane.close());
beforeEach(() => {
  plane.seen.length = 0;
  plane.answer = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"choices":[{"message":{"content":"pong"}}]}');
  token = `eyJ0eXAiOiJKV1QifQ.${randomBytes(24).toString('base64url')}.${randomBytes(16).toString('base64url')}`;
});

const input = (patch: Partial<ProbeInput> = {}): ProbeInput => ({ host: HOST, deployment: 'gpt-4o', token, expectedPrivateIp: PRIVATE_IP, timeoutMs: 2000, ...patch });
/** The network from a probe subnet: the private IPs reach our data plane, everything else is a blackhole. */
const network = (dns: TestNetwork['dns'], routes: Record<string, number | 'blackhole'> = { [PRIVATE_IP]: plane.port, [OTHER_PRIVATE_IP]: plane.port }) =>
  new TestNetwork(dns, routes, tls.caPem);

describe('the DNS verdict', () => {
  test('the privatelink CNAME and the expected private IP: DNS, TCP and the API are proven', async () => {
    const net = network(privateAnswer);
    const result = await runProbe(input(), net);
    expect(result).toEqual({
      dns: { ok: true, answers: [PRIVATELINK, PRIVATE_IP], detail: nonEmpty },
      tcp: { ok: true, address: PRIVATE_IP, milliseconds: expect.any(Number), detail: nonEmpty },
      api: { ok: true, status: 200, detail: nonEmpty },
    });
    expect(result.tcp.milliseconds).toBeGreaterThanOrEqual(0);
    expect(result.tcp.milliseconds).toBeLessThan(2000);
    expect(net.resolved).toEqual([HOST]);
    expect(net.connects).toEqual([{ ip: PRIVATE_IP, port: 443, timeoutMs: 2000 }]);
  });

  test('the expected IP without any CNAME (no privatelink hop) is not the private path; TCP is still judged', async () => {
    const result = await runProbe(input(), network({ cnames: [], addresses: [PRIVATE_IP] }));
    expect(result.dns).toEqual({ ok: false, answers: [PRIVATE_IP], detail: nonEmpty });
    expect(result.tcp).toMatchObject({ ok: true, address: PRIVATE_IP });
    expect(result.api).toMatchObject({ ok: true, status: 200 });
  });

  test('a CNAME that is not a privatelink name is not the private path', async () => {
    const result = await runProbe(input(), network({ cnames: ['aoai-prod.openai.azure.com.cdn.example.net'], addresses: [PRIVATE_IP] }));
    expect(result.dns).toEqual({ ok: false, answers: ['aoai-prod.openai.azure.com.cdn.example.net', PRIVATE_IP], detail: nonEmpty });
  });

  test('a private answer that is not the expected endpoint fails DNS; TCP goes to the expected endpoint, not the answer', async () => {
    const net = network({ cnames: [PRIVATELINK], addresses: [OTHER_PRIVATE_IP] });
    const result = await runProbe(input(), net);
    expect(result.dns).toEqual({ ok: false, answers: [PRIVATELINK, OTHER_PRIVATE_IP], detail: nonEmpty });
    expect(net.connects.map((c) => c.ip)).toEqual([PRIVATE_IP]);
    expect(result.tcp).toMatchObject({ ok: true, address: PRIVATE_IP });
  });

  test('the expected IP among several answers is enough', async () => {
    const result = await runProbe(input(), network({ cnames: [PRIVATELINK], addresses: [OTHER_PRIVATE_IP, PRIVATE_IP] }));
    expect(result.dns.ok).toBe(true);
  });

  test('the public answer (the query never reached the private zone) fails DNS; TCP still goes to the private endpoint', async () => {
    const net = network({ cnames: [PRIVATELINK], addresses: [PUBLIC_IP] });
    const result = await runProbe(input(), net);
    expect(result.dns).toEqual({ ok: false, answers: [PRIVATELINK, PUBLIC_IP], detail: nonEmpty });
    expect(net.connects.map((c) => c.ip)).toEqual([PRIVATE_IP]);
    expect(result.tcp.ok).toBe(true);
  });

  test('without an expected IP, a private answer through privatelink is accepted and TCP goes to it', async () => {
    const net = network({ cnames: [PRIVATELINK], addresses: [OTHER_PRIVATE_IP] });
    const result = await runProbe(input({ expectedPrivateIp: undefined }), net);
    expect(result.dns).toEqual({ ok: true, answers: [PRIVATELINK, OTHER_PRIVATE_IP], detail: nonEmpty });
    expect(net.connects.map((c) => c.ip)).toEqual([OTHER_PRIVATE_IP]);
    expect(result.api).toMatchObject({ ok: true, status: 200 });
  });

  test('without an expected IP, a public answer fails DNS and the public address is never dialled', async () => {
    const net = network({ cnames: [PRIVATELINK], addresses: [PUBLIC_IP] });
    const result = await runProbe(input({ expectedPrivateIp: undefined }), net);
    expect(result).toEqual({
      dns: { ok: false, answers: [PRIVATELINK, PUBLIC_IP], detail: nonEmpty },
      tcp: { ok: false, detail: nonEmpty },
      api: { ok: false, detail: nonEmpty },
    });
    expect(net.connects).toEqual([]);
    expect(plane.seen).toEqual([]);
  });

  test('no address in the answer fails DNS; TCP goes to the expected endpoint', async () => {
    const net = network({ cnames: [PRIVATELINK], addresses: [] });
    const result = await runProbe(input(), net);
    expect(result.dns).toEqual({ ok: false, answers: [PRIVATELINK], detail: nonEmpty });
    expect(net.connects.map((c) => c.ip)).toEqual([PRIVATE_IP]);
  });

  test('no address and no expected IP: nothing is dialled', async () => {
    const net = network({ cnames: [PRIVATELINK], addresses: [] });
    const result = await runProbe(input({ expectedPrivateIp: undefined }), net);
    expect(result).toEqual({ dns: { ok: false, answers: [PRIVATELINK], detail: nonEmpty }, tcp: { ok: false, detail: nonEmpty }, api: { ok: false, detail: nonEmpty } });
    expect(net.connects).toEqual([]);
  });

  test('a DNS error fails DNS with no answers; TCP still goes to the expected endpoint', async () => {
    const net = network(dnsError('ESERVFAIL'));
    const result = await runProbe(input(), net);
    expect(result.dns).toEqual({ ok: false, answers: [], detail: nonEmpty });
    expect(result.tcp).toMatchObject({ ok: true, address: PRIVATE_IP });
    expect(result.api).toMatchObject({ ok: true, status: 200 });
  });

  test('a DNS error without an expected IP dials nothing', async () => {
    const net = network(dnsError('ENOTFOUND'));
    const result = await runProbe(input({ expectedPrivateIp: undefined }), net);
    expect(result).toEqual({ dns: { ok: false, answers: [], detail: nonEmpty }, tcp: { ok: false, detail: nonEmpty }, api: { ok: false, detail: nonEmpty } });
    expect(net.connects).toEqual([]);
  });

  test.each([
    ['10.0.0.1', true],
    ['10.255.1.2', true],
    ['110.10.1.1', false],
    ['100.64.0.1', false],
    ['101.1.1.1', false],
    ['172.16.0.1', true],
    ['172.19.4.4', true],
    ['172.25.0.1', true],
    ['172.31.255.254', true],
    ['172.15.0.1', false],
    ['172.32.0.1', false],
    ['172.160.0.1', false],
    ['172.200.0.1', false],
    ['8.172.16.1', false],
    ['192.168.0.1', true],
    ['192.169.0.1', false],
    ['1.192.168.1', false],
    ['20.210.3.4', false],
  ])('%s is a private (RFC 1918) address: %s', (ip, expected) => {
    expect(isPrivateAddress(ip)).toBe(expected);
  });
});

describe('the TCP verdict', () => {
  test('a refused connection fails TCP at the expected address; the API is not tried', async () => {
    const result = await runProbe(input(), network(privateAnswer, { [PRIVATE_IP]: await closedPort() }));
    expect(result).toEqual({
      dns: { ok: true, answers: [PRIVATELINK, PRIVATE_IP], detail: nonEmpty },
      tcp: { ok: false, address: PRIVATE_IP, detail: nonEmpty },
      api: { ok: false, detail: nonEmpty },
    });
    expect(plane.seen).toEqual([]);
  });

  test('a connection that is never answered fails TCP after the given timeout', async () => {
    const net = network(privateAnswer, {});
    const started = Date.now();
    const result = await runProbe(input({ timeoutMs: 150 }), net);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(net.connects).toEqual([{ ip: PRIVATE_IP, port: 443, timeoutMs: 150 }]);
    expect(result.tcp).toEqual({ ok: false, address: PRIVATE_IP, detail: nonEmpty });
    expect(result.api).toEqual({ ok: false, detail: nonEmpty });
  });

  test('the timeout is 5 seconds when none is given', async () => {
    const net = network(privateAnswer);
    await runProbe(input({ timeoutMs: undefined }), net);
    expect(net.connects).toEqual([{ ip: PRIVATE_IP, port: 443, timeoutMs: 5000 }]);
  });
});

describe('the API verdict', () => {
  test('a chat completion is asked over TLS to the account host (SNI), with the token as Bearer', async () => {
    const result = await runProbe(input(), network(privateAnswer));
    expect(result.api).toEqual({ ok: true, status: 200, detail: nonEmpty });
    expect(plane.seen).toHaveLength(1);
    const [seen] = plane.seen;
    expect(seen.servername).toBe(HOST);
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21');
    expect(seen.headers).toMatchObject({
      host: HOST,
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(seen.body)),
    });
    const body = JSON.parse(seen.body);
    expect(body.max_tokens).toBeGreaterThan(0);
    expect(body.messages).toEqual([{ role: 'user', content: expect.stringMatching(/\S/) }]);
  });

  test('the api-version and deployment given are the ones asked', async () => {
    await runProbe(input({ apiVersion: '2025-01-01-preview', deployment: 'chat model' }), network(privateAnswer));
    expect(plane.seen.map((s) => s.url)).toEqual(['/openai/deployments/chat%20model/chat/completions?api-version=2025-01-01-preview']);
  });

  test('the token never appears in the result, whatever the outcome', async () => {
    const outcomes = [
      await runProbe(input(), network(privateAnswer)),
      await runProbe(input(), network({ cnames: [], addresses: [PUBLIC_IP] })),
      await runProbe(input({ timeoutMs: 100 }), network(privateAnswer, {})),
    ];
    plane.answer = (_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end('{"statusCode":401,"message":"Unauthorized. Access token is missing, invalid, audience is incorrect, or have expired."}');
    outcomes.push(await runProbe(input(), network(privateAnswer)));
    for (const result of outcomes) expect(JSON.stringify(result)).not.toContain(token.split('.')[1]);
  });

  test('401 with {statusCode, message}: status kept, no code, the service message reported', async () => {
    const message = 'Unauthorized. Access token is missing, invalid, audience is incorrect (https://cognitiveservices.azure.com), or have expired.';
    plane.answer = (_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode: 401, message }));
    const result = await runProbe(input(), network(privateAnswer));
    expect(result.api).toStrictEqual({ ok: false, status: 401, detail: expect.stringContaining(message) });
    expect(result.api.detail).not.toContain('statusCode');
    expect(result.tcp.ok).toBe(true);
  });

  test('401 PermissionDenied with {error: {code, message}}: the code is kept for the diagnosis', async () => {
    const message = 'The principal lacks the required data action Microsoft.CognitiveServices/accounts/OpenAI/deployments/chat/completions/action.';
    plane.answer = (_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'PermissionDenied', message } }));
    const result = await runProbe(input(), network(privateAnswer));
    expect(result.api).toStrictEqual({ ok: false, status: 401, code: 'PermissionDenied', detail: expect.stringContaining(message) });
  });

  test('403 with {error: {code}} and no message: status and code kept', async () => {
    plane.answer = (_req, res) => res.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: '403' } }));
    const result = await runProbe(input(), network(privateAnswer));
    expect(result.api).toStrictEqual({ ok: false, status: 403, code: '403', detail: nonEmpty });
  });

  test('a body that is not JSON (a proxy page): status kept, no code, the detail bounded', async () => {
    plane.answer = (_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end(`<html><body>${'Bad gateway. '.repeat(2000)}</body></html>`);
    const result = await runProbe(input(), network(privateAnswer));
    expect(result.api).toStrictEqual({ ok: false, status: 502, detail: nonEmpty });
    expect(result.api.detail.length).toBeLessThan(300);
  });

  test.each([
    ['an error without a message', { error: { code: 'InternalServerError', innererror: 'x'.repeat(5000) } }],
    ['a statusCode without a message', { statusCode: 500, trace: 'x'.repeat(5000) }],
  ])('%s: the detail is bounded', async (_what, answer) => {
    plane.answer = (_req, res) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
    const result = await runProbe(input(), network(privateAnswer));
    expect(result.api).toMatchObject({ ok: false, status: 500 });
    expect(result.api.detail.length).toBeLessThan(300);
  });

  test('a connection reset instead of an answer fails the API with no status', async () => {
    plane.answer = (req, res) => res.socket?.destroy();
    const result = await runProbe(input(), network(privateAnswer));
    expect(result.tcp.ok).toBe(true);
    expect(result.api).toStrictEqual({ ok: false, detail: nonEmpty });
    expect(plane.seen).toHaveLength(1);
  });

  test('a certificate the probe does not trust fails the API before any request is sent', async () => {
    const untrusting = new TestNetwork(privateAnswer, { [PRIVATE_IP]: plane.port });
    const result = await runProbe(input(), untrusting);
    expect(result.tcp.ok).toBe(true);
    expect(result.api).toStrictEqual({ ok: false, detail: nonEmpty });
    expect(plane.seen).toEqual([]);
  });

  test('a data plane that never answers fails the API after the timeout', async () => {
    plane.answer = () => undefined;
    const started = Date.now();
    const result = await runProbe(input({ timeoutMs: 200 }), network(privateAnswer));
    expect(Date.now() - started).toBeLessThan(1500);
    expect(result.api).toStrictEqual({ ok: false, detail: nonEmpty });
    expect(plane.seen).toHaveLength(1);
  }, 5000);

  test('a listener that accepts TCP but never completes TLS fails the API after the timeout', async () => {
    const silent = await silentListener();
    try {
      const started = Date.now();
      const result = await runProbe(input({ timeoutMs: 200 }), network(privateAnswer, { [PRIVATE_IP]: silent.port }));
      expect(Date.now() - started).toBeLessThan(1500);
      expect(result.tcp).toMatchObject({ ok: true, address: PRIVATE_IP });
      expect(result.api).toStrictEqual({ ok: false, detail: nonEmpty });
    } finally {
      await silent.close();
    }
  }, 5000);

  test('the connection is closed once the probe has its answer', async () => {
    await runProbe(input(), network(privateAnswer));
    await new Promise((done) => setTimeout(done, 50));
    expect(plane.openConnections).toBe(0);
  });
});

describe('the probe function entry', () => {
  test('a warm-up returns at once and touches no network', async () => {
    const net = network(privateAnswer);
    await expect(handleProbeEvent({ warmUp: true }, net)).resolves.toEqual({ warmedUp: true });
    expect(net.resolved).toEqual([]);
    expect(net.connects).toEqual([]);
  });

  test('anything else is a probe', async () => {
    const net = network(privateAnswer);
    const result = await handleProbeEvent(input(), net);
    expect(result).toMatchObject({ dns: { ok: true }, tcp: { ok: true }, api: { ok: true, status: 200 } });
    expect(net.resolved).toEqual([HOST]);
  });
});
