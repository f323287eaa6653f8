/**
 * The Azure network steps on a hub that is already there, called as their handlers call them with the real
 * ResourceManagementClient against the emulated Azure: what `use` and `adopt` leave alone, what they repair,
 * and that an NSG holding other environments' rules keeps them.
 */
import * as azure from '../../functions/azure-network/azure-network';
import { API_VERSIONS } from '../../functions/commons/arm';
import { GatewayBuildFailed, ResourceFailed, ResourceNotReady } from '../../functions/commons/errors';
import type { HubFacts, HubResource, StepInput } from '../../functions/commons/workflow-data';
import type { TestAzure } from '../local-azure/support';
import { calls, endOperation, failureOf, stepInput, stored, withAzure } from './azure-support';

let env!: TestAzure;
afterEach(async () => {
  await env?.close();
  env = undefined as unknown as TestAzure;
});

const NET = API_VERSIONS.network;
// Another team's resources, told apart by their tags (none of ours), in the emulator's one resource group.
const OTHER_RG = '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-network/providers/Microsoft.Network';

async function settle(azureEnv: TestAzure): Promise<void> {
  const last = Math.max(0, ...Object.values(azureEnv.ctx.state.azure.resources).map((r) => r.operation?.readyAt ?? 0));
  await azureEnv.clock.sleep(Math.max(0, last - azureEnv.clock.now()));
}

/** PUTs a resource the way another team would (no tags of ours), and waits for it. */
async function foreign(azureEnv: TestAzure, id: string, body: Record<string, unknown>, apiVersion: string = NET): Promise<void> {
  await azureEnv.client.resources.beginCreateOrUpdateById(id, apiVersion, body as any);
  await settle(azureEnv);
}

function withHub(input: StepInput, patch: Partial<HubFacts>): StepInput {
  return { ...input, facts: { ...input.facts, hub: { ...input.facts.hub, ...patch } } };
}

const adopt = (id: string): HubResource => ({ id, action: 'adopt', ready: true });

describe('an NSG shared by environments', () => {
  it("a second environment adds its rules beside the first's, never re-PUTs the NSG, and takes another priority block", async () => {
    env = await withAzure();
    const first = stepInput();
    await azure.createNetworkSecurityGroups(env.client, first);
    await settle(env);
    await azure.createPrivateEndpointSubnet(env.client, first);
    await settle(env);
    // The second environment, on the NSG and subnet the first built.
    const second = stepInput((r) => (r.environmentId = 'aoai-prod-02'));
    const used = withHub(second, {
      privateEndpointNsg: { ...second.facts.hub.privateEndpointNsg!, action: 'use', ready: true },
      privateEndpointSubnet: { ...second.facts.hub.privateEndpointSubnet, action: 'use', ready: true },
    });
    const nsgPuts = calls(env, 'PUT Microsoft.Network/networkSecurityGroups');
    expect(await azure.createNetworkSecurityGroups(env.client, used)).toMatchObject({ privateEndpointNsg: 'Succeeded' });
    await azure.createPrivateEndpointSubnet(env.client, used);
    expect(calls(env, 'PUT Microsoft.Network/networkSecurityGroups')).toBe(nsgPuts);
    expect(calls(env, 'PUT Microsoft.Network/virtualNetworks/subnets')).toBe(1);
    const rules = stored(env, first.facts.hub.privateEndpointNsg!.id)!.body.properties.securityRules.map((r: any) => [r.name, r.properties.priority]);
    expect(rules.map(([name]: [string]) => name)).toEqual(['aoai-link-aoai-prod-01-https', 'aoai-link-aoai-prod-02-https']);
    expect(new Set(rules.map(([, p]: [string, number]) => p)).size).toBe(2);
  });

  it("an NSG of ours left Failed is repaired with the rules it holds, every environment's", async () => {
    env = await withAzure();
    const first = stepInput();
    await azure.createNetworkSecurityGroups(env.client, first);
    await settle(env);
    await azure.createPrivateEndpointSubnet(env.client, first);
    await settle(env);
    const nsgId = first.facts.hub.privateEndpointNsg!.id;
    endOperation(env, nsgId, 'Failed');
    const second = stepInput((r) => (r.environmentId = 'aoai-prod-02'));
    expect(await failureOf(azure.createPrivateEndpointSubnet(env.client, withHub(second, { privateEndpointNsg: { id: nsgId, action: 'use', ready: false } })))).toBeInstanceOf(ResourceNotReady);
    expect(stored(env, nsgId)!.body.properties.securityRules.map((r: any) => r.name)).toEqual(['aoai-link-aoai-prod-01-https']);
  });
});

describe('adopted hub resources', () => {
  it('an adopted subnet without an NSG gets no rule and no write; an adopted NSG gets only child rules', async () => {
    env = await withAzure();
    const input = stepInput();
    const vnet = input.facts.hub.privateEndpointSubnet.id.replace(/\/subnets\/.*$/, '');
    await foreign(env, `${OTHER_RG}/networkSecurityGroups/nsg-dns`, { location: 'japaneast', properties: { securityRules: [] } });
    await foreign(env, `${vnet}/subnets/snet-pe`, { properties: { addressPrefix: '192.168.1.0/27' } });
    await foreign(env, `${vnet}/subnets/snet-dns-in`, { properties: { addressPrefix: '192.168.2.0/28', networkSecurityGroup: { id: `${OTHER_RG}/networkSecurityGroups/nsg-dns` } } });
    const hub = withHub(input, {
      privateEndpointNsg: undefined,
      privateEndpointSubnet: adopt(`${vnet}/subnets/snet-pe`),
      dnsInboundNsg: adopt(`${OTHER_RG}/networkSecurityGroups/nsg-dns`),
      dnsResolverSubnet: adopt(`${vnet}/subnets/snet-dns-in`),
    });
    const before = { nsg: calls(env, 'PUT Microsoft.Network/networkSecurityGroups'), subnets: calls(env, 'PUT Microsoft.Network/virtualNetworks/subnets') };
    expect(await azure.createNetworkSecurityGroups(env.client, hub)).toEqual({ privateEndpointNsg: 'None', dnsInboundNsg: 'Succeeded' });
    expect(await azure.createPrivateEndpointSubnet(env.client, hub)).toEqual({ provisioningState: 'Succeeded' });
    expect(await azure.createDnsResolverSubnet(env.client, hub)).toEqual({ provisioningState: 'Succeeded' });
    expect(calls(env, 'PUT Microsoft.Network/networkSecurityGroups')).toBe(before.nsg);
    expect(calls(env, 'PUT Microsoft.Network/virtualNetworks/subnets')).toBe(before.subnets);
    expect(calls(env, 'PUT Microsoft.Network/networkSecurityGroups/securityRules')).toBe(2);
    expect(stored(env, `${OTHER_RG}/networkSecurityGroups/nsg-dns`)!.body.tags).toBeUndefined();
  });

  it('an adopted gateway is looked at, never sent; one left Failed ends the run for its owners, unrepaired', async () => {
    env = await withAzure();
    const input = stepInput();
    const gatewayId = `${OTHER_RG}/virtualNetworkGateways/vpngw-platform`;
    const hub = withHub(input, { vpnGateway: { ...adopt(gatewayId), ready: false, ipConfigurationId: `${gatewayId}/ipConfigurations/default` } });
    expect(await azure.createVpnGateway(env.client, hub)).toEqual({ provisioningState: 'NotFound', attempt: 0 });
    expect(calls(env, 'PUT Microsoft.Network/virtualNetworkGateways')).toBe(0);
    await foreign(env, `${OTHER_RG}/publicIPAddresses/pip-platform`, { location: 'japaneast', sku: { name: 'Standard' }, properties: { publicIPAllocationMethod: 'Static' } });
    await foreign(env, `${input.facts.hub.gatewaySubnet.id}`, { properties: { addressPrefix: '192.168.255.0/27' } });
    await foreign(env, gatewayId, {
      location: 'japaneast',
      properties: {
        gatewayType: 'Vpn', vpnType: 'RouteBased', sku: { name: 'VpnGw1AZ', tier: 'VpnGw1AZ' },
        ipConfigurations: [{ name: 'default', properties: { subnet: { id: input.facts.hub.gatewaySubnet.id }, publicIPAddress: { id: `${OTHER_RG}/publicIPAddresses/pip-platform` } } }],
      },
    });
    const puts = calls(env, 'PUT Microsoft.Network/virtualNetworkGateways');
    endOperation(env, gatewayId, 'Failed');
    const failed = await failureOf(azure.checkVpnGateway(env.client, { ...hub, maxAttempts: 10 }));
    expect(failed).toBeInstanceOf(GatewayBuildFailed);
    expect(failed.message).toContain('vpngw-platform');
    expect(failed.message).toContain('not built by this product');
    expect(calls(env, 'PUT Microsoft.Network/virtualNetworkGateways')).toBe(puts);
  });

  it('an adopted zone, link, endpoint, resolver and inbound endpoint are read, never written; Failed is reported, not repaired', async () => {
    env = await withAzure();
    const input = stepInput();
    const zoneId = `${OTHER_RG}/privateDnsZones/privatelink.openai.azure.com`;
    await foreign(env, zoneId, { location: 'global', properties: {} }, API_VERSIONS.privateDns);
    const hub = withHub(input, {
      privateDnsZone: adopt(zoneId),
      virtualNetworkLink: adopt(`${zoneId}/virtualNetworkLinks/hub-link`),
      dnsResolver: adopt(`${OTHER_RG}/dnsResolvers/dnspr-platform`),
      inboundEndpoint: adopt(`${OTHER_RG}/dnsResolvers/dnspr-platform/inboundEndpoints/in-platform`),
    });
    const writes = () => Object.entries(env.ctx.recorder.apiCalls.azure).filter(([k]) => k.startsWith('PUT')).reduce((n, [, v]) => n + v, 0);
    const before = writes();
    expect(await azure.createPrivateDnsZone(env.client, hub)).toEqual({ provisioningState: 'Succeeded' });
    expect(await azure.linkPrivateDnsZone(env.client, hub)).toEqual({ provisioningState: 'NotFound' });
    expect(await azure.createDnsResolver(env.client, hub)).toEqual({ provisioningState: 'NotFound' });
    expect(await azure.createInboundEndpoint(env.client, hub)).toEqual({ provisioningState: 'NotFound' });
    expect(writes()).toBe(before);
    endOperation(env, zoneId, 'Failed');
    expect(await failureOf(azure.linkPrivateDnsZone(env.client, hub))).toBeInstanceOf(ResourceFailed);
    expect(writes()).toBe(before);
  });
});
