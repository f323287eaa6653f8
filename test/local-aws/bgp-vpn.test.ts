/**
 * The EC2 side of dynamic (BGP) routing (docs/local-mode.md, "Strict readings: BGP and active-active"): ASNs
 * kept and checked, tunnel inside CIDRs checked per VGW, a dynamic connection refusing static routes, and the
 * inside CIDRs EC2 picks staying out of Azure's APIPA range. Real EC2Client against the emulator.
 */
import {
  CreateCustomerGatewayCommand,
  CreateVpnConnectionCommand,
  CreateVpnConnectionRouteCommand,
  CreateVpnGatewayCommand,
  DescribeCustomerGatewaysCommand,
  DescribeVpnConnectionsCommand,
  DescribeVpnGatewaysCommand,
} from '@aws-sdk/client-ec2';
import { errorOf, startHarness, type Harness } from './helpers';

describe('EC2 with BGP', () => {
  let h: Harness;
  let vgwId: string;
  let cgwIds: string[];

  beforeAll(async () => {
    h = await startHarness();
    const vgw = await h.ec2.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1', AmazonSideAsn: 64620 }));
    vgwId = vgw.VpnGateway!.VpnGatewayId!;
    cgwIds = [];
    for (const ip of ['20.48.1.10', '20.48.1.11']) {
      const cgw = await h.ec2.send(new CreateCustomerGatewayCommand({ Type: 'ipsec.1', IpAddress: ip, BgpAsn: 65010 }));
      cgwIds.push(cgw.CustomerGateway!.CustomerGatewayId!);
    }
  });
  afterAll(async () => h?.close());

  it('keeps the VGW AmazonSideAsn and the customer gateway BgpAsn, and refuses ASNs outside their ranges', async () => {
    const vgw = await h.ec2.send(new DescribeVpnGatewaysCommand({ VpnGatewayIds: [vgwId] }));
    expect(vgw.VpnGateways![0].AmazonSideAsn).toBe(64620);
    const cgw = await h.ec2.send(new DescribeCustomerGatewaysCommand({ CustomerGatewayIds: cgwIds }));
    expect(cgw.CustomerGateways!.map((c) => c.BgpAsn)).toEqual(['65010', '65010']);
    for (const asn of [65000 + 535, 64511, 4200000000 - 1]) {
      const error = await errorOf(h.ec2.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1', AmazonSideAsn: asn })));
      expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['InvalidParameterValue', 400]);
    }
    const zero = await errorOf(h.ec2.send(new CreateCustomerGatewayCommand({ Type: 'ipsec.1', IpAddress: '20.48.1.12', BgpAsn: 0 })));
    expect(zero.name).toBe('InvalidParameterValue');
  });

  it('refuses a tunnel inside CIDR that is not a /30 of 169.254.0.0/16, a reserved one, or one another connection of the VGW uses', async () => {
    const create = (cidr: string, cgw = cgwIds[0]) =>
      h.ec2.send(new CreateVpnConnectionCommand({ Type: 'ipsec.1', CustomerGatewayId: cgw, VpnGatewayId: vgwId, Options: { StaticRoutesOnly: false, TunnelOptions: [{ TunnelInsideCidr: cidr }] } }));
    for (const cidr of ['169.254.21.0/29', '10.0.0.0/30', '169.254.169.252/30', '169.254.0.0/30', '169.254.3.0/30']) {
      const error = await errorOf(create(cidr));
      expect([cidr, error.name, error.$metadata?.httpStatusCode]).toEqual([cidr, 'InvalidParameterValue', 400]);
    }
    const both = await errorOf(
      h.ec2.send(
        new CreateVpnConnectionCommand({
          Type: 'ipsec.1', CustomerGatewayId: cgwIds[0], VpnGatewayId: vgwId,
          Options: { StaticRoutesOnly: false, TunnelOptions: [{ TunnelInsideCidr: '169.254.21.0/30' }, { TunnelInsideCidr: '169.254.21.0/30' }] },
        }),
      ),
    );
    expect(both.name).toBe('InvalidParameterValue');

    const first = await h.ec2.send(
      new CreateVpnConnectionCommand({
        Type: 'ipsec.1', CustomerGatewayId: cgwIds[0], VpnGatewayId: vgwId,
        Options: { StaticRoutesOnly: false, TunnelOptions: [{ TunnelInsideCidr: '169.254.21.0/30' }, { TunnelInsideCidr: '169.254.22.0/30' }] },
      }),
    );
    const described = await h.ec2.send(new DescribeVpnConnectionsCommand({ VpnConnectionIds: [first.VpnConnection!.VpnConnectionId!] }));
    expect(described.VpnConnections![0].Options).toMatchObject({ StaticRoutesOnly: false });
    expect(described.VpnConnections![0].Options!.TunnelOptions!.map((t) => t.TunnelInsideCidr)).toEqual(['169.254.21.0/30', '169.254.22.0/30']);
    const reused = await errorOf(create('169.254.22.0/30', cgwIds[1]));
    expect(reused.name).toBe('InvalidParameterValue');
  });

  it('refuses a static route on a dynamic connection', async () => {
    const [vpn] = (await h.ec2.send(new DescribeVpnConnectionsCommand({}))).VpnConnections!;
    const error = await errorOf(h.ec2.send(new CreateVpnConnectionRouteCommand({ VpnConnectionId: vpn.VpnConnectionId, DestinationCidrBlock: '192.168.0.0/16' })));
    expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['InvalidParameterValue', 400]);
  });

  it('picks inside CIDRs outside Azure\'s APIPA range when none is given, even after many connections', async () => {
    // Push the allocator to the edge of 169.254.21.0/24: everything it hands out must still avoid 21.x and 22.x.
    h.ctx.state.aws.idCounters['tunnel-inside-cidr'] = (21 - 10) * 64 - 1;
    const vpn = await h.ec2.send(new CreateVpnConnectionCommand({ Type: 'ipsec.1', CustomerGatewayId: cgwIds[1], VpnGatewayId: vgwId, Options: { StaticRoutesOnly: false } }));
    const cidrs = vpn.VpnConnection!.Options!.TunnelOptions!.map((t) => t.TunnelInsideCidr!);
    for (const cidr of cidrs) {
      expect(cidr).toMatch(/^169\.254\.\d+\.\d+\/30$/);
      expect(cidr).not.toMatch(/^169\.254\.2[12]\./);
    }
  });
});
