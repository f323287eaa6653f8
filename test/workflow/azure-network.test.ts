/**
 * The Azure network steps (functions/azure-network) called as their handlers call them, with the real
 * ResourceManagementClient against the emulated Azure: what each sends, that a re-run sends nothing more,
 * that a dependency not ready yet waits, that the gateway poll is bounded and rebuilds a failed build once.
 */
import * as azure from '../../functions/azure-network/azure-network';
import { API_VERSIONS, REPAIR_TAG } from '../../functions/commons/arm';
import { GatewayBuildFailed, ResourceNotReady, WaitTimedOut } from '../../functions/commons/errors';
import { hubResourceNames } from '../../functions/commons/hub';
import { resourceNames } from '../../functions/commons/naming';
import { advanceToReady, type TestAzure } from '../local-azure/support';
import { calls, endOperation, ENV, failureOf, stepInput, stored, withAzure } from './azure-support';

const input = stepInput();
// The hub's resources are named for the VNet and tagged for the hub, not for the environment that built them.
const hubNames = hubResourceNames(input.request);
const n = { ...hubNames, dnsInboundSubnet: hubNames.dnsResolverSubnet, resourceGroup: resourceNames(input.request).azure.resourceGroup };
const OUR_TAGS = { 'managed-by': 'aoai-private-link', hub: input.request.azure.virtualNetworkName, 'built-for-environment': ENV };
const PUT = (type: string) => `PUT Microsoft.Network/${type}`;

let env!: TestAzure;
afterEach(async () => {
  await env?.close();
  env = undefined as unknown as TestAzure;
});

/** Sleeps on the simulated clock until every operation in flight is done. */
async function settle(azureEnv: TestAzure): Promise<void> {
  const last = Math.max(0, ...Object.values(azureEnv.ctx.state.azure.resources).map((r) => r.operation?.readyAt ?? 0));
  await azureEnv.clock.sleep(Math.max(0, last - azureEnv.clock.now()));
}

describe('the gateway subnet and public IP', () => {
  it('creates both with the bodies Azure needs, and a re-run sends nothing more', async () => {
    env = await withAzure();
    expect(await azure.createGatewaySubnetAndPublicIp(env.client, input)).toEqual({ gatewaySubnet: 'Creating', publicIp: 'Creating' });
    const subnet = stored(env, n.gatewaySubnet.id)!;
    expect(subnet.body.properties.addressPrefix).toBe(input.request.azure.gatewaySubnetPrefix);
    expect(subnet.body.properties.networkSecurityGroup).toBeUndefined();
    const pip = stored(env, n.publicIp.id)!.body;
    expect(pip).toMatchObject({
      location: 'japaneast',
      tags: OUR_TAGS,
      sku: { name: 'Standard', tier: 'Regional' },
      zones: ['1', '2', '3'],
      properties: { publicIPAllocationMethod: 'Static', publicIPAddressVersion: 'IPv4' },
    });
    expect(await azure.createGatewaySubnetAndPublicIp(env.client, input)).toEqual({ gatewaySubnet: 'Creating', publicIp: 'Creating' });
    await settle(env);
    expect(await azure.createGatewaySubnetAndPublicIp(env.client, input)).toEqual({ gatewaySubnet: 'Succeeded', publicIp: 'Succeeded' });
    expect(calls(env, PUT('virtualNetworks/subnets'))).toBe(1);
    expect(calls(env, PUT('publicIPAddresses'))).toBe(1);
  });

  it('the address is read once both are Succeeded; before, ResourceNotReady', async () => {
    env = await withAzure();
    await azure.createGatewaySubnetAndPublicIp(env.client, input);
    expect(await failureOf(azure.readGatewayPublicIp(env.client, input))).toBeInstanceOf(ResourceNotReady);
    await settle(env);
    const address = stored(env, n.publicIp.id)!.body.properties.ipAddress;
    expect(await azure.readGatewayPublicIp(env.client, input)).toEqual({ publicIp: address, publicIpId: n.publicIp.id, addresses: [address] });
    delete stored(env, n.publicIp.id)!.body.properties.ipAddress;
    const noAddress = await failureOf(azure.readGatewayPublicIp(env.client, input));
    expect(noAddress).toBeInstanceOf(ResourceNotReady);
    expect(noAddress.message).toContain(n.publicIp.id);
  });

  it('a public IP left Failed is re-sent with its zones and the repair count', async () => {
    env = await withAzure();
    await azure.createGatewaySubnetAndPublicIp(env.client, input);
    await settle(env);
    endOperation(env, n.publicIp.id, 'Failed');
    expect(await failureOf(azure.readGatewayPublicIp(env.client, input))).toBeInstanceOf(ResourceNotReady);
    expect(stored(env, n.publicIp.id)!.body).toMatchObject({ zones: ['1', '2', '3'], tags: { ...OUR_TAGS, [REPAIR_TAG]: '1' } });
    expect(calls(env, PUT('publicIPAddresses'))).toBe(2);
  });

  it('a GatewaySubnet left Failed is re-sent as created', async () => {
    env = await withAzure();
    await azure.createGatewaySubnetAndPublicIp(env.client, input);
    await settle(env);
    endOperation(env, n.gatewaySubnet.id, 'Failed');
    expect(await failureOf(azure.readGatewayPublicIp(env.client, input))).toBeInstanceOf(ResourceNotReady);
    expect(calls(env, PUT('virtualNetworks/subnets'))).toBe(2);
    expect(stored(env, n.gatewaySubnet.id)!.body.properties.addressPrefix).toBe(input.request.azure.gatewaySubnetPrefix);
  });
});

describe('the VPN gateway', () => {
  async function withGatewayPrerequisites(faults = ''): Promise<TestAzure> {
    const azureEnv = await withAzure(faults);
    await azure.createGatewaySubnetAndPublicIp(azureEnv.client, input);
    await settle(azureEnv);
    return azureEnv;
  }

  it('is created route-based, not active-active, without BGP, on the GatewaySubnet and the public IP', async () => {
    env = await withGatewayPrerequisites();
    expect(await azure.createVpnGateway(env.client, input)).toEqual({ provisioningState: 'Creating', attempt: 0 });
    const gateway = stored(env, n.vpnGateway.id)!.body;
    expect(gateway).toMatchObject({ location: 'japaneast', tags: OUR_TAGS });
    expect(gateway.properties).toMatchObject({
      gatewayType: 'Vpn',
      vpnType: 'RouteBased',
      sku: { name: 'VpnGw1AZ', tier: 'VpnGw1AZ' },
      vpnGatewayGeneration: 'Generation1',
      activeActive: false,
      enableBgp: false,
    });
    expect(gateway.properties.ipConfigurations).toEqual([
      expect.objectContaining({
        name: 'default',
        properties: expect.objectContaining({
          privateIPAllocationMethod: 'Dynamic',
          subnet: { id: n.gatewaySubnet.id },
          publicIPAddress: { id: n.publicIp.id },
        }),
      }),
    ]);
    await azure.createVpnGateway(env.client, input);
    expect(calls(env, PUT('virtualNetworkGateways'))).toBe(1);
  });

  it.each([
    ['VpnGw1AZ', 'Generation1'],
    ['VpnGw3AZ', 'Generation1'],
    ['VpnGw4AZ', 'Generation2'],
    ['VpnGw5AZ', 'Generation2'],
  ])('%s is a %s gateway', async (sku, generation) => {
    env = await withGatewayPrerequisites();
    await azure.createVpnGateway(env.client, stepInput((r) => (r.azure.gatewaySku = sku)));
    expect(stored(env, n.vpnGateway.id)!.body.properties).toMatchObject({ sku: { name: sku, tier: sku }, vpnGatewayGeneration: generation });
  });

  it('each poll counts one more check, from 1; the last allowed check that still finds it building ends WaitTimedOut', async () => {
    env = await withGatewayPrerequisites();
    await azure.createVpnGateway(env.client, input);
    expect(await azure.checkVpnGateway(env.client, { ...input, maxAttempts: 3 })).toEqual({ ready: false, provisioningState: 'Creating', attempt: 1, redriveCount: 0 });
    expect(await azure.checkVpnGateway(env.client, { ...input, attempt: 1, maxAttempts: 3 })).toMatchObject({ ready: false, attempt: 2 });
    const timedOut = await failureOf(azure.checkVpnGateway(env.client, { ...input, attempt: 2, maxAttempts: 3 }));
    expect(timedOut).toBeInstanceOf(WaitTimedOut);
    expect(timedOut.message).toContain('after 3 checks');
    expect(timedOut.message).toContain('Creating');
    expect(calls(env, PUT('virtualNetworkGateways'))).toBe(1);
  });

  it('a gateway that does not exist is polled as NotFound within the same bound', async () => {
    env = await withGatewayPrerequisites();
    expect(await azure.checkVpnGateway(env.client, { ...input, attempt: 4, maxAttempts: 9 })).toMatchObject({ ready: false, provisioningState: 'NotFound', attempt: 5 });
    expect(await failureOf(azure.checkVpnGateway(env.client, { ...input, attempt: 8, maxAttempts: 9 }))).toBeInstanceOf(WaitTimedOut);
  });

  it('Succeeded: ready, even on the last allowed check', async () => {
    env = await withGatewayPrerequisites();
    await azure.createVpnGateway(env.client, input);
    await settle(env);
    expect(await azure.checkVpnGateway(env.client, { ...input, attempt: 8, maxAttempts: 9 })).toEqual({ ready: true, provisioningState: 'Succeeded', attempt: 9, redriveCount: 0 });
  });

  it.each(['Failed', 'Canceled'] as const)('a build that ended %s is rebuilt once (counted on the gateway), then ends GatewayBuildFailed', async (outcome) => {
    env = await withGatewayPrerequisites();
    await azure.createVpnGateway(env.client, input);
    await settle(env);
    endOperation(env, n.vpnGateway.id, outcome);
    expect(await azure.checkVpnGateway(env.client, { ...input, attempt: 10, maxAttempts: 11 })).toEqual({
      ready: false,
      provisioningState: 'Updating',
      attempt: 11,
      rebuiltAfter: outcome,
      redriveCount: 0,
    });
    expect(calls(env, PUT('virtualNetworkGateways'))).toBe(2);
    expect(stored(env, n.vpnGateway.id)!.body.tags).toEqual({ ...OUR_TAGS, [REPAIR_TAG]: '1' });
    expect(stored(env, n.vpnGateway.id)!.body.properties.gatewayType).toBe('Vpn');
    // The rebuild ends as the build did (ended now: a second 40-minute sleep would outlive the test's token).
    endOperation(env, n.vpnGateway.id, outcome);
    const failed = await failureOf(azure.checkVpnGateway(env.client, { ...input, attempt: 20, maxAttempts: 180 }));
    expect(failed).toBeInstanceOf(GatewayBuildFailed);
    expect(failed.message).toContain(n.vpnGateway.name);
    expect(failed.message).toContain(outcome);
    expect(failed.message).toContain('again after 1 rebuild in this run');
    expect(failed.message).toContain(n.resourceGroup);
    expect(calls(env, PUT('virtualNetworkGateways'))).toBe(2);
  });

  it('a gateway already counted past the bound is not rebuilt, and a count that is not a number starts at 0', async () => {
    env = await withGatewayPrerequisites();
    await azure.createVpnGateway(env.client, input);
    await settle(env);
    stored(env, n.vpnGateway.id)!.body.tags = { ...OUR_TAGS, [REPAIR_TAG]: '2' };
    endOperation(env, n.vpnGateway.id, 'Failed');
    const failed = await failureOf(azure.checkVpnGateway(env.client, { ...input, maxAttempts: 180 }));
    expect(failed).toBeInstanceOf(GatewayBuildFailed);
    expect(failed.message).toContain('again after 2 rebuilds in this run');
    stored(env, n.vpnGateway.id)!.body.tags = { ...OUR_TAGS, [REPAIR_TAG]: 'x' };
    expect(await azure.checkVpnGateway(env.client, { ...input, maxAttempts: 180 })).toMatchObject({ rebuiltAfter: 'Failed' });
  });

  it('without a rebuild count the failure says only what the gateway reported', async () => {
    env = await withGatewayPrerequisites();
    await azure.createVpnGateway(env.client, input);
    await settle(env);
    // One rebuild allowed: a gateway whose count is at it is not rebuilt; with the count removed after, the
    // message is the plain one.
    stored(env, n.vpnGateway.id)!.body.tags = { ...OUR_TAGS, [REPAIR_TAG]: '1' };
    endOperation(env, n.vpnGateway.id, 'Failed');
    const counted = await failureOf(azure.checkVpnGateway(env.client, { ...input, maxAttempts: 180 }));
    expect(counted.message).toContain('again after 1 rebuild');
    stored(env, n.vpnGateway.id)!.body.tags = { ...OUR_TAGS, [REPAIR_TAG]: '0' };
    const rebuilt = await azure.checkVpnGateway(env.client, { ...input, maxAttempts: 180 });
    expect(rebuilt).toMatchObject({ rebuiltAfter: 'Failed' });
  });

  it('the first look after a redrive re-sends a Failed gateway without its count and restarts the bound', async () => {
    env = await withGatewayPrerequisites();
    await azure.createVpnGateway(env.client, input);
    await settle(env);
    stored(env, n.vpnGateway.id)!.body.tags = { ...OUR_TAGS, [REPAIR_TAG]: '1' };
    endOperation(env, n.vpnGateway.id, 'Failed');
    const first = await azure.checkVpnGateway(env.client, { ...input, attempt: 179, maxAttempts: 180, redriveCount: 1, previous: { redriveCount: 0 } });
    expect(first).toEqual({ ready: false, provisioningState: 'Updating', attempt: 1, redriveCount: 1 });
    expect(stored(env, n.vpnGateway.id)!.body.tags).toEqual(OUR_TAGS);
    expect(calls(env, PUT('virtualNetworkGateways'))).toBe(2);
    // Later looks of the same redrive count on, and send nothing.
    expect(await azure.checkVpnGateway(env.client, { ...input, attempt: 1, maxAttempts: 180, redriveCount: 1, previous: first })).toMatchObject({ attempt: 2, redriveCount: 1 });
    expect(calls(env, PUT('virtualNetworkGateways'))).toBe(2);
  });

  it('a redrive count the previous look already saw, or none at all, is not a redrive', async () => {
    env = await withGatewayPrerequisites();
    await azure.createVpnGateway(env.client, input);
    await settle(env);
    stored(env, n.vpnGateway.id)!.body.tags = { ...OUR_TAGS, [REPAIR_TAG]: '1' };
    endOperation(env, n.vpnGateway.id, 'Failed');
    expect(await failureOf(azure.checkVpnGateway(env.client, { ...input, attempt: 5, maxAttempts: 180, redriveCount: 2, previous: { redriveCount: 2 } }))).toBeInstanceOf(
      GatewayBuildFailed,
    );
    expect(await failureOf(azure.checkVpnGateway(env.client, { ...input, attempt: 5, maxAttempts: 180, previous: {} }))).toBeInstanceOf(GatewayBuildFailed);
    expect(calls(env, PUT('virtualNetworkGateways'))).toBe(1);
  });
});

describe('the NSGs and this environment\'s rules in them', () => {
  const rule = (priority: number, protocol: string, port: string) =>
    expect.objectContaining({
      protocol,
      access: 'Allow',
      direction: 'Inbound',
      priority,
      sourceAddressPrefixes: input.facts.vpcCidrs,
      sourcePortRange: '*',
      destinationAddressPrefix: '*',
      destinationPortRange: port,
      description: 'From the AWS VPC over the site-to-site VPN',
    });

  it('the rules are named for the environment: HTTPS to the endpoint subnet, DNS over UDP and TCP to the resolver subnet', () => {
    expect(azure.privateEndpointRules(ENV)).toEqual([{ name: `aoai-link-${ENV}-https`, protocol: 'Tcp', port: '443' }]);
    expect(azure.dnsInboundRules(ENV)).toEqual([
      { name: `aoai-link-${ENV}-dns-udp`, protocol: 'Udp', port: '53' },
      { name: `aoai-link-${ENV}-dns-tcp`, protocol: 'Tcp', port: '53' },
    ]);
  });

  it('both are created tagged for the hub and empty, once (the rules are children: an NSG PUT replaces its list)', async () => {
    env = await withAzure();
    expect(await azure.createNetworkSecurityGroups(env.client, input)).toEqual({ privateEndpointNsg: 'Creating', dnsInboundNsg: 'Creating' });
    const pe = stored(env, n.privateEndpointNsg.id)!.body;
    const dns = stored(env, n.dnsInboundNsg.id)!.body;
    expect(pe).toMatchObject({ location: 'japaneast', tags: OUR_TAGS });
    expect(dns).toMatchObject({ location: 'japaneast', tags: OUR_TAGS });
    expect(pe.properties.securityRules).toEqual([]);
    expect(dns.properties.securityRules).toEqual([]);
    await settle(env);
    expect(await azure.createNetworkSecurityGroups(env.client, input)).toEqual({ privateEndpointNsg: 'Succeeded', dnsInboundNsg: 'Succeeded' });
    expect(calls(env, PUT('networkSecurityGroups'))).toBe(2);
  });

  it('the subnet steps add the environment\'s rules as child resources with one priority block, once', async () => {
    env = await withAzure();
    await azure.createNetworkSecurityGroups(env.client, input);
    await settle(env);
    await azure.createPrivateEndpointSubnet(env.client, input);
    await settle(env);
    await azure.createDnsResolverSubnet(env.client, input);
    await settle(env);
    const base = 100 + azure.preferredPriorityBlock(ENV) * 10;
    const props = (nsg: { id: string }, name: string) => env.ctx.state.azure.resources[nsg.id.toLowerCase()]!.body.properties.securityRules.find((r: any) => r.name === name)?.properties;
    expect(props(n.privateEndpointNsg, `aoai-link-${ENV}-https`)).toEqual(rule(base, 'Tcp', '443'));
    expect(props(n.dnsInboundNsg, `aoai-link-${ENV}-dns-udp`)).toEqual(rule(base, 'Udp', '53'));
    expect(props(n.dnsInboundNsg, `aoai-link-${ENV}-dns-tcp`)).toEqual(rule(base + 1, 'Tcp', '53'));
    expect(calls(env, PUT('networkSecurityGroups/securityRules'))).toBe(3);
    expect(calls(env, PUT('networkSecurityGroups'))).toBe(2);
    await azure.createPrivateEndpointSubnet(env.client, input);
    await azure.createDnsResolverSubnet(env.client, input);
    expect(calls(env, PUT('networkSecurityGroups/securityRules'))).toBe(3);
  });

  it('priorities move up past those another rule holds, and a rule of ours keeps its own', () => {
    const rules = azure.dnsInboundRules(ENV);
    const base = 100 + azure.preferredPriorityBlock(ENV) * 10;
    const other = (name: string, priority: number, direction = 'Inbound') => ({ name, properties: { priority, direction } });
    expect(azure.choosePriorities(ENV, rules, [])).toEqual([base, base + 1]);
    expect(azure.choosePriorities(ENV, rules, [other('theirs', base + 1)])).toEqual([base + 10, base + 11]);
    expect(azure.choosePriorities(ENV, rules, [other('theirs', base + 1, 'Outbound')])).toEqual([base, base + 1]);
    expect(azure.choosePriorities(ENV, rules, [other(rules[0].name, 4000), other(rules[1].name, 4001), other('theirs', base)])).toEqual([4000, 4001]);
  });
});

describe('the private endpoint and DNS resolver subnets', () => {
  async function withNsgs(): Promise<TestAzure> {
    const azureEnv = await withAzure();
    await azure.createNetworkSecurityGroups(azureEnv.client, input);
    await settle(azureEnv);
    return azureEnv;
  }

  it('the endpoint subnet waits for its NSG, then carries it with endpoint network policies on', async () => {
    env = await withAzure();
    await azure.createNetworkSecurityGroups(env.client, input);
    const waiting = await failureOf(azure.createPrivateEndpointSubnet(env.client, input));
    expect(waiting).toBeInstanceOf(ResourceNotReady);
    expect(stored(env, n.privateEndpointSubnet.id)).toBeUndefined();
    await settle(env);
    expect(await azure.createPrivateEndpointSubnet(env.client, input)).toEqual({ provisioningState: 'Creating' });
    expect(stored(env, n.privateEndpointSubnet.id)!.body.properties).toMatchObject({
      addressPrefix: input.request.azure.privateEndpointSubnetPrefix,
      networkSecurityGroup: { id: n.privateEndpointNsg.id },
      privateEndpointNetworkPolicies: 'Enabled',
    });
  });

  it('a Succeeded endpoint subnet is re-sent only when its prefix, NSG or policies differ (the NSG id in any casing)', async () => {
    env = await withNsgs();
    await azure.createPrivateEndpointSubnet(env.client, input);
    await settle(env);
    const props = () => stored(env, n.privateEndpointSubnet.id)!.body.properties;
    const putsSoFar = () => calls(env, PUT('virtualNetworks/subnets'));
    await azure.createPrivateEndpointSubnet(env.client, input);
    expect(putsSoFar()).toBe(1);
    props().networkSecurityGroup = { id: n.privateEndpointNsg.id.toUpperCase() };
    await azure.createPrivateEndpointSubnet(env.client, input);
    expect(putsSoFar()).toBe(1);
    for (const change of [
      () => (props().privateEndpointNetworkPolicies = 'Disabled'),
      () => (props().addressPrefix = '192.168.1.32/27'),
      () => (props().networkSecurityGroup = { id: n.dnsInboundNsg.id }),
      () => delete props().networkSecurityGroup,
    ]) {
      const before = putsSoFar();
      change();
      await azure.createPrivateEndpointSubnet(env.client, input);
      expect(putsSoFar()).toBe(before + 1);
      expect(props()).toMatchObject({ addressPrefix: input.request.azure.privateEndpointSubnetPrefix, networkSecurityGroup: { id: n.privateEndpointNsg.id }, privateEndpointNetworkPolicies: 'Enabled' });
      await settle(env);
    }
  });

  it('the resolver subnet waits for its NSG and for the endpoint subnet write, then carries its NSG and the resolver delegation', async () => {
    env = await withNsgs();
    const noEndpointSubnet = await failureOf(azure.createDnsResolverSubnet(env.client, input));
    expect(noEndpointSubnet).toBeInstanceOf(ResourceNotReady);
    await azure.createPrivateEndpointSubnet(env.client, input);
    const stillWriting = await failureOf(azure.createDnsResolverSubnet(env.client, input));
    expect(stillWriting).toBeInstanceOf(ResourceNotReady);
    expect(stored(env, n.dnsInboundSubnet.id)).toBeUndefined();
    await settle(env);
    expect(await azure.createDnsResolverSubnet(env.client, input)).toEqual({ provisioningState: 'Creating' });
    expect(stored(env, n.dnsInboundSubnet.id)!.body.properties).toMatchObject({
      addressPrefix: input.request.azure.dnsResolverSubnetPrefix,
      networkSecurityGroup: { id: n.dnsInboundNsg.id },
      delegations: [expect.objectContaining({ name: 'Microsoft.Network.dnsResolvers', properties: expect.objectContaining({ serviceName: 'Microsoft.Network/dnsResolvers' }) })],
    });
    await settle(env);
    await azure.createDnsResolverSubnet(env.client, input);
    expect(calls(env, PUT('virtualNetworks/subnets'))).toBe(2);
    stored(env, n.dnsInboundSubnet.id)!.body.properties.addressPrefix = '192.168.2.16/28';
    await azure.createDnsResolverSubnet(env.client, input);
    expect(calls(env, PUT('virtualNetworks/subnets'))).toBe(3);
  });

  it('the resolver subnet waits for its own NSG first', async () => {
    env = await withAzure();
    await azure.createNetworkSecurityGroups(env.client, input);
    await advanceToReady(env, n.privateEndpointNsg.id);
    endOperation(env, n.dnsInboundNsg.id, 'Failed');
    const repaired = await failureOf(azure.createDnsResolverSubnet(env.client, input));
    expect(repaired).toBeInstanceOf(ResourceNotReady);
    expect(stored(env, n.dnsInboundNsg.id)!.body.tags![REPAIR_TAG]).toBe('1');
    // The repair re-sends the rules the NSG holds (an NSG PUT replaces the list): here none yet.
    expect(stored(env, n.dnsInboundNsg.id)!.body.properties.securityRules).toEqual([]);
  });
});

describe('the private endpoint, its DNS zone and its address', () => {
  async function withEndpointSubnet(): Promise<TestAzure> {
    const azureEnv = await withAzure();
    await azure.createNetworkSecurityGroups(azureEnv.client, input);
    await settle(azureEnv);
    await azure.createPrivateEndpointSubnet(azureEnv.client, input);
    await settle(azureEnv);
    return azureEnv;
  }

  it('zone, link, endpoint and zone group: each sent once, each waiting for what it names', async () => {
    env = await withEndpointSubnet();
    expect(await azure.createPrivateDnsZone(env.client, input)).toEqual({ provisioningState: 'Creating' });
    expect(stored(env, n.privateDnsZone.id)!.body).toMatchObject({ location: 'global', tags: OUR_TAGS });
    expect(await failureOf(azure.linkPrivateDnsZone(env.client, input))).toBeInstanceOf(ResourceNotReady);
    expect(await azure.createPrivateEndpoint(env.client, input)).toEqual({ provisioningState: 'Creating' });
    expect(stored(env, n.privateEndpoint.id)!.body).toMatchObject({
      location: 'japaneast',
      tags: OUR_TAGS,
      properties: {
        subnet: { id: n.privateEndpointSubnet.id },
        customNetworkInterfaceName: n.privateEndpointNicName,
        privateLinkServiceConnections: [
          expect.objectContaining({
            name: n.privateLinkServiceConnectionName,
            properties: expect.objectContaining({ privateLinkServiceId: input.request.azure.openAiAccountId, groupIds: ['account'] }),
          }),
        ],
      },
    });
    await settle(env);
    expect(await azure.linkPrivateDnsZone(env.client, input)).toEqual({ provisioningState: 'Creating' });
    expect(stored(env, n.virtualNetworkLink.id)!.body).toMatchObject({
      location: 'global',
      tags: OUR_TAGS,
      properties: { virtualNetwork: { id: n.virtualNetwork.id }, registrationEnabled: false },
    });
    expect(await failureOf(azure.registerPrivateEndpointInZone(env.client, input))).toBeInstanceOf(ResourceNotReady);
    expect(stored(env, n.privateDnsZoneGroup.id)).toBeUndefined();
    await settle(env);
    expect(await azure.registerPrivateEndpointInZone(env.client, input)).toEqual({ provisioningState: 'Creating' });
    expect(stored(env, n.privateDnsZoneGroup.id)!.body.properties.privateDnsZoneConfigs).toEqual([
      expect.objectContaining({ name: 'openai', properties: expect.objectContaining({ privateDnsZoneId: n.privateDnsZone.id }) }),
    ]);
    expect(await failureOf(azure.readPrivateEndpointAddress(env.client, input))).toBeInstanceOf(ResourceNotReady);
    await settle(env);
    expect(await azure.readPrivateEndpointAddress(env.client, input)).toEqual({ privateIp: '192.168.1.4', connectionStatus: 'Approved' });

    await azure.createPrivateDnsZone(env.client, input);
    await azure.linkPrivateDnsZone(env.client, input);
    await azure.createPrivateEndpoint(env.client, input);
    await azure.registerPrivateEndpointInZone(env.client, input);
    expect(calls(env, PUT('privateDnsZones'))).toBe(1);
    expect(calls(env, PUT('privateDnsZones/virtualNetworkLinks'))).toBe(1);
    expect(calls(env, PUT('privateEndpoints'))).toBe(1);
    expect(calls(env, PUT('privateEndpoints/privateDnsZoneGroups'))).toBe(1);
  });

  it('the endpoint waits for its subnet', async () => {
    env = await withAzure();
    await azure.createNetworkSecurityGroups(env.client, input);
    await settle(env);
    await azure.createPrivateEndpointSubnet(env.client, input);
    expect(await failureOf(azure.createPrivateEndpoint(env.client, input))).toBeInstanceOf(ResourceNotReady);
    expect(stored(env, n.privateEndpoint.id)).toBeUndefined();
  });

  async function builtEndpoint(): Promise<TestAzure> {
    const azureEnv = await withEndpointSubnet();
    await azure.createPrivateDnsZone(azureEnv.client, input);
    await azure.createPrivateEndpoint(azureEnv.client, input);
    await settle(azureEnv);
    await azure.linkPrivateDnsZone(azureEnv.client, input);
    await settle(azureEnv);
    await azure.registerPrivateEndpointInZone(azureEnv.client, input);
    await settle(azureEnv);
    return azureEnv;
  }

  it('a connection that is not Approved (the account owner must approve it) is not an address yet', async () => {
    env = await builtEndpoint();
    const connection = stored(env, n.privateEndpoint.id)!.body.properties.privateLinkServiceConnections[0];
    connection.properties.privateLinkServiceConnectionState = { status: 'Pending', description: 'Awaiting approval' };
    const pending = await failureOf(azure.readPrivateEndpointAddress(env.client, input));
    expect(pending).toBeInstanceOf(ResourceNotReady);
    expect(pending.message).toContain('Pending');
    delete connection.properties.privateLinkServiceConnectionState;
    expect((await failureOf(azure.readPrivateEndpointAddress(env.client, input))).message).toContain('unknown');
  });

  it('the NIC address first (the first config that has one), the zone group record next, else not ready', async () => {
    env = await builtEndpoint();
    const nicId = stored(env, n.privateEndpoint.id)!.body.properties.networkInterfaces[0].id;
    const nic = stored(env, nicId)!;
    const configs = nic.body.properties.ipConfigurations;
    configs.unshift({ name: 'empty', properties: {} });
    expect(await azure.readPrivateEndpointAddress(env.client, input)).toMatchObject({ privateIp: '192.168.1.4' });
    for (const config of configs) delete config.properties.privateIPAddress;
    // No address on the NIC: the zone group's A record.
    expect(await azure.readPrivateEndpointAddress(env.client, input)).toMatchObject({ privateIp: '192.168.1.4' });
    // Neither: not ready, naming the endpoint.
    delete env.ctx.state.azure.resources[nicId.toLowerCase()];
    // The zone group's records follow the endpoint's DNS configs: without them it shows none.
    stored(env, n.privateEndpoint.id)!.body.properties.customDnsConfigs = [];
    const none = await failureOf(azure.readPrivateEndpointAddress(env.client, input));
    expect(none).toBeInstanceOf(ResourceNotReady);
    expect(none.message).toContain(n.privateEndpoint.name);
  });
});

describe('the DNS private resolver and its inbound endpoint', () => {
  it('resolver on the VNet, inbound endpoint on the resolver subnet once both are Succeeded, its address read back', async () => {
    env = await withAzure();
    await azure.createNetworkSecurityGroups(env.client, input);
    await settle(env);
    await azure.createPrivateEndpointSubnet(env.client, input);
    await settle(env);
    expect(await azure.createDnsResolver(env.client, input)).toEqual({ provisioningState: 'Creating' });
    expect(stored(env, n.dnsResolver.id)!.body).toMatchObject({ location: 'japaneast', tags: OUR_TAGS, properties: { virtualNetwork: { id: n.virtualNetwork.id } } });
    expect(await failureOf(azure.createInboundEndpoint(env.client, input))).toBeInstanceOf(ResourceNotReady);
    await settle(env);
    // The resolver is ready, its subnet is not there yet.
    expect(await failureOf(azure.createInboundEndpoint(env.client, input))).toBeInstanceOf(ResourceNotReady);
    expect(stored(env, n.inboundEndpoint.id)).toBeUndefined();
    await azure.createDnsResolverSubnet(env.client, input);
    await settle(env);
    expect(await azure.createInboundEndpoint(env.client, input)).toEqual({ provisioningState: 'Creating' });
    expect(stored(env, n.inboundEndpoint.id)!.body).toMatchObject({
      location: 'japaneast',
      tags: OUR_TAGS,
      properties: { ipConfigurations: [expect.objectContaining({ subnet: { id: n.dnsInboundSubnet.id }, privateIpAllocationMethod: 'Dynamic' })] },
    });
    expect(await failureOf(azure.readInboundEndpointAddress(env.client, input))).toBeInstanceOf(ResourceNotReady);
    await settle(env);
    expect(await azure.readInboundEndpointAddress(env.client, input)).toEqual({ inboundIp: '192.168.2.4' });
    await azure.createDnsResolver(env.client, input);
    await azure.createInboundEndpoint(env.client, input);
    expect(calls(env, PUT('dnsResolvers'))).toBe(1);
    expect(calls(env, PUT('dnsResolvers/inboundEndpoints'))).toBe(1);
    delete stored(env, n.inboundEndpoint.id)!.body.properties.ipConfigurations[0].privateIpAddress;
    const noIp = await failureOf(azure.readInboundEndpointAddress(env.client, input));
    expect(noIp).toBeInstanceOf(ResourceNotReady);
    expect(noIp.message).toContain(n.inboundEndpoint.name);
  });

  it('the resolver and the zone are read with their own api-versions', () => {
    expect(API_VERSIONS).toEqual({ network: '2024-05-01', privateDns: '2024-06-01', dnsResolver: '2022-07-01', cognitiveServices: '2024-10-01' });
  });
});
