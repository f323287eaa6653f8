/** Injected faults seen through the SDKs: throttling, 5xx, and a dropped answer after the create committed. */
import { CreateVpnGatewayCommand, DescribeVpcsCommand, DescribeVpnGatewaysCommand } from '@aws-sdk/client-ec2';
import { GetFunctionCommand } from '@aws-sdk/client-lambda';
import { ListResolverRulesCommand } from '@aws-sdk/client-route53resolver';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { errorOf, startHarness, type Harness } from './helpers';

describe('fault injection', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  test('throttle:1 — every service answers its own throttling error; the SDK retries (counted by the recorder)', async () => {
    h = await startHarness({ faults: 'throttle:1', maxAttempts: 2 });
    const ec2 = await errorOf(h.ec2.send(new DescribeVpcsCommand({})));
    expect(ec2.name).toBe('RequestLimitExceeded');
    expect(ec2.$metadata?.httpStatusCode).toBe(503);
    expect(ec2.$metadata?.attempts).toBe(2);
    const resolver = await errorOf(h.resolver.send(new ListResolverRulesCommand({})));
    expect(resolver.name).toBe('ThrottlingException');
    expect(resolver.$metadata?.httpStatusCode).toBe(400);
    const secrets = await errorOf(h.secrets.send(new ListSecretsCommand({})));
    expect(secrets.name).toBe('ThrottlingException');
    const lambda = await errorOf(h.lambda.send(new GetFunctionCommand({ FunctionName: 'x' })));
    expect(lambda.name).toBe('TooManyRequestsException');
    expect(lambda.$metadata?.httpStatusCode).toBe(429);
    expect(h.ctx.recorder.apiCalls.aws).toEqual({ DescribeVpcs: 2, ListResolverRules: 2, ListSecrets: 2, GetFunction: 2 });
  }, 30000);

  test('error5xx:1 — 5xx errors and nothing changes in state', async () => {
    h = await startHarness({ faults: 'error5xx:1', maxAttempts: 1 });
    const ec2 = await errorOf(h.ec2.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1' })));
    expect(['InternalError', 'Unavailable']).toContain(ec2.name);
    expect(ec2.$metadata?.httpStatusCode).toBeGreaterThanOrEqual(500);
    expect(ec2.$fault).toBe('server');
    expect(h.ctx.state.aws.vpnGateways).toHaveLength(0);
    expect((await errorOf(h.resolver.send(new ListResolverRulesCommand({})))).name).toBe('InternalServiceErrorException');
    expect((await errorOf(h.secrets.send(new ListSecretsCommand({})))).name).toBe('InternalServiceError');
    const lambda = await errorOf(h.lambda.send(new GetFunctionCommand({ FunctionName: 'x' })));
    expect(lambda.name).toBe('ServiceException');
    expect(lambda.$metadata?.httpStatusCode).toBe(500);
  });

  test('a rate below 1 fails some calls; the default SDK retries get through', async () => {
    h = await startHarness({ faults: 'throttle:0.3', seed: 7 });
    for (let i = 0; i < 8; i++) await h.ec2.send(new DescribeVpcsCommand({}));
    expect(h.ctx.recorder.apiCalls.aws.DescribeVpcs).toBeGreaterThan(8);
  }, 60000);

  test('drop-response:CreateVpnGateway with default retries — the SDK retried and a second gateway exists', async () => {
    h = await startHarness({ faults: 'drop-response:CreateVpnGateway' });
    const answer = await h.ec2.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1' }));
    expect(answer.$metadata.attempts).toBe(2);
    expect(h.ctx.recorder.apiCalls.aws.CreateVpnGateway).toBe(2);
    const all = await h.ec2.send(new DescribeVpnGatewaysCommand({}));
    expect(all.VpnGateways).toHaveLength(2);
    expect(all.VpnGateways!.map((g) => g.VpnGatewayId)).toContain(answer.VpnGateway!.VpnGatewayId);
  });

  test('drop-response:CreateVpnGateway with maxAttempts 1 — a network error, and exactly one gateway exists', async () => {
    h = await startHarness({ faults: 'drop-response:CreateVpnGateway', maxAttempts: 1 });
    const error = await errorOf(h.ec2.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1' })));
    expect(error.$metadata?.httpStatusCode).toBeUndefined();
    expect(String((error as { code?: string }).code ?? error.message)).toMatch(/ECONNRESET|socket hang up/);
    expect(h.ctx.state.aws.vpnGateways).toHaveLength(1);
    // Only the first answer is dropped.
    await h.ec2.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1' }));
    expect(h.ctx.state.aws.vpnGateways).toHaveLength(2);
  });
});
