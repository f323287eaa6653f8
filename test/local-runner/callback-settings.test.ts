/**
 * Local mode reaches the ticket callback checks as a deployment does: through the operator settings its
 * functions declare (CALLBACK_ALLOWED_NETWORKS, CALLBACK_DNS_SERVERS), here 127.0.0.1 allowed and a real DNS
 * server on 127.0.0.1 answering as local/cloud/public-dns.ts rules. Set for the run, restored after it.
 */
import { functionDefinition, variablesOf } from '../../functions/catalog';
import {
  CALLBACK_ALLOWED_NETWORKS,
  CALLBACK_DNS_SERVERS,
  callbackChecksFromSettings,
  callbackChecksOfThisEnvironment,
  callbackHostProblem,
  callbackTargetProblem,
} from '../../functions/commons/callback-url';
import { RequestRefused } from '../../functions/commons/errors';
import { EXAMPLE_ADDRESS, startLocalPublicDns } from '../../local/cloud/public-dns';
import { runLocal } from '../../local/runner';
import { localCallbackEnvironment } from '../../local/runner/environment';
import { request } from '../workflow/support';
import { temporaryDirectory } from './support';

test('the settings local mode gives are the ones the callback-checking functions declare, as operator settings', () => {
  const settings = Object.keys(localCallbackEnvironment('127.0.0.1:53'));
  expect(settings.sort()).toEqual([CALLBACK_ALLOWED_NETWORKS, CALLBACK_DNS_SERVERS]);
  for (const id of ['ValidateRequest', 'Intake', 'NotifyTicket']) {
    const declared = variablesOf(functionDefinition(id)).filter((variable) => settings.includes(variable.name));
    expect([id, declared.map((variable) => [variable.name, variable.setBy, variable.required])]).toEqual([
      id,
      [
        [CALLBACK_ALLOWED_NETWORKS, 'operator', false],
        [CALLBACK_DNS_SERVERS, 'operator', false],
      ],
    ]);
  }
});

test("the local public DNS answers its rule over the wire, and 127.0.0.1 alone is allowed, on any port", async () => {
  const server = await startLocalPublicDns();
  try {
    const checks = callbackChecksFromSettings(localCallbackEnvironment(server.address));
    expect(await checks.resolveHost('tickets.example.com')).toEqual([EXAMPLE_ADDRESS]);
    expect(await checks.resolveHost('EXAMPLE.ORG.')).toEqual([EXAMPLE_ADDRESS]);
    expect(await callbackTargetProblem(new URL('https://tickets.examples.com/h'), checks)).toMatch(/does not resolve/);
    expect(await callbackTargetProblem(new URL('https://example.com.evil.test/h'), checks)).toMatch(/does not resolve/);
    for (const port of [443, 8443, 65535]) expect(callbackHostProblem(new URL(`https://127.0.0.1:${port}/h`), checks.allowance)).toBeUndefined();
    expect(callbackHostProblem(new URL('https://127.0.0.2/h'), checks.allowance)).toMatch(/loopback/);
    expect(callbackHostProblem(new URL('https://[::1]/h'), checks.allowance)).toMatch(/loopback/);
    expect(callbackHostProblem(new URL('https://10.0.0.1/h'), checks.allowance)).toMatch(/private/);
  } finally {
    await server.close();
  }
});

test('during a run the functions read the settings (names resolved by the local DNS), and after it they are gone', async () => {
  const seen: { networks?: string; resolved?: string[] } = {};
  const refused = await runLocal({
    output: null,
    outDir: temporaryDirectory('callback'),
    request: request(() => undefined),
    handlers: {
      // Reads what a real function reads, then stops the run before anything is created.
      ValidateRequestFunctionArn: async () => {
        seen.networks = process.env[CALLBACK_ALLOWED_NETWORKS];
        seen.resolved = await callbackChecksOfThisEnvironment().resolveHost('tickets.example.com');
        throw new RequestRefused('seen', [{ path: '(test)', message: 'stop here' }]);
      },
    },
  });
  expect(refused.status).toBe('REFUSED');
  expect(seen).toEqual({ networks: '127.0.0.1/32', resolved: [EXAMPLE_ADDRESS] });
  expect(process.env[CALLBACK_ALLOWED_NETWORKS]).toBeUndefined();
  expect(process.env[CALLBACK_DNS_SERVERS]).toBeUndefined();
}, 120_000);

test("the real check before start accepts a callback on 127.0.0.1 and refuses one elsewhere on loopback", async () => {
  // A region the deployment does not run in makes every run a refusal, so only the callback's verdict differs.
  const withCallback = (callbackUrl: string) =>
    request((r) => {
      r.aws.region = 'us-east-1';
      r.ticket.callbackUrl = callbackUrl;
    });
  const accepted = await runLocal({ output: null, outDir: temporaryDirectory('callback'), request: withCallback('https://127.0.0.1:9443/hooks/OPS-1') });
  expect(accepted.problems?.map((problem) => problem.path)).toEqual(['aws.region']);
  const elsewhere = await runLocal({ output: null, outDir: temporaryDirectory('callback'), request: withCallback('https://127.0.0.2:9443/hooks/OPS-1') });
  expect(elsewhere.problems?.map((problem) => problem.path)).toContain('ticket.callbackUrl');
}, 120_000);
