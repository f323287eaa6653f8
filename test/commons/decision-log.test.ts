/**
 * Domain code says what it decided: one INFO line per look-up-before-create (found, created, adopted,
 * repaired), in the invocation's logger, so each line carries the execution name and the request id. Run
 * against the emulated clouds with the real SDK clients.
 */
import { ensureTunnelKey, createCustomerGateway } from '../../functions/aws-vpn/aws-vpn';
import { createPrivateDnsZone } from '../../functions/azure-network/azure-network';
import { createLogger, invocationLogger, withInvocationLog } from '../../functions/commons/logger';
import { resourceNames } from '../../functions/commons/naming';
import { lambdaContext } from '../support/lambda-context';
import { logLines } from '../support/log-lines';
import { FACTS, startVpnClouds, vpnRequest, type VpnClouds } from '../workflow/vpn-support';

let h: VpnClouds | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const request = vpnRequest();
const input = { request, facts: FACTS };

/** Runs `work` as one invocation of `service` would, and returns its decision lines. */
async function decisions(service: string, requestId: string, work: () => Promise<unknown>) {
  const log = invocationLogger(createLogger(service), lambdaContext(`aoai-link-${service}`, requestId), { executionName: 'aoai-prod-01-run-1' });
  const lines = await logLines(() => withInvocationLog(log, work));
  return lines.map((l): Record<string, any> => ({ ...l, requestId: l.function_request_id }));
}

test('EC2: created, then found on the re-run; each line names the execution and the request', async () => {
  h = await startVpnClouds();
  const clouds = h;
  const first = await decisions('aws-vpn', 'req-1', () => createCustomerGateway(clouds.ec2, clouds.ec2Once, { ...input, publicIp: '20.0.0.10' }));
  const again = await decisions('aws-vpn', 'req-2', () => createCustomerGateway(clouds.ec2, clouds.ec2Once, { ...input, publicIp: '20.0.0.10' }));
  expect(first.map((l) => [l.level, l.message, l.create, l.requestId, l.executionName])).toEqual([['INFO', 'created', 'CreateCustomerGateway', 'req-1', 'aoai-prod-01-run-1']]);
  expect(again.map((l) => [l.message, l.create, l.requestId])).toEqual([['found', 'CreateCustomerGateway', 'req-2']]);
});

test('Secrets Manager: a tunnel key created, then found; the line names its ARN, never the key', async () => {
  h = await startVpnClouds();
  const clouds = h;
  const name = resourceNames(request).aws.pskSecretNames[0];
  let key = '';
  const first = await decisions('aws-vpn', 'req-1', async () => (key = (await ensureTunnelKey(clouds.secrets, request.environmentId, name)).key));
  const again = await decisions('aws-vpn', 'req-2', () => ensureTunnelKey(clouds.secrets, request.environmentId, name));
  expect(first.map((l) => l.message)).toEqual(['created']);
  expect(again.map((l) => l.message)).toEqual(['found']);
  expect(String(first[0].tunnelKeySecret)).toMatch(/^arn:aws:secretsmanager:/);
  expect(JSON.stringify([...first, ...again])).not.toContain(key);
});

test('ARM: created, then found (in progress or done) on the re-run', async () => {
  h = await startVpnClouds();
  const clouds = h;
  const zone = resourceNames(request).azure.privateDnsZone.id;
  const first = await decisions('azure-network', 'req-1', () => createPrivateDnsZone(clouds.arm, input));
  const again = await decisions('azure-network', 'req-2', () => createPrivateDnsZone(clouds.arm, input));
  expect(first.map((l) => [l.message, l.resource])).toEqual([['created', zone]]);
  expect(again.map((l) => [l.message, l.resource])).toEqual([['found', zone]]);
});
