/**
 * Child resources several environments write into one hub: NSG security rules (`…/securityRules/{name}`) beside
 * each other, and private DNS A record sets (`{zone}/A/{name}`), through the real Network and Private DNS clients.
 */
import { ACCOUNT, bodies, createAndWait, DNS_API, getById, ids, NET, NETWORK_API, restError, startTestAzure, type TestAzure } from './support';
import { all, CENTRAL_ZONE, networkClient, OTHER_SUB, privateDnsClient, seedForeignHub } from './hub-support';

let env: TestAzure;
afterEach(async () => env?.close());

const NSG = `${NET}/networkSecurityGroups/nsg-pe`;

function https(vpcCidr: string, priority: number, direction: 'Inbound' | 'Outbound' = 'Inbound') {
  return {
    protocol: 'Tcp' as const,
    access: 'Allow' as const,
    direction,
    priority,
    sourceAddressPrefix: vpcCidr,
    sourcePortRange: '*',
    destinationAddressPrefix: '*',
    destinationPortRange: '443',
  };
}

describe('NSG security rules as child resources', () => {
  beforeEach(async () => {
    env = await startTestAzure();
    await createAndWait(env, NSG, { location: 'japaneast', tags: { owner: 'platform-team' }, properties: { securityRules: [{ name: 'platform-ssh', properties: { ...https('10.0.0.0/8', 200), destinationPortRange: '22' } }] } });
  });

  it('each environment adds its own rule beside the others; the NSG GET shows them all in properties.securityRules', async () => {
    const network = networkClient(env);
    await network.securityRules.createOrUpdate('rg-network', 'nsg-pe', 'aoai-link-spoke-one-https', https('172.17.0.0/16', 300));
    await network.securityRules.createOrUpdate('rg-network', 'nsg-pe', 'aoai-link-spoke-two-https', https('172.18.0.0/16', 301));
    const rule = await network.securityRules.get('rg-network', 'nsg-pe', 'aoai-link-spoke-two-https');
    expect([rule.id, rule.sourceAddressPrefix, rule.priority, rule.provisioningState]).toEqual([`${NSG}/securityRules/aoai-link-spoke-two-https`, '172.18.0.0/16', 301, 'Succeeded']);
    const nsg = await network.networkSecurityGroups.get('rg-network', 'nsg-pe');
    expect(nsg.securityRules?.map((r) => [r.name, r.sourceAddressPrefix])).toEqual([
      ['platform-ssh', '10.0.0.0/8'],
      ['aoai-link-spoke-one-https', '172.17.0.0/16'],
      ['aoai-link-spoke-two-https', '172.18.0.0/16'],
    ]);
    expect((await all(network.securityRules.list('rg-network', 'nsg-pe'))).map((r) => r.name)).toEqual(['platform-ssh', 'aoai-link-spoke-one-https', 'aoai-link-spoke-two-https']);
  });

  it('a rule with the priority and direction of another is refused with 400 SecurityRuleConflict; the same priority outbound is accepted', async () => {
    const network = networkClient(env);
    await network.securityRules.createOrUpdate('rg-network', 'nsg-pe', 'aoai-link-spoke-one-https', https('172.17.0.0/16', 300));
    const refused = await restError(network.securityRules.createOrUpdate('rg-network', 'nsg-pe', 'aoai-link-spoke-two-https', https('172.18.0.0/16', 300)));
    expect([refused.statusCode, refused.code]).toEqual([400, 'SecurityRuleConflict']);
    expect(refused.message).toBe('Security rule aoai-link-spoke-one-https conflicts with rule aoai-link-spoke-two-https. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.');
    expect((await network.networkSecurityGroups.get('rg-network', 'nsg-pe')).securityRules?.map((r) => r.name)).toEqual(['platform-ssh', 'aoai-link-spoke-one-https']);
    // Re-writing a rule with its own priority is no conflict; another direction at the same priority is none either.
    await network.securityRules.createOrUpdate('rg-network', 'nsg-pe', 'aoai-link-spoke-one-https', https('172.17.0.0/16', 300));
    const outbound = await network.securityRules.createOrUpdate('rg-network', 'nsg-pe', 'aoai-link-spoke-two-out', https('172.18.0.0/16', 300, 'Outbound'));
    expect(outbound.provisioningState).toBe('Succeeded');
  });

  it('an NSG PUT replaces the whole list, child rules included; two rules of one body with the same priority and direction are refused', async () => {
    const network = networkClient(env);
    await network.securityRules.createOrUpdate('rg-network', 'nsg-pe', 'aoai-link-spoke-one-https', https('172.17.0.0/16', 300));
    const replaced = await createAndWait(env, NSG, { location: 'japaneast', properties: { securityRules: [{ name: 'aoai-link-spoke-two-https', properties: https('172.18.0.0/16', 301) }] } });
    expect(replaced.properties.securityRules.map((r: { name: string }) => r.name)).toEqual(['aoai-link-spoke-two-https']);
    const gone = await restError(network.securityRules.get('rg-network', 'nsg-pe', 'aoai-link-spoke-one-https'));
    expect(gone.statusCode).toBe(404);

    const clash = await env.send('PUT', NSG, NETWORK_API, {
      location: 'japaneast',
      properties: { securityRules: [{ name: 'a', properties: https('172.17.0.0/16', 310) }, { name: 'b', properties: https('172.18.0.0/16', 310) }] },
    });
    expect([clash.status, clash.json.error.code]).toEqual([400, 'SecurityRuleConflict']);
  });

  it('a rule is deleted on its own, the others stay; deleting it again is answered 204', async () => {
    const network = networkClient(env);
    await network.securityRules.createOrUpdate('rg-network', 'nsg-pe', 'aoai-link-spoke-one-https', https('172.17.0.0/16', 300));
    await network.securityRules.delete('rg-network', 'nsg-pe', 'aoai-link-spoke-one-https');
    expect((await network.networkSecurityGroups.get('rg-network', 'nsg-pe')).securityRules?.map((r) => r.name)).toEqual(['platform-ssh']);
    const again = await env.send('DELETE', `${NSG}/securityRules/aoai-link-spoke-one-https`, NETWORK_API);
    expect(again.status).toBe(204);
  });
});

describe('private DNS A record sets', () => {
  const ZONE_RG = 'rg-dns';
  const ZONE = 'privatelink.openai.azure.com';

  it('PUT, GET and DELETE an A record set in a zone of another subscription', async () => {
    env = await startTestAzure();
    seedForeignHub(env);
    const dns = privateDnsClient(env, OTHER_SUB);
    const written = await dns.recordSets.createOrUpdate(ZONE_RG, ZONE, 'A', 'aoai-prod', { ttl: 10, aRecords: [{ ipv4Address: '192.168.1.4' }] });
    expect([written.id, written.fqdn, written.aRecords]).toEqual([`${CENTRAL_ZONE}/A/aoai-prod`, 'aoai-prod.privatelink.openai.azure.com.', [{ ipv4Address: '192.168.1.4' }]]);
    const read = await dns.recordSets.get(ZONE_RG, ZONE, 'A', 'aoai-prod');
    expect([read.ttl, read.aRecords, read.isAutoRegistered]).toEqual([10, [{ ipv4Address: '192.168.1.4' }], false]);
    expect((await dns.privateZones.get(ZONE_RG, ZONE)).numberOfRecordSets).toBe(2); // SOA + A
    await dns.recordSets.delete(ZONE_RG, ZONE, 'A', 'aoai-prod');
    const gone = await restError(dns.recordSets.get(ZONE_RG, ZONE, 'A', 'aoai-prod'));
    expect(gone.statusCode).toBe(404);
  });

  it('a malformed address is refused', async () => {
    env = await startTestAzure();
    seedForeignHub(env);
    const refused = await env.send('PUT', `${CENTRAL_ZONE}/A/aoai-prod`, DNS_API, { properties: { ttl: 10, aRecords: [{ ipv4Address: '192.168.1.400' }] } });
    expect([refused.status, refused.json.error.code]).toEqual([400, 'BadRequest']);
  });

  it('two endpoints for one account in one zone overwrite each other\'s record: the last write wins, a direct PUT too', async () => {
    env = await startTestAzure();
    seedForeignHub(env);
    await createAndWait(env, ids.peSubnet, bodies.peSubnet());
    const endpoint = (name: string) => ({
      location: 'japaneast',
      properties: { subnet: { id: ids.peSubnet }, privateLinkServiceConnections: [{ name: 'aoai', properties: { privateLinkServiceId: ACCOUNT, groupIds: ['account'] } }] },
    });
    const group = { properties: { privateDnsZoneConfigs: [{ name: 'openai', properties: { privateDnsZoneId: CENTRAL_ZONE } }] } };
    const first = await createAndWait(env, `${NET}/privateEndpoints/pe-one`, endpoint('pe-one'));
    const second = await createAndWait(env, `${NET}/privateEndpoints/pe-two`, endpoint('pe-two'));
    const firstIp = first.properties.customDnsConfigs[0].ipAddresses[0];
    const secondIp = second.properties.customDnsConfigs[0].ipAddresses[0];
    expect(firstIp).not.toBe(secondIp);

    const dns = privateDnsClient(env, OTHER_SUB);
    await createAndWait(env, `${NET}/privateEndpoints/pe-one/privateDnsZoneGroups/default`, group);
    expect((await dns.recordSets.get(ZONE_RG, ZONE, 'A', 'aoai-prod')).aRecords).toEqual([{ ipv4Address: firstIp }]);
    await createAndWait(env, `${NET}/privateEndpoints/pe-two/privateDnsZoneGroups/default`, group);
    expect((await dns.recordSets.get(ZONE_RG, ZONE, 'A', 'aoai-prod')).aRecords).toEqual([{ ipv4Address: secondIp }]);

    await dns.recordSets.createOrUpdate(ZONE_RG, ZONE, 'A', 'aoai-prod', { ttl: 10, aRecords: [{ ipv4Address: firstIp }] });
    const record = await getById(env, `${CENTRAL_ZONE}/A/aoai-prod`, DNS_API);
    expect(record.properties.aRecords).toEqual([{ ipv4Address: firstIp }]);
  });
});
