import type { CloudState } from '../../local/cloud/state';
import { Latencies } from '../../local/latency';
import { NetworkModel, publicAddressOf } from '../../local/network/model';
import { ALL_READY_AT, CONFIGURED_AT, ManualClock, azureProps, builtState, ids, nsgRule, removeAzure } from './fixtures';

function modelOf(state: CloudState, t = ALL_READY_AT, latencies = new Latencies()) {
  const clock = new ManualClock(t);
  return { model: new NetworkModel(() => state, clock, latencies), clock };
}

describe('tunnels', () => {
  it('come up tunnel.up (120 s) after the last prerequisite is ready, not before', () => {
    const state = builtState();
    const { model, clock } = modelOf(state, CONFIGURED_AT + 119);

    expect(model.awsTunnelTelemetry(ids.vpnId).map((t) => t.Status)).toEqual(['DOWN', 'DOWN']);
    // AWS says only what it can know; the emulator's own evaluation says why.
    expect(model.awsTunnelTelemetry(ids.vpnId)[0].StatusMessage).toBe('IPSEC IS DOWN');
    expect(model.tunnels()[0].phase).toBe('negotiating');
    expect(model.azureConnectionStatus(ids.connectionIds[0]).connectionStatus).toBe('Connecting');

    clock.t = CONFIGURED_AT + 120;
    const telemetry = model.awsTunnelTelemetry(ids.vpnId);
    expect(telemetry).toEqual([
      { OutsideIpAddress: ids.tunnelIps[0], Status: 'UP', StatusMessage: '', LastStatusChange: CONFIGURED_AT + 120 },
      { OutsideIpAddress: ids.tunnelIps[1], Status: 'UP', StatusMessage: '', LastStatusChange: CONFIGURED_AT + 120 },
    ]);
    for (const id of ids.connectionIds) {
      const view = model.azureConnectionStatus(id);
      expect(view.connectionStatus).toBe('Connected');
      expect(view.tunnelConnectionStatus).toEqual([{ tunnel: expect.stringContaining('vpngw-hub'), connectionStatus: 'Connected' }]);
    }
  });

  it('waits for each end: a connection still Creating is Unknown, and the tunnel stays down', () => {
    const state = builtState();
    const { model } = modelOf(state, CONFIGURED_AT - 1);
    expect(model.azureConnectionStatus(ids.connectionIds[0]).connectionStatus).toBe('Unknown');
    expect(model.awsTunnelTelemetry(ids.vpnId)[0].StatusMessage).toBe('IPSEC IS DOWN');
    expect(model.tunnels()[0].reasons.join('; ')).toMatch(/connection cn-aws-tunnel1 is Creating/);
  });

  it('restarts the 120 s when an end is rewritten (an update completing later)', () => {
    const state = builtState();
    const resource = state.azure.resources[ids.connectionIds[0].toLowerCase()];
    resource.operation = { kind: 'update', startedAt: 2900, readyAt: 2960, outcome: 'Succeeded', operationId: 'op-u' };
    const { model, clock } = modelOf(state, 3000);
    expect(model.awsTunnelTelemetry(ids.vpnId).map((t) => t.Status)).toEqual(['DOWN', 'UP']);
    clock.t = 3080;
    expect(model.awsTunnelTelemetry(ids.vpnId).map((t) => t.Status)).toEqual(['UP', 'UP']);
  });

  it('follows jittered latencies, and both clouds agree on the instant', () => {
    const state = builtState();
    const latencies = new Latencies(7);
    const up = latencies.of('tunnel.up', `${ids.vpnId}/${ids.tunnelIps[0]}`);
    expect(up).toBeGreaterThanOrEqual(90);
    expect(up).toBeLessThanOrEqual(150);
    const { model, clock } = modelOf(state, CONFIGURED_AT + up - 1, latencies);
    expect(model.awsTunnelTelemetry(ids.vpnId)[0].Status).toBe('DOWN');
    expect(model.azureConnectionStatus(ids.connectionIds[0]).connectionStatus).toBe('Connecting');
    clock.t = CONFIGURED_AT + up;
    expect(model.awsTunnelTelemetry(ids.vpnId)[0].Status).toBe('UP');
    expect(model.azureConnectionStatus(ids.connectionIds[0]).connectionStatus).toBe('Connected');
  });

  it('follows a state that is replaced wholesale', () => {
    const clock = new ManualClock();
    const model = new NetworkModel(builtState(), clock, new Latencies());
    expect(model.awsTunnelTelemetry(ids.vpnId)[0].Status).toBe('UP');
    const broken = builtState();
    azureProps(broken, ids.connectionIds[0]).sharedKey = 'another.key_123';
    model.setState(broken);
    expect(model.awsTunnelTelemetry(ids.vpnId)[0].Status).toBe('DOWN');
  });

  it('answers for unknown ids without throwing', () => {
    const { model } = modelOf(builtState());
    expect(model.awsTunnelTelemetry('vpn-nope')).toEqual([]);
    expect(model.azureConnectionStatus('/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/connections/nope').connectionStatus).toBe('Unknown');
  });
});

type Expect = 'up' | 'private' | 'ok' | RegExp;

interface Case {
  name: string;
  mutate: (state: CloudState) => void;
  tunnel: Expect;
  dns: Expect;
  tcp: Expect;
  at?: number;
}

const bothTunnels = (f: (i: number) => void) => [0, 1].forEach(f);

function check(state: CloudState, c: Case) {
  const { model } = modelOf(state, c.at ?? ALL_READY_AT);
  const telemetry = model.awsTunnelTelemetry(ids.vpnId);
  const dns = model.resolve(ids.subnetA, ids.accountName);
  const tcp = model.tcp(ids.subnetA, ids.peIp, 443);

  if (c.tunnel === 'up') {
    expect(telemetry.map((t) => t.Status)).toEqual(['UP', 'UP']);
    for (const id of ids.connectionIds) expect(model.azureConnectionStatus(id).connectionStatus).toBe('Connected');
  } else {
    expect(telemetry.map((t) => t.Status)).toEqual(['DOWN', 'DOWN']);
    // AWS cannot know the Azure side: its message is the same whatever the cause.
    for (const t of telemetry) expect(t.StatusMessage).toBe('IPSEC IS DOWN');
    for (const t of model.tunnels().filter((e) => e.vpnConnectionId === ids.vpnId)) {
      const why = t.reasons.join('; ');
      expect(why).toMatch(c.tunnel);
      for (const key of ids.psks) expect(why).not.toContain(key);
    }
    for (const id of ids.connectionIds) expect(model.azureConnectionStatus(id).connectionStatus).not.toBe('Connected');
  }

  expect(dns.cnames).toEqual(['aoai-prod.privatelink.openai.azure.com']);
  if (c.dns === 'private') {
    expect(dns).toMatchObject({ via: 'private', addresses: [ids.peIp], reasons: [] });
  } else {
    expect(dns.via).toBe('public');
    expect(dns.addresses).toEqual([publicAddressOf(ids.accountId)]);
    expect(dns.reasons.join('\n')).toMatch(c.dns as RegExp);
  }

  if (c.tcp === 'ok') expect(tcp).toEqual({ ok: true, kind: 'private-endpoint', reasons: [] });
  else {
    expect(tcp.ok).toBe(false);
    expect(tcp.reasons.join('\n')).toMatch(c.tcp as RegExp);
  }
}

describe('Compliance: configurations that work', () => {
  const cases: Case[] = [
    { name: 'the path as the workflow builds it', mutate: () => {}, tunnel: 'up', dns: 'private', tcp: 'ok' },
    {
      name: 'an explicit route to the VGW instead of propagation',
      mutate: (s) => {
        s.aws.routeTables[0].PropagatingVgws = [];
        s.aws.routeTables[0].Routes.push({ DestinationCidrBlock: '192.168.0.0/16', GatewayId: ids.vgwId, Origin: 'CreateRoute' });
      },
      tunnel: 'up', dns: 'private', tcp: 'ok',
    },
    {
      name: 'one NSG rule with protocol * for DNS, and a DNS subnet NSG given as child rule resources',
      mutate: (s) => {
        azureProps(s, ids.nsgDnsId).securityRules = [];
        const id = `${ids.nsgDnsId}/securityRules/allow-dns`;
        s.azure.resources[id.toLowerCase()] = {
          id, type: 'Microsoft.Network/networkSecurityGroups/securityRules', name: 'allow-dns', apiVersion: '2025-05-01',
          body: { properties: nsgRule('allow-dns', 100, '*', '53').properties },
        };
      },
      tunnel: 'up', dns: 'private', tcp: 'ok',
    },
    {
      name: 'no NSG on the DNS subnet (the contract says "if any")',
      mutate: (s) => delete azureProps(s, ids.dnsSubnetId).networkSecurityGroup,
      tunnel: 'up', dns: 'private', tcp: 'ok',
    },
    {
      name: 'a security group allowing all egress, NSG port ranges and several source prefixes',
      mutate: (s) => {
        s.aws.securityGroups[0].Egress = [{ IpProtocol: '-1', CidrIp: '0.0.0.0/0' }];
        const pe = azureProps(s, ids.nsgPeId).securityRules[0].properties;
        delete pe.sourceAddressPrefix;
        pe.sourceAddressPrefixes = ['10.0.0.0/8', '172.16.0.0/12'];
        pe.destinationPortRange = '400-500';
      },
      tunnel: 'up', dns: 'private', tcp: 'ok',
    },
    {
      name: 'NSGEnabled network policies and a Deny rule of lower priority behind the Allow',
      mutate: (s) => {
        azureProps(s, ids.peSubnetId).privateEndpointNetworkPolicies = 'NetworkSecurityGroupEnabled';
        azureProps(s, ids.nsgPeId).securityRules.push(nsgRule('deny-all', 4000, '*', '*', 'Deny', '*'));
      },
      tunnel: 'up', dns: 'private', tcp: 'ok',
    },
    {
      name: 'only one tunnel up (the other with a wrong key) still carries DNS and TCP',
      mutate: (s) => void (azureProps(s, ids.connectionIds[1]).sharedKey = 'Wrong.key_000000'),
      tunnel: 'up', dns: 'private', tcp: 'ok',
    },
  ];
  // The one-tunnel case is "up" for DNS/TCP but has a DOWN tunnel: check it on its own.
  it.each(cases.filter((c) => !c.name.startsWith('only one')))('$name', (c) => {
    const state = builtState();
    c.mutate(state);
    check(state, c);
  });

  it('only one tunnel up (the other with a wrong key) still carries DNS and TCP', () => {
    const state = builtState();
    azureProps(state, ids.connectionIds[1]).sharedKey = 'Wrong.key_000000';
    const { model } = modelOf(state);
    expect(model.awsTunnelTelemetry(ids.vpnId).map((t) => t.Status)).toEqual(['UP', 'DOWN']);
    expect(model.awsTunnelTelemetry(ids.vpnId)[1].StatusMessage).toBe('IPSEC IS DOWN');
    expect(model.tunnels()[1].reasons.join('; ')).toMatch(/sharedKey does not match the pre-shared key of tunnel 2/);
    expect(model.azureConnectionStatus(ids.connectionIds[1]).connectionStatus).toBe('NotConnected');
    expect(model.resolve(ids.subnetA, ids.accountName).via).toBe('private');
    expect(model.tcp(ids.subnetA, ids.peIp, 443).ok).toBe(true);
  });
});

describe('Noncompliance: each rule broken on its own', () => {
  const down = (why: RegExp): Pick<Case, 'tunnel' | 'dns' | 'tcp'> => ({ tunnel: why, dns: /no VPN tunnel is up/, tcp: /no VPN tunnel is up/ });
  const cases: Case[] = [
    {
      name: 'wrong pre-shared key on the Azure connections',
      mutate: (s) => bothTunnels((i) => (azureProps(s, ids.connectionIds[i]).sharedKey = `Wrong${i}.key_abcdef`)),
      ...down(/sharedKey does not match the pre-shared key of tunnel/),
    },
    {
      name: 'customer gateway with another IP than the Azure gateway',
      mutate: (s) => void (s.aws.customerGateways[0].IpAddress = '20.48.1.99'),
      ...down(/customer gateway cgw-\S+ has IP 20\.48\.1\.99, which is not the public IP of any Azure VPN gateway \(Azure gateway public IPs: 20\.48\.1\.10\)/),
    },
    {
      name: 'local network gateways without the VPC CIDR',
      mutate: (s) => bothTunnels((i) => (azureProps(s, ids.lngIds[i]).localNetworkAddressSpace.addressPrefixes = ['172.18.0.0/16'])),
      ...down(/address space \(172\.18\.0\.0\/16\) does not cover the VPC CIDR 172\.17\.0\.0\/16/),
    },
    {
      name: 'a local network gateway with another outside IP',
      mutate: (s) => bothTunnels((i) => (azureProps(s, ids.lngIds[i]).gatewayIpAddress = `52.193.10.${9 - i}`)),
      ...down(/no local network gateway has gatewayIpAddress 52\.193\.10\.\d/),
    },
    {
      name: 'VPN connection without the static route',
      mutate: (s) => void (s.aws.vpnConnections[0].Routes = []),
      tunnel: /no static route for the VNet address space 192\.168\.0\.0\/16/,
      dns: /no static route/,
      tcp: /no static route/,
    },
    {
      name: 'VPN gateway not attached to the VPC',
      mutate: (s) => void (s.aws.vpnGateways[0].Attachments = []),
      ...down(/VPN gateway vgw-\S+ is not attached to a VPC/),
    },
    {
      name: 'Azure connections not joining the gateway',
      mutate: (s) => bothTunnels((i) => (azureProps(s, ids.connectionIds[i]).virtualNetworkGateway1.id = ids.gatewayId.replace('vpngw-hub', 'vpngw-other'))),
      ...down(/joins gateway vpngw-other, not vpngw-hub/),
    },
    {
      name: 'Azure VPN gateway build failed',
      mutate: (s) => void (s.azure.resources[ids.gatewayId.toLowerCase()].operation!.outcome = 'Failed'),
      ...down(/Azure VPN gateway vpngw-hub is Failed/),
    },
    {
      name: 'missing rule association',
      mutate: (s) => void (s.aws.resolverRuleAssociations = []),
      tunnel: 'up', dns: /resolver rule rslvr-rr-\S+ \(openai\.azure\.com\) is not associated with vpc-/, tcp: 'ok',
    },
    {
      name: 'rule association still CREATING',
      mutate: (s) => void (s.aws.resolverRuleAssociations[0].readyAt = 3100),
      tunnel: 'up', dns: /association of resolver rule \S+ with vpc-\S+ is CREATING/, tcp: 'ok',
    },
    {
      name: 'no forwarding rule at all',
      mutate: (s) => void ((s.aws.resolverRules = []), (s.aws.resolverRuleAssociations = [])),
      tunnel: 'up', dns: /no Route 53 Resolver FORWARD rule for openai\.azure\.com/, tcp: 'ok',
    },
    {
      name: 'outbound endpoint not OPERATIONAL yet',
      mutate: (s) => void (s.aws.resolverEndpoints[0].readyAt = 3100),
      tunnel: 'up', dns: /outbound endpoint \S+ is CREATING, not OPERATIONAL/, tcp: 'ok',
    },
    {
      name: 'outbound endpoint security group without TCP 53',
      mutate: (s) => void (s.aws.securityGroups[0].Egress = s.aws.securityGroups[0].Egress.filter((r) => r.IpProtocol !== 'tcp')),
      tunnel: 'up', dns: /does not allow egress TCP 53 to 192\.168\.2\.4/, tcp: 'ok',
    },
    {
      name: 'outbound endpoint security group without UDP 53',
      mutate: (s) => void (s.aws.securityGroups[0].Egress = s.aws.securityGroups[0].Egress.filter((r) => r.IpProtocol !== 'udp')),
      tunnel: 'up', dns: /does not allow egress UDP 53 to 192\.168\.2\.4/, tcp: 'ok',
    },
    {
      name: 'outbound endpoint security group allowing 53 to another address',
      mutate: (s) => s.aws.securityGroups[0].Egress.forEach((r) => (r.CidrIp = '10.0.0.0/8')),
      tunnel: 'up', dns: /does not allow egress UDP 53/, tcp: 'ok',
    },
    {
      name: 'rule target IP wrong',
      mutate: (s) => void (s.aws.resolverRules[0].TargetIps = [{ Ip: '192.168.2.5', Port: 53 }]),
      tunnel: 'up', dns: /targets 192\.168\.2\.5:53, which is not an Azure DNS resolver inbound endpoint \(inbound endpoint IPs: 192\.168\.2\.4\)/, tcp: 'ok',
    },
    {
      name: 'rule target port wrong',
      mutate: (s) => void (s.aws.resolverRules[0].TargetIps = [{ Ip: ids.inboundIp, Port: 5353 }]),
      tunnel: 'up', dns: /on port 5353, not 53/, tcp: 'ok',
    },
    {
      name: 'zone not linked to the VNet',
      mutate: (s) => removeAzure(s, ids.linkId),
      tunnel: 'up', dns: /privatelink\.openai\.azure\.com is not linked to VNet vnet-hub/, tcp: 'ok',
    },
    {
      name: 'zone record missing',
      mutate: (s) => removeAzure(s, ids.recordId),
      tunnel: 'up', dns: /holds no A record aoai-prod/, tcp: 'ok',
    },
    {
      name: 'private endpoint connection not approved',
      mutate: (s) => void (azureProps(s, ids.peId).privateLinkServiceConnections[0].properties.privateLinkServiceConnectionState.status = 'Pending'),
      tunnel: 'up', dns: /private endpoint pe-aoai-prod is not provisioned and Approved/, tcp: /connection is Pending, not Approved/,
    },
    {
      name: 'no route to the VGW (no propagation, no route)',
      mutate: (s) => void (s.aws.routeTables[0].PropagatingVgws = []),
      tunnel: 'up', dns: /route table rtb-\S+ has no route for 192\.168\.2\.4/, tcp: /route table rtb-\S+ has no route for 192\.168\.1\.4/,
    },
    {
      name: 'the VNet range routed to another gateway',
      mutate: (s) => void s.aws.routeTables[0].Routes.push({ DestinationCidrBlock: '192.168.0.0/16', GatewayId: 'igw-0000000000000001', Origin: 'CreateRoute' }),
      tunnel: 'up', dns: /sends 192\.168\.2\.4 to igw-0000000000000001/, tcp: /sends 192\.168\.1\.4 to igw-/,
    },
    {
      name: 'the outbound endpoint subnet without a route (probe subnet has one)',
      mutate: (s) => {
        s.aws.routeTables[0].SubnetIds = [ids.subnetA];
        s.aws.routeTables.push({ RouteTableId: 'rtb-0000000000000002', VpcId: ids.vpcId, SubnetIds: [ids.subnetB], Routes: [], PropagatingVgws: [] });
      },
      tunnel: 'up', dns: /outbound endpoint subnet subnet-0a1b2c3d4e5f60002: route table rtb-0000000000000002 has no route/, tcp: 'ok',
    },
    {
      name: 'NSG on the DNS subnet without 53',
      mutate: (s) => void (azureProps(s, ids.nsgDnsId).securityRules = [nsgRule('allow-https', 100, 'Tcp', '443')]),
      tunnel: 'up', dns: /nsg-dns-inbound on subnet snet-dns-inbound does not allow UDP 53 from the VPC CIDR 172\.17\.0\.0\/16: no inbound rule allows it/, tcp: 'ok',
    },
    {
      name: 'NSG on the DNS subnet with TCP 53 only',
      mutate: (s) => void (azureProps(s, ids.nsgDnsId).securityRules = [nsgRule('allow-dns-tcp', 100, 'Tcp', '53')]),
      tunnel: 'up', dns: /does not allow UDP 53/, tcp: 'ok',
    },
    {
      name: 'NSG on the DNS subnet allowing 53 only from one AWS subnet',
      mutate: (s) => azureProps(s, ids.nsgDnsId).securityRules.forEach((r: any) => (r.properties.sourceAddressPrefix = '172.17.1.0/24')),
      tunnel: 'up', dns: /does not allow UDP 53 from the VPC CIDR/, tcp: 'ok',
    },
    {
      name: 'NSG on the DNS subnet relying on the VirtualNetwork tag',
      mutate: (s) => azureProps(s, ids.nsgDnsId).securityRules.forEach((r: any) => (r.properties.sourceAddressPrefix = 'VirtualNetwork')),
      tunnel: 'up', dns: /does not allow UDP 53/, tcp: 'ok',
    },
    {
      name: 'NSG on the PE subnet without 443',
      mutate: (s) => void (azureProps(s, ids.nsgPeId).securityRules = [nsgRule('allow-dns', 100, '*', '53')]),
      tunnel: 'up', dns: 'private', tcp: /nsg-pe on subnet snet-pe does not allow TCP 443 from the VPC CIDR 172\.17\.0\.0\/16/,
    },
    {
      name: 'NSG on the PE subnet with a Deny that wins by priority',
      mutate: (s) => void azureProps(s, ids.nsgPeId).securityRules.push(nsgRule('deny-aws', 90, 'Tcp', '443', 'Deny', '172.17.0.0/16')),
      tunnel: 'up', dns: 'private', tcp: /rule deny-aws \(priority 90\) denies it/,
    },
    {
      name: 'no NSG on the PE subnet',
      mutate: (s) => void delete azureProps(s, ids.peSubnetId).networkSecurityGroup,
      tunnel: 'up', dns: 'private', tcp: /subnet snet-pe has no network security group allowing TCP 443/,
    },
    {
      name: 'privateEndpointNetworkPolicies disabled',
      mutate: (s) => void (azureProps(s, ids.peSubnetId).privateEndpointNetworkPolicies = 'Disabled'),
      tunnel: 'up', dns: 'private', tcp: /privateEndpointNetworkPolicies Disabled, so its NSG does not apply/,
    },
  ];

  it.each(cases)('$name', (c) => {
    const state = builtState();
    c.mutate(state);
    check(state, c);
  });
});

describe('DNS and TCP edges', () => {
  it('answers NXDOMAIN for other names and unknown accounts', () => {
    const { model } = modelOf(builtState());
    expect(model.resolve(ids.subnetA, 'example.com').rcode).toBe('NXDOMAIN');
    expect(model.resolve(ids.subnetA, 'nope.openai.azure.com.').rcode).toBe('NXDOMAIN');
  });

  it('answers the privatelink name directly without a CNAME hop', () => {
    const { model } = modelOf(builtState());
    expect(model.resolve(ids.subnetB, 'AOAI-PROD.privatelink.openai.azure.com.')).toMatchObject({ cnames: [], addresses: [ids.peIp], via: 'private' });
  });

  it('lists every missing piece before anything is built', () => {
    const { model } = modelOf(builtState(), 0);
    const reasons = model.resolve(ids.subnetA, ids.accountName).reasons.join('\n');
    for (const piece of [/not COMPLETE yet|not associated|CREATING/, /no VPN tunnel is up/, /is Creating/]) expect(reasons).toMatch(piece);
  });

  it('classifies addresses; the public address always connects on 443, anything else does not', () => {
    const { model } = modelOf(builtState(), 0);
    const pub = publicAddressOf(ids.accountId);
    expect(model.addressKind(pub)).toBe('account-public');
    expect(model.addressKind(ids.peIp)).toBe('private-endpoint');
    expect(model.addressKind('192.168.9.9')).toBe('unknown');
    expect(model.tcp(ids.subnetA, pub, 443).ok).toBe(true);
    expect(model.tcp(ids.subnetA, pub, 80).ok).toBe(false);
    expect(model.tcp(ids.subnetA, '192.168.9.9', 443)).toMatchObject({ ok: false, kind: 'unknown' });
    expect(model.tcp(ids.subnetA, ids.peIp, 443).ok).toBe(false);
  });

  it('refuses ports other than 443 on the private endpoint', () => {
    const { model } = modelOf(builtState());
    expect(model.tcp(ids.subnetA, ids.peIp, 80).reasons.join()).toMatch(/only accepts 443/);
  });

  it('describes the network for an engineer', () => {
    const { model } = modelOf(builtState());
    const description = model.describe(ids.subnetA);
    expect(description.tunnels.map((t) => t.status)).toEqual([`UP since t=${CONFIGURED_AT + 120}s`, `UP since t=${CONFIGURED_AT + 120}s`]);
    expect(description.accounts[0]).toMatchObject({ account: 'aoai-prod', dns: { via: 'private' }, tcp443: { ok: true } });
  });
});
