/** EC2 through @aws-sdk/client-ec2: every call the workflow makes, its states on the simulated clock, and its errors. */
import {
  AttachVpnGatewayCommand, AuthorizeSecurityGroupEgressCommand, CreateCustomerGatewayCommand, CreateSecurityGroupCommand,
  CreateTagsCommand, CreateVpnConnectionCommand, CreateVpnConnectionRouteCommand, CreateVpnGatewayCommand,
  DescribeCustomerGatewaysCommand, DescribeRouteTablesCommand, DescribeSecurityGroupsCommand, DescribeSubnetsCommand,
  DescribeVpcsCommand, DescribeVpnConnectionsCommand, DescribeVpnGatewaysCommand, EnableVgwRoutePropagationCommand,
  RevokeSecurityGroupEgressCommand,
} from '@aws-sdk/client-ec2';
import { ROUTE_TABLE_ID, SUBNET_A, SUBNET_C, VPC_ID, errorOf, startHarness, type Harness } from './helpers';

const tag = (Key: string, Value: string) => ({ Key, Value });

describe('emulated EC2', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => {
    await h.close();
  });

  test('describes the world: VPC, subnets and route table', async () => {
    const vpcs = await h.ec2.send(new DescribeVpcsCommand({ VpcIds: [VPC_ID] }));
    expect(vpcs.Vpcs).toEqual([expect.objectContaining({ VpcId: VPC_ID, CidrBlock: '172.17.0.0/16', State: 'available', OwnerId: '123456789012', IsDefault: false })]);

    const subnets = await h.ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [VPC_ID] }] }));
    expect(subnets.Subnets?.map((s) => s.SubnetId)).toEqual([SUBNET_A, SUBNET_C]);
    expect(subnets.Subnets?.[0]).toMatchObject({ AvailabilityZone: 'ap-northeast-1a', CidrBlock: '172.17.1.0/24', AvailableIpAddressCount: 251, State: 'available' });

    const tables = await h.ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'association.subnet-id', Values: [SUBNET_A] }] }));
    expect(tables.RouteTables).toHaveLength(1);
    expect(tables.RouteTables?.[0].Routes).toEqual([{ DestinationCidrBlock: '172.17.0.0/16', GatewayId: 'local', State: 'active', Origin: 'CreateRouteTable' }]);
    expect(tables.RouteTables?.[0].Associations?.map((a) => a.SubnetId)).toEqual([SUBNET_A, SUBNET_C]);
    expect(tables.RouteTables?.[0].PropagatingVgws).toEqual([]);

    const missing = await errorOf(h.ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-0000000000000dead'] })));
    expect(missing.name).toBe('InvalidVpcID.NotFound');
    expect((await errorOf(h.ec2.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-0dead'] })))).name).toBe('InvalidSubnetID.NotFound');
    expect((await errorOf(h.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: ['rtb-0dead'] })))).name).toBe('InvalidRouteTableID.NotFound');
    expect((await errorOf(h.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'no-such-filter', Values: ['x'] }] })))).name).toBe('InvalidParameterValue');
    expect(h.ctx.recorder.apiCalls.aws.DescribeVpcs).toBe(3);
  });

  test('customer gateway: pending then available; an identical request returns the same gateway', async () => {
    const input = { Type: 'ipsec.1' as const, IpAddress: '20.48.1.10', BgpAsn: 65000, TagSpecifications: [{ ResourceType: 'customer-gateway' as const, Tags: [tag('run', 'r1')] }] };
    const first = await h.ec2.send(new CreateCustomerGatewayCommand(input));
    expect(first.CustomerGateway).toMatchObject({ State: 'pending', IpAddress: '20.48.1.10', BgpAsn: '65000', Type: 'ipsec.1', Tags: [tag('run', 'r1')] });
    expect(first.CustomerGateway?.CustomerGatewayId).toMatch(/^cgw-[0-9a-f]{17}$/);
    const again = await h.ec2.send(new CreateCustomerGatewayCommand(input));
    expect(again.CustomerGateway?.CustomerGatewayId).toBe(first.CustomerGateway?.CustomerGatewayId);
    expect(h.ctx.state.aws.customerGateways).toHaveLength(1);
    const other = await h.ec2.send(new CreateCustomerGatewayCommand({ ...input, BgpAsn: 65001 }));
    expect(other.CustomerGateway?.CustomerGatewayId).not.toBe(first.CustomerGateway?.CustomerGatewayId);

    await h.clock.sleep(10);
    const described = await h.ec2.send(new DescribeCustomerGatewaysCommand({ Filters: [{ Name: 'tag:run', Values: ['r1'] }, { Name: 'ip-address', Values: ['20.48.1.10'] }] }));
    expect(described.CustomerGateways?.map((c) => [c.CustomerGatewayId, c.State])).toEqual([
      [first.CustomerGateway?.CustomerGatewayId, 'available'],
      [other.CustomerGateway?.CustomerGatewayId, 'available'],
    ]);
    expect(h.ctx.recorder.operations[0]).toEqual({ cloud: 'aws', resource: first.CustomerGateway?.CustomerGatewayId, operation: 'create', startedAt: 0, readyAt: 10 });
    expect((await errorOf(h.ec2.send(new DescribeCustomerGatewaysCommand({ CustomerGatewayIds: ['cgw-0dead'] })))).name).toBe('InvalidCustomerGatewayID.NotFound');
  });

  test('VPN gateway: pending → available, attaching → attached, a second attach is refused', async () => {
    const created = await h.ec2.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1', AmazonSideAsn: 64512, TagSpecifications: [{ ResourceType: 'vpn-gateway', Tags: [tag('run', 'r1')] }] }));
    const vgwId = created.VpnGateway!.VpnGatewayId!;
    expect(vgwId).toMatch(/^vgw-[0-9a-f]{17}$/);
    expect(created.VpnGateway).toMatchObject({ State: 'pending', AmazonSideAsn: 64512, VpcAttachments: [] });

    const attached = await h.ec2.send(new AttachVpnGatewayCommand({ VpnGatewayId: vgwId, VpcId: VPC_ID }));
    expect(attached.VpcAttachment).toEqual({ VpcId: VPC_ID, State: 'attaching' });
    const twice = await errorOf(h.ec2.send(new AttachVpnGatewayCommand({ VpnGatewayId: vgwId, VpcId: VPC_ID })));
    expect(twice.name).toBe('Resource.AlreadyAssociated');
    expect(twice.$metadata?.httpStatusCode).toBe(400);

    await h.clock.sleep(30);
    let gw = (await h.ec2.send(new DescribeVpnGatewaysCommand({ VpnGatewayIds: [vgwId] }))).VpnGateways![0];
    expect(gw.State).toBe('available');
    expect(gw.VpcAttachments).toEqual([{ VpcId: VPC_ID, State: 'attaching' }]);
    await h.clock.sleep(45);
    gw = (await h.ec2.send(new DescribeVpnGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [VPC_ID] }, { Name: 'state', Values: ['available'] }] }))).VpnGateways![0];
    expect(gw.VpcAttachments).toEqual([{ VpcId: VPC_ID, State: 'attached' }]);
    expect(gw.Tags).toEqual([tag('run', 'r1')]);

    expect((await errorOf(h.ec2.send(new DescribeVpnGatewaysCommand({ VpnGatewayIds: ['vgw-0dead'] })))).name).toBe('InvalidVpnGatewayID.NotFound');
    expect((await errorOf(h.ec2.send(new AttachVpnGatewayCommand({ VpnGatewayId: 'vgw-0dead', VpcId: VPC_ID })))).name).toBe('InvalidVpnGatewayID.NotFound');
    const vgw2 = (await h.ec2.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1' }))).VpnGateway!.VpnGatewayId!;
    expect((await errorOf(h.ec2.send(new AttachVpnGatewayCommand({ VpnGatewayId: vgw2, VpcId: 'vpc-0dead' })))).name).toBe('InvalidVpcID.NotFound');
  });

  test('VPN connection: tunnels, PSK rules, routes, telemetry, propagation into the route table', async () => {
    const cgwId = (await h.ec2.send(new CreateCustomerGatewayCommand({ Type: 'ipsec.1', IpAddress: '20.48.1.10', BgpAsn: 65000 }))).CustomerGateway!.CustomerGatewayId!;
    const vgwId = (await h.ec2.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1' }))).VpnGateway!.VpnGatewayId!;
    await h.ec2.send(new AttachVpnGatewayCommand({ VpnGatewayId: vgwId, VpcId: VPC_ID }));
    const notAttached = (await h.ec2.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1' }))).VpnGateway!.VpnGatewayId!;
    expect((await errorOf(h.ec2.send(new EnableVgwRoutePropagationCommand({ GatewayId: notAttached, RouteTableId: ROUTE_TABLE_ID })))).name).toBe('Gateway.NotAttached');
    await h.ec2.send(new EnableVgwRoutePropagationCommand({ GatewayId: vgwId, RouteTableId: ROUTE_TABLE_ID }));

    const badKey = await errorOf(
      h.ec2.send(new CreateVpnConnectionCommand({ Type: 'ipsec.1', CustomerGatewayId: cgwId, VpnGatewayId: vgwId, Options: { TunnelOptions: [{ PreSharedKey: '0starts-with-zero' }] } })),
    );
    expect(badKey.name).toBe('InvalidParameterValue');
    const reserved = await errorOf(
      h.ec2.send(new CreateVpnConnectionCommand({ Type: 'ipsec.1', CustomerGatewayId: cgwId, VpnGatewayId: vgwId, Options: { TunnelOptions: [{ TunnelInsideCidr: '169.254.5.0/30' }] } })),
    );
    expect(reserved.name).toBe('InvalidParameterValue');
    expect((await errorOf(h.ec2.send(new CreateVpnConnectionCommand({ Type: 'ipsec.1', CustomerGatewayId: 'cgw-0dead', VpnGatewayId: vgwId })))).name).toBe('InvalidCustomerGatewayID.NotFound');
    expect(h.ctx.state.aws.vpnConnections).toHaveLength(0);

    const created = await h.ec2.send(
      new CreateVpnConnectionCommand({
        Type: 'ipsec.1',
        CustomerGatewayId: cgwId,
        VpnGatewayId: vgwId,
        TagSpecifications: [{ ResourceType: 'vpn-connection', Tags: [tag('environment', 'aoai-prod-01')] }],
        Options: {
          StaticRoutesOnly: true,
          TunnelOptions: [
            {
              PreSharedKey: 'Given_key.12345',
              TunnelInsideCidr: '169.254.21.0/30',
              IKEVersions: [{ Value: 'ikev2' }],
              Phase1EncryptionAlgorithms: [{ Value: 'AES256' }],
              Phase2EncryptionAlgorithms: [{ Value: 'AES256' }],
              Phase1IntegrityAlgorithms: [{ Value: 'SHA2-256' }],
              Phase2IntegrityAlgorithms: [{ Value: 'SHA2-256' }],
              Phase1DHGroupNumbers: [{ Value: 14 }],
              Phase2DHGroupNumbers: [{ Value: 14 }],
              DPDTimeoutSeconds: 30,
              DPDTimeoutAction: 'restart',
              StartupAction: 'start',
            },
          ],
        },
      }),
    );
    const vpn = created.VpnConnection!;
    const vpnId = vpn.VpnConnectionId!;
    expect(vpnId).toMatch(/^vpn-[0-9a-f]{17}$/);
    expect(vpn.State).toBe('pending');
    expect(vpn.CustomerGatewayConfiguration).toContain('<vpn_connection');
    expect(vpn.Options?.StaticRoutesOnly).toBe(true);
    const [t1, t2] = vpn.Options!.TunnelOptions!;
    expect(t1).toMatchObject({
      PreSharedKey: 'Given_key.12345',
      TunnelInsideCidr: '169.254.21.0/30',
      IkeVersions: [{ Value: 'ikev2' }],
      Phase1DHGroupNumbers: [{ Value: 14 }],
      DpdTimeoutAction: 'restart',
      StartupAction: 'start',
    });
    expect(t1.OutsideIpAddress).not.toBe(t2.OutsideIpAddress);
    for (const t of [t1, t2]) expect(t.OutsideIpAddress).toMatch(/^(3\.112|52\.68)\.\d+\.\d+$/);
    expect(t2.PreSharedKey).toMatch(/^[A-Za-z1-9._][A-Za-z0-9._]{7,63}$/);
    expect(t2.TunnelInsideCidr).toMatch(/^169\.254\.\d+\.\d+\/30$/);
    expect(t2.TunnelInsideCidr).not.toBe(t1.TunnelInsideCidr);
    expect(t2.IkeVersions).toEqual([{ Value: 'ikev1' }, { Value: 'ikev2' }]);
    // The state file keeps the keys under the API's own property name.
    expect(h.ctx.state.aws.vpnConnections[0].Tunnels.map((t) => t.PreSharedKey)).toEqual(['Given_key.12345', t2.PreSharedKey]);

    await h.ec2.send(new CreateVpnConnectionRouteCommand({ VpnConnectionId: vpnId, DestinationCidrBlock: '192.168.0.0/16' }));
    expect((await errorOf(h.ec2.send(new CreateVpnConnectionRouteCommand({ VpnConnectionId: 'vpn-0dead', DestinationCidrBlock: '192.168.0.0/16' })))).name).toBe('InvalidVpnConnectionID.NotFound');

    // Pending: no propagated route yet.
    let table = (await h.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [ROUTE_TABLE_ID] }))).RouteTables![0];
    expect(table.PropagatingVgws).toEqual([{ GatewayId: vgwId }]);
    expect(table.Routes).toHaveLength(1);

    h.network.up.add(vpnId);
    await h.clock.sleep(300);
    const byTag = await h.ec2.send(new DescribeVpnConnectionsCommand({ Filters: [{ Name: 'tag:environment', Values: ['aoai-prod-01'] }, { Name: 'state', Values: ['pending', 'available'] }] }));
    expect(byTag.VpnConnections).toHaveLength(1);
    const described = byTag.VpnConnections![0];
    expect(described).toMatchObject({ VpnConnectionId: vpnId, State: 'available', Routes: [{ DestinationCidrBlock: '192.168.0.0/16', Source: 'Static', State: 'available' }] });
    expect(described.VgwTelemetry?.map((t) => [t.OutsideIpAddress, t.Status])).toEqual([[t1.OutsideIpAddress, 'UP'], [t2.OutsideIpAddress, 'UP']]);
    expect(described.VgwTelemetry?.[0].LastStatusChange).toBeInstanceOf(Date);
    expect(described.Options?.TunnelOptions?.[0].PreSharedKey).toBe('Given_key.12345');
    expect((await h.ec2.send(new DescribeVpnConnectionsCommand({ Filters: [{ Name: 'tag:environment', Values: ['other'] }] }))).VpnConnections).toEqual([]);

    table = (await h.ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [ROUTE_TABLE_ID] }))).RouteTables![0];
    expect(table.Routes).toContainEqual({ DestinationCidrBlock: '192.168.0.0/16', GatewayId: vgwId, State: 'active', Origin: 'EnableVgwRoutePropagation' });

    // Per the API reference the call is idempotent: the same gateways give back the same connection.
    const again = await h.ec2.send(new CreateVpnConnectionCommand({ Type: 'ipsec.1', CustomerGatewayId: cgwId, VpnGatewayId: vgwId, Options: { StaticRoutesOnly: true } }));
    expect(again.VpnConnection?.VpnConnectionId).toBe(vpnId);
    expect((await errorOf(h.ec2.send(new DescribeVpnConnectionsCommand({ VpnConnectionIds: ['vpn-0dead'] })))).name).toBe('InvalidVpnConnectionID.NotFound');
  });

  test('security groups: default egress, authorize, duplicate, revoke, describe filters, tags', async () => {
    const created = await h.ec2.send(
      new CreateSecurityGroupCommand({ GroupName: 'resolver-egress', Description: 'DNS to Azure', VpcId: VPC_ID, TagSpecifications: [{ ResourceType: 'security-group', Tags: [tag('run', 'r1')] }] }),
    );
    const groupId = created.GroupId!;
    expect(groupId).toMatch(/^sg-[0-9a-f]{17}$/);
    expect((await errorOf(h.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'resolver-egress', Description: 'x', VpcId: VPC_ID })))).name).toBe('InvalidGroup.Duplicate');

    let group = (await h.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }))).SecurityGroups![0];
    expect(group.IpPermissionsEgress).toEqual([expect.objectContaining({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] })]);
    await h.ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));

    const dns = (IpProtocol: string) => ({ IpProtocol, FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: '192.168.20.4/32' }] });
    const authorized = await h.ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [dns('tcp'), dns('udp')] }));
    expect(authorized.Return).toBe(true);
    expect(authorized.SecurityGroupRules?.map((r) => [r.IpProtocol, r.CidrIpv4, r.IsEgress])).toEqual([['tcp', '192.168.20.4/32', true], ['udp', '192.168.20.4/32', true]]);
    const duplicate = await errorOf(h.ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [dns('udp')] })));
    expect(duplicate.name).toBe('InvalidPermission.Duplicate');

    const byFilter = await h.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [VPC_ID] }, { Name: 'group-name', Values: ['resolver-*'] }, { Name: 'tag:run', Values: ['r1'] }] }));
    group = byFilter.SecurityGroups![0];
    expect(group).toMatchObject({ GroupId: groupId, GroupName: 'resolver-egress', Description: 'DNS to Azure', VpcId: VPC_ID });
    expect(group.IpPermissionsEgress?.map((p) => [p.IpProtocol, p.FromPort, p.ToPort, p.IpRanges])).toEqual([
      ['tcp', 53, 53, [{ CidrIp: '192.168.20.4/32' }]],
      ['udp', 53, 53, [{ CidrIp: '192.168.20.4/32' }]],
    ]);
    expect((await errorOf(h.ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] })))).name).toBe('InvalidPermission.NotFound');
    expect((await errorOf(h.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0dead'] })))).name).toBe('InvalidGroup.NotFound');

    await h.ec2.send(new CreateTagsCommand({ Resources: [groupId, VPC_ID], Tags: [tag('owner', 'team'), tag('run', 'r2')] }));
    group = (await h.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'tag-key', Values: ['owner'] }] }))).SecurityGroups![0];
    expect(group.Tags).toEqual([tag('run', 'r2'), tag('owner', 'team')]);
    expect((await h.ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'tag:owner', Values: ['team'] }] }))).Vpcs).toHaveLength(1);
    expect((await errorOf(h.ec2.send(new CreateTagsCommand({ Resources: ['vpn-0dead'], Tags: [tag('a', 'b')] })))).name).toBe('InvalidVpnConnectionID.NotFound');
  });
});

describe('emulated EC2 protocol details', () => {
  test('DryRun answers DryRunOperation and changes nothing; an unknown action is InvalidAction', async () => {
    const h = await startHarness();
    try {
      const dry = await errorOf(h.ec2.send(new CreateVpnGatewayCommand({ Type: 'ipsec.1', DryRun: true })));
      expect(dry.name).toBe('DryRunOperation');
      expect(h.ctx.state.aws.vpnGateways).toHaveLength(0);
      const res = await fetch(h.endpoint + '/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=RunInstances&Version=2016-11-15' });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('<Code>InvalidAction</Code>');
    } finally {
      await h.close();
    }
  });
});
