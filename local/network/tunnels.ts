/**
 * When an AWS VPN tunnel and an Azure connection come up (contract: local-cloud.md, "What the emulated network
 * demands"). A tunnel is evaluated against each Azure connection that could be its other end; it is UP only when
 * every condition holds, and only `tunnel.up` seconds after the last of them became true, because IKE needs both
 * sides configured before it can negotiate. Each unmet condition becomes a reason an engineer can act on; the
 * pre-shared key never appears in one.
 */
import type { Latencies } from '../latency';
import type { ArmResource, AwsState, VpnConnection } from '../cloud/state';
import { isReady } from '../cloud/state';
import { AzureView, armParentOf, sameArmId } from './azure-view';
import { cidrCovers } from './ipv4';
import { proposalMismatches } from './ike';
import { evaluateSession, gatewayInstances, type BgpSession } from './bgp';

export type TunnelPhase = 'up' | 'negotiating' | 'down';

export interface TunnelEvaluation {
  vpnConnectionId: string;
  /** 0-based index into the VPN connection's tunnels. */
  tunnelIndex: number;
  outsideIp: string;
  /** IKE/IPsec only: whether traffic also needs a BGP session is `routing`'s business. */
  phase: TunnelPhase;
  /** `dynamic`: a VPN connection that is not StaticRoutesOnly; its prefixes travel over BGP only. */
  routing: 'static' | 'dynamic';
  /** The BGP session over the tunnel (dynamic routing only). */
  bgp?: BgpSession;
  /** The Azure gateway instance (its ipConfigurations index) the tunnel ends on. */
  instance?: number;
  /** What keeps the tunnel down; empty when configured consistently. */
  reasons: string[];
  vpcId?: string;
  /** The VPC's primary CIDR block. */
  vpcCidr?: string;
  /** Every CIDR block associated with the VPC, the primary first. */
  vpcCidrs?: string[];
  vpnGatewayId?: string;
  /** Azure side, as found (ids as stored). */
  azureGatewayId?: string;
  vnetId?: string;
  vnetPrefixes?: string[];
  localNetworkGatewayId?: string;
  connectionId?: string;
  /** Simulated second at which the last condition became true (when reasons is empty). */
  configuredAt?: number;
  /** Simulated second at which the tunnel is (or will be) UP (when reasons is empty). */
  upAt?: number;
  /** Simulated second of the last status change, for telemetry. */
  lastChange: number;
}

export interface TunnelContext {
  aws: AwsState;
  azure: AzureView;
  now: number;
  latencies: Latencies;
  /** Azure gateway instances that are down (the instance-down fault). */
  downInstances?: readonly number[];
}

/** The latency key of a tunnel, shared by both clouds' views so they agree on the instant it comes up. */
export function tunnelKey(vpnConnectionId: string, outsideIp: string): string {
  return `${vpnConnectionId}/${outsideIp}`;
}

/**
 * Public IPs of an Azure virtual network gateway, one per ip configuration: the address of the public IP resource
 * the configuration names. A gateway loaded from the world whose public IP resource is not in the state falls back
 * to the tunnel address ARM reports for that configuration (`bgpSettings.bgpPeeringAddresses[].tunnelIpAddresses`),
 * so a gateway the workflow did not build is found the same way.
 */
export function gatewayPublicIps(azure: AzureView, gateway: ArmResource): { ip: string; pip?: ArmResource }[] {
  const props = azure.props(gateway);
  const configs: any[] = props.ipConfigurations ?? [];
  const peering: any[] = props.bgpSettings?.bgpPeeringAddresses ?? [];
  const out: { ip: string; pip?: ArmResource }[] = [];
  for (const config of configs) {
    const pipId: string | undefined = config?.properties?.publicIPAddress?.id;
    const pip = azure.get(pipId);
    const ip = azure.props(pip).ipAddress;
    if (pip && typeof ip === 'string') {
      out.push({ ip, pip });
      continue;
    }
    if (pip || !gateway.preExisting) continue; // a public IP resource that exists but has no address yet, or a built gateway's missing one
    const reported = peering.find((p) => sameArmId(p?.ipconfigurationId, config?.id))?.tunnelIpAddresses?.[0];
    if (typeof reported === 'string') out.push({ ip: reported });
  }
  return out;
}

/** The VNet of a gateway: the parent of its GatewaySubnet. */
export function gatewayVnetId(azure: AzureView, gateway: ArmResource): string | undefined {
  const subnetId: string | undefined = azure.props(gateway).ipConfigurations?.[0]?.properties?.subnet?.id;
  return subnetId ? armParentOf(subnetId) : undefined;
}

interface Side {
  reasons: string[];
  times: number[];
}

/** Evaluates one tunnel of a VPN connection; `onlyConnection` restricts the Azure candidates to one connection. */
export function evaluateTunnel(ctx: TunnelContext, vpn: VpnConnection, tunnelIndex: number, onlyConnection?: string): TunnelEvaluation {
  const { aws, azure, now } = ctx;
  const tunnel = vpn.Tunnels[tunnelIndex];
  const outsideIp = tunnel.OutsideIpAddress;
  const label = `tunnel ${tunnelIndex + 1} (${outsideIp})`;
  const base: Side = { reasons: [], times: [vpn.readyAt] };
  const dynamic = !vpn.StaticRoutesOnly;
  const result: Omit<TunnelEvaluation, 'phase' | 'reasons' | 'lastChange'> = { vpnConnectionId: vpn.VpnConnectionId, tunnelIndex, outsideIp, routing: dynamic ? 'dynamic' : 'static' };

  // AWS: the VPN connection itself.
  if (vpn.deletedAt !== undefined) base.reasons.push(`VPN connection ${vpn.VpnConnectionId} is deleted`);
  else if (now < vpn.readyAt) base.reasons.push(`VPN connection ${vpn.VpnConnectionId} is pending (available at t=${vpn.readyAt}s)`);

  // AWS: the VPN gateway and its attachment to a VPC.
  const vgw = aws.vpnGateways.find((g) => g.VpnGatewayId === vpn.VpnGatewayId);
  if (!vgw || vgw.deletedAt !== undefined) base.reasons.push(`VPN gateway ${vpn.VpnGatewayId} does not exist`);
  else {
    result.vpnGatewayId = vgw.VpnGatewayId;
    base.times.push(vgw.readyAt);
    if (now < vgw.readyAt) base.reasons.push(`VPN gateway ${vgw.VpnGatewayId} is pending (available at t=${vgw.readyAt}s)`);
    const attachment = vgw.Attachments.find((a) => a.deletedAt === undefined);
    if (!attachment) base.reasons.push(`VPN gateway ${vgw.VpnGatewayId} is not attached to a VPC`);
    else {
      base.times.push(attachment.readyAt);
      if (!isReady(attachment, now)) base.reasons.push(`VPN gateway ${vgw.VpnGatewayId} is still attaching to ${attachment.VpcId} (attached at t=${attachment.readyAt}s)`);
      const vpc = aws.vpcs.find((v) => v.VpcId === attachment.VpcId);
      if (!vpc) base.reasons.push(`VPN gateway ${vgw.VpnGatewayId} is attached to ${attachment.VpcId}, which does not exist`);
      else {
        result.vpcId = vpc.VpcId;
        result.vpcCidr = vpc.CidrBlock;
        result.vpcCidrs = [vpc.CidrBlock, ...(vpc.SecondaryCidrBlocks ?? [])];
      }
    }
  }

  // AWS customer gateway ↔ Azure VPN gateway: the customer gateway IP must be the Azure gateway's public IP.
  const cgw = aws.customerGateways.find((c) => c.CustomerGatewayId === vpn.CustomerGatewayId);
  let gateway: ArmResource | undefined;
  if (!cgw || cgw.deletedAt !== undefined) base.reasons.push(`customer gateway ${vpn.CustomerGatewayId} does not exist`);
  else {
    base.times.push(cgw.readyAt);
    if (now < cgw.readyAt) base.reasons.push(`customer gateway ${cgw.CustomerGatewayId} is pending`);
    const gateways = azure.ofType('Microsoft.Network/virtualNetworkGateways');
    const withIp = gateways.map((g) => ({ g, ips: gatewayPublicIps(azure, g) }));
    const match = withIp.find((x) => x.ips.some((p) => p.ip === cgw.IpAddress));
    if (!match) {
      const known = withIp.flatMap((x) => x.ips.map((p) => p.ip));
      base.reasons.push(
        `customer gateway ${cgw.CustomerGatewayId} has IP ${cgw.IpAddress}, which is not the public IP of any Azure VPN gateway` +
          (known.length ? ` (Azure gateway public IPs: ${known.join(', ')})` : ' (no Azure VPN gateway has a public IP)'),
      );
    } else {
      gateway = match.g;
      const pip = match.ips.find((p) => p.ip === cgw.IpAddress)!.pip;
      result.azureGatewayId = gateway.id;
      // A gateway updated in place serves throughout; its tunnels renegotiate from when the new settings applied.
      base.times.push(gateway.operation?.inService ? gateway.operation.startedAt : azure.readyAt(gateway));
      if (pip) base.times.push(azure.readyAt(pip));
      if (!azure.serving(gateway)) base.reasons.push(`Azure VPN gateway ${azure.short(gateway)} is ${azure.provisioningState(gateway)}, not Succeeded`);
      if (pip && !azure.provisioned(pip)) base.reasons.push(`public IP ${azure.short(pip)} of the Azure VPN gateway is ${azure.provisioningState(pip)}`);
      const instance = gatewayInstances(azure, gateway).find((i) => i.publicIp === cgw.IpAddress);
      if (instance) {
        result.instance = instance.index;
        if (ctx.downInstances?.includes(instance.index)) base.reasons.push(`instance ${instance.index} of Azure VPN gateway ${azure.short(gateway)} is down`);
      }
      const vnetId = gatewayVnetId(azure, gateway);
      const vnet = azure.get(vnetId);
      if (!vnet) base.reasons.push(`Azure VPN gateway ${azure.short(gateway)} is not in an existing virtual network`);
      else {
        result.vnetId = vnet.id;
        result.vnetPrefixes = [...(azure.props(vnet).addressSpace?.addressPrefixes ?? [])];
      }
    }
  }

  // AWS: a static route for the VNet address space, or AWS will not send VNet traffic into the tunnel (with
  // dynamic routing BGP carries the prefixes instead).
  for (const prefix of dynamic ? [] : (result.vnetPrefixes ?? [])) {
    const covering = vpn.Routes.filter((r) => cidrCovers(r.DestinationCidrBlock, prefix));
    if (covering.length === 0) {
      const routes = vpn.Routes.map((r) => r.DestinationCidrBlock);
      base.reasons.push(
        `VPN connection ${vpn.VpnConnectionId} has no static route for the VNet address space ${prefix} (static routes: ${routes.length ? routes.join(', ') : 'none'})`,
      );
    } else base.times.push(Math.min(...covering.map((r) => r.createdAt)));
  }

  // Azure: a local network gateway for this tunnel's outside IP, and a connection joining it to the gateway.
  const candidates: (Side & { lng?: ArmResource; connection?: ArmResource })[] = [];
  const lngs = azure.ofType('Microsoft.Network/localNetworkGateways').filter((l) => azure.props(l).gatewayIpAddress === outsideIp);
  if (lngs.length === 0) candidates.push({ reasons: [`no local network gateway has gatewayIpAddress ${outsideIp} (the outside IP of ${label})`], times: [] });
  for (const lng of lngs) {
    const lngSide: Side = { reasons: [], times: [azure.readyAt(lng)] };
    if (!azure.provisioned(lng)) lngSide.reasons.push(`local network gateway ${azure.short(lng)} is ${azure.provisioningState(lng)}`);
    const prefixes: string[] = azure.props(lng).localNetworkAddressSpace?.addressPrefixes ?? [];
    // Azure drops what arrives from a source outside the address space, so a secondary block left out cuts off its
    // subnets; with dynamic routing Azure learns the blocks over BGP instead.
    for (const vpcCidr of dynamic ? [] : (result.vpcCidrs ?? [])) {
      if (!prefixes.some((p) => cidrCovers(p, vpcCidr))) {
        lngSide.reasons.push(
          `local network gateway ${azure.short(lng)}'s address space (${prefixes.length ? prefixes.join(', ') : 'empty'}) does not cover the VPC CIDR ${vpcCidr}`,
        );
      }
    }
    const connections = azure
      .ofType('Microsoft.Network/connections')
      .filter((c) => sameArmId(azure.props(c).localNetworkGateway2?.id, lng.id))
      .filter((c) => !onlyConnection || sameArmId(c.id, onlyConnection));
    if (connections.length === 0) {
      candidates.push({ lng, reasons: [...lngSide.reasons, `no connection uses local network gateway ${azure.short(lng)}`], times: lngSide.times });
    }
    for (const connection of connections) {
      const p = azure.props(connection);
      const side: Side = { reasons: [...lngSide.reasons], times: [...lngSide.times, azure.readyAt(connection)] };
      if (!azure.provisioned(connection)) side.reasons.push(`connection ${azure.short(connection)} is ${azure.provisioningState(connection)}`);
      if (String(p.connectionType ?? '').toLowerCase() !== 'ipsec') side.reasons.push(`connection ${azure.short(connection)} is ${p.connectionType ?? 'untyped'}, not IPsec`);
      if (gateway && !sameArmId(p.virtualNetworkGateway1?.id, gateway.id)) {
        side.reasons.push(`connection ${azure.short(connection)} joins gateway ${azure.short(p.virtualNetworkGateway1?.id ?? '?')}, not ${azure.short(gateway)} whose public IP is the customer gateway IP`);
      }
      if (p.sharedKey !== tunnel.PreSharedKey) side.reasons.push(`connection ${azure.short(connection)}'s sharedKey does not match the pre-shared key of ${label}`);
      // Policy-based selectors make one SA pair per (address space prefix, VNet prefix); an AWS tunnel holds one.
      const selectorPairs = (azure.props(lng).localNetworkAddressSpace?.addressPrefixes ?? []).length * (result.vnetPrefixes ?? []).length;
      if (p.usePolicyBasedTrafficSelectors === true && selectorPairs > 1) {
        side.reasons.push(`connection ${azure.short(connection)} uses policy-based traffic selectors: ${selectorPairs} SA pairs, but ${label} holds only one`);
      }
      for (const mismatch of proposalMismatches(tunnel.Options ?? {}, p)) {
        side.reasons.push(`connection ${azure.short(connection)} and ${label} do not agree on ${mismatch}`);
      }
      candidates.push({ ...side, lng, connection });
    }
  }

  // The candidate closest to working speaks for the tunnel.
  candidates.sort((a, b) => a.reasons.length - b.reasons.length);
  const best = candidates[0];
  if (best.lng) result.localNetworkGatewayId = best.lng.id;
  if (best.connection) result.connectionId = best.connection.id;
  const reasons = [...base.reasons, ...best.reasons];
  const times = [...base.times, ...best.times];

  const key = tunnelKey(vpn.VpnConnectionId, outsideIp);
  let evaluation: TunnelEvaluation;
  if (reasons.length > 0) {
    const past = times.filter((t) => t <= now);
    evaluation = { ...result, phase: 'down', reasons, lastChange: Math.max(vpn.createdAt, ...past) };
  } else {
    const configuredAt = Math.max(...times);
    const upAt = configuredAt + ctx.latencies.of('tunnel.up', key);
    const phase: TunnelPhase = now >= upAt ? 'up' : 'negotiating';
    evaluation = { ...result, phase, reasons, configuredAt, upAt, lastChange: phase === 'up' ? upAt : configuredAt };
  }
  if (dynamic) {
    evaluation.bgp = evaluateSession({
      aws,
      azure,
      now,
      latencies: ctx.latencies,
      vpn,
      tunnelIndex,
      tunnelUp: evaluation.phase === 'up',
      upAt: evaluation.upAt,
      tunnelKey: key,
      gatewayId: result.azureGatewayId,
      localNetworkGatewayId: result.localNetworkGatewayId,
      connectionId: result.connectionId,
      vnetPrefixes: result.vnetPrefixes ?? [],
      vpcCidrs: result.vpcCidrs ?? [],
    });
  }
  return evaluation;
}

/** Whether traffic crosses the tunnel: IPsec up and, with dynamic routing, a BGP session established over it. */
export function carriesTraffic(t: TunnelEvaluation): boolean {
  return t.phase === 'up' && (t.routing === 'static' || t.bgp?.state === 'Connected');
}

/** Every tunnel of every VPN connection that still exists. */
export function evaluateAllTunnels(ctx: TunnelContext): TunnelEvaluation[] {
  return ctx.aws.vpnConnections
    .filter((v) => v.deletedAt === undefined)
    .flatMap((vpn) => vpn.Tunnels.map((_, index) => evaluateTunnel(ctx, vpn, index)));
}

/**
 * `VgwTelemetry[].StatusMessage`: AWS sees only its own end of the IPsec negotiation, never the Azure side's
 * configuration or key, so a down tunnel says no more than the real service does.
 */
export function awsTelemetryStatusMessage(t: TunnelEvaluation): string {
  if (t.routing === 'dynamic') {
    if (carriesTraffic(t)) return `${t.bgp!.awsLearned.length} BGP ROUTES`;
    return t.phase === 'up' ? 'IPSEC IS UP' : 'IPSEC IS DOWN';
  }
  return t.phase === 'up' ? '' : 'IPSEC IS DOWN';
}

/**
 * `VgwTelemetry[]` for one tunnel, as AWS sees it: with dynamic routing a tunnel is UP only once its BGP
 * session is established (IPsec alone reads DOWN, "IPSEC IS UP"), and AcceptedRouteCount counts what the
 * session brought. Nothing of the Azure side's configuration shows.
 */
export function awsTelemetry(t: TunnelEvaluation): { Status: 'UP' | 'DOWN'; StatusMessage: string; LastStatusChange: number; AcceptedRouteCount: number } {
  const up = carriesTraffic(t);
  const lastChange = t.routing === 'dynamic' && up ? t.bgp!.establishedAt! : t.lastChange;
  return {
    Status: up ? 'UP' : 'DOWN',
    StatusMessage: awsTelemetryStatusMessage(t),
    LastStatusChange: lastChange,
    AcceptedRouteCount: up && t.routing === 'dynamic' ? t.bgp!.awsLearned.length : 0,
  };
}

/** One line an engineer can read (the emulator's own diagnostics, never a cloud's answer): what the tunnel is doing and, when down, why. */
export function describeTunnel(t: TunnelEvaluation): string {
  if (t.phase === 'up' && t.routing === 'dynamic' && t.bgp?.state !== 'Connected') {
    const why = t.bgp?.reasons.length ? `BGP not established: ${t.bgp.reasons.join('; ')}` : `BGP session established at t=${t.bgp?.establishedAt}s`;
    return `IPsec UP since t=${t.upAt}s, ${why}`;
  }
  if (t.phase === 'up') return `UP since t=${t.upAt}s`;
  if (t.phase === 'negotiating') return `negotiating: configured consistently at t=${t.configuredAt}s, UP at t=${t.upAt}s`;
  return `DOWN: ${t.reasons.join('; ')}`;
}
