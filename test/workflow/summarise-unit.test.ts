/**
 * functions/summarise: the execution's output a network engineer reads, from a typed finished state. What
 * was created on both sides, the addresses, the tunnels, the final probe and every probe, and whether public
 * access is now locked.
 */
import { handler } from '../../functions/summarise/handler';
import { summarise, type FinishedState } from '../../functions/summarise/summarise';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import { sampleRequest } from '../intake/support';
import { lambdaContext } from '../support/lambda-context';
import { logLines } from '../support/log-lines';
import { greenfieldHub } from '../../functions/commons/hub';

const ENV = 'aoai-prod-01';
const NET = '/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-network/providers/Microsoft.Network';
const VNET = `${NET}/virtualNetworks/vnet-hub`;
const created = (id: string) => ({ name: id.split('/').pop(), id, action: 'created' });
const SECRET_ARN = (n: number) => `arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:aoai-link/${ENV}/tunnel-${n}-psk-AbCdEf`;

const probeOk = { label: 'before lock', dns: { ok: true, answers: ['192.168.1.4'] }, tcp: { ok: true }, api: { ok: true, status: 200 } };
const probeAfterLock = { label: 'after lock', dns: { ok: true, answers: ['192.168.1.4'] }, tcp: { ok: true }, api: { ok: true, status: 200 } };

function finishedState(options: Partial<EnvironmentRequest['options']> = {}, tunnels = 2): FinishedState {
  const request = sampleRequest() as EnvironmentRequest;
  Object.assign(request.options, options);
  return {
    request,
    facts: { vpcCidrs: ['10.0.0.0/16'], vnetAddressPrefixes: ['192.168.0.0/16'], location: 'japaneast', openAiHost: 'aoai-prod.openai.azure.com', hub: greenfieldHub(request) },
    gatewayAddress: { publicIp: '20.0.0.10', publicIpId: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-network/providers/Microsoft.Network/publicIPAddresses/pip-aoai-prod-01-vpngw', addresses: ['20.0.0.10'] },
    built: {
      vpn: {
        customerGatewayId: 'cgw-0123456789abcdef0',
        customerGatewayIds: ['cgw-0123456789abcdef0'],
        vpnGatewayId: 'vgw-0123456789abcdef0',
        vpnConnectionId: 'vpn-0123456789abcdef0',
        vpnConnectionIds: ['vpn-0123456789abcdef0'],
        pskSecretArns: [SECRET_ARN(1), SECRET_ARN(2)].slice(0, tunnels),
        tunnels: [
          { tunnel: 1, outsideIp: '52.0.0.1' },
          { tunnel: 2, outsideIp: '52.0.0.2' },
        ].slice(0, tunnels),
      },
      dns: {
        privateEndpoint: { privateIp: '192.168.1.4' },
        forwarding: {
          inboundIp: '192.168.2.4',
          resolverEndpointId: 'rslvr-out-0123456789abcdef0',
          resolverRuleId: 'rslvr-rr-0123456789abcdef0',
          associationId: 'rslvr-rrassoc-0123456789abcdef0',
        },
      },
      probeFunction: { functionName: `aoai-link-probe-${ENV}` },
    },
    tunnelCheck: {
      ready: true,
      attempt: 1,
      redriveCount: 0,
      tunnels: [
        { tunnel: 1, outsideIp: '52.0.0.1', aws: 'UP', azure: 'Connected' },
        { tunnel: 2, outsideIp: '52.0.0.2', aws: 'UP', azure: 'Connected' },
      ].slice(0, tunnels),
    },
    probe: probeOk,
  };
}

test('the whole summary: result, addresses, tunnels, probe and every created resource on both sides', () => {
  const state = { ...finishedState(), probeAfterLock };
  expect(summarise(state)).toEqual({
    environmentId: ENV,
    result: 'Private path proven: aoai-prod.openai.azure.com resolves to 192.168.1.4 inside vpc-0a1b2c3d4e5f60001 and answers over the VPN.',
    openAiEndpoint: 'https://aoai-prod.openai.azure.com/',
    privateEndpointIp: '192.168.1.4',
    dnsInboundEndpointIp: '192.168.2.4',
    azureGatewayPublicIp: '20.0.0.10',
    publicNetworkAccess: 'Disabled',
    tunnels: state.tunnelCheck.tunnels,
    routing: 'static',
    probe: probeAfterLock,
    probes: [probeOk, probeAfterLock],
    created: {
      aws: {
        customerGateway: 'cgw-0123456789abcdef0',
        virtualPrivateGateway: 'vgw-0123456789abcdef0',
        vpnConnection: 'vpn-0123456789abcdef0',
        tunnelKeySecrets: [SECRET_ARN(1), SECRET_ARN(2)],
        resolverOutboundEndpoint: 'rslvr-out-0123456789abcdef0',
        forwardingRule: 'rslvr-rr-0123456789abcdef0',
        probeFunction: `aoai-link-probe-${ENV}`,
      },
      azure: {
        resourceGroup: 'rg-network',
        localNetworkGateways: [`lng-${ENV}-aws-tunnel-1`, `lng-${ENV}-aws-tunnel-2`],
        connections: [`cn-${ENV}-aws-tunnel-1`, `cn-${ENV}-aws-tunnel-2`],
        securityRules: [
          `nsg-vnet-hub-private-endpoint/aoai-link-${ENV}-https`,
          `nsg-vnet-hub-dns-inbound/aoai-link-${ENV}-dns-udp`,
          `nsg-vnet-hub-dns-inbound/aoai-link-${ENV}-dns-tcp`,
        ],
      },
    },
    hub: {
      gatewaySubnet: created(`${VNET}/subnets/GatewaySubnet`),
      publicIp: created(`${NET}/publicIPAddresses/pip-vnet-hub-vpngw`),
      vpnGateway: created(`${NET}/virtualNetworkGateways/vpngw-vnet-hub`),
      privateEndpointNsg: created(`${NET}/networkSecurityGroups/nsg-vnet-hub-private-endpoint`),
      privateEndpointSubnet: created(`${VNET}/subnets/snet-vnet-hub-private-endpoint`),
      dnsInboundNsg: created(`${NET}/networkSecurityGroups/nsg-vnet-hub-dns-inbound`),
      dnsResolverSubnet: created(`${VNET}/subnets/snet-vnet-hub-dns-inbound`),
      privateDnsZone: created(`${NET}/privateDnsZones/privatelink.openai.azure.com`),
      virtualNetworkLink: created(`${NET}/privateDnsZones/privatelink.openai.azure.com/virtualNetworkLinks/link-vnet-hub`),
      privateEndpoint: created(`${NET}/privateEndpoints/pe-vnet-hub-aoai-prod`),
      privateDnsZoneGroup: created(`${NET}/privateEndpoints/pe-vnet-hub-aoai-prod/privateDnsZoneGroups/default`),
      dnsResolver: created(`${NET}/dnsResolvers/dnspr-vnet-hub`),
      inboundEndpoint: created(`${NET}/dnsResolvers/dnspr-vnet-hub/inboundEndpoints/in-vnet-hub`),
    },
  });
});

test('per hub resource: created, used or adopted, as the first step decided; an NSG the subnet lacks is not listed', () => {
  const state = finishedState();
  const hub = state.facts.hub;
  hub.vpnGateway = { ...hub.vpnGateway, action: 'use', ready: true };
  hub.privateEndpoint = { id: '/subscriptions/x/resourceGroups/rg-other/providers/Microsoft.Network/privateEndpoints/pe-platform', action: 'adopt', ready: true };
  delete hub.privateDnsZoneGroup;
  delete hub.dnsInboundNsg;
  const summary = summarise(state);
  expect(summary.hub.vpnGateway).toEqual({ name: 'vpngw-vnet-hub', id: `${NET}/virtualNetworkGateways/vpngw-vnet-hub`, action: 'used' });
  expect(summary.hub.privateEndpoint).toEqual({ name: 'pe-platform', id: hub.privateEndpoint.id, action: 'adopted' });
  expect(summary.hub.publicIp.action).toBe('created');
  expect(Object.keys(summary.hub)).not.toContain('privateDnsZoneGroup');
  expect(Object.keys(summary.hub)).not.toContain('dnsInboundNsg');
  // No NSG on the resolver subnet: no DNS rule of this environment to name.
  expect(summary.created.azure.securityRules).toEqual([`nsg-vnet-hub-private-endpoint/aoai-link-${ENV}-https`]);
});

test('public access: Disabled when locked first or after the probe, Enabled when kept', () => {
  expect(summarise(finishedState({ publicNetworkAccess: 'disable-first' })).publicNetworkAccess).toBe('Disabled');
  expect(summarise(finishedState({ publicNetworkAccess: 'disable-after-probe' })).publicNetworkAccess).toBe('Disabled');
  expect(summarise(finishedState({ publicNetworkAccess: 'keep' })).publicNetworkAccess).toBe('Enabled');
});

test('without a probe after the lock, the one probe is the final one and the only one', () => {
  const summary = summarise(finishedState({ publicNetworkAccess: 'keep' }));
  expect(summary.probe).toBe(probeOk);
  expect(summary.probes).toEqual([probeOk]);
});

test('one tunnel: one local network gateway and one connection are listed, not the names of both', () => {
  const summary = summarise(finishedState({ tunnels: 'one' }, 1));
  expect(summary.created.azure.localNetworkGateways).toEqual([`lng-${ENV}-aws-tunnel-1`]);
  expect(summary.created.azure.connections).toEqual([`cn-${ENV}-aws-tunnel-1`]);
  expect(summary.created.aws.tunnelKeySecrets).toEqual([SECRET_ARN(1)]);
});

test('the handler returns the summary and logs one line naming the environment and the private address', async () => {
  const state = finishedState();
  let result: unknown;
  const logged = await logLines(async () => {
    result = await handler({ state, executionName: 'aoai-prod-01-3f9a1c' }, lambdaContext('aoai-link-summarise', 'req-summary-1'));
  });
  expect(result).toEqual(summarise(state));
  expect(logged).toEqual([
    expect.objectContaining({
      level: 'INFO',
      service: 'summarise',
      message: 'step finished',
      function_request_id: 'req-summary-1',
      executionName: 'aoai-prod-01-3f9a1c',
      environmentId: ENV,
      privateEndpointIp: '192.168.1.4',
    }),
  ]);
});
