/**
 * ticket.callbackUrl may not lead inside: every spelling of a loopback, link-local, private or internal host
 * is refused by the request's text; names are resolved (over the wire, to a DNS server on 127.0.0.1) and
 * refused when any answer is not public; the intake refuses them the same way.
 */
import { callbackHostProblem, callbackTargetProblem, nonPublicAddressReason, type CallbackAllowance } from '../../functions/commons/callback-url';
import { loopbackAllowance } from '../support/callback-allowance';
import { validateRequestDocument } from '../../functions/commons/request/schema';
import { handleIntake } from '../../functions/intake/intake';
import type { LocalStepFunctions } from '../../local/stepfunctions/server';
import { ManualBackend, SECRET, STATE_MACHINE_ARN, localSfn, sampleRequest, webhookEvent } from '../intake/support';
import { startTestPublicDns, type TestPublicDns } from '../support/public-dns';

function withCallback(callbackUrl: string): unknown {
  const request = sampleRequest();
  request.ticket.callbackUrl = callbackUrl;
  return request;
}

function staticProblems(callbackUrl: string, allowance?: CallbackAllowance) {
  const result = validateRequestDocument(withCallback(callbackUrl), { callbackAllowance: allowance });
  return result.ok ? [] : result.problems;
}

describe('the URL text', () => {
  test.each([
    // IPv4 loopback in every spelling the URL parser accepts
    ['https://127.0.0.1/x', /loopback/],
    ['https://127.1/x', /loopback/],
    ['https://2130706433/x', /loopback/],
    ['https://0x7f000001/x', /loopback/],
    ['https://0x7f.0.0.1/x', /loopback/],
    ['https://017700000001/x', /loopback/],
    ['https://0177.0.0.01/x', /loopback/],
    ['https://127.0.0.1./x', /loopback/],
    ['https://0/x', /unspecified/],
    // link-local (instance metadata), private, shared, reserved
    ['https://169.254.169.254/latest/meta-data', /link-local/],
    ['https://0xa9fea9fe/x', /link-local/],
    ['https://10.1.2.3/x', /private/],
    ['https://172.16.0.1/x', /private/],
    ['https://192.168.1.1/x', /private/],
    ['https://100.64.0.1/x', /carrier-grade/],
    ['https://255.255.255.255/x', /reserved or broadcast/],
    // IPv6
    ['https://[::1]/x', /IPv6 loopback/],
    ['https://[0:0:0:0:0:0:0:1]/x', /IPv6 loopback/],
    ['https://[::]/x', /unspecified/],
    ['https://[fd00:ec2::254]/x', /unique local/],
    ['https://[fe80::1]/x', /link-local IPv6/],
    ['https://[::ffff:127.0.0.1]/x', /IPv4-mapped.*loopback/],
    ['https://[::ffff:a9fe:a9fe]/x', /IPv4-mapped.*link-local/],
    ['https://[64:ff9b::10.0.0.1]/x', /NAT64.*private/],
    ['https://[2002:c0a8:0101::1]/x', /6to4.*private/],
    // names that are internal by their text
    ['https://localhost/x', /single-label/],
    ['https://LOCALHOST./x', /single-label/],
    ['https://api.localhost/x', /\.localhost/],
    ['https://metadata.google.internal/x', /\.internal/],
    ['https://ip-10-0-0-1.ec2.internal/x', /\.internal/],
    ['https://printer.local/x', /\.local/],
    ['https://router.home.arpa/x', /\.home\.arpa/],
    ['https://tickets/x', /single-label/],
  ])('%s is refused', (url, reason) => {
    const problems = staticProblems(url);
    expect(problems).toEqual([{ path: 'ticket.callbackUrl', message: expect.stringMatching(reason) }]);
  });

  test.each(['https://tickets.example.com/hooks/OPS-1', 'https://93.184.215.14/x', 'https://[2606:4700::6810:84e5]/x', 'https://203.0.113.9/x'])(
    '%s passes the text check',
    (url) => {
      expect(staticProblems(url)).toEqual([]);
    },
  );

  test('an allowance admits exactly the listener it names, inside its network only', () => {
    expect(staticProblems('https://127.0.0.1:8443/x', loopbackAllowance(8443))).toEqual([]);
    expect(staticProblems('https://127.0.0.1:8444/x', loopbackAllowance(8443))).toHaveLength(1);
    expect(staticProblems('https://10.0.0.1:8443/x', loopbackAllowance(8443))).toHaveLength(1);
    expect(staticProblems('https://169.254.169.254:8443/x', loopbackAllowance(8443))).toHaveLength(1);
  });

  test('addresses outside the special ranges are public', () => {
    for (const address of ['8.8.8.8', '20.194.0.5', '2606:4700::1', '::ffff:8.8.8.8', '64:ff9b::808:808']) expect([address, nonPublicAddressReason(address)]).toEqual([address, undefined]);
    expect(callbackHostProblem(new URL('https://tickets.example.com/'))).toBeUndefined();
  });
});

describe('names, resolved over DNS', () => {
  let dns: TestPublicDns;
  beforeAll(async () => {
    dns = await startTestPublicDns({
      'tickets.example.com': ['192.0.2.10'],
      'evil.example.com': ['192.0.2.11', '10.0.0.5'],
      'metadata.example.net': ['169.254.169.254'],
      'loop.example.org': ['127.0.0.1'],
    });
  });
  afterAll(() => dns.close());

  test('a name whose answers are all public is fine; one private answer is enough to refuse', async () => {
    const checks = { resolveHost: dns.resolveHost };
    expect(await callbackTargetProblem(new URL('https://tickets.example.com/hooks'), checks)).toBeUndefined();
    expect(await callbackTargetProblem(new URL('https://evil.example.com/hooks'), checks)).toMatch(/evil\.example\.com resolves to 10\.0\.0\.5, a private address/);
    expect(await callbackTargetProblem(new URL('https://metadata.example.net/'), checks)).toMatch(/169\.254\.169\.254, a link-local/);
    expect(await callbackTargetProblem(new URL('https://loop.example.org/'), checks)).toMatch(/127\.0\.0\.1, a loopback/);
    expect(await callbackTargetProblem(new URL('https://nowhere.example.com/'), checks)).toMatch(/does not resolve/);
    expect(dns.queries).toContain('evil.example.com'); // asked on the wire, not guessed
  });

  describe('the intake', () => {
    let backend: ManualBackend;
    let server: LocalStepFunctions;
    let sfn: Awaited<ReturnType<typeof localSfn>>['sfn'];
    beforeEach(async () => {
      backend = new ManualBackend();
      ({ server, sfn } = await localSfn(backend));
    });
    afterEach(async () => {
      sfn.destroy();
      await server.close();
    });
    const intake = (callbackUrl: string) =>
      handleIntake(webhookEvent(JSON.stringify(withCallback(callbackUrl))), {
        sfn,
        stateMachineArn: STATE_MACHINE_ARN,
        signingSecret: async () => SECRET,
        callbackChecks: { resolveHost: dns.resolveHost },
      });

    test('refuses a name that resolves to a private address, with the field path, and starts nothing', async () => {
      const answer = await intake('https://evil.example.com/hooks/OPS-1');
      expect(answer.statusCode).toBe(400);
      expect(JSON.parse(answer.body).problems).toEqual([{ path: 'ticket.callbackUrl', message: expect.stringMatching(/10\.0\.0\.5/) }]);
      expect(server.executions.size).toBe(0);
    });

    test('refuses an address literal in a hex spelling before resolving anything', async () => {
      const before = dns.queries.length;
      const answer = await intake('https://0xA9FEA9FE/latest/meta-data');
      expect(answer.statusCode).toBe(400);
      expect(JSON.parse(answer.body).problems[0]).toEqual({ path: 'ticket.callbackUrl', message: expect.stringMatching(/169\.254\.169\.254.*link-local/) });
      expect(dns.queries.length).toBe(before);
    });

    test('accepts a public name', async () => {
      expect((await intake('https://tickets.example.com/hooks/OPS-1')).statusCode).toBe(202);
    });
  });
});
