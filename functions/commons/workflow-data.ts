/**
 * The workflow's data, in one place: what travels in the Step Functions state, from the environment request to
 * the final summary. Read it top to bottom to follow a request through the workflow:
 *
 *   1. the request (commons/request/contract.ts), checked by "Check the request against both clouds", which adds
 *      `facts`: the little the later steps need to know about the clouds ({@link EnvironmentFacts});
 *   2. each task's input (what its Parameters pass: the request, the facts and earlier results, never a secret)
 *      and output (what its ResultPath keeps), per function and action ({@link WorkflowActions});
 *   3. the named outputs of the big Parallel ({@link BuiltResources}) and the state the summary reads
 *      ({@link FinishedState}); the summary itself is what functions/summarise/summarise.ts returns.
 *
 * `facts` has one meaning in the state: {@link EnvironmentFacts}. What the validator reads from both clouds to
 * cross-check the request is `CloudFacts` (validate-request/cross-check.ts): it stays inside that one step.
 *
 * test/commons/workflow-data.test.ts checks with the TypeScript compiler that the ASL's Parameters and
 * ResultPaths agree with these types. Secrets never appear here: tunnel keys travel as Secrets Manager ARNs.
 */
import type { BgpMapping } from './bgp';
import type { EnvironmentRequest } from './request/contract';

export type { EnvironmentRequest } from './request/contract';

// ---------------------------------------------------------------------------------------------------------
// The first step
// ---------------------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------------
// The Azure hub: what the first step found on the VNet, and what this environment does with each piece
// ---------------------------------------------------------------------------------------------------------

/**
 * How this environment gets one hub resource:
 * - `create`: nothing is there; the product builds it for the hub (named for the VNet, tagged as ours, not as
 *   this environment's), and the last environment on the hub removes it;
 * - `use`: the product built it earlier, for this or another environment on the hub;
 * - `adopt`: another team's; used as it is, never changed beyond adding this environment's own children
 *   (its connections, its security rules, its record if missing), never deleted.
 */
export type HubAction = 'create' | 'use' | 'adopt';

export interface HubResource {
  /** ARM id: of what exists, or of what is to be created. */
  id: string;
  action: HubAction;
  /** provisioningState was Succeeded when the first step looked: nothing to build, nothing to wait for. */
  ready: boolean;
}

/** The hub's resources, one decision each, made once by the first step from what Azure reports. */
export interface HubFacts {
  gatewaySubnet: HubResource;
  vpnGateway: HubResource & {
    /** The IP configuration the environment's connections use (static routing: the gateway's first). */
    ipConfigurationId: string;
  };
  /** The gateway's public IP: the one it is built with, or the one its IP configuration names. */
  publicIp: HubResource;
  privateEndpointSubnet: HubResource;
  /** The NSG on the endpoint subnet, where this environment adds its own 443 rule; none on a foreign subnet without one. */
  privateEndpointNsg?: HubResource;
  privateEndpoint: HubResource;
  /** The zone group on an endpoint the product built; none on an adopted endpoint (its record is then written if missing). */
  privateDnsZoneGroup?: HubResource;
  /** `privatelink.openai.azure.com`: the one the request names, the one linked to the VNet, or ours. */
  privateDnsZone: HubResource;
  /** The zone's link to the VNet, whatever its name. */
  virtualNetworkLink: HubResource;
  dnsResolverSubnet: HubResource;
  /** The NSG on the resolver subnet, where this environment adds its own DNS rules; none on a foreign subnet without one. */
  dnsInboundNsg?: HubResource;
  dnsResolver: HubResource;
  inboundEndpoint: HubResource;
}

/**
 * Active-active with BGP (`options.routing: bgp`): the tunnel mapping the first step computed (bgp.ts), the
 * gateway's two IP configurations, instance 0 then 1, and the second instance's public IP.
 */
export interface BgpFacts extends BgpMapping {
  ipConfigurationIds: [string, string];
  secondPublicIp: HubResource;
  /** Present when the product's own hub gateway lacks this environment's custom APIPA addresses: they are added first. */
  gatewayNeedsAddresses?: true;
}

/** What later steps need from the clouds, small and secret-free: it travels in the state as `facts`. */
export interface EnvironmentFacts {
  /** Every CIDR block of the VPC, secondary ones included (the Azure side must route all of them). */
  vpcCidrs: string[];
  vnetAddressPrefixes: string[];
  /** Azure region of the VNet: the gateway, NSGs, private endpoint and resolver go there. */
  location: string;
  /** `<subdomain>.openai.azure.com` */
  openAiHost: string;
  /** The Azure hub: what this environment creates, uses or adopts there. */
  hub: HubFacts;
  /** Only with BGP routing. */
  bgp?: BgpFacts;
}

/** The output of "Check the request against both clouds": the state every later step starts from. */
export interface ValidatedRequest {
  request: EnvironmentRequest;
  facts: EnvironmentFacts;
}

/** What almost every task receives: the normalised request and the facts. */
export type StepInput = ValidatedRequest;

/** A write that Azure accepted (or found done): the provisioning state it reported. */
export interface ProvisioningOutcome {
  provisioningState: string;
}

// ---------------------------------------------------------------------------------------------------------
// Azure network
// ---------------------------------------------------------------------------------------------------------

export interface GatewaySubnetAndPublicIpOutcome {
  gatewaySubnet: string;
  publicIp: string;
  /** BGP routing: the second instance's public IP. */
  secondPublicIp?: string;
}

/** `$.gatewayAddress`: the Azure gateway's public IP, which the AWS customer gateway points at. */
export interface GatewayAddress {
  publicIp: string;
  publicIpId: string;
  /** Every instance's public IP, instance 0 first: one customer gateway each (two with BGP, one with static routing). */
  addresses: string[];
}

/** One poll of a bounded wait: the count of looks so far and the redrive count the look saw. */
export interface PollInput extends StepInput {
  attempt?: number;
  maxAttempts: number;
  /** `$$.Execution.RedriveCount`, and the previous poll's output (which carries the count it saw). */
  redriveCount?: number;
  previous?: { redriveCount?: number };
}

/** `$.gatewayBuild`: where the ~40-minute gateway build stands. */
export interface GatewayBuild {
  provisioningState: string;
  attempt: number;
  ready?: boolean;
  /** The state a Failed build was rebuilt from, in this look. */
  rebuiltAfter?: string;
  redriveCount?: number;
}

export interface NetworkSecurityGroupsOutcome {
  privateEndpointNsg: string;
  dnsInboundNsg: string;
}

/** `$.privateEndpoint`: the private endpoint's address inside the VNet. */
export interface PrivateEndpointAddress {
  privateIp: string;
  connectionStatus: string;
}

/** `$.inboundEndpoint`: the DNS Private Resolver's inbound address, where AWS forwards openai.azure.com. */
export interface InboundEndpointAddress {
  inboundIp: string;
}

// ---------------------------------------------------------------------------------------------------------
// AWS VPN
// ---------------------------------------------------------------------------------------------------------

export interface CustomerGatewayInput extends StepInput {
  /** The Azure gateway's (first) public IP. */
  publicIp: string;
  /** Every instance's public IP (`$.gatewayAddress.addresses`). */
  addresses?: string[];
}
export interface CustomerGatewayCreated {
  customerGatewayId: string;
  /** One per Azure gateway instance in use. */
  customerGatewayIds: string[];
}

export interface VpnGatewayCreated {
  vpnGatewayId: string;
  /** Found available (a re-run): its wait is skipped. */
  ready: boolean;
}

export interface VpnGatewayStep extends StepInput {
  vpnGatewayId: string;
}
export interface VpnGatewayAttached {
  attachment: string;
}
export interface RoutePropagationEnabled {
  routeTableIds: string[];
}

export interface VpnConnectionInput extends StepInput {
  customerGatewayId: string;
  customerGatewayIds?: string[];
  vpnGatewayId: string;
}
/** `$.vpnConnection`: the connections, and where their tunnel keys are kept (ARNs, never the keys; one per tunnel). */
export interface VpnConnectionCreated {
  vpnConnectionId: string;
  /** One per customer gateway: one with static routing, two with BGP. */
  vpnConnectionIds: string[];
  pskSecretArns: string[];
  /** Every connection found available (a re-run): the wait for them is skipped. */
  ready: boolean;
}

export interface VpnConnectionStep extends StepInput {
  vpnConnectionId: string;
  vpnConnectionIds?: string[];
}

/** One AWS tunnel: its number and its outside (public) address, the Azure local network gateway's address. */
export interface AwsTunnel {
  /** 1 and 2 on the first VPN connection; with BGP 3 and 4 on the second. */
  tunnel: number;
  outsideIp: string;
  /** The VPN connection the tunnel belongs to. */
  vpnConnectionId?: string;
}

/** `$.tunnelAddresses`. */
export interface TunnelAddresses {
  vpnConnectionId: string;
  vpnConnectionIds: string[];
  tunnels: AwsTunnel[];
}

// ---------------------------------------------------------------------------------------------------------
// Tunnels (the Azure side of each AWS tunnel)
// ---------------------------------------------------------------------------------------------------------

export interface TunnelInput extends StepInput {
  vpnConnectionId: string;
  /** Every VPN connection: one with static routing, two with BGP. */
  vpnConnectionIds?: string[];
  tunnels: AwsTunnel[];
  pskSecretArns: string[];
  /** `$$.Execution.RedriveCount`: how many times the execution has been redriven (0 on its first run). */
  redriveCount?: number;
}

export interface LocalNetworkGatewaysOutcome {
  localNetworkGateways: string[];
}

export interface TunnelCheckInput extends TunnelInput {
  attempt?: number;
  maxAttempts: number;
  /** The redrive count the previous look saw (`$.tunnelCheck.redriveCount`). */
  lastRedriveCount?: number;
}

/** Both ends of one tunnel, as each cloud reports it. */
export interface TunnelState {
  tunnel: number;
  outsideIp: string;
  aws: string;
  awsMessage?: string;
  azure: string;
}

/** `$.tunnelCheck` after "Connect the Azure gateway to the AWS tunnels": no look yet. */
export interface TunnelsJoined {
  connections: string[];
  attempt: 0;
  redriveCount: number;
  /** No connection or key was written: the tunnels were joined already (a re-run), so the first look comes at once. */
  joinedAlready: boolean;
  /** Only a look says which tunnels are down. */
  down?: undefined;
}

/** `$.tunnelCheck` after each look at both ends. */
export interface TunnelCheck {
  ready: boolean;
  attempt: number;
  redriveCount: number;
  tunnels: TunnelState[];
  /** With BGP: tunnels still down when the ones up were let carry the path (an Azure instance or AWS endpoint lost). */
  down?: number[];
}

/** One look at the BGP sessions (`$.bgpCheck`); it starts at attempt 0. */
export interface BgpCheckInput extends StepInput {
  vpnConnectionId: string;
  vpnConnectionIds?: string[];
  tunnels: AwsTunnel[];
  /** `$.tunnelCheck.down`: tunnels with no session to wait for. */
  tunnelsDown?: number[];
  attempt?: number;
  maxAttempts: number;
}

/** One tunnel's BGP session, as each cloud reports it. */
export interface BgpSessionState {
  tunnel: number;
  /** The AWS end's inside address: Azure's BGP neighbor. */
  neighbor: string;
  /** `VgwTelemetry[].AcceptedRouteCount`: the routes AWS learned from Azure over this tunnel. */
  awsAcceptedRoutes: number;
  /** Azure's `getBgpPeerStatus` state for the neighbor (Connected, Connecting, Idle, … or NotFound). */
  azure: string;
  /** Routes Azure received from the neighbor. */
  azureRoutesReceived: number;
}

/** `$.bgpCheck`. */
export interface BgpCheck {
  ready: boolean;
  attempt: number;
  sessions: BgpSessionState[];
}

// ---------------------------------------------------------------------------------------------------------
// AWS DNS forwarding
// ---------------------------------------------------------------------------------------------------------

export interface ForwardingSecurityGroupInput extends StepInput {
  inboundIp: string;
}
/** `$.forwardingGroup`. */
export interface ForwardingSecurityGroup {
  securityGroupId: string;
}

export interface OutboundEndpointInput extends StepInput {
  securityGroupId: string;
}
/** `$.outboundEndpoint`. */
export interface OutboundEndpoint {
  resolverEndpointId: string;
  /** Found OPERATIONAL (a re-run): its wait is skipped. */
  ready: boolean;
}

export interface ForwardingRuleInput extends StepInput {
  resolverEndpointId: string;
  inboundIp: string;
}
/** `$.forwardingRule`. */
export interface ForwardingRule {
  resolverRuleId: string;
}

export interface RuleAssociationInput extends StepInput {
  resolverRuleId: string;
}
/** `$.ruleAssociation`. */
export interface RuleAssociation {
  associationId: string;
  /** Found COMPLETE (a re-run): its wait is skipped. */
  ready: boolean;
}

export interface RuleAssociationCheckInput extends StepInput {
  associationId: string;
}
export interface RuleAssociationStatus {
  status: string | undefined;
}

// ---------------------------------------------------------------------------------------------------------
// The probe
// ---------------------------------------------------------------------------------------------------------

/** `$.probeFunction`: the probe function deployed in the VPC's probe subnets. */
export interface ProbeFunction {
  functionName: string;
  securityGroupId: string;
  /** Found Active and up to date (a re-run): its wait is skipped. */
  ready: boolean;
}

export interface ProbeFunctionActive {
  state: 'Active';
}

export interface RunProbeInput extends StepInput {
  privateIp: string;
  /** Which run this is, for the output: after the private path is built, or after locking the account. */
  label?: string;
}

/**
 * What the probe function answers its runner, check by check (not state: the runner keeps a
 * {@link ProbeSummary}). `api.code` is the data plane's error code when it gave one (e.g. PermissionDenied).
 */
export interface ProbeResult {
  dns: { ok: boolean; answers: string[]; detail: string };
  tcp: { ok: boolean; address?: string; milliseconds?: number; detail: string };
  api: { ok: boolean; status?: number; code?: string; detail: string };
}

/** `$.probe`, `$.probeAfterLock`: the proof, without the probe's details (which can name internal hosts). */
export interface ProbeSummary {
  label: string;
  dns: { ok: boolean; answers: string[] };
  tcp: { ok: boolean };
  api: { ok: boolean; status: number | null };
}

// ---------------------------------------------------------------------------------------------------------
// The OpenAI account
// ---------------------------------------------------------------------------------------------------------

export interface AccountLocked {
  publicNetworkAccess: 'Disabled';
}

// ---------------------------------------------------------------------------------------------------------
// Every action, by function: its input (what the Task's Parameters pass) and its output (what ResultPath keeps)
// ---------------------------------------------------------------------------------------------------------

/** One action's contract. */
export interface ActionContract<Input, Output> {
  input: Input;
  output: Output;
}

export interface WorkflowActions {
  'azure-network': {
    createGatewaySubnetAndPublicIp: ActionContract<StepInput, GatewaySubnetAndPublicIpOutcome>;
    readGatewayPublicIp: ActionContract<StepInput, GatewayAddress>;
    createVpnGateway: ActionContract<StepInput, GatewayBuild>;
    checkVpnGateway: ActionContract<PollInput, GatewayBuild>;
    createNetworkSecurityGroups: ActionContract<StepInput, NetworkSecurityGroupsOutcome>;
    createPrivateEndpointSubnet: ActionContract<StepInput, ProvisioningOutcome>;
    createDnsResolverSubnet: ActionContract<StepInput, ProvisioningOutcome>;
    createPrivateDnsZone: ActionContract<StepInput, ProvisioningOutcome>;
    linkPrivateDnsZone: ActionContract<StepInput, ProvisioningOutcome>;
    createPrivateEndpoint: ActionContract<StepInput, ProvisioningOutcome>;
    registerPrivateEndpointInZone: ActionContract<StepInput, ProvisioningOutcome>;
    readPrivateEndpointAddress: ActionContract<StepInput, PrivateEndpointAddress>;
    createDnsResolver: ActionContract<StepInput, ProvisioningOutcome>;
    createInboundEndpoint: ActionContract<StepInput, ProvisioningOutcome>;
    readInboundEndpointAddress: ActionContract<StepInput, InboundEndpointAddress>;
  };
  'aws-vpn': {
    createCustomerGateway: ActionContract<CustomerGatewayInput, CustomerGatewayCreated>;
    createVpnGateway: ActionContract<StepInput, VpnGatewayCreated>;
    attachVpnGateway: ActionContract<VpnGatewayStep, VpnGatewayAttached>;
    enableRoutePropagation: ActionContract<VpnGatewayStep, RoutePropagationEnabled>;
    createVpnConnection: ActionContract<VpnConnectionInput, VpnConnectionCreated>;
    completeVpnConnection: ActionContract<VpnConnectionStep, TunnelAddresses>;
  };
  tunnels: {
    createLocalNetworkGateways: ActionContract<TunnelInput, LocalNetworkGatewaysOutcome>;
    connectTunnels: ActionContract<TunnelInput, TunnelsJoined>;
    checkTunnels: ActionContract<TunnelCheckInput, TunnelCheck>;
    checkBgpSessions: ActionContract<BgpCheckInput, BgpCheck>;
  };
  'aws-dns': {
    createForwardingSecurityGroup: ActionContract<ForwardingSecurityGroupInput, ForwardingSecurityGroup>;
    createOutboundEndpoint: ActionContract<OutboundEndpointInput, OutboundEndpoint>;
    createForwardingRule: ActionContract<ForwardingRuleInput, ForwardingRule>;
    associateRule: ActionContract<RuleAssociationInput, RuleAssociation>;
    checkRuleAssociation: ActionContract<RuleAssociationCheckInput, RuleAssociationStatus>;
  };
  'probe-runner': {
    createProbeFunction: ActionContract<StepInput, ProbeFunction>;
    checkProbeFunction: ActionContract<StepInput, ProbeFunctionActive>;
    runProbe: ActionContract<RunProbeInput, ProbeSummary>;
  };
  'openai-account': {
    lockPublicAccess: ActionContract<StepInput, ProvisioningOutcome>;
    checkAccountLocked: ActionContract<StepInput, AccountLocked>;
  };
}

export type TaskFunction = keyof WorkflowActions;

/** The input of one action of one function. */
export type ActionInput<F extends TaskFunction, A extends keyof WorkflowActions[F]> = WorkflowActions[F][A] extends ActionContract<infer I, unknown> ? I : never;
/** The output of one action of one function. */
export type ActionOutput<F extends TaskFunction, A extends keyof WorkflowActions[F]> = WorkflowActions[F][A] extends ActionContract<unknown, infer O> ? O : never;

/**
 * What the state machine sends a task function: the action's name, the execution's name (for the logs; from
 * `$$.Execution.Name`) and the action's input.
 */
export interface ActionEnvelope<Name extends string = string> {
  action: Name;
  executionName?: string;
}

// ---------------------------------------------------------------------------------------------------------
// The state as it grows, and the summary
// ---------------------------------------------------------------------------------------------------------

/** `$.built`: the big Parallel's branches, by name (the gateway branch and the early lock leave nothing to read). */
export interface BuiltResources {
  vpn: {
    customerGatewayId: string;
    customerGatewayIds: string[];
    vpnGatewayId: string;
    vpnConnectionId: string;
    vpnConnectionIds: string[];
    pskSecretArns: string[];
    tunnels: AwsTunnel[];
  };
  dns: {
    privateEndpoint: { privateIp: string };
    forwarding: { inboundIp: string; resolverEndpointId: string; resolverRuleId: string; associationId: string };
  };
  probeFunction: { functionName: string };
}

/** `$.dns` inside the DNS branch: the inner Parallel's two branches, by name. */
export type PrivateDnsPath = BuiltResources['dns'];

/**
 * Every field a task reads from or writes into the state, in whichever scope (the top level or a Parallel
 * branch) it lives. Field names are unique across scopes, so one table serves all; the test checks each
 * Parameters path against it and each ResultPath's output into it.
 */
export interface WorkflowStateFields extends ValidatedRequest {
  gatewayAddress: GatewayAddress;
  gatewayBuild: GatewayBuild;
  customerGateway: CustomerGatewayCreated;
  vpnGateway: VpnGatewayCreated;
  vpnConnection: VpnConnectionCreated;
  tunnelAddresses: TunnelAddresses;
  privateEndpoint: PrivateEndpointAddress;
  inboundEndpoint: InboundEndpointAddress;
  forwardingGroup: ForwardingSecurityGroup;
  outboundEndpoint: OutboundEndpoint;
  forwardingRule: ForwardingRule;
  ruleAssociation: RuleAssociation;
  dns: PrivateDnsPath;
  probeFunction: ProbeFunction;
  built: BuiltResources;
  tunnelCheck: TunnelsJoined | TunnelCheck;
  bgpCheck: BgpCheck;
  probe: ProbeSummary;
  probeAfterLock: ProbeSummary;
  /** What the lock found: Succeeded when the account was locked already (another environment on the hub), so no wait. */
  accountLock: ProvisioningOutcome;
}

/** What "Check the request against both clouds" is sent: the execution's input, as it came (checked there). */
export interface RequestCheckEvent {
  request: unknown;
  executionName?: string;
}

/** What "Summarise the environment" is sent: the whole state at the end, and the execution's name. */
export interface SummaryEvent {
  state: FinishedState;
  executionName?: string;
}

/** The state "Summarise the environment" reads: the whole state at the end (small and secret-free). */
export interface FinishedState extends ValidatedRequest {
  gatewayAddress: GatewayAddress;
  built: BuiltResources;
  tunnelCheck: TunnelCheck;
  /** With BGP routing: the last look at the sessions. */
  bgpCheck?: BgpCheck;
  probe: ProbeSummary;
  probeAfterLock?: ProbeSummary;
}
