/**
 * The request's optional hub fields (environment-request.md): the three subnet prefixes may be left out, and
 * azure.privateDnsZoneId names a landing zone's privatelink.openai.azure.com zone. Static checks only.
 */
import { subnetPrefixToBuild, validateRequestDocument } from '../../functions/commons/request/schema';
import { DEFAULT_REQUEST } from './support';

const copy = (document: unknown): any => JSON.parse(JSON.stringify(document));
const ZONE = '/subscriptions/22222222-3333-4444-5555-666666666666/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com';

function problemsOf(document: unknown): { path: string; message: string }[] {
  const result = validateRequestDocument(document);
  return result.ok ? [] : result.problems;
}

test('the subnet prefixes may be left out; the normalised request then has none, and nothing else changes', () => {
  const document = copy(DEFAULT_REQUEST);
  delete document.azure.gatewaySubnetPrefix;
  delete document.azure.dnsResolverSubnetPrefix;
  delete document.azure.privateEndpointSubnetPrefix;
  const result = validateRequestDocument(document);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  expect(Object.keys(result.request.azure)).toEqual(['subscriptionId', 'resourceGroup', 'virtualNetworkName', 'gatewaySku', 'openAiAccountId', 'openAiDeployment']);
  // A request with all of them normalises with its fields in their old order (its hash does not move).
  const full = validateRequestDocument(DEFAULT_REQUEST);
  expect(full.ok && Object.keys(full.request.azure)).toEqual([
    'subscriptionId',
    'resourceGroup',
    'virtualNetworkName',
    'gatewaySubnetPrefix',
    'privateEndpointSubnetPrefix',
    'dnsResolverSubnetPrefix',
    'gatewaySku',
    'openAiAccountId',
    'openAiDeployment',
  ]);
  expect(() => subnetPrefixToBuild(result.request, 'gatewaySubnetPrefix')).toThrow(/azure\.gatewaySubnetPrefix/);
});

test('a prefix that is given is still checked, and two given ones must not overlap; an absent one is skipped', () => {
  const broken = copy(DEFAULT_REQUEST);
  delete broken.azure.gatewaySubnetPrefix;
  broken.azure.dnsResolverSubnetPrefix = '192.168.2.1/28';
  expect(problemsOf(broken).map((p) => p.path)).toEqual(['azure.dnsResolverSubnetPrefix']);
  const overlapping = copy(DEFAULT_REQUEST);
  delete overlapping.azure.gatewaySubnetPrefix;
  overlapping.azure.dnsResolverSubnetPrefix = '192.168.1.0/28';
  expect(problemsOf(overlapping)).toEqual([{ path: 'azure.dnsResolverSubnetPrefix', message: expect.stringContaining('overlaps azure.privateEndpointSubnetPrefix') }]);
  const wrongType = copy(DEFAULT_REQUEST);
  wrongType.azure.gatewaySubnetPrefix = null;
  expect(problemsOf(wrongType).map((p) => p.path)).toEqual(['azure.gatewaySubnetPrefix']);
});

test('azure.privateDnsZoneId: the id of a privatelink.openai.azure.com zone, in any resource group or subscription', () => {
  const withZone = (id: unknown) => {
    const document = copy(DEFAULT_REQUEST);
    document.azure.privateDnsZoneId = id;
    return document;
  };
  const accepted = validateRequestDocument(withZone(ZONE.replace('privatelink.openai', 'PrivateLink.OpenAI')));
  expect(accepted.ok && accepted.request.azure.privateDnsZoneId).toBe(ZONE.replace('privatelink.openai', 'PrivateLink.OpenAI'));
  expect(problemsOf(withZone(ZONE.replace('openai', 'blob.core')))).toEqual([{ path: 'azure.privateDnsZoneId', message: expect.stringContaining('must name the zone privatelink.openai.azure.com') }]);
  expect(problemsOf(withZone(ZONE.replace('privateDnsZones', 'dnsZones')))).toEqual([{ path: 'azure.privateDnsZoneId', message: expect.stringContaining('Microsoft.Network/privateDnsZones') }]);
  expect(problemsOf(withZone(ZONE.replace('22222222-3333-4444-5555-666666666666', 'not-a-guid')))).toEqual([{ path: 'azure.privateDnsZoneId', message: expect.stringContaining('GUID') }]);
  expect(problemsOf(withZone('privatelink.openai.azure.com'))).toEqual([{ path: 'azure.privateDnsZoneId', message: expect.stringContaining('must be an Azure resource id') }]);
  expect(problemsOf(withZone(7))).toEqual([{ path: 'azure.privateDnsZoneId', message: 'expected a string, got the number 7' }]);
  // Absent, the request is as before.
  const without = validateRequestDocument(DEFAULT_REQUEST);
  expect(without.ok && 'privateDnsZoneId' in without.request.azure).toBe(false);
});
