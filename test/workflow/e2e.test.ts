/**
 * The provisioning workflow end to end in local mode: the real ASL on aws-local-stepfunctions, the real
 * handlers, the real SDK clients against the emulated clouds on 127.0.0.1.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { createdCounts, DEFAULT_WORLD, request, run, secretsHeldBy, type Run } from './support';

/**
 * PIP 15 + gateway 2400 + two connections one after the other (Azure writes one connection at a time per
 * gateway) 60 + 60 + the second tunnel's negotiation 120 + account update 60 (issue 3, issue 11).
 */
const CRITICAL_PATH_SECONDS = 2715;

let baseline: Run;

beforeAll(async () => {
  baseline = await run();
});

describe('the default request', () => {
  it('succeeds and the report shows a proven private path', () => {
    const { result } = baseline;
    expect(result.exitCode).toBe(0);
    expect(result.status).toBe('SUCCEEDED');
    const report = result.report!;
    expect(report.probe).toMatchObject({
      dns: { ok: true, answers: ['aoai-prod.privatelink.openai.azure.com', '192.168.1.4'] },
      tcp: { ok: true },
      api: { ok: true, status: 200 },
    });
    const output = result.output as any;
    expect(output.privateEndpointIp).toBe('192.168.1.4');
    expect(output.publicNetworkAccess).toBe('Disabled');
    expect(output.tunnels).toEqual([
      expect.objectContaining({ tunnel: 1, aws: 'UP', azure: 'Connected' }),
      expect.objectContaining({ tunnel: 2, aws: 'UP', azure: 'Connected' }),
    ]);
  });

  it('stays on the critical path (within 5%) in under 400 state transitions', () => {
    const report = baseline.result.report!;
    expect(report.simulatedSeconds).toBeGreaterThanOrEqual(CRITICAL_PATH_SECONDS);
    expect(report.simulatedSeconds).toBeLessThanOrEqual(CRITICAL_PATH_SECONDS * 1.05);
    expect(report.stateTransitions).toBeLessThan(400);
  });

  it('locks the account only after the probe proved the path, then proves it again', () => {
    const timeline = baseline.result.report!.timeline;
    const at = (state: string) => timeline.find((t: any) => t.state === state)!;
    expect(at('Lock the OpenAI account\'s public network access').enteredAt).toBeGreaterThanOrEqual(at('Probe the private path from inside the VPC').exitedAt);
    expect(at('Confirm the API still answers privately').enteredAt).toBeGreaterThanOrEqual(at('Check the account update has applied').exitedAt);
    const account = Object.values(baseline.state().azure.resources).find((r) => r.type === 'Microsoft.CognitiveServices/accounts')!;
    expect(account.body.properties.publicNetworkAccess).toBe('Disabled');
  });

  it('tags every AWS and Azure resource it creates with environment and managed-by', () => {
    const { resources } = baseline.result.report!;
    // AssociateResolverRule takes no tags: an association is not a taggable AWS resource.
    const awsTaggable = resources.aws.filter((r: any) => r.type !== 'resolver-rule-association');
    expect(awsTaggable.length).toBeGreaterThanOrEqual(10);
    for (const resource of awsTaggable) {
      expect({ id: resource.id, tags: resource.tags }).toEqual({
        id: resource.id,
        tags: expect.objectContaining({ environment: 'aoai-prod-01', 'managed-by': 'aoai-private-link' }),
      });
    }
    // Subnets, zone groups, record sets and NSG rules are not taggable in ARM; the endpoint's NIC is Azure's own creation.
    const untaggable = /\/(subnets|privateDnsZoneGroups|A|networkInterfaces|securityRules)$/;
    const taggable = resources.azure.filter((r: any) => !untaggable.test(r.type));
    expect(taggable.length).toBeGreaterThanOrEqual(10);
    // The environment's own tunnel resources carry its tag; what it built for the hub carries the hub's tags
    // and no environment tag, so no one environment's teardown takes the hub from the others.
    const ownTypes = /^Microsoft\.Network\/(localNetworkGateways|connections)$/;
    expect(taggable.filter((r: any) => ownTypes.test(r.type))).toHaveLength(4);
    for (const resource of taggable) {
      const own = ownTypes.test(resource.type);
      expect({ id: resource.id, tags: resource.tags, environmentTag: own ? 'aoai-prod-01' : resource.tags.environment }).toEqual({
        id: resource.id,
        tags: expect.objectContaining(
          own
            ? { environment: 'aoai-prod-01', 'managed-by': 'aoai-private-link' }
            : { hub: 'vnet-hub', 'built-for-environment': 'aoai-prod-01', 'managed-by': 'aoai-private-link' },
        ),
        environmentTag: own ? 'aoai-prod-01' : undefined,
      });
    }
  });

  it('keeps every secret the clouds hold out of history.json, report.json and the output', () => {
    const secrets = secretsHeldBy(baseline.state());
    expect(secrets.length).toBeGreaterThanOrEqual(5); // two PSKs on each side, account keys, the Azure client secret
    const texts = { history: baseline.historyText(), report: baseline.reportText(), output: JSON.stringify(baseline.result.output) };
    for (const secret of secrets) {
      for (const [where, text] of Object.entries(texts)) {
        expect({ where, leaked: text.includes(secret) }).toEqual({ where, leaked: false });
      }
    }
  });

  it('creates nothing when the same request runs again', async () => {
    const before = createdCounts(baseline.state());
    const ids = baseline.result.report!.resources;
    const again = await run({ stateFile: baseline.stateFile });
    expect(again.result.status).toBe('SUCCEEDED');
    expect(createdCounts(again.state())).toEqual(before);
    expect(again.result.report!.resources.aws.map((r: any) => r.id).sort()).toEqual(ids.aws.map((r: any) => r.id).sort());
    const writes = Object.entries(again.result.report!.apiCalls.azure).filter(([call]) => /^(PUT|PATCH)/.test(call));
    expect(writes).toEqual([]);
    expect(again.result.report!.operations).toEqual([]);
  });
});

/** Every state-changing call the default run made: AWS actions that create or change, ARM PUT/PATCH per type. */
function createCalls(): string[] {
  const { aws, azure } = baseline.result.report!.apiCalls;
  return [
    ...Object.keys(aws).filter((a) => /^(Create|Attach|Enable|Associate|Authorize|Revoke|Put)/.test(a)),
    ...Object.keys(azure).filter((a) => /^(PUT|PATCH) /.test(a)),
  ].sort();
}

describe('a dropped answer (the create happened, the answer never arrived)', () => {
  it('is injected for a meaningful set of calls', () => {
    expect(createCalls()).toEqual(
      expect.arrayContaining([
        'CreateCustomerGateway',
        'CreateVpnGateway',
        'CreateVpnConnection',
        'CreateSecret',
        'CreateResolverEndpoint',
        'AssociateResolverRule',
        'CreateFunction',
        'PUT Microsoft.Network/virtualNetworkGateways',
        'PUT Microsoft.Network/connections',
      ]),
    );
  });

  it.each(['CreateCustomerGateway', 'CreateVpnGateway', 'CreateVpnConnection', 'CreateSecret', 'CreateSecurityGroup', 'CreateResolverEndpoint', 'CreateResolverRule', 'AssociateResolverRule', 'CreateFunction', 'AttachVpnGateway', 'PUT Microsoft.Network/virtualNetworkGateways', 'PUT Microsoft.Network/publicIPAddresses', 'PUT Microsoft.Network/virtualNetworks/subnets', 'PUT Microsoft.Network/connections', 'PUT Microsoft.Network/privateEndpoints'])(
    'drop-response:%s leaves no duplicate in the same run',
    async (call) => {
      const dropped = await run({ faults: `drop-response:${call}` });
      expect(dropped.result.status).toBe('SUCCEEDED');
      expect(createdCounts(dropped.state())).toEqual(createdCounts(baseline.state()));
    },
  );

  it('for every create call at once, leaves no duplicate in the same run and after a re-run', async () => {
    const calls = createCalls();
    const dropped = await run({ faults: calls.map((c) => `drop-response:${c}`).join(',') });
    expect(dropped.result.status).toBe('SUCCEEDED');
    expect(createdCounts(dropped.state())).toEqual(createdCounts(baseline.state()));
    const again = await run({ stateFile: dropped.stateFile });
    expect(again.result.status).toBe('SUCCEEDED');
    expect(createdCounts(again.state())).toEqual(createdCounts(baseline.state()));
  });
});

describe('faults that must not stop the run', () => {
  it('throttling and 5xx answers at 10% and 5% still end SUCCEEDED', async () => {
    const flaky = await run({ faults: 'throttle:0.1,error5xx:0.05', jitterSeed: 3 });
    expect(flaky.result.status).toBe('SUCCEEDED');
    expect(createdCounts(flaky.state())).toEqual(createdCounts(baseline.state()));
    // Each throttled ARM answer makes the SDK wait its Retry-After in real seconds, not on the simulated clock.
  }, 240_000);

  it('latencies jittered by ±25% still end SUCCEEDED', async () => {
    const jittered = await run({ jitterSeed: 11 });
    expect(jittered.result.status).toBe('SUCCEEDED');
    expect(jittered.result.report!.stateTransitions).toBeLessThan(400);
  });
});

describe('faults and configurations that must stop the run with a cause an engineer can act on', () => {
  it('gateway-failed stops the run at the gateway with a clear cause', async () => {
    const failed = await run({ faults: 'gateway-failed' });
    expect(failed.result.exitCode).toBe(1);
    expect(failed.result.error).toBe('GatewayBuildFailed');
    expect(failed.result.cause).toMatch(/VPN gateway vpngw-vnet-hub build ended with provisioningState Failed/);
    expect((failed.result as any).failedState).toMatch(/VPN gateway/);
  });

  it('wrong-psk ends at the bounded tunnel wait naming each tunnel and what each side reports', async () => {
    const failed = await run({ faults: 'wrong-psk' });
    expect(failed.result.exitCode).toBe(1);
    expect(failed.result.error).toBe('TunnelsDown');
    expect(failed.result.cause).toMatch(/tunnel 1 \(AWS outside IP [\d.]+\): AWS reports DOWN/);
    expect(failed.result.cause).toMatch(/Azure connection reports (NotConnected|Connecting)/);
    expect(failed.result.cause).toMatch(/tunnel 2/);
    // AWS and Azure each report only their own end; the product read both keys and says which differ.
    expect(failed.result.cause).toMatch(/AWS reports DOWN \(IPSEC IS DOWN\), Azure/);
    for (const n of [1, 2]) {
      expect(failed.result.cause).toMatch(new RegExp(`tunnel ${n}: the Azure connection cn-aoai-prod-01-aws-tunnel-${n}'s pre-shared key differs from the tunnel key in Secrets Manager \\(arn:aws:secretsmanager:[^)]*tunnel-${n}-psk`));
    }
    expect(failed.result.cause).not.toMatch(/local network gateway|customer gateway|static route|not attached/);
    // Bounded: gave up about 30 simulated minutes after the tunnels were joined.
    expect(failed.result.report!.simulatedSeconds).toBeLessThan(2415 + 31 * 60 + 120);
    for (const secret of secretsHeldBy(failed.state())) expect(failed.result.cause).not.toContain(secret);
  });

  it('a route table left out of the request fails at the probe, naming what is missing', async () => {
    // The probe subnet has its own route table, which the request does not pass: no route to the VGW there.
    const world = JSON.parse(JSON.stringify(DEFAULT_WORLD));
    world.aws.routeTables = [
      { RouteTableId: 'rtb-0a1b2c3d4e5f60001', VpcId: 'vpc-0a1b2c3d4e5f60001', SubnetIds: ['subnet-0a1b2c3d4e5f60002'] },
      { RouteTableId: 'rtb-0a1b2c3d4e5f60002', VpcId: 'vpc-0a1b2c3d4e5f60001', SubnetIds: ['subnet-0a1b2c3d4e5f60001'] },
    ];
    const failed = await run({ world });
    expect(failed.result.exitCode).toBe(1);
    expect(failed.result.error).toBe('ProbeFailed');
    expect(failed.result.cause).toMatch(/route table rtb-0a1b2c3d4e5f60002 of probe subnet subnet-0a1b2c3d4e5f60001 has no route to 192\.168\.1\.4/);
    expect(failed.result.cause).toMatch(/not in aws\.routeTableIds/);
    const account = Object.values(failed.state().azure.resources).find((r) => r.type === 'Microsoft.CognitiveServices/accounts')!;
    expect(account.body.properties.publicNetworkAccess).toBe('Enabled'); // never locked before the path is proven
  });
});

describe('a re-run after a failure converges (redrive semantics: every task finds what exists)', () => {
  it('after gateway-failed, the same request rebuilds the gateway and succeeds without duplicates', async () => {
    const failed = await run({ faults: 'gateway-failed' });
    expect(failed.result.error).toBe('GatewayBuildFailed');
    const again = await run({ stateFile: failed.stateFile });
    expect(again.result.status).toBe('SUCCEEDED');
    expect(again.result.report!.apiCalls.azure['PUT Microsoft.Network/virtualNetworkGateways']).toBe(1);
    expect(createdCounts(again.state())).toEqual(createdCounts(baseline.state()));
  });

  it('after wrong-psk, the same request sets the key from Secrets Manager again and the tunnels come up', async () => {
    const failed = await run({ faults: 'wrong-psk' });
    expect(failed.result.error).toBe('TunnelsDown');
    const again = await run({ stateFile: failed.stateFile });
    expect(again.result.status).toBe('SUCCEEDED');
    expect((again.result.output as any).tunnels.every((t: any) => t.aws === 'UP' && t.azure === 'Connected')).toBe(true);
    const state = again.state();
    const awsKeys = state.aws.vpnConnections[0].Tunnels.map((t) => t.PreSharedKey);
    const azureKeys = Object.values(state.azure.resources)
      .filter((r) => r.type === 'Microsoft.Network/connections')
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((r) => r.body.properties.sharedKey);
    expect(azureKeys).toEqual(awsKeys);
    expect(createdCounts(state)).toEqual(createdCounts(baseline.state()));
    for (const secret of secretsHeldBy(state)) expect(again.historyText()).not.toContain(secret);
  });
});

describe('options', () => {
  it('tunnels "one" joins tunnel 1 only, as seed 004 does', async () => {
    const one = await run({ request: request((r) => (r.options.tunnels = 'one')) });
    expect(one.result.status).toBe('SUCCEEDED');
    const counts = createdCounts(one.state());
    expect(counts['Microsoft.Network/connections']).toBe(1);
    expect(counts['Microsoft.Network/localNetworkGateways']).toBe(1);
  });

  it('publicNetworkAccess "keep" never locks the account', async () => {
    const keep = await run({ request: request((r) => (r.options.publicNetworkAccess = 'keep')) });
    expect(keep.result.status).toBe('SUCCEEDED');
    const account = Object.values(keep.state().azure.resources).find((r) => r.type === 'Microsoft.CognitiveServices/accounts')!;
    expect(account.body.properties.publicNetworkAccess).toBe('Enabled');
  });

  it('publicNetworkAccess "disable-first" locks before the probe, as the seed articles do', async () => {
    const first = await run({ request: request((r) => (r.options.publicNetworkAccess = 'disable-first')) });
    expect(first.result.status).toBe('SUCCEEDED');
    const timeline = first.result.report!.timeline;
    const locked = timeline.find((t: any) => t.state === 'Check the early account update has applied')!;
    const probe = timeline.find((t: any) => t.state === 'Probe the private path from inside the VPC')!;
    expect(locked.exitedAt).toBeLessThanOrEqual(probe.enteredAt);
    expect(first.result.report!.simulatedSeconds).toBeLessThan(CRITICAL_PATH_SECONDS);
  });
});

describe('invalid requests are refused with exit 2 and nothing created', () => {
  const cases: [string, unknown, RegExp[]][] = [
    ['a misaligned subnet prefix and a typo', request((r) => {
      r.azure.gatewaySubnetPrefix = '192.168.255.1/27';
      r.aws.vpcid = r.aws.vpcId;
    }), [/azure\.gatewaySubnetPrefix/, /aws\.vpcid: unknown field; did you mean "vpcId"/]],
    ['a VPC that does not exist', request((r) => (r.aws.vpcId = 'vpc-0a1b2c3d4e5f69999')), [/aws\.vpcId/]],
    ['a prefix overlapping an existing subnet', request((r) => (r.azure.privateEndpointSubnetPrefix = '192.168.10.0/27')), [/azure\.privateEndpointSubnetPrefix/]],
    ['a deployment the account does not have', request((r) => (r.azure.openAiDeployment = 'gpt-5')), [/azure\.openAiDeployment/]],
    ['a non-AZ gateway SKU', request((r) => (r.azure.gatewaySku = 'VpnGw1')), [/azure\.gatewaySku/]],
  ];

  it.each(cases)('%s', async (_label, body, paths) => {
    const refused = await run({ request: body });
    expect(refused.result.exitCode).toBe(2);
    expect(refused.result.status).toBe('REFUSED');
    expect(refused.result.problems!.length).toBeGreaterThan(0);
    const text = refused.result.problems!.map((p) => `${p.path}: ${p.message}`).join('\n');
    for (const pattern of paths) expect(text).toMatch(pattern);
    expect(existsSync(path.join(refused.dir, 'out', 'history.json'))).toBe(false);
    expect(existsSync(refused.stateFile)).toBe(false);
  });

  it('reports every problem of a request at once', async () => {
    const refused = await run({
      request: request((r) => {
        r.environmentId = 'X';
        r.azure.subscriptionId = 'not-a-guid';
        r.azure.dnsResolverSubnetPrefix = '192.168.2.0/29';
        delete r.aws.region;
      }),
    });
    expect(refused.result.exitCode).toBe(2);
    const paths = refused.result.problems!.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['environmentId', 'azure.subscriptionId', 'azure.dnsResolverSubnetPrefix', 'aws.region']));
  });
});
