/**
 * The emulated network: pure rules over the emulated clouds' state at the simulated clock's `now`.
 *
 * It decides whether tunnels are up (both clouds report from it), what the VPC's resolver answers for the
 * OpenAI account's name, and whether a TCP connection from a VPC subnet gets through (contract: local-cloud.md,
 * "What the emulated network demands"). Nothing passes by accident: every condition the contract lists is checked,
 * and each unmet one is returned as a reason naming the resource to fix.
 */
import { createHash } from 'node:crypto';
import type { AzureConnectionView, BgpPeerStatusView, NetworkView, TunnelTelemetry } from '../cloud/context';
import type { ArmResource, CloudState, ResolverEndpoint, ResolverRule, SecurityGroupRule } from '../cloud/state';
import { armKey, isReady } from '../cloud/state';
import type { FaultSpec } from '../faults';
import type { Latencies } from '../latency';
import { connectedDuration, gatewayInstances } from './bgp';
import { AzureView, armNameOf, armParentOf, sameArmId } from './azure-view';
import { cidrContainsIp } from './ipv4';
import { evaluateNsg } from './nsg';
import { lookupRoute, routeProblem, type RouteLookup } from './routing';
import { awsTelemetry, carriesTraffic, describeTunnel, evaluateAllTunnels, evaluateTunnel, gatewayPublicIps, type TunnelContext, type TunnelEvaluation } from './tunnels';

/** All the model needs of the clock. */
export interface ClockLike {
  now(): number;
}

export const OPENAI_ZONE = 'privatelink.openai.azure.com';
const OPENAI_SUFFIX = 'openai.azure.com';

export interface DnsResolution {
  /** The question, lower-cased, without a trailing dot. */
  name: string;
  rcode: 'NOERROR' | 'NXDOMAIN';
  /** CNAME chain, first hop first. */
  cnames: string[];
  /** A records of the last name. */
  addresses: string[];
  /**
   * Whether the answer came through the private path: Route 53 Resolver forwarded the query over the VPN to Azure's
   * inbound endpoint (for an account's name, answered from the private zone). `none`: no answer at all.
   */
  via: 'private' | 'public' | 'none';
  /** What keeps the private answer away (empty when `via` is `private`). */
  reasons: string[];
}

export interface TcpVerdict {
  ok: boolean;
  /** What the address stands for. */
  kind: AddressKind;
  reasons: string[];
}

export type AddressKind = 'private-endpoint' | 'account-public' | 'unknown';

interface AccountRef {
  account: ArmResource;
  subdomain: string;
}

/** A deterministic public address for an account, as the Internet would answer (20.x: an Azure-looking range). */
export function publicAddressOf(accountId: string): string {
  const digest = createHash('sha256').update(armKey(accountId)).digest();
  return `20.${200 + (digest[0] % 50)}.${digest[1]}.${1 + (digest[2] % 254)}`;
}

function normaliseName(name: string): string {
  return name.trim().toLowerCase().replace(/\.+$/, '');
}

function normaliseDomain(domain: string): string {
  return normaliseName(domain);
}

/**
 * Azure names other than the accounts' that the emulated Internet answers: what a forwarding rule wider than
 * openai.azure.com (azure.com, or the root) would capture and send over the VPN.
 */
export const OTHER_PUBLIC_AZURE_NAMES: readonly string[] = ['management.azure.com', 'portal.azure.com'];

/** A deterministic public address for one of those names (20.40-89.x: apart from the accounts' 20.200-249.x). */
export function publicAddressOfName(name: string): string {
  const digest = createHash('sha256').update(normaliseName(name)).digest();
  return `20.${40 + (digest[0] % 50)}.${digest[1]}.${1 + (digest[2] % 254)}`;
}

/** Route 53 Resolver's match: the query is the rule's domain or under it; the root rule (".") matches every name. */
function ruleMatches(rule: ResolverRule, qname: string): boolean {
  const domain = normaliseDomain(rule.DomainName);
  return domain === '' || qname === domain || qname.endsWith(`.${domain}`);
}

export class NetworkModel implements NetworkView {
  private readState: () => CloudState;

  constructor(
    state: CloudState | (() => CloudState),
    private readonly clock: ClockLike,
    private readonly latencies: Latencies,
    /** Only the faults the network itself suffers (instance-down) are read. */
    private readonly faults?: Pick<FaultSpec, 'instanceDown'>,
  ) {
    this.readState = typeof state === 'function' ? state : () => state;
  }

  /** The emulated clouds may replace their state wholesale (e.g. `--state FILE`); follow it. */
  setState(state: CloudState | (() => CloudState)): void {
    this.readState = typeof state === 'function' ? state : () => state;
  }

  get state(): CloudState {
    return this.readState();
  }

  now(): number {
    return this.clock.now();
  }

  private context(): TunnelContext {
    const state = this.state;
    const now = this.clock.now();
    return { aws: state.aws, azure: new AzureView(state.azure, now), now, latencies: this.latencies, downInstances: this.faults?.instanceDown ?? [] };
  }

  /** What each VPN connection's VGW learned over its established BGP sessions, by connection id. */
  private learnedRoutes(ctx: TunnelContext): (vpnConnectionId: string) => string[] {
    const learned = new Map<string, Set<string>>();
    for (const t of evaluateAllTunnels(ctx)) {
      if (t.routing !== 'dynamic' || !carriesTraffic(t)) continue;
      const set = learned.get(t.vpnConnectionId) ?? new Set<string>();
      for (const prefix of t.bgp!.awsLearned) set.add(prefix);
      learned.set(t.vpnConnectionId, set);
    }
    return (id) => [...(learned.get(id) ?? [])];
  }

  /** The route a packet from the subnet to `ip` takes now (static and BGP-learned routes counted). */
  routeLookup(sourceSubnetId: string, ip: string): RouteLookup {
    const ctx = this.context();
    return lookupRoute(ctx.aws, sourceSubnetId, ip, ctx.now, this.learnedRoutes(ctx));
  }

  awsLearnedRoutes(vpnConnectionId: string): string[] {
    return this.learnedRoutes(this.context())(vpnConnectionId);
  }

  /**
   * The gateway's BGP peers as Azure reports them: each live instance lists every BGP connection's neighbor, and
   * only the instance whose tunnel carries an established session reads Connected.
   */
  azureBgpPeerStatus(gatewayId: string): BgpPeerStatusView[] {
    const ctx = this.context();
    const { azure, now } = ctx;
    const gateway = azure.get(gatewayId);
    if (!gateway) return [];
    const tunnels = evaluateAllTunnels(ctx).filter((t) => sameArmId(t.azureGatewayId, gateway.id));
    const connections = azure
      .ofType('Microsoft.Network/connections')
      .filter((c) => sameArmId(azure.props(c).virtualNetworkGateway1?.id, gateway.id) && azure.props(c).enableBgp === true);
    const peers: BgpPeerStatusView[] = [];
    for (const instance of gatewayInstances(azure, gateway)) {
      if (ctx.downInstances?.includes(instance.index)) continue; // a stopped instance answers nothing
      for (const connection of connections) {
        const lngBgp = azure.props(azure.get(azure.props(connection).localNetworkGateway2?.id)).bgpSettings;
        if (typeof lngBgp?.bgpPeeringAddress !== 'string') continue;
        const tunnel = tunnels.find((t) => t.instance === instance.index && sameArmId(t.connectionId, connection.id));
        const session = tunnel?.bgp;
        const state = session?.state ?? (azure.provisioned(connection) ? 'Connecting' : 'Idle');
        const upFor = state === 'Connected' ? now - (session!.establishedAt ?? now) : 0;
        peers.push({
          localAddress: instance.defaultAddress ?? '',
          neighbor: lngBgp.bgpPeeringAddress,
          asn: Number(lngBgp.asn),
          state,
          connectedDuration: state === 'Connected' ? connectedDuration(upFor) : '',
          routesReceived: state === 'Connected' ? session!.azureLearned.length : 0,
          messagesSent: state === 'Connected' ? 2 + Math.floor(upFor / 60) : 0,
          messagesReceived: state === 'Connected' ? 2 + Math.floor(upFor / 60) : 0,
        });
      }
    }
    return peers;
  }

  // ---- tunnels ------------------------------------------------------------------------------------------

  /** Every tunnel of every VPN connection, evaluated now. */
  tunnels(): TunnelEvaluation[] {
    return evaluateAllTunnels(this.context());
  }

  awsTunnelTelemetry(vpnConnectionId: string): TunnelTelemetry[] {
    const ctx = this.context();
    const vpn = ctx.aws.vpnConnections.find((v) => v.VpnConnectionId === vpnConnectionId);
    if (!vpn) return [];
    return vpn.Tunnels.map((_, index) => {
      const t = evaluateTunnel(ctx, vpn, index);
      const { AcceptedRouteCount, ...telemetry } = awsTelemetry(t);
      // Static routing accepts no routes: the field stays absent (EC2 then shows 0).
      return { OutsideIpAddress: t.outsideIp, ...telemetry, ...(t.routing === 'dynamic' ? { AcceptedRouteCount } : {}) };
    });
  }

  azureConnectionStatus(connectionId: string): AzureConnectionView {
    const ctx = this.context();
    const { azure } = ctx;
    const connection = azure.get(connectionId);
    if (!connection) return { connectionStatus: 'Unknown', tunnelConnectionStatus: [] };
    const state = azure.provisioningState(connection);
    // While the connection itself is being written Azure reports Unknown; a failed one never connects.
    if (state === 'Creating' || state === 'Updating') return { connectionStatus: 'Unknown', tunnelConnectionStatus: [] };

    const lng = azure.get(azure.props(connection).localNetworkGateway2?.id);
    const remoteIp: string | undefined = azure.props(lng).gatewayIpAddress;
    const evaluations = ctx.aws.vpnConnections
      .filter((v) => v.deletedAt === undefined)
      .flatMap((vpn) =>
        vpn.Tunnels.map((t, index) => ({ t, index }))
          .filter(({ t }) => remoteIp !== undefined && t.OutsideIpAddress === remoteIp)
          .map(({ index }) => evaluateTunnel(ctx, vpn, index, connection.id)),
      )
      .filter((e) => e.connectionId === undefined || sameArmId(e.connectionId, connection.id));
    let status: AzureConnectionView['connectionStatus'] = 'NotConnected';
    if (state === 'Succeeded' && evaluations.some((e) => e.phase === 'up')) status = 'Connected';
    else if (state === 'Succeeded' && evaluations.some((e) => e.phase === 'negotiating')) status = 'Connecting';
    const gatewayName = armNameOf(azure.props(connection).virtualNetworkGateway1?.id ?? '');
    return {
      connectionStatus: status,
      tunnelConnectionStatus: remoteIp ? [{ tunnel: `${gatewayName}_${remoteIp}`, connectionStatus: status }] : [],
    };
  }

  /** Up tunnels from a VPC to a VNet, and the VGWs that carry them. */
  private upTunnels(ctx: TunnelContext, vpcId: string, vnetId: string | undefined): TunnelEvaluation[] {
    return evaluateAllTunnels(ctx).filter((t) => carriesTraffic(t) && t.vpcId === vpcId && sameArmId(t.vnetId, vnetId));
  }

  /** A reason when no tunnel is up between the VPC and the VNet, quoting the closest tunnel's state. */
  private tunnelProblem(ctx: TunnelContext, vpcId: string, vnetId: string | undefined): string | undefined {
    if (this.upTunnels(ctx, vpcId, vnetId).length > 0) return undefined;
    const all = evaluateAllTunnels(ctx);
    const vnetName = vnetId ? armNameOf(vnetId) : 'the Azure VNet';
    if (all.length === 0) return `no VPN tunnel is up between ${vpcId} and ${vnetName}: there is no VPN connection`;
    const rank = { up: 0, negotiating: 1, down: 2 };
    const closest = [...all].sort((a, b) => rank[a.phase] - rank[b.phase] || a.reasons.length - b.reasons.length || (a.bgp?.reasons.length ?? 0) - (b.bgp?.reasons.length ?? 0))[0];
    return `no VPN tunnel is up between ${vpcId} and ${vnetName} (closest: ${closest.vpnConnectionId} tunnel ${closest.tunnelIndex + 1} ${describeTunnel(closest)})`;
  }

  // ---- addresses ----------------------------------------------------------------------------------------

  private accounts(azure: AzureView): AccountRef[] {
    return azure
      .ofType('Microsoft.CognitiveServices/accounts')
      .filter((a) => typeof azure.props(a).customSubDomainName === 'string')
      .map((account) => ({ account, subdomain: String(azure.props(account).customSubDomainName).toLowerCase() }));
  }

  /** Private endpoints that connect to an account (any state), with their IPs. */
  private privateEndpoints(azure: AzureView, accountId?: string): { pe: ArmResource; ips: string[]; accountId?: string }[] {
    return azure.ofType('Microsoft.Network/privateEndpoints').map((pe) => {
      const p = azure.props(pe);
      const target: string | undefined = p.privateLinkServiceConnections?.[0]?.properties?.privateLinkServiceId;
      const ips: string[] = (p.customDnsConfigs ?? []).flatMap((c: any) => (Array.isArray(c?.ipAddresses) ? c.ipAddresses.map(String) : []));
      return { pe, ips, accountId: target };
    }).filter((x) => !accountId || sameArmId(x.accountId, accountId));
  }

  /** The account's address on the Internet. */
  publicAddressOf(accountId: string): string {
    return publicAddressOf(accountId);
  }

  /** What an address stands for in the emulated network. */
  addressKind(ip: string): AddressKind {
    const azure = this.context().azure;
    if (this.privateEndpoints(azure).some((x) => x.ips.includes(ip))) return 'private-endpoint';
    if (this.accounts(azure).some((a) => publicAddressOf(a.account.id) === ip)) return 'account-public';
    return 'unknown';
  }

  // ---- DNS ----------------------------------------------------------------------------------------------

  /** What the VPC's resolver answers to an A query for `name` asked from `sourceSubnetId`. */
  resolve(sourceSubnetId: string, name: string): DnsResolution {
    const ctx = this.context();
    const qname = normaliseName(name);
    if (OTHER_PUBLIC_AZURE_NAMES.includes(qname)) return this.resolveOtherAzureName(ctx, sourceSubnetId, qname);
    const match = /^([a-z0-9-]+)\.(privatelink\.)?openai\.azure\.com$/.exec(qname);
    if (!match) {
      return { name: qname, rcode: 'NXDOMAIN', cnames: [], addresses: [], via: 'none', reasons: [`${qname} is not a name the emulated network knows (only <account>.${OPENAI_SUFFIX})`] };
    }
    const account = this.accounts(ctx.azure).find((a) => a.subdomain === match[1]);
    if (!account) {
      return { name: qname, rcode: 'NXDOMAIN', cnames: [], addresses: [], via: 'none', reasons: [`no OpenAI account has the custom subdomain ${match[1]}`] };
    }
    // The public record CNAMEs the account name to its privatelink name; asking that name directly has no hop.
    const cnames = match[2] ? [] : [`${account.subdomain}.${OPENAI_ZONE}`];
    const privatePath = this.privateDnsPath(ctx, sourceSubnetId, account, qname);
    if (privatePath.reasons.length === 0) {
      return { name: qname, rcode: 'NOERROR', cnames, addresses: privatePath.addresses, via: 'private', reasons: [] };
    }
    return { name: qname, rcode: 'NOERROR', cnames, addresses: [publicAddressOf(account.account.id)], via: 'public', reasons: privatePath.reasons };
  }

  /** Rules whose domain covers `qname` and, of those, the ones associated with the VPC, most specific first. */
  private rulesCovering(ctx: TunnelContext, vpcId: string, qname: string) {
    const { aws } = ctx;
    const matching = aws.resolverRules.filter((r) => r.deletedAt === undefined && ruleMatches(r, qname));
    const associated = matching
      .map((rule) => ({ rule, association: aws.resolverRuleAssociations.find((a) => a.ResolverRuleId === rule.Id && a.VPCId === vpcId && a.deletedAt === undefined) }))
      .filter((x): x is { rule: ResolverRule; association: NonNullable<typeof x.association> } => x.association !== undefined)
      .sort((a, b) => normaliseDomain(b.rule.DomainName).length - normaliseDomain(a.rule.DomainName).length);
    return { matching, associated };
  }

  /** The forwarding rule Route 53 Resolver applies to `qname` in the VPC: the most specific associated one. */
  private ruleFor(ctx: TunnelContext, vpcId: string, qname: string, reasons: string[]): ResolverRule | undefined {
    const { now } = ctx;
    const { matching, associated } = this.rulesCovering(ctx, vpcId, qname);
    if (associated.length === 0) {
      if (matching.length > 0) {
        reasons.push(`resolver rule ${matching.map((r) => `${r.Id} (${normaliseDomain(r.DomainName)})`).join(', ')} is not associated with ${vpcId}`);
        return matching[0];
      }
      reasons.push(`no Route 53 Resolver FORWARD rule for ${OPENAI_SUFFIX} exists`);
      return undefined;
    }
    const { rule, association } = associated[0];
    if (!isReady(association, now)) reasons.push(`the association of resolver rule ${rule.Id} with ${vpcId} is CREATING (COMPLETE at t=${association.readyAt}s)`);
    if (!isReady(rule, now)) reasons.push(`resolver rule ${rule.Id} is not COMPLETE yet`);
    if (association.impaired) reasons.push(`the association of resolver rule ${rule.Id} with ${vpcId} is ${association.impaired.Status}`);
    if (rule.RuleType !== 'FORWARD') reasons.push(`resolver rule ${rule.Id} for ${normaliseDomain(rule.DomainName)} is ${rule.RuleType}, not FORWARD, so the name resolves publicly`);
    return rule;
  }

  /**
   * A public Azure name that is not an account's. Route 53 Resolver applies the most specific rule associated with
   * the VPC: a FORWARD rule wider than openai.azure.com captures the name and sends it over the VPN to its target,
   * which answers only while that whole path works (no fallback to public DNS); otherwise Resolver answers from
   * public DNS. An association still CREATING is taken to be in force already (some resolvers have it first).
   */
  private resolveOtherAzureName(ctx: TunnelContext, sourceSubnetId: string, qname: string): DnsResolution {
    const address = publicAddressOfName(qname);
    const subnet = ctx.aws.subnets.find((s) => s.SubnetId === sourceSubnetId);
    const vpc = subnet && ctx.aws.vpcs.find((v) => v.VpcId === subnet.VpcId);
    const capturing = vpc ? this.rulesCovering(ctx, vpc.VpcId, qname).associated[0]?.rule : undefined;
    if (!vpc || !capturing || capturing.RuleType !== 'FORWARD') {
      const why = capturing ? `resolver rule ${capturing.Id} for ${normaliseDomain(capturing.DomainName)} is ${capturing.RuleType}` : `no forwarding rule associated with the VPC covers ${qname}`;
      return { name: qname, rcode: 'NOERROR', cnames: [], addresses: [address], via: 'public', reasons: [`${why}: Route 53 Resolver answers it from public DNS`] };
    }
    const problems = this.forwardedPathProblems(ctx, vpc, capturing);
    if (problems.length === 0) return { name: qname, rcode: 'NOERROR', cnames: [], addresses: [address], via: 'private', reasons: [] };
    return {
      name: qname,
      rcode: 'NOERROR',
      cnames: [],
      addresses: [],
      via: 'none',
      reasons: [`resolver rule ${capturing.Id} for ${normaliseDomain(capturing.DomainName)} captures ${qname} and forwards it, but nothing answers`, ...problems],
    };
  }

  /** Why a query forwarded by `rule` gets no answer from an Azure DNS resolver inbound endpoint across the VPN. */
  private forwardedPathProblems(ctx: TunnelContext, vpc: { VpcId: string; CidrBlock: string }, rule: ResolverRule): string[] {
    const { aws, azure, now } = ctx;
    const problems: string[] = [];
    if (!isReady(rule, now)) problems.push(`resolver rule ${rule.Id} is not COMPLETE yet`);
    const endpoint = aws.resolverEndpoints.find((e) => e.Id === rule.ResolverEndpointId && e.deletedAt === undefined);
    // An endpoint Resolver is recovering, or cannot recover, is taken to forward nothing.
    if (!endpoint || endpoint.Direction !== 'OUTBOUND' || !isReady(endpoint, now) || endpoint.impaired) problems.push(`resolver rule ${rule.Id} has no OPERATIONAL outbound endpoint`);
    if (rule.impaired) problems.push(`resolver rule ${rule.Id} is ${rule.impaired.Status}`);
    const inbound = this.inboundEndpoints(azure);
    const target = (rule.TargetIps ?? []).filter((t) => (t.Port ?? 53) === 53).map((t) => inbound.find((i) => i.ip === t.Ip)).find((i) => i);
    if (!target) return [...problems, `resolver rule ${rule.Id} targets no Azure DNS resolver inbound endpoint on port 53`];
    if (endpoint) problems.push(...this.securityGroupProblems(ctx, endpoint, target.ip));
    const resolver = azure.get(armParentOf(target.endpoint.id));
    if (!azure.provisioned(target.endpoint) || !resolver || !azure.provisioned(resolver)) problems.push(`inbound endpoint ${armNameOf(target.endpoint.id)} is not serving`);
    const vnetId = azure.props(resolver).virtualNetwork?.id ?? (target.subnetId ? armParentOf(target.subnetId) : undefined);
    const tunnelProblem = this.tunnelProblem(ctx, vpc.VpcId, vnetId);
    if (tunnelProblem) problems.push(tunnelProblem);
    // The forwarded queries leave from the outbound endpoint's interfaces.
    const vgwIds = this.vgwsToward(ctx, vpc.VpcId, this.upTunnels(ctx, vpc.VpcId, vnetId));
    for (const eniSubnet of new Set((endpoint?.IpAddresses ?? []).map((a) => a.SubnetId))) {
      const problem = routeProblem(lookupRoute(aws, eniSubnet, target.ip, now, this.learnedRoutes(ctx)), target.ip, vgwIds, `outbound endpoint subnet ${eniSubnet}`);
      if (problem) problems.push(problem);
    }
    for (const protocol of ['Udp', 'Tcp'] as const) {
      const problem = this.nsgProblem(azure, target.subnetId, protocol, 53, vpc.CidrBlock, target.ip, false);
      if (problem) problems.push(problem);
    }
    return problems;
  }

  private inboundEndpoints(azure: AzureView): { endpoint: ArmResource; ip: string; subnetId?: string }[] {
    return azure.ofType('Microsoft.Network/dnsResolvers/inboundEndpoints').flatMap((endpoint) =>
      (azure.props(endpoint).ipConfigurations ?? [])
        .filter((c: any) => typeof c?.privateIpAddress === 'string')
        .map((c: any) => ({ endpoint, ip: c.privateIpAddress as string, subnetId: c.subnet?.id as string | undefined })),
    );
  }

  /** Why the security groups of an outbound endpoint do not let DNS out to `ip`, per protocol. */
  private securityGroupProblems(ctx: TunnelContext, endpoint: ResolverEndpoint, ip: string): string[] {
    const groups = endpoint.SecurityGroupIds.map((id) => ctx.aws.securityGroups.find((g) => g.GroupId === id));
    const problems: string[] = [];
    for (const missing of endpoint.SecurityGroupIds.filter((_, i) => !groups[i])) problems.push(`security group ${missing} of outbound endpoint ${endpoint.Id} does not exist`);
    for (const protocol of ['tcp', 'udp']) {
      const allowed = groups.some((g) =>
        (g?.Egress ?? []).some(
          (rule) =>
            (rule.IpProtocol === '-1' || rule.IpProtocol.toLowerCase() === protocol) &&
            (rule.IpProtocol === '-1' || ((rule.FromPort ?? 0) <= 53 && 53 <= (rule.ToPort ?? rule.FromPort ?? 65535))) &&
            cidrContainsIp(rule.CidrIp, ip),
        ),
      );
      if (!allowed) {
        problems.push(`security group ${endpoint.SecurityGroupIds.join(', ') || '(none)'} of outbound endpoint ${endpoint.Id} does not allow egress ${protocol.toUpperCase()} 53 to ${ip}`);
      }
    }
    return problems;
  }

  /** Why an NSG on an Azure subnet does not admit `protocol port` from the VPC CIDR to `ip`; undefined when it does. */
  private nsgProblem(azure: AzureView, subnetId: string | undefined, protocol: 'Tcp' | 'Udp', port: number, vpcCidr: string, ip: string, required: boolean): string | undefined {
    const subnet = azure.subnet(subnetId);
    const subnetName = subnetId ? armNameOf(subnetId) : '(unknown subnet)';
    if (!subnet) return `subnet ${subnetName} does not exist`;
    const nsgId: string | undefined = subnet.properties.networkSecurityGroup?.id;
    if (!nsgId) return required ? `subnet ${subnetName} has no network security group allowing ${protocol.toUpperCase()} ${port} from ${vpcCidr}` : undefined;
    const nsg = azure.get(nsgId);
    if (!nsg) return `network security group ${armNameOf(nsgId)} on subnet ${subnetName} does not exist`;
    const decision = evaluateNsg(azure.securityRules(nsg), { protocol, port, sourceCidr: vpcCidr, destinationIp: ip });
    if (decision.allowed) return undefined;
    return `network security group ${armNameOf(nsg.id)} on subnet ${subnetName} does not allow ${protocol.toUpperCase()} ${port} from the VPC CIDR ${vpcCidr}: ${decision.explanation}`;
  }

  /** Checks the contract's DNS conditions; addresses are the zone record's when all hold. */
  private privateDnsPath(ctx: TunnelContext, sourceSubnetId: string, account: AccountRef, qname: string): { addresses: string[]; reasons: string[] } {
    const { aws, azure, now } = ctx;
    const reasons: string[] = [];
    const subnet = aws.subnets.find((s) => s.SubnetId === sourceSubnetId);
    const vpc = subnet && aws.vpcs.find((v) => v.VpcId === subnet.VpcId);
    if (!subnet || !vpc) return { addresses: [], reasons: [`source subnet ${sourceSubnetId} is not in any VPC`] };

    // Route 53 Resolver: the forwarding rule, its outbound endpoint, its target.
    const rule = this.ruleFor(ctx, vpc.VpcId, qname, reasons);
    const endpoint = rule?.ResolverEndpointId ? aws.resolverEndpoints.find((e) => e.Id === rule.ResolverEndpointId && e.deletedAt === undefined) : undefined;
    if (rule && !endpoint) reasons.push(`resolver rule ${rule.Id} has no existing outbound endpoint`);
    if (endpoint) {
      if (endpoint.Direction !== 'OUTBOUND') reasons.push(`resolver endpoint ${endpoint.Id} of rule ${rule!.Id} is ${endpoint.Direction}, not OUTBOUND`);
      if (!isReady(endpoint, now)) reasons.push(`outbound endpoint ${endpoint.Id} is CREATING, not OPERATIONAL (OPERATIONAL at t=${endpoint.readyAt}s)`);
      else if (endpoint.impaired) reasons.push(`outbound endpoint ${endpoint.Id} is ${endpoint.impaired.Status}: ${endpoint.impaired.StatusMessage}`);
    }
    if (rule?.impaired) reasons.push(`resolver rule ${rule.Id} is ${rule.impaired.Status}: ${rule.impaired.StatusMessage}`);
    const inbound = this.inboundEndpoints(azure);
    let target: { endpoint: ArmResource; ip: string; subnetId?: string } | undefined;
    if (rule) {
      const targets = rule.TargetIps ?? [];
      const hit = targets.map((t) => ({ t, inbound: inbound.find((i) => i.ip === t.Ip) })).find((x) => x.inbound);
      if (!hit) {
        reasons.push(
          `resolver rule ${rule.Id} targets ${targets.map((t) => `${t.Ip}:${t.Port ?? 53}`).join(', ') || 'nothing'}, which is not an Azure DNS resolver inbound endpoint` +
            (inbound.length ? ` (inbound endpoint IPs: ${inbound.map((i) => i.ip).join(', ')})` : ' (there is no inbound endpoint)'),
        );
      } else {
        target = hit.inbound;
        if ((hit.t.Port ?? 53) !== 53) reasons.push(`resolver rule ${rule.Id} targets ${hit.t.Ip} on port ${hit.t.Port}, not 53`);
      }
    }
    // Without a usable rule, keep checking the Azure side against the inbound endpoint that exists, so one
    // answer lists everything that is missing.
    target ??= inbound[0];
    if (!target) {
      if (!reasons.some((r) => r.includes('inbound endpoint'))) reasons.push('there is no Azure DNS private resolver inbound endpoint');
    }
    if (endpoint && target) reasons.push(...this.securityGroupProblems(ctx, endpoint, target.ip));

    // Azure DNS private resolver and its VNet.
    let vnetId: string | undefined;
    if (target) {
      const resolver = azure.get(armParentOf(target.endpoint.id));
      if (!azure.provisioned(target.endpoint)) reasons.push(`inbound endpoint ${armNameOf(target.endpoint.id)} is ${azure.provisioningState(target.endpoint)}`);
      if (!resolver) reasons.push(`DNS resolver of inbound endpoint ${armNameOf(target.endpoint.id)} does not exist`);
      else if (!azure.provisioned(resolver)) reasons.push(`DNS resolver ${armNameOf(resolver.id)} is ${azure.provisioningState(resolver)}`);
      vnetId = azure.props(resolver).virtualNetwork?.id ?? (target.subnetId ? armParentOf(target.subnetId) : undefined);
    }

    // The path across the VPN: a tunnel up to that VNet, and routes to the VGW from the asking subnet and from
    // the subnets of the outbound endpoint's ENIs (the queries to the inbound endpoint leave from those).
    const up = this.upTunnels(ctx, vpc.VpcId, vnetId);
    const tunnelProblem = this.tunnelProblem(ctx, vpc.VpcId, vnetId);
    if (tunnelProblem) reasons.push(tunnelProblem);
    if (target) {
      const vgwIds = this.vgwsToward(ctx, vpc.VpcId, up);
      const probeRoute = routeProblem(lookupRoute(aws, sourceSubnetId, target.ip, now, this.learnedRoutes(ctx)), target.ip, vgwIds, `source subnet ${sourceSubnetId}`);
      if (probeRoute) reasons.push(probeRoute);
      for (const eniSubnet of new Set((endpoint?.IpAddresses ?? []).map((a) => a.SubnetId))) {
        if (eniSubnet === sourceSubnetId) continue;
        const problem = routeProblem(lookupRoute(aws, eniSubnet, target.ip, now, this.learnedRoutes(ctx)), target.ip, vgwIds, `outbound endpoint subnet ${eniSubnet}`);
        if (problem) reasons.push(problem);
      }
      for (const protocol of ['Udp', 'Tcp'] as const) {
        const problem = this.nsgProblem(azure, target.subnetId, protocol, 53, vpc.CidrBlock, target.ip, false);
        if (problem) reasons.push(problem);
      }
    }

    // The private zone: linked to the resolver's VNet, holding the account's record for an approved endpoint.
    const addresses = this.zoneRecord(azure, vnetId, account, reasons);
    return { addresses, reasons };
  }

  /** VGWs a route must point to: those carrying an up tunnel to the VNet, else (for the message) any attached to the VPC. */
  private vgwsToward(ctx: TunnelContext, vpcId: string, up: TunnelEvaluation[]): string[] {
    const fromTunnels = up.map((t) => t.vpnGatewayId).filter((x): x is string => !!x);
    if (fromTunnels.length) return [...new Set(fromTunnels)];
    const attached = ctx.aws.vpnGateways.filter((g) => g.deletedAt === undefined && g.Attachments.some((a) => a.VpcId === vpcId && a.deletedAt === undefined));
    return attached.map((g) => g.VpnGatewayId);
  }

  private zoneRecord(azure: AzureView, vnetId: string | undefined, account: AccountRef, reasons: string[]): string[] {
    const zones = azure.ofType('Microsoft.Network/privateDnsZones').filter((z) => armNameOf(z.id).toLowerCase() === OPENAI_ZONE);
    if (zones.length === 0) {
      reasons.push(`there is no private DNS zone ${OPENAI_ZONE}`);
      return [];
    }
    const linked = zones.find((z) =>
      azure.children(z.id, 'virtualNetworkLinks').some((l) => sameArmId(azure.props(l).virtualNetwork?.id, vnetId) && azure.provisioned(l)),
    );
    const zone = linked ?? zones[0];
    if (!azure.provisioned(zone)) reasons.push(`private DNS zone ${OPENAI_ZONE} is ${azure.provisioningState(zone)}`);
    if (!linked) reasons.push(`private DNS zone ${OPENAI_ZONE} is not linked to VNet ${vnetId ? armNameOf(vnetId) : '(the resolver VNet)'}`);
    const record = azure.children(zone.id, 'A').find((r) => armNameOf(r.id).toLowerCase() === account.subdomain);
    const recordIps: string[] = (azure.props(record).aRecords ?? azure.props(record).ARecords ?? [])
      .map((a: any) => a?.ipv4Address)
      .filter((x: unknown): x is string => typeof x === 'string');
    if (record && !azure.provisioned(record)) reasons.push(`A record ${account.subdomain} in ${OPENAI_ZONE} is ${azure.provisioningState(record)}`);
    if (!record || recordIps.length === 0) {
      reasons.push(`private DNS zone ${OPENAI_ZONE} holds no A record ${account.subdomain} (the private endpoint's zone group writes it)`);
    }
    const endpoints = this.privateEndpoints(azure, account.account.id);
    const approved = endpoints.filter(
      (x) => azure.provisioned(x.pe) && azure.props(x.pe).privateLinkServiceConnections?.[0]?.properties?.privateLinkServiceConnectionState?.status === 'Approved',
    );
    if (endpoints.length === 0) reasons.push(`there is no private endpoint for account ${armNameOf(account.account.id)}`);
    else if (approved.length === 0) reasons.push(`private endpoint ${endpoints.map((x) => armNameOf(x.pe.id)).join(', ')} is not provisioned and Approved`);
    else if (recordIps.length > 0 && !recordIps.some((ip) => approved.some((x) => x.ips.includes(ip)))) {
      reasons.push(`A record ${account.subdomain} points to ${recordIps.join(', ')}, not to the private endpoint's IP ${approved.flatMap((x) => x.ips).join(', ')}`);
    }
    return recordIps;
  }

  // ---- TCP ----------------------------------------------------------------------------------------------

  /**
   * Whether a TCP connection from a VPC subnet to ip:port is established now. `sourceSecurityGroupIds` are the
   * security groups of the sending network interface (a Lambda function's in a VPC): when given, only what
   * their egress rules allow leaves it.
   */
  tcp(sourceSubnetId: string, ip: string, port: number, sourceSecurityGroupIds?: readonly string[]): TcpVerdict {
    const ctx = this.context();
    const { aws, azure, now } = ctx;
    const egress = sourceSecurityGroupIds ? securityGroupEgressProblem(aws, sourceSecurityGroupIds, 'tcp', port, ip) : undefined;
    const account = this.accounts(azure).find((a) => publicAddressOf(a.account.id) === ip);
    if (account) {
      // The Internet path: always there (what the account does with the request is the data plane's business).
      const reasons = port === 443 ? [] : [`${ip} (account ${armNameOf(account.account.id)}) only listens on 443`];
      if (egress) reasons.push(egress);
      return { ok: reasons.length === 0, kind: 'account-public', reasons };
    }
    const pe = this.privateEndpoints(azure).find((x) => x.ips.includes(ip));
    if (!pe) return { ok: false, kind: 'unknown', reasons: [`nothing answers at ${ip}:${port} in the emulated network`] };

    const reasons: string[] = egress ? [egress] : [];
    const peName = armNameOf(pe.pe.id);
    if (port !== 443) reasons.push(`private endpoint ${peName} only accepts 443`);
    if (!azure.provisioned(pe.pe)) reasons.push(`private endpoint ${peName} is ${azure.provisioningState(pe.pe)}`);
    const status = azure.props(pe.pe).privateLinkServiceConnections?.[0]?.properties?.privateLinkServiceConnectionState?.status;
    if (status !== 'Approved') reasons.push(`private endpoint ${peName}'s connection is ${status ?? 'missing'}, not Approved`);
    if (pe.accountId && !azure.get(pe.accountId)) reasons.push(`private endpoint ${peName} points to an account that does not exist`);

    const subnet = aws.subnets.find((s) => s.SubnetId === sourceSubnetId);
    const vpc = subnet && aws.vpcs.find((v) => v.VpcId === subnet.VpcId);
    if (!subnet || !vpc) return { ok: false, kind: 'private-endpoint', reasons: [...reasons, `source subnet ${sourceSubnetId} is not in any VPC`] };

    const peSubnetId: string | undefined = azure.props(pe.pe).subnet?.id;
    const vnetId = peSubnetId ? armParentOf(peSubnetId) : undefined;
    const up = this.upTunnels(ctx, vpc.VpcId, vnetId);
    const tunnelProblem = this.tunnelProblem(ctx, vpc.VpcId, vnetId);
    if (tunnelProblem) reasons.push(tunnelProblem);
    const route = routeProblem(lookupRoute(aws, sourceSubnetId, ip, now, this.learnedRoutes(ctx)), ip, this.vgwsToward(ctx, vpc.VpcId, up), `source subnet ${sourceSubnetId}`);
    if (route) reasons.push(route);

    // The NSG only filters private endpoint traffic when the subnet's network policies are on.
    const peSubnet = azure.subnet(peSubnetId);
    const policies = peSubnet?.properties.privateEndpointNetworkPolicies;
    if (peSubnet && policies !== 'Enabled' && policies !== 'NetworkSecurityGroupEnabled') {
      reasons.push(`subnet ${armNameOf(peSubnet.id)} has privateEndpointNetworkPolicies ${policies ?? 'unset (Disabled)'}, so its NSG does not apply to the private endpoint`);
    }
    const nsg = this.nsgProblem(azure, peSubnetId, 'Tcp', 443, vpc.CidrBlock, ip, true);
    if (nsg) reasons.push(nsg);
    return { ok: reasons.length === 0, kind: 'private-endpoint', reasons };
  }

  // ---- diagnostics --------------------------------------------------------------------------------------

  /** A readable picture of the network from one subnet: tunnels, each account's DNS answer and TCP 443. */
  describe(sourceSubnetId?: string): NetworkDescription {
    const ctx = this.context();
    const subnetId = sourceSubnetId ?? ctx.aws.subnets[0]?.SubnetId ?? '';
    return {
      at: ctx.now,
      tunnels: evaluateAllTunnels(ctx).map((t) => ({
        vpnConnectionId: t.vpnConnectionId,
        tunnel: t.tunnelIndex + 1,
        outsideIp: t.outsideIp,
        status: describeTunnel(t),
      })),
      gatewayPublicIps: ctx.azure.ofType('Microsoft.Network/virtualNetworkGateways').flatMap((g) => gatewayPublicIps(ctx.azure, g).map((p) => p.ip)),
      accounts: this.accounts(ctx.azure).map((a) => {
        const dns = this.resolve(subnetId, `${a.subdomain}.${OPENAI_SUFFIX}`);
        const address = dns.addresses[0];
        return { account: armNameOf(a.account.id), fromSubnet: subnetId, dns, tcp443: address ? this.tcp(subnetId, address, 443) : undefined };
      }),
    };
  }
}

/**
 * Why the security groups of a sending network interface do not let `protocol port` out to `ip`; undefined when
 * an egress rule of any of them does. Security groups only allow (no rule, no packet), and the groups of one
 * interface are evaluated together. Traffic to the VPC's Amazon DNS server is not filtered by security groups,
 * so DNS from a VPC source is never judged here.
 */
export function securityGroupEgressProblem(aws: CloudState['aws'], groupIds: readonly string[], protocol: 'tcp' | 'udp', port: number, ip: string): string | undefined {
  const groups = groupIds.map((id) => aws.securityGroups.find((g) => g.GroupId === id));
  const allows = (rule: SecurityGroupRule) =>
    cidrContainsIp(rule.CidrIp, ip) &&
    (rule.IpProtocol === '-1' ||
      (rule.IpProtocol === protocol && rule.FromPort !== undefined && rule.ToPort !== undefined && rule.FromPort <= port && port <= rule.ToPort));
  if (groups.some((g) => g?.Egress.some(allows))) return undefined;
  const missing = groupIds.filter((_, i) => !groups[i]);
  return (
    `security group ${groupIds.join(', ') || '(none)'} of the source does not allow egress ${protocol.toUpperCase()} ${port} to ${ip}` +
    (missing.length ? ` (${missing.join(', ')} does not exist)` : '')
  );
}

export interface NetworkDescription {
  at: number;
  tunnels: { vpnConnectionId: string; tunnel: number; outsideIp: string; status: string }[];
  gatewayPublicIps: string[];
  accounts: { account: string; fromSubnet: string; dns: DnsResolution; tcp443?: TcpVerdict }[];
}

/** Diagnostics: what the network looks like from a subnet (tunnels, DNS answer, TCP 443), with reasons. */
export function describeNetwork(model: NetworkModel, sourceSubnetId?: string): NetworkDescription {
  return model.describe(sourceSubnetId);
}
