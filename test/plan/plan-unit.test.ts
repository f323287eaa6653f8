/**
 * The plan's pure part (functions/commons/plan.ts): from the hub's decisions and what the look-ups found to the
 * actions and the cost, for the cases the emulated runs do not reach on the default world: another team's hub
 * resources, our hub gateway needing this environment's APIPA addresses, a SKU without a price.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { greenfieldHub } from '../../functions/commons/hub';
import { mappingFor } from '../../functions/commons/bgp';
import { planLines, provisionPlan, type ProvisionLookups } from '../../functions/commons/plan';
import { validateRequestDocument } from '../../functions/commons/request/schema';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
import type { BgpFacts, HubFacts } from '../../functions/commons/workflow-data';

const DOCUMENT = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'events', 'new-environment.json'), 'utf8'));

function requestWith(patch: (document: any) => void = () => undefined): EnvironmentRequest {
  const document = JSON.parse(JSON.stringify(DOCUMENT));
  patch(document);
  const checked = validateRequestDocument(document);
  if (!checked.ok) throw new Error(JSON.stringify(checked.problems));
  return checked.request;
}

const nothingFound: ProvisionLookups = { found: [], ruleAssociationIds: [], propagatingRouteTables: {}, securityRuleIds: [] };

describe('provisionPlan', () => {
  it("adopts another team's gateway and resolver, and leaves them out of the cost", () => {
    const request = requestWith();
    const hub: HubFacts = greenfieldHub(request);
    hub.vpnGateway = { ...hub.vpnGateway, action: 'adopt', ready: true };
    hub.publicIp = { ...hub.publicIp, action: 'adopt', ready: true };
    hub.inboundEndpoint = { ...hub.inboundEndpoint, action: 'adopt', ready: true };
    const plan = provisionPlan(request, { hub }, nothingFound);
    const adopted = plan.actions.filter((a) => a.action === 'adopt').map((a) => a.type);
    expect(adopted).toEqual(['Microsoft.Network/publicIPAddresses', 'Microsoft.Network/virtualNetworkGateways', 'Microsoft.Network/dnsResolvers/inboundEndpoints']);
    for (const a of plan.actions.filter((x) => x.action === 'adopt')) expect(a.reason).toMatch(/another team's/);
    // 673.98 less the gateway (263.53), its IP (3.65) and the inbound endpoint (180).
    expect(plan.monthlyCostUsd.total).toBe(226.8);
    expect(plan.monthlyCostUsd.items.filter((item) => item.usd !== null).some((item) => /VPN gateway|public IP|inbound endpoint/.test(item.item))).toBe(false);
  });

  it("updates our hub gateway in place when it lacks this environment's APIPA addresses (BGP)", () => {
    const request = requestWith((d) => (d.options.routing = 'bgp'));
    const hub = greenfieldHub(request);
    hub.vpnGateway = { ...hub.vpnGateway, action: 'use', ready: true };
    const mapping = mappingFor(['169.254.21.0/30', '169.254.22.0/30', '169.254.21.4/30', '169.254.22.4/30'], 65000, 64512);
    const bgp: BgpFacts = { ...mapping, ipConfigurationIds: ['a', 'b'], secondPublicIp: { id: `${hub.publicIp.id}-2`, action: 'create', ready: false }, gatewayNeedsAddresses: true };
    const plan = provisionPlan(request, { hub, bgp }, nothingFound);
    const gateway = plan.actions.find((a) => a.type === 'Microsoft.Network/virtualNetworkGateways');
    expect(gateway).toMatchObject({ action: 'update' });
    expect(gateway!.reason).toMatch(/APIPA/);
    const lines = planLines(plan, { bgp });
    expect(lines).toContain('BGP: Azure ASN 65000, AWS ASN 64512');
    expect(lines.filter((line) => /^[1-4] {7}[12] /.test(line))).toHaveLength(4);
  });

  it('with one tunnel plans one local network gateway and connection; with publicNetworkAccess "keep" the account is used as it is', () => {
    const request = requestWith((d) => {
      d.options.tunnels = 'one';
      d.options.publicNetworkAccess = 'keep';
    });
    const plan = provisionPlan(request, { hub: greenfieldHub(request) }, nothingFound);
    expect(plan.actions.filter((a) => a.type === 'Microsoft.Network/connections').map((a) => a.name)).toEqual(['cn-aoai-prod-01-aws-tunnel-1']);
    expect(plan.actions.find((a) => a.type === 'Microsoft.CognitiveServices/accounts')).toMatchObject({ action: 'adopt' });
  });
});
