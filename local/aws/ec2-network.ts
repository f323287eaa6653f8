/** EC2 VPC-level actions: VPCs, subnets, route tables (with VGW route propagation) and CreateTags. */
import type { EmulatorContext } from '../cloud/context';
import { isGone, isReady, type RouteTable, type Subnet, type Tag } from '../cloud/state';
import { AwsServiceError, ec2Errors } from './errors';
import { findVpc, lifecycleState, type Ec2Handler } from './ec2-common';
import { tagSet, type XmlObject, type XmlValue } from './ec2-xml';
import { findCustomerGateway, findVpnConnection, findVpnGateway } from './ec2-vpn';
import { findSecurityGroup } from './ec2-security';
import { digest } from './ids';
import { parseCidr } from '../network/ipv4';
import { checkFilterNames, matchesFilters, mergeTags } from './query';

/** A stable per-VPC value for fields EC2 always reports (DHCP options id). */
function derivedId(prefix: string, seed: string): string {
  return `${prefix}-${digest(seed).slice(0, 17)}`;
}

export const describeVpcs: Ec2Handler = (ctx, p) => {
  const aws = ctx.state.aws;
  const ids = p.list('VpcId');
  const filters = p.filters();
  checkFilterNames(filters, ['vpc-id', 'cidr', 'cidr-block-association.cidr-block', 'state', 'is-default', 'owner-id', 'dhcp-options-id']);
  for (const id of ids) findVpc(aws, id);
  const found = aws.vpcs.filter(
    (v) =>
      (ids.length === 0 || ids.includes(v.VpcId)) &&
      matchesFilters(filters, v.Tags, (name) =>
        ({
          'vpc-id': [v.VpcId],
          cidr: [v.CidrBlock],
          'cidr-block-association.cidr-block': [v.CidrBlock, ...(v.SecondaryCidrBlocks ?? [])],
          state: ['available'],
          'is-default': ['false'],
          'owner-id': [aws.accountId],
          'dhcp-options-id': [derivedId('dopt', v.VpcId)],
        })[name],
      ),
  );
  return {
    vpcSet: found.map((v) => ({
      vpcId: v.VpcId,
      ownerId: aws.accountId,
      state: 'available',
      cidrBlock: v.CidrBlock,
      cidrBlockAssociationSet: [v.CidrBlock, ...(v.SecondaryCidrBlocks ?? [])].map((cidrBlock, index) => ({
        cidrBlock,
        associationId: derivedId('vpc-cidr-assoc', index === 0 ? v.VpcId : `${v.VpcId}/${cidrBlock}`),
        cidrBlockState: { state: 'associated' },
      })),
      dhcpOptionsId: derivedId('dopt', v.VpcId),
      tagSet: tagSet(v.Tags),
      instanceTenancy: 'default',
      isDefault: false,
    })),
  };
};

/** `ap-northeast-1a` → `apne1-az1`: the zone id EC2 reports (the real letter↔id mapping is per account). */
function availabilityZoneId(zone: string): string {
  const match = /^([a-z]+)-([a-z]+)-(\d+)([a-z])$/.exec(zone);
  if (!match) return zone;
  const direction: Record<string, string> = { northeast: 'ne', southeast: 'se', northwest: 'nw', southwest: 'sw', north: 'n', south: 's', east: 'e', west: 'w', central: 'c' };
  return `${match[1]}${direction[match[2]] ?? match[2][0]}${match[3]}-az${match[4].charCodeAt(0) - 96}`;
}

function availableIpAddressCount(ctx: EmulatorContext, subnet: Subnet): number {
  const range = parseCidr(subnet.CidrBlock);
  const size = range ? range.size : 0;
  const now = ctx.clock.now();
  // An endpoint being deleted keeps its addresses until it is gone.
  const inUse = ctx.state.aws.resolverEndpoints
    .filter((e) => !isGone(e, now))
    .reduce((n, e) => n + e.IpAddresses.filter((ip) => ip.SubnetId === subnet.SubnetId).length, 0);
  return Math.max(0, size - 5 - inUse); // AWS reserves five addresses in every subnet
}

export function findSubnet(ctx: EmulatorContext, id: string): Subnet {
  const subnet = ctx.state.aws.subnets.find((s) => s.SubnetId === id);
  if (!subnet) throw ec2Errors.notFound('InvalidSubnetID.NotFound', 'subnet', id);
  return subnet;
}

export const describeSubnets: Ec2Handler = (ctx, p) => {
  const aws = ctx.state.aws;
  const ids = p.list('SubnetId');
  const filters = p.filters();
  checkFilterNames(filters, ['subnet-id', 'vpc-id', 'availability-zone', 'availability-zone-id', 'cidr-block', 'cidr', 'cidrBlock', 'state', 'owner-id', 'default-for-az']);
  for (const id of ids) findSubnet(ctx, id);
  const found = aws.subnets.filter(
    (s) =>
      (ids.length === 0 || ids.includes(s.SubnetId)) &&
      matchesFilters(filters, s.Tags, (name) =>
        ({
          'subnet-id': [s.SubnetId],
          'vpc-id': [s.VpcId],
          'availability-zone': [s.AvailabilityZone],
          'availability-zone-id': [availabilityZoneId(s.AvailabilityZone)],
          'cidr-block': [s.CidrBlock],
          cidr: [s.CidrBlock],
          cidrBlock: [s.CidrBlock],
          state: ['available'],
          'owner-id': [aws.accountId],
          'default-for-az': ['false'],
        })[name],
      ),
  );
  return {
    subnetSet: found.map((s) => ({
      subnetId: s.SubnetId,
      subnetArn: `arn:aws:ec2:${aws.region}:${aws.accountId}:subnet/${s.SubnetId}`,
      state: 'available',
      ownerId: aws.accountId,
      vpcId: s.VpcId,
      cidrBlock: s.CidrBlock,
      ipv6CidrBlockAssociationSet: [],
      availableIpAddressCount: availableIpAddressCount(ctx, s),
      availabilityZone: s.AvailabilityZone,
      availabilityZoneId: availabilityZoneId(s.AvailabilityZone),
      defaultForAz: false,
      mapPublicIpOnLaunch: false,
      assignIpv6AddressOnCreation: false,
      tagSet: tagSet(s.Tags),
    })),
  };
};

// ---- route tables ---------------------------------------------------------------------------------------

export function findRouteTable(ctx: EmulatorContext, id: string): RouteTable {
  const table = ctx.state.aws.routeTables.find((t) => t.RouteTableId === id);
  if (!table) throw ec2Errors.notFound('InvalidRouteTableID.NotFound', 'routeTable', id);
  return table;
}

/** True when the VGW has a completed, not deleted attachment to the VPC. */
function vgwAttachedTo(ctx: EmulatorContext, vgwId: string, vpcId: string): boolean {
  const vgw = ctx.state.aws.vpnGateways.find((g) => g.VpnGatewayId === vgwId);
  const now = ctx.clock.now();
  return !!vgw && vgw.deletedAt === undefined && vgw.Attachments.some((a) => a.VpcId === vpcId && isReady(a, now));
}

/** The routes EC2 shows: the implied local route, explicit routes, then what attached VGWs propagate. */
function routesOf(ctx: EmulatorContext, table: RouteTable): XmlValue[] {
  const now = ctx.clock.now();
  const vpc = ctx.state.aws.vpcs.find((v) => v.VpcId === table.VpcId);
  const routes: XmlObject[] = [];
  if (vpc) routes.push({ destinationCidrBlock: vpc.CidrBlock, gatewayId: 'local', state: 'active', origin: 'CreateRouteTable' });
  for (const r of table.Routes) {
    // A route to a VGW that is not attached to this VPC goes nowhere: EC2 shows it as a blackhole.
    const state = r.GatewayId.startsWith('vgw-') && !vgwAttachedTo(ctx, r.GatewayId, table.VpcId) ? 'blackhole' : 'active';
    routes.push({ destinationCidrBlock: r.DestinationCidrBlock, gatewayId: r.GatewayId, state, origin: r.Origin });
  }
  for (const vgwId of table.PropagatingVgws) {
    if (!vgwAttachedTo(ctx, vgwId, table.VpcId)) continue;
    for (const vpn of ctx.state.aws.vpnConnections) {
      if (vpn.VpnGatewayId !== vgwId || lifecycleState(vpn, now) !== 'available') continue;
      // Static routes, and with dynamic routing what the VGW learned over BGP (only the network model knows that).
      const learned = vpn.StaticRoutesOnly ? [] : (ctx.network.awsLearnedRoutes?.(vpn.VpnConnectionId) ?? []);
      for (const destination of [...vpn.Routes.map((r) => r.DestinationCidrBlock), ...learned]) {
        if (routes.some((existing) => existing.destinationCidrBlock === destination)) continue;
        routes.push({ destinationCidrBlock: destination, gatewayId: vgwId, state: 'active', origin: 'EnableVgwRoutePropagation' });
      }
    }
  }
  return routes;
}

export const describeRouteTables: Ec2Handler = (ctx, p) => {
  const aws = ctx.state.aws;
  const ids = p.list('RouteTableId');
  const filters = p.filters();
  checkFilterNames(filters, [
    'route-table-id', 'vpc-id', 'association.subnet-id', 'association.main', 'association.route-table-id',
    'route.gateway-id', 'route.destination-cidr-block', 'route.origin', 'route.state', 'owner-id',
  ]);
  for (const id of ids) findRouteTable(ctx, id);
  const found = aws.routeTables.filter((t) => {
    if (ids.length > 0 && !ids.includes(t.RouteTableId)) return false;
    const routes = routesOf(ctx, t) as XmlObject[];
    return matchesFilters(filters, t.Tags, (name) =>
      ({
        'route-table-id': [t.RouteTableId],
        'vpc-id': [t.VpcId],
        'association.subnet-id': t.SubnetIds,
        'association.main': ['false'],
        'association.route-table-id': [t.RouteTableId],
        'route.gateway-id': routes.map((r) => String(r.gatewayId)),
        'route.destination-cidr-block': routes.map((r) => String(r.destinationCidrBlock)),
        'route.origin': routes.map((r) => String(r.origin)),
        'route.state': routes.map((r) => String(r.state)),
        'owner-id': [aws.accountId],
      })[name],
    );
  });
  return {
    routeTableSet: found.map((t) => ({
      routeTableId: t.RouteTableId,
      vpcId: t.VpcId,
      ownerId: aws.accountId,
      routeSet: routesOf(ctx, t),
      associationSet: t.SubnetIds.map((subnetId) => ({
        routeTableAssociationId: derivedId('rtbassoc', `${t.RouteTableId}/${subnetId}`),
        routeTableId: t.RouteTableId,
        subnetId,
        main: false,
        associationState: { state: 'associated' },
      })),
      propagatingVgwSet: t.PropagatingVgws.map((gatewayId) => ({ gatewayId })),
      tagSet: tagSet(t.Tags),
    })),
  };
};

export const enableVgwRoutePropagation: Ec2Handler = (ctx, p) => {
  const table = findRouteTable(ctx, p.require('RouteTableId'));
  const vgwId = p.require('GatewayId');
  const vgw = findVpnGateway(ctx, vgwId);
  // EC2 refuses propagation from a gateway that is not attached (or being attached) to the table's VPC.
  if (!vgw.Attachments.some((a) => a.deletedAt === undefined && a.VpcId === table.VpcId) || vgw.deletedAt !== undefined) {
    throw new AwsServiceError('Gateway.NotAttached', `resource ${vgwId} is not attached to network ${table.VpcId}`);
  }
  if (!table.PropagatingVgws.includes(vgwId)) table.PropagatingVgws.push(vgwId);
  return { return: true };
};

export const disableVgwRoutePropagation: Ec2Handler = (ctx, p) => {
  const table = findRouteTable(ctx, p.require('RouteTableId'));
  const vgwId = p.require('GatewayId');
  findVpnGateway(ctx, vgwId);
  table.PropagatingVgws = table.PropagatingVgws.filter((g) => g !== vgwId);
  return { return: true };
};

export const createRoute: Ec2Handler = (ctx, p) => {
  const table = findRouteTable(ctx, p.require('RouteTableId'));
  const cidr = p.require('DestinationCidrBlock');
  const gatewayId = p.get('GatewayId');
  if (!gatewayId) throw ec2Errors.unsupported('The emulated EC2 routes only to gateways (GatewayId)');
  if (gatewayId.startsWith('vgw-')) findVpnGateway(ctx, gatewayId);
  if (table.Routes.some((r) => r.DestinationCidrBlock === cidr)) {
    throw new AwsServiceError('RouteAlreadyExists', `The route identified by ${cidr} already exists.`);
  }
  table.Routes.push({ DestinationCidrBlock: cidr, GatewayId: gatewayId, Origin: 'CreateRoute' });
  return { return: true };
};

export const deleteRoute: Ec2Handler = (ctx, p) => {
  const table = findRouteTable(ctx, p.require('RouteTableId'));
  const cidr = p.require('DestinationCidrBlock');
  // Only explicit routes can be deleted; a propagated one goes with its propagation.
  const index = table.Routes.findIndex((r) => r.DestinationCidrBlock === cidr);
  if (index < 0) {
    throw new AwsServiceError('InvalidRoute.NotFound', `There is no route defined for '${cidr}' in the route table. Use a different route table and try again.`);
  }
  table.Routes.splice(index, 1);
  return { return: true };
};

// ---- tags -----------------------------------------------------------------------------------------------

/** The tag list of any taggable resource, found by its id prefix, or the NotFound error EC2 gives for it. */
function tagsOf(ctx: EmulatorContext, id: string): Tag[] {
  const aws = ctx.state.aws;
  const holder = (() => {
    if (id.startsWith('vpc-')) return findVpc(aws, id);
    if (id.startsWith('subnet-')) return findSubnet(ctx, id);
    if (id.startsWith('rtb-')) return findRouteTable(ctx, id);
    if (id.startsWith('cgw-')) return findCustomerGateway(ctx, id);
    if (id.startsWith('vgw-')) return findVpnGateway(ctx, id);
    if (id.startsWith('vpn-')) return findVpnConnection(ctx, id);
    if (id.startsWith('sg-')) return findSecurityGroup(ctx, id);
    throw new AwsServiceError('InvalidID', `The ID '${id}' is not valid`);
  })();
  holder.Tags ??= [];
  return holder.Tags;
}

export const createTags: Ec2Handler = (ctx, p) => {
  const ids = p.list('ResourceId');
  if (ids.length === 0) throw ec2Errors.missing('ResourceId');
  const tags = p.tags('Tag');
  const targets = ids.map((id) => tagsOf(ctx, id)); // all resources must exist before any is tagged
  for (const target of targets) mergeTags(target, tags);
  return { return: true };
};
