/**
 * Which way a VPC subnet sends a packet: its route table's longest matching prefix, counting the implied local
 * route, explicit routes, and the static routes (or, with dynamic routing, the BGP-learned prefixes) of VPN
 * connections on a VGW that propagates into the table (a propagating VGW only counts while attached to the
 * table's VPC). As in AWS, an explicit route beats a
 * propagated one of the same length.
 */
import type { AwsState, RouteTable } from '../cloud/state';
import { isReady } from '../cloud/state';
import { cidrContainsIp, prefixLength } from './ipv4';

export interface RouteLookup {
  subnetId: string;
  vpcId?: string;
  routeTableId?: string;
  /** `local`, a gateway id (`vgw-…`, `igw-…`), or undefined when no route matches. */
  target?: string;
  destination?: string;
  origin?: 'local' | 'explicit' | 'propagated';
  /** VGWs the table has propagation enabled from (whether or not they carry routes yet). */
  propagating?: string[];
  /** Set when the subnet itself cannot be placed (unknown subnet, no route table). */
  problem?: string;
}

interface Candidate {
  destination: string;
  target: string;
  origin: 'local' | 'explicit' | 'propagated';
}

/** The route table of a subnet: the one that lists it (the emulated EC2 records explicit associations only). */
export function routeTableOf(aws: AwsState, subnetId: string): RouteTable | undefined {
  return aws.routeTables.find((rt) => rt.SubnetIds.includes(subnetId));
}

/** Prefixes a VPN connection's VGW learned over BGP (the network model knows them; none without it). */
export type LearnedRoutes = (vpnConnectionId: string) => string[];

/** Routes a VGW propagates into a route table of `vpcId`: static ones, and those BGP brought. */
export function propagatedRoutes(aws: AwsState, vgwId: string, vpcId: string, now: number, learned?: LearnedRoutes): Candidate[] {
  const vgw = aws.vpnGateways.find((g) => g.VpnGatewayId === vgwId && g.deletedAt === undefined);
  if (!vgw || !vgw.Attachments.some((a) => a.VpcId === vpcId && isReady(a, now))) return [];
  return aws.vpnConnections
    .filter((v) => v.VpnGatewayId === vgwId && isReady(v, now))
    .flatMap((v) => [
      ...v.Routes.filter((r) => r.createdAt <= now).map((r) => r.DestinationCidrBlock),
      ...(v.StaticRoutesOnly ? [] : (learned?.(v.VpnConnectionId) ?? [])),
    ])
    .map((destination) => ({ destination, target: vgwId, origin: 'propagated' as const }));
}

export function lookupRoute(aws: AwsState, subnetId: string, destinationIp: string, now: number, learned?: LearnedRoutes): RouteLookup {
  const subnet = aws.subnets.find((s) => s.SubnetId === subnetId);
  if (!subnet) return { subnetId, problem: `subnet ${subnetId} does not exist` };
  const vpc = aws.vpcs.find((v) => v.VpcId === subnet.VpcId);
  const table = routeTableOf(aws, subnetId);
  if (!table) return { subnetId, vpcId: subnet.VpcId, problem: `subnet ${subnetId} is not associated with a route table` };

  const candidates: Candidate[] = [
    ...(vpc ? [{ destination: vpc.CidrBlock, target: 'local', origin: 'local' as const }] : []),
    ...(table.Routes ?? []).map((r) => ({ destination: r.DestinationCidrBlock, target: r.GatewayId, origin: 'explicit' as const })),
    ...(table.PropagatingVgws ?? []).flatMap((vgwId) => propagatedRoutes(aws, vgwId, table.VpcId, now, learned)),
  ];
  const rank = { local: 2, explicit: 1, propagated: 0 };
  const best = candidates
    .filter((c) => cidrContainsIp(c.destination, destinationIp))
    .sort((a, b) => prefixLength(b.destination) - prefixLength(a.destination) || rank[b.origin] - rank[a.origin])[0];
  return {
    subnetId,
    vpcId: subnet.VpcId,
    routeTableId: table.RouteTableId,
    target: best?.target,
    destination: best?.destination,
    origin: best?.origin,
    propagating: [...(table.PropagatingVgws ?? [])],
  };
}

/** Why a lookup does not reach `vgwId`, or undefined when it does. */
export function routeProblem(lookup: RouteLookup, destinationIp: string, vgwIds: string[], what: string): string | undefined {
  if (lookup.problem) return `${what}: ${lookup.problem}`;
  if (lookup.target && vgwIds.includes(lookup.target)) return undefined;
  const wanted = vgwIds.length ? vgwIds.join(' or ') : 'the VPN gateway';
  const propagating = (lookup.propagating ?? []).filter((id) => vgwIds.includes(id));
  if (!lookup.target && propagating.length > 0) {
    return `${what}: route table ${lookup.routeTableId} has no route for ${destinationIp}: propagation from ${propagating.join(', ')} is on, but no available VPN connection there has a static or BGP-learned route covering it`;
  }
  if (!lookup.target) {
    return `${what}: route table ${lookup.routeTableId} has no route for ${destinationIp} (needs a route to ${wanted}, or route propagation from it)`;
  }
  return `${what}: route table ${lookup.routeTableId} sends ${destinationIp} to ${lookup.target} (${lookup.destination}), not to ${wanted}`;
}
