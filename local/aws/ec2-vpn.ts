/**
 * EC2 site-to-site VPN actions: customer gateways, virtual private gateways (and their VPC attachment) and
 * VPN connections with their tunnels and static routes.
 */
import type { EmulatorContext } from '../cloud/context';
import type { CustomerGateway, VpnConnection, VpnGateway, VpnTunnel } from '../cloud/state';
import { AwsServiceError, ec2Errors } from './errors';
import { findVpc, lifecycleState, recordCreate, type Ec2Handler } from './ec2-common';
import { tagSet, type XmlObject, type XmlValue } from './ec2-xml';
import { isoTime, newId } from './ids';
import { checkFilterNames, matchesFilters } from './query';
import { allocateTunnels, customerGatewayConfiguration, parseTunnelOptions, tunnelOptionsXml, validateTunnelOptions } from './ec2-tunnels';

// ---- customer gateways ----------------------------------------------------------------------------------

function customerGatewayXml(cgw: CustomerGateway, now: number): XmlObject {
  return {
    customerGatewayId: cgw.CustomerGatewayId,
    state: lifecycleState(cgw, now),
    type: cgw.Type,
    ipAddress: cgw.IpAddress,
    bgpAsn: cgw.BgpAsn,
    deviceName: cgw.DeviceName,
    tagSet: tagSet(cgw.Tags),
  };
}

export function findCustomerGateway(ctx: EmulatorContext, id: string): CustomerGateway {
  const cgw = ctx.state.aws.customerGateways.find((c) => c.CustomerGatewayId === id);
  if (!cgw) throw ec2Errors.notFound('InvalidCustomerGatewayID.NotFound', 'customerGateway', id);
  return cgw;
}

export const createCustomerGateway: Ec2Handler = (ctx, p) => {
  const aws = ctx.state.aws;
  const type = p.require('Type');
  if (type !== 'ipsec.1') throw ec2Errors.invalidValue(`Value (${type}) for parameter type is invalid. Valid values: ipsec.1`);
  const ipAddress = p.get('IpAddress') ?? p.get('PublicIp');
  if (!ipAddress) throw ec2Errors.missing('IpAddress');
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(ipAddress)) throw ec2Errors.invalidValue(`Value (${ipAddress}) for parameter ipAddress is invalid.`);
  const bgpAsn = p.get('BgpAsn') ?? p.get('BgpAsnExtended') ?? '65000';
  // BgpAsn takes 1–2,147,483,647; BgpAsnExtended 2,147,483,648–4,294,967,294 (CreateCustomerGateway reference).
  const asnValue = Number(bgpAsn);
  const [low, high] = p.get('BgpAsn') !== undefined || p.get('BgpAsnExtended') === undefined ? [1, 2147483647] : [2147483648, 4294967294];
  if (!/^\d+$/.test(bgpAsn) || asnValue < low || asnValue > high) {
    throw ec2Errors.invalidValue(`Value (${bgpAsn}) for parameter ${p.get('BgpAsn') !== undefined ? 'bgpAsn' : 'bgpAsnExtended'} is invalid. It must be between ${low} and ${high}.`);
  }
  const tags = p.tagSpecifications('customer-gateway');
  const now = ctx.clock.now();
  // Real EC2 answers an identical request with the existing gateway instead of creating a second one; a unique
  // device name gets a second one ("specify a unique device name for each customer gateway"). Strict reading: a
  // gateway with no device name, or a request without one, still matches.
  const deviceName = p.get('DeviceName');
  const existing = aws.customerGateways.find(
    (c) =>
      c.deletedAt === undefined &&
      c.IpAddress === ipAddress &&
      c.BgpAsn === bgpAsn &&
      c.Type === type &&
      (c.DeviceName === undefined || deviceName === undefined || c.DeviceName === deviceName),
  );
  if (existing) return { customerGateway: customerGatewayXml(existing, now) };
  const id = newId(aws, 'cgw');
  const readyAt = now + ctx.latencies.of('aws.customerGateway.create', id);
  const cgw: CustomerGateway = { CustomerGatewayId: id, IpAddress: ipAddress, BgpAsn: bgpAsn, Type: type, DeviceName: p.get('DeviceName'), Tags: tags, createdAt: now, readyAt };
  aws.customerGateways.push(cgw);
  recordCreate(ctx, id, now, readyAt);
  return { customerGateway: customerGatewayXml(cgw, now) };
};

export const describeCustomerGateways: Ec2Handler = (ctx, p) => {
  const now = ctx.clock.now();
  const ids = p.list('CustomerGatewayId');
  const filters = p.filters();
  checkFilterNames(filters, ['customer-gateway-id', 'state', 'type', 'ip-address', 'bgp-asn', 'device-name']);
  for (const id of ids) findCustomerGateway(ctx, id);
  const found = ctx.state.aws.customerGateways.filter(
    (c) =>
      (ids.length === 0 || ids.includes(c.CustomerGatewayId)) &&
      matchesFilters(filters, c.Tags, (name) =>
        ({
          'customer-gateway-id': [c.CustomerGatewayId],
          state: [lifecycleState(c, now)],
          type: [c.Type],
          'ip-address': [c.IpAddress],
          'bgp-asn': [c.BgpAsn],
          'device-name': [c.DeviceName],
        })[name],
      ),
  );
  return { customerGatewaySet: found.map((c) => customerGatewayXml(c, now)) };
};

// ---- virtual private gateways ---------------------------------------------------------------------------

function attachmentState(a: VpnGateway['Attachments'][number], now: number): string {
  if (a.deletedAt !== undefined) return now < a.deletedAt ? 'detaching' : 'detached';
  return now < a.readyAt ? 'attaching' : 'attached';
}

function vpnGatewayXml(vgw: VpnGateway, now: number): XmlObject {
  return {
    vpnGatewayId: vgw.VpnGatewayId,
    state: lifecycleState(vgw, now),
    type: vgw.Type,
    attachments: vgw.Attachments.map((a) => ({ vpcId: a.VpcId, state: attachmentState(a, now) })),
    amazonSideAsn: vgw.AmazonSideAsn,
    tagSet: tagSet(vgw.Tags),
  };
}

export function findVpnGateway(ctx: EmulatorContext, id: string): VpnGateway {
  const vgw = ctx.state.aws.vpnGateways.find((g) => g.VpnGatewayId === id);
  if (!vgw) throw ec2Errors.notFound('InvalidVpnGatewayID.NotFound', 'vpnGateway', id);
  return vgw;
}

export const createVpnGateway: Ec2Handler = (ctx, p) => {
  const aws = ctx.state.aws;
  const type = p.require('Type');
  if (type !== 'ipsec.1') throw ec2Errors.invalidValue(`Value (${type}) for parameter type is invalid. Valid values: ipsec.1`);
  const asn = p.int('AmazonSideAsn') ?? 64512;
  // A private ASN: 64512–65534 (16-bit) or 4200000000–4294967294 (32-bit) (CreateVpnGateway reference).
  if (!Number.isInteger(asn) || !((asn >= 64512 && asn <= 65534) || (asn >= 4200000000 && asn <= 4294967294))) {
    throw ec2Errors.invalidValue(`Value (${asn}) for parameter amazonSideAsn is invalid. It must be a private ASN: 64512-65534 or 4200000000-4294967294.`);
  }
  const tags = p.tagSpecifications('vpn-gateway');
  const now = ctx.clock.now();
  // No client token exists for this call: every request (an SDK retry included) makes a new gateway, as on AWS.
  const id = newId(aws, 'vgw');
  const readyAt = now + ctx.latencies.of('aws.vpnGateway.create', id);
  const vgw: VpnGateway = { VpnGatewayId: id, Type: type, AmazonSideAsn: asn, Attachments: [], Tags: tags, createdAt: now, readyAt };
  aws.vpnGateways.push(vgw);
  recordCreate(ctx, id, now, readyAt);
  return { vpnGateway: vpnGatewayXml(vgw, now) };
};

export const describeVpnGateways: Ec2Handler = (ctx, p) => {
  const now = ctx.clock.now();
  const ids = p.list('VpnGatewayId');
  const filters = p.filters();
  checkFilterNames(filters, ['vpn-gateway-id', 'state', 'type', 'attachment.vpc-id', 'attachment.state', 'amazon-side-asn', 'availability-zone']);
  for (const id of ids) findVpnGateway(ctx, id);
  const found = ctx.state.aws.vpnGateways.filter(
    (g) =>
      (ids.length === 0 || ids.includes(g.VpnGatewayId)) &&
      matchesFilters(filters, g.Tags, (name) =>
        ({
          'vpn-gateway-id': [g.VpnGatewayId],
          state: [lifecycleState(g, now)],
          type: [g.Type],
          'attachment.vpc-id': g.Attachments.map((a) => a.VpcId),
          'attachment.state': g.Attachments.map((a) => attachmentState(a, now)),
          'amazon-side-asn': [String(g.AmazonSideAsn)],
          'availability-zone': [],
        })[name],
      ),
  );
  return { vpnGatewaySet: found.map((g) => vpnGatewayXml(g, now)) };
};

export const attachVpnGateway: Ec2Handler = (ctx, p) => {
  const aws = ctx.state.aws;
  const vgwId = p.require('VpnGatewayId');
  const vpcId = p.require('VpcId');
  const vgw = findVpnGateway(ctx, vgwId);
  findVpc(aws, vpcId);
  if (vgw.deletedAt !== undefined) throw new AwsServiceError('IncorrectState', `The vpnGateway '${vgwId}' is in an incorrect state: deleted`);
  const now = ctx.clock.now();
  // An attachment holds its gateway and its VPC until it is detached: attaching, attached and still detaching.
  const holds = (a: VpnGateway['Attachments'][number]) => a.deletedAt === undefined || now < a.deletedAt;
  const current = vgw.Attachments.find(holds);
  if (current?.VpcId === vpcId) {
    throw new AwsServiceError('Resource.AlreadyAssociated', `resource ${vgwId} is already attached to network ${current.VpcId}`);
  }
  if (current) {
    // One VPC per virtual private gateway (EC2 error codes: VpnGatewayAttachmentLimitExceeded).
    throw new AwsServiceError('VpnGatewayAttachmentLimitExceeded', `The maximum number of virtual private gateway attachments has been reached: ${vgwId} is attached to ${current.VpcId}.`);
  }
  const other = aws.vpnGateways.find((g) => g !== vgw && g.Attachments.some((a) => holds(a) && a.VpcId === vpcId));
  if (other) {
    // One virtual private gateway per VPC (EC2 error codes: InvalidVpcState).
    throw new AwsServiceError('InvalidVpcState', `The VPC ${vpcId} already has a virtual private gateway attached to it (${other.VpnGatewayId}).`);
  }
  // An attachment made while the gateway is still pending completes only after the gateway is available.
  const readyAt = Math.max(now, vgw.readyAt) + ctx.latencies.of('aws.vpnGateway.attach', `${vgwId}/${vpcId}`);
  const attachment = { VpcId: vpcId, createdAt: now, readyAt };
  vgw.Attachments.push(attachment);
  recordCreate(ctx, vgwId, now, readyAt, 'attach');
  return { attachment: { vpcId, state: attachmentState(attachment, now) } };
};

// ---- VPN connections ------------------------------------------------------------------------------------

export function findVpnConnection(ctx: EmulatorContext, id: string): VpnConnection {
  const vpn = ctx.state.aws.vpnConnections.find((v) => v.VpnConnectionId === id);
  if (!vpn) throw ec2Errors.notFound('InvalidVpnConnectionID.NotFound', 'vpnConnection', id);
  return vpn;
}

function vpnConnectionXml(ctx: EmulatorContext, vpn: VpnConnection): XmlObject {
  const now = ctx.clock.now();
  const state = lifecycleState(vpn, now);
  const deletionStarted = state === 'deleting' || state === 'deleted';
  // A connection being deleted still reports its tunnels (down: the network model sees it deleted); a deleted one none.
  const telemetry = state === 'deleted' ? [] : ctx.network.awsTunnelTelemetry(vpn.VpnConnectionId);
  return {
    vpnConnectionId: vpn.VpnConnectionId,
    state,
    // Real EC2 hands out the device configuration only while the connection is pending or available.
    customerGatewayConfiguration: deletionStarted ? undefined : customerGatewayConfiguration(ctx, vpn),
    type: vpn.Type,
    customerGatewayId: vpn.CustomerGatewayId,
    vpnGatewayId: vpn.VpnGatewayId,
    category: 'VPN',
    tagSet: tagSet(vpn.Tags),
    vgwTelemetry: telemetry.map((t): XmlValue => ({
      outsideIpAddress: t.OutsideIpAddress,
      status: t.Status,
      lastStatusChange: isoTime(t.LastStatusChange),
      statusMessage: t.StatusMessage,
      acceptedRouteCount: t.AcceptedRouteCount ?? 0,
    })),
    options: {
      enableAcceleration: false,
      staticRoutesOnly: vpn.StaticRoutesOnly,
      localIpv4NetworkCidr: vpn.LocalIpv4NetworkCidr ?? '0.0.0.0/0',
      remoteIpv4NetworkCidr: vpn.RemoteIpv4NetworkCidr ?? '0.0.0.0/0',
      outsideIpAddressType: 'PublicIpv4',
      tunnelInsideIpVersion: 'ipv4',
      tunnelOptionSet: vpn.Tunnels.map(tunnelOptionsXml),
    },
    routes: vpn.Routes.map((r) => ({
      destinationCidrBlock: r.DestinationCidrBlock,
      source: 'Static',
      state,
    })),
  };
}

export const createVpnConnection: Ec2Handler = (ctx, p) => {
  const aws = ctx.state.aws;
  const type = p.require('Type');
  if (type !== 'ipsec.1') throw ec2Errors.invalidValue(`Value (${type}) for parameter type is invalid. Valid values: ipsec.1`);
  const cgwId = p.require('CustomerGatewayId');
  const tgwId = p.get('TransitGatewayId');
  if (tgwId) throw new AwsServiceError('InvalidTransitGatewayID.NotFound', `Transit Gateway ${tgwId} was deleted or does not exist.`);
  const vgwId = p.get('VpnGatewayId');
  if (!vgwId) throw ec2Errors.missing('VpnGatewayId');
  const cgw = findCustomerGateway(ctx, cgwId);
  const vgw = findVpnGateway(ctx, vgwId);
  if (cgw.deletedAt !== undefined) throw new AwsServiceError('IncorrectState', `The customer gateway ${cgwId} is not available`);
  if (vgw.deletedAt !== undefined) throw new AwsServiceError('IncorrectState', `The vpn gateway ${vgwId} is not available`);
  const insideIpVersion = p.get('Options.TunnelInsideIpVersion');
  if (insideIpVersion !== undefined && insideIpVersion !== 'ipv4' && insideIpVersion !== 'ipv6') {
    throw ec2Errors.invalidValue(`Value (${insideIpVersion}) for parameter TunnelInsideIpVersion is invalid. Valid values: ipv4, ipv6`);
  }
  if (insideIpVersion === 'ipv6') {
    throw ec2Errors.invalidValue('IPv6 inside tunnel addresses are supported only on transit gateway VPN connections');
  }
  const requested = parseTunnelOptions(p);
  const tags = p.tagSpecifications('vpn-connection');

  // The API reference calls this operation idempotent: a connection between the same two gateways is answered
  // with the existing one rather than a second connection.
  const existing = aws.vpnConnections.find((v) => v.deletedAt === undefined && v.CustomerGatewayId === cgwId && v.VpnGatewayId === vgwId);
  if (existing) return { vpnConnection: vpnConnectionXml(ctx, existing) };

  validateTunnelOptions(ctx, vgwId, requested);
  const now = ctx.clock.now();
  const id = newId(aws, 'vpn');
  const tunnels: VpnTunnel[] = allocateTunnels(ctx, id, vgwId, requested);
  const readyAt = now + ctx.latencies.of('aws.vpnConnection.create', id);
  const vpn: VpnConnection = {
    VpnConnectionId: id,
    CustomerGatewayId: cgwId,
    VpnGatewayId: vgwId,
    Type: type,
    StaticRoutesOnly: p.bool('Options.StaticRoutesOnly') ?? false,
    LocalIpv4NetworkCidr: p.get('Options.LocalIpv4NetworkCidr'),
    RemoteIpv4NetworkCidr: p.get('Options.RemoteIpv4NetworkCidr'),
    Tunnels: tunnels,
    Routes: [],
    Tags: tags,
    createdAt: now,
    readyAt,
  };
  aws.vpnConnections.push(vpn);
  recordCreate(ctx, id, now, readyAt);
  return { vpnConnection: vpnConnectionXml(ctx, vpn) };
};

export const createVpnConnectionRoute: Ec2Handler = (ctx, p) => {
  const id = p.require('VpnConnectionId');
  const cidr = p.require('DestinationCidrBlock');
  const vpn = findVpnConnection(ctx, id);
  if (vpn.deletedAt !== undefined) throw new AwsServiceError('IncorrectState', `The vpnConnection '${id}' is in an incorrect state: deleted`);
  if (!vpn.StaticRoutesOnly) throw ec2Errors.invalidValue(`The VPN connection ${id} is not configured for static routes`);
  if (!/^\d+\.\d+\.\d+\.\d+\/\d+$/.test(cidr)) throw ec2Errors.invalidValue(`Value (${cidr}) for parameter destinationCidrBlock is invalid.`);
  if (vpn.Routes.some((r) => r.DestinationCidrBlock === cidr)) {
    throw new AwsServiceError('InvalidRoute.Duplicate', `The route ${cidr} already exists for VPN connection ${id}`);
  }
  vpn.Routes.push({ DestinationCidrBlock: cidr, createdAt: ctx.clock.now() });
  return { return: true };
};

export const describeVpnConnections: Ec2Handler = (ctx, p) => {
  const now = ctx.clock.now();
  const ids = p.list('VpnConnectionId');
  const filters = p.filters();
  checkFilterNames(filters, [
    'vpn-connection-id', 'state', 'type', 'customer-gateway-id', 'vpn-gateway-id', 'transit-gateway-id',
    'option.static-routes-only', 'route.destination-cidr-block', 'customer-gateway-configuration', 'category',
  ]);
  for (const id of ids) findVpnConnection(ctx, id);
  const found = ctx.state.aws.vpnConnections.filter(
    (v) =>
      (ids.length === 0 || ids.includes(v.VpnConnectionId)) &&
      matchesFilters(filters, v.Tags, (name) =>
        ({
          'vpn-connection-id': [v.VpnConnectionId],
          state: [lifecycleState(v, now)],
          type: [v.Type],
          'customer-gateway-id': [v.CustomerGatewayId],
          'vpn-gateway-id': [v.VpnGatewayId],
          'transit-gateway-id': [],
          'option.static-routes-only': [String(v.StaticRoutesOnly)],
          'route.destination-cidr-block': v.Routes.map((r) => r.DestinationCidrBlock),
          'customer-gateway-configuration': [],
          category: ['VPN'],
        })[name],
      ),
  );
  return { vpnConnectionSet: found.map((v) => vpnConnectionXml(ctx, v)) };
};

// ---- deletions --------------------------------------------------------------------------------------------
// EC2 answers a refused deletion with 400 IncorrectState while something still uses the resource, and keeps a
// deleted VPN resource visible with state `deleted`. A second delete of something already being deleted (or
// deleted) is refused the same way: the API reference is silent, so the least convenient reading.

const incorrectState = (message: string) => new AwsServiceError('IncorrectState', message);

function refuseIfDeleting(kind: string, id: string, resource: { deletedAt?: number }, now: number): void {
  if (resource.deletedAt !== undefined) {
    throw incorrectState(`The ${kind} '${id}' is in an incorrect state: ${now < resource.deletedAt ? 'deleting' : 'deleted'}`);
  }
}

/** Connections that still hold a gateway: every one not yet `deleted` (a `deleting` one too). */
function connectionsStillUsing(ctx: EmulatorContext, uses: (vpn: VpnConnection) => boolean): VpnConnection[] {
  const now = ctx.clock.now();
  return ctx.state.aws.vpnConnections.filter((v) => uses(v) && lifecycleState(v, now) !== 'deleted');
}

export const deleteVpnConnection: Ec2Handler = (ctx, p) => {
  const id = p.require('VpnConnectionId');
  const vpn = findVpnConnection(ctx, id);
  const now = ctx.clock.now();
  refuseIfDeleting('vpnConnection', id, vpn, now);
  // The tunnels go down at once (the network model reads deletedAt); the connection reads deleting until then.
  vpn.deletedAt = now + ctx.latencies.of('aws.vpnConnection.delete', id);
  recordCreate(ctx, id, now, vpn.deletedAt, 'delete');
  return { return: true };
};

export const detachVpnGateway: Ec2Handler = (ctx, p) => {
  const aws = ctx.state.aws;
  const vgwId = p.require('VpnGatewayId');
  const vpcId = p.require('VpcId');
  const vgw = findVpnGateway(ctx, vgwId);
  findVpc(aws, vpcId);
  const now = ctx.clock.now();
  const attachment = vgw.Attachments.find((a) => a.VpcId === vpcId && (a.deletedAt === undefined || now < a.deletedAt));
  if (!attachment) {
    throw new AwsServiceError('InvalidVpnGatewayAttachment.NotFound', `The attachment with vpn gateway ID '${vgwId}' and vpc ID '${vpcId}' does not exist`);
  }
  if (attachment.deletedAt !== undefined) throw incorrectState(`The attachment of vpn gateway '${vgwId}' to vpc '${vpcId}' is in an incorrect state: detaching`);
  attachment.deletedAt = now + ctx.latencies.of('aws.vpnGateway.detach', `${vgwId}/${vpcId}`);
  // Its routes stop propagating at once, and the propagation entries leave the VPC's route tables.
  for (const table of aws.routeTables) {
    if (table.VpcId === vpcId) table.PropagatingVgws = table.PropagatingVgws.filter((g) => g !== vgwId);
  }
  recordCreate(ctx, vgwId, now, attachment.deletedAt, 'detach');
  return { return: true };
};

export const deleteVpnGateway: Ec2Handler = (ctx, p) => {
  const id = p.require('VpnGatewayId');
  const vgw = findVpnGateway(ctx, id);
  const now = ctx.clock.now();
  refuseIfDeleting('vpnGateway', id, vgw, now);
  // Attached, attaching or still detaching: in use.
  if (vgw.Attachments.some((a) => a.deletedAt === undefined || now < a.deletedAt)) throw incorrectState('The VPN gateway is in use.');
  if (connectionsStillUsing(ctx, (v) => v.VpnGatewayId === id).length > 0) throw incorrectState('The VPN gateway is in use.');
  vgw.deletedAt = now + ctx.latencies.of('aws.vpnGateway.delete', id);
  recordCreate(ctx, id, now, vgw.deletedAt, 'delete');
  return { return: true };
};

export const deleteCustomerGateway: Ec2Handler = (ctx, p) => {
  const id = p.require('CustomerGatewayId');
  const cgw = findCustomerGateway(ctx, id);
  const now = ctx.clock.now();
  refuseIfDeleting('customerGateway', id, cgw, now);
  if (connectionsStillUsing(ctx, (v) => v.CustomerGatewayId === id).length > 0) throw incorrectState('The customer gateway is in use.');
  cgw.deletedAt = now + ctx.latencies.of('aws.customerGateway.delete', id);
  recordCreate(ctx, id, now, cgw.deletedAt, 'delete');
  return { return: true };
};
