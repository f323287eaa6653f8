/**
 * The BGP tunnel mapping (functions/commons/bgp.ts) against Microsoft's published example for AWS
 * (learn.microsoft.com/azure/vpn-gateway/vpn-gateway-howto-aws-bgp: instance 0 takes 169.254.21.0/30 and
 * 169.254.22.0/30, instance 1 the .4/30s, AWS the first usable address, Azure the second), against hand-checked
 * edge cases, and the checks that refuse a mapping before anything is created.
 */
import {
  AWS_RESERVED_INSIDE_CIDRS,
  bgpOptionProblems,
  bgpTable,
  connectionCustomAddresses,
  mappingFor,
  planBgp,
  reservedInsideCidrsInAzureRange,
  type BgpMapping,
} from '../../functions/commons/bgp';
import { validateRequestDocument } from '../../functions/commons/request/schema';
import { requestHash } from '../../functions/commons/naming';
import { DEFAULT_REQUEST } from '../workflow/support';

const planned = (options = {}, gateway = { usedAddresses: [] as string[] }): BgpMapping => {
  const plan = planBgp(options, gateway);
  if (!plan.ok) throw new Error(JSON.stringify(plan.problems));
  return plan.mapping;
};

describe("the mapping on a new gateway is Microsoft's example for AWS", () => {
  const mapping = planned();

  it('four tunnels: VPN connection 1 to instance 0, VPN connection 2 to instance 1, two tunnels each', () => {
    expect(mapping.tunnels).toEqual([
      { tunnel: 1, vpnConnection: 1, awsTunnel: 1, azureInstance: 0, insideCidr: '169.254.21.0/30', awsAddress: '169.254.21.1', azureAddress: '169.254.21.2' },
      { tunnel: 2, vpnConnection: 1, awsTunnel: 2, azureInstance: 0, insideCidr: '169.254.22.0/30', awsAddress: '169.254.22.1', azureAddress: '169.254.22.2' },
      { tunnel: 3, vpnConnection: 2, awsTunnel: 1, azureInstance: 1, insideCidr: '169.254.21.4/30', awsAddress: '169.254.21.5', azureAddress: '169.254.21.6' },
      { tunnel: 4, vpnConnection: 2, awsTunnel: 2, azureInstance: 1, insideCidr: '169.254.22.4/30', awsAddress: '169.254.22.5', azureAddress: '169.254.22.6' },
    ]);
  });

  it("each Azure instance's custom APIPA addresses are the Azure ends of its own tunnels", () => {
    expect(mapping.instanceAddresses).toEqual([
      ['169.254.21.2', '169.254.22.2'],
      ['169.254.21.6', '169.254.22.6'],
    ]);
  });

  it("each connection names its own address on its own instance, and the other instance's address of the same AWS tunnel row", () => {
    expect(mapping.tunnels.map((t) => connectionCustomAddresses(mapping, t))).toEqual([
      ['169.254.21.2', '169.254.21.6'],
      ['169.254.22.2', '169.254.22.6'],
      ['169.254.21.2', '169.254.21.6'],
      ['169.254.22.2', '169.254.22.6'],
    ]);
  });

  it('the default ASNs are the guide\'s: 65000 for Azure, 64512 for the VGW', () => {
    expect([mapping.azureAsn, mapping.awsAsn]).toEqual([65000, 64512]);
  });

  it('the table an engineer checks names every tunnel with both addresses', () => {
    const table = bgpTable(mapping);
    expect(table[0]).toBe('BGP: Azure ASN 65000, AWS ASN 64512');
    expect(table).toHaveLength(6);
    expect(table[5]).toMatch(/^4\s+2\s+2\s+1\s+169\.254\.22\.4\/30\s+169\.254\.22\.5\s+169\.254\.22\.6$/);
  });
});

describe('on a gateway other environments use', () => {
  it('takes the next slot whose four /30s are all free (any address of a /30 takes it)', () => {
    const mapping = planned({}, { usedAddresses: ['169.254.21.2', '169.254.22.1', '169.254.21.6', '169.254.22.6'] });
    expect(mapping.tunnels.map((t) => t.insideCidr)).toEqual(['169.254.21.8/30', '169.254.22.8/30', '169.254.21.12/30', '169.254.22.12/30']);
  });

  it('one used /30 of a slot is enough to skip the slot', () => {
    const mapping = planned({}, { usedAddresses: ['169.254.22.7'] });
    expect(mapping.tunnels[0].insideCidr).toBe('169.254.21.8/30');
  });

  it("the gateway's ASN is used when the request names none, and a different one is refused", () => {
    expect(planned({}, { asn: 65010, usedAddresses: [] } as any).azureAsn).toBe(65010);
    const plan = planBgp({ azureAsn: 65020 }, { asn: 65010, usedAddresses: [] });
    expect(plan.ok).toBe(false);
    expect(!plan.ok && plan.problems.map((p) => p.path)).toEqual(['options.bgp.azureAsn']);
  });

  it("the VGW's ASN equal to the hub gateway's is refused", () => {
    const plan = planBgp({ awsAsn: 65010 }, { asn: 65010, usedAddresses: [] });
    expect(!plan.ok && plan.problems.map((p) => p.path)).toEqual(['options.bgp.awsAsn']);
  });

  it("on another team's gateway only addresses already configured on the right instance are taken", () => {
    const configured: [string[], string[]] = [
      ['169.254.21.2', '169.254.22.2', '169.254.21.10', '169.254.22.10'],
      ['169.254.21.6', '169.254.22.6', '169.254.21.14', '169.254.22.14'],
    ];
    const mapping = planned({}, { usedAddresses: ['169.254.21.2', '169.254.21.6', '169.254.22.2', '169.254.22.6'], configured } as any);
    expect(mapping.instanceAddresses).toEqual([
      ['169.254.21.10', '169.254.22.10'],
      ['169.254.21.14', '169.254.22.14'],
    ]);
  });

  it("another team's gateway with no free configured addresses is refused with the fix", () => {
    const plan = planBgp({}, { usedAddresses: ['169.254.21.2'], configured: [['169.254.21.2', '169.254.22.2'], ['169.254.21.6', '169.254.22.6']] });
    expect(plan.ok).toBe(false);
    expect(!plan.ok && plan.problems).toEqual([{ path: 'options.bgp.tunnelInsideCidrs', message: expect.stringMatching(/ask its owner to add them/) }]);
  });

  it('a full range is refused', () => {
    const used = Array.from({ length: 64 }, (_, i) => `169.254.21.${4 * i + 1}`);
    const plan = planBgp({}, { usedAddresses: used });
    expect(!plan.ok && plan.problems[0].message).toMatch(/no four free \/30s/);
  });

  it('requested /30s already used on the gateway, or not configured on a foreign one, are refused one by one', () => {
    const cidrs = ['169.254.21.0/30', '169.254.22.0/30', '169.254.21.4/30', '169.254.22.4/30'];
    const used = planBgp({ tunnelInsideCidrs: cidrs }, { usedAddresses: ['169.254.22.1'] });
    expect(!used.ok && used.problems.map((p) => p.path)).toEqual(['options.bgp.tunnelInsideCidrs[1]']);
    const foreign = planBgp({ tunnelInsideCidrs: cidrs }, { usedAddresses: [], configured: [['169.254.21.2', '169.254.22.2'], ['169.254.21.6']] });
    expect(!foreign.ok && foreign.problems.map((p) => p.path)).toEqual(['options.bgp.tunnelInsideCidrs[3]']);
  });

  it('a re-run given its own /30s keeps them (the hub discovery passes them as requested)', () => {
    const own = ['169.254.21.16/30', '169.254.22.16/30', '169.254.21.20/30', '169.254.22.20/30'];
    expect(planned({ tunnelInsideCidrs: own }).tunnels.map((t) => t.insideCidr)).toEqual(own);
  });
});

describe('the checks before anything is created', () => {
  const problems = (bgp: object, region = 'ap-northeast-1') => bgpOptionProblems(bgp, region).map((p) => `${p.path}: ${p.message}`);

  it("AWS's reserved /30s all lie outside Azure's APIPA range, so the range check covers them", () => {
    expect(AWS_RESERVED_INSIDE_CIDRS.length).toBeGreaterThan(0);
    expect(reservedInsideCidrsInAzureRange()).toEqual([]);
    expect(problems({ tunnelInsideCidrs: ['169.254.5.0/30', '169.254.21.4/30', '169.254.22.0/30', '169.254.169.252/30'] })).toEqual([
      expect.stringMatching(/^options\.bgp\.tunnelInsideCidrs\[0\]: 169\.254\.5\.0\/30 is outside 169\.254\.21\.0–169\.254\.22\.255/),
      expect.stringMatching(/^options\.bgp\.tunnelInsideCidrs\[3\]: 169\.254\.169\.252\/30 is outside/),
    ]);
  });

  it.each([
    ['169.254.20.252/30', /outside/],
    ['169.254.23.0/30', /outside/],
    ['169.254.21.2/30', /network-aligned \/30/],
    ['169.254.21.0/29', /network-aligned \/30/],
    ['169.254.21.256/30', /network-aligned \/30/],
    ['21.0/30', /network-aligned \/30/],
  ])('%s is refused', (cidr, why) => {
    expect(problems({ tunnelInsideCidrs: [cidr, '169.254.21.4/30', '169.254.22.0/30', '169.254.22.4/30'] })).toEqual([expect.stringMatching(why)]);
  });

  it('the edges of the range are accepted', () => {
    expect(problems({ tunnelInsideCidrs: ['169.254.21.0/30', '169.254.22.252/30', '169.254.21.4/30', '169.254.22.4/30'] })).toEqual([]);
  });

  it('four distinct /30s, no more, no less', () => {
    expect(problems({ tunnelInsideCidrs: ['169.254.21.0/30'] })).toEqual([expect.stringMatching(/^options\.bgp\.tunnelInsideCidrs: needs exactly four/)]);
    expect(problems({ tunnelInsideCidrs: ['169.254.21.0/30', '169.254.22.0/30', '169.254.21.0/30', '169.254.22.4/30'] })).toEqual([
      expect.stringMatching(/^options\.bgp\.tunnelInsideCidrs\[2\]: 169\.254\.21\.0\/30 is also tunnel 1's/),
    ]);
  });

  it.each([
    [{ azureAsn: 65515 }, 'options.bgp.azureAsn', /reserved by Azure/],
    [{ azureAsn: 65520 }, 'options.bgp.azureAsn', /reserved by Azure/],
    [{ azureAsn: 8075 }, 'options.bgp.azureAsn', /reserved by Azure/],
    [{ azureAsn: 12076 }, 'options.bgp.azureAsn', /reserved by Azure/],
    [{ awsAsn: 65517 }, 'options.bgp.awsAsn', /reserved by Azure/],
    [{ azureAsn: 23456 }, 'options.bgp.azureAsn', /reserved for every BGP speaker/],
    [{ azureAsn: 64500 }, 'options.bgp.azureAsn', /reserved for every BGP speaker/],
    [{ azureAsn: 0 }, 'options.bgp.azureAsn', /whole number/],
    [{ azureAsn: 65000.5 }, 'options.bgp.azureAsn', /whole number/],
    [{ azureAsn: '65000' }, 'options.bgp.azureAsn', /whole number/],
    [{ azureAsn: 7224 }, 'options.bgp.azureAsn', /reserved by AWS/],
    [{ azureAsn: 10124 }, 'options.bgp.azureAsn', /reserved by AWS for its side in ap-northeast-1/],
    [{ azureAsn: 3000000000 }, 'options.bgp.azureAsn', /larger than/],
    [{ awsAsn: 65000 }, 'options.bgp.awsAsn', /equals options\.bgp\.azureAsn/],
    [{ awsAsn: 64000 }, 'options.bgp.awsAsn', /AmazonSideAsn/],
    [{ awsAsn: 4294967294, azureAsn: 64513 }, undefined, undefined],
    [{ awsAsn: 65534 }, undefined, undefined],
  ])('%j', (bgp, path, why) => {
    const found = bgpOptionProblems(bgp as object, 'ap-northeast-1');
    if (!path) expect(found).toEqual([]);
    else expect(found).toEqual([{ path, message: expect.stringMatching(why!) }]);
  });

  it("10124 is AWS's only in ap-northeast-1", () => {
    expect(problems({ azureAsn: 10124 }, 'us-west-2')).toEqual([]);
  });
});

describe('the request fields', () => {
  const withOptions = (options: object) => validateRequestDocument({ ...DEFAULT_REQUEST, options: { ...DEFAULT_REQUEST.options, ...options } });

  it('routing bgp with its options is accepted and kept as given', () => {
    const checked = withOptions({ routing: 'bgp', bgp: { azureAsn: 65010 } });
    expect(checked.ok && checked.request.options).toMatchObject({ routing: 'bgp', bgp: { azureAsn: 65010 } });
  });

  it('a request without routing hashes as it did before the field existed', () => {
    const before = validateRequestDocument(DEFAULT_REQUEST);
    expect(before.ok && before.request.options).not.toHaveProperty('routing');
    // The default request's hash (its run folder's name) from before options.routing existed.
    expect(before.ok && requestHash(before.request)).toBe('c3d73d5b');
  });

  it('every problem at once, each with its path: bgp with one tunnel, an unknown bgp field, a bad ASN and a bad /30', () => {
    const checked = withOptions({ routing: 'bgp', tunnels: 'one', bgp: { azureAsn: 65515, tunnelInsideCidr: [] } });
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.problems.map((p) => p.path)).toEqual(['options.tunnels', 'options.bgp.tunnelInsideCidr', 'options.bgp.azureAsn']);
  });

  it('bgp options without BGP routing are refused, and an unknown routing is named', () => {
    const stray = withOptions({ bgp: { azureAsn: 65010 } });
    expect(!stray.ok && stray.problems.map((p) => p.path)).toEqual(['options.bgp']);
    const typo = withOptions({ routing: 'bpg' });
    expect(!typo.ok && typo.problems).toEqual([{ path: 'options.routing', message: expect.stringMatching(/did you mean "bgp"/) }]);
  });

  it('the mapping for four given /30s keeps their order', () => {
    const mapping = mappingFor(['169.254.22.12/30', '169.254.21.12/30', '169.254.22.8/30', '169.254.21.8/30'], 65000, 64512);
    expect(mapping.tunnels.map((t) => [t.awsAddress, t.azureAddress])).toEqual([
      ['169.254.22.13', '169.254.22.14'],
      ['169.254.21.13', '169.254.21.14'],
      ['169.254.22.9', '169.254.22.10'],
      ['169.254.21.9', '169.254.21.10'],
    ]);
  });
});
