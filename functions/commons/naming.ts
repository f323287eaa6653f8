/**
 * Deterministic names, ids and tags for everything the workflow creates, derived from the request alone.
 *
 * Determinism is what makes the Lambdas idempotent: a retried or redriven task computes the same names, finds
 * what an earlier attempt created (by name on Azure, by tag on AWS) and carries on instead of creating twins.
 * Every name stays within its service's length limit for the longest environmentId (31 characters); the
 * tests check that.
 */
import { createHash } from 'crypto';
import { GATEWAY_SUBNET_NAME, usesBgp, type EnvironmentRequest, type SubnetPrefixField } from './request/contract';
import { parseOpenAiAccountId } from './request/schema';

export const NAME_PREFIX = 'aoai-link';
export const MANAGED_BY = 'aoai-private-link';
export const OPENAI_DOMAIN = 'openai.azure.com';
export const OPENAI_PRIVATE_DNS_ZONE = 'privatelink.openai.azure.com';
/** Longest environmentId the request schema allows. */
export const MAX_ENVIRONMENT_ID_LENGTH = 31;

export interface AzureResourceName {
  name: string;
  /** Full ARM id. */
  id: string;
}

/** Names for one AWS tunnel (index 0 = tunnel 1; with BGP, tunnels 3 and 4 are the second VPN connection's). */
export interface TunnelNames {
  tunnel: number;
  localNetworkGateway: AzureResourceName;
  connection: AzureResourceName;
  /** Secrets Manager secret holding the tunnel's pre-shared key. */
  pskSecretName: string;
}

export interface ResourceNames {
  environmentId: string;
  /** `aoai-link-<env>`: the stem of the AWS names. */
  prefix: string;
  azure: {
    subscriptionId: string;
    resourceGroup: string;
    resourceGroupId: string;
    virtualNetwork: AzureResourceName;
    gatewaySubnet: AzureResourceName;
    privateEndpointSubnet: AzureResourceName;
    dnsInboundSubnet: AzureResourceName;
    /** Subnet name per request prefix field: the `ownSubnetNames` argument of crossCheckRequest. */
    subnetNamesByPrefixField: Record<SubnetPrefixField, string>;
    publicIp: AzureResourceName;
    vpnGateway: AzureResourceName;
    /** The gateway's single IP configuration (`default`), referenced by BGP settings. */
    vpnGatewayIpConfigurationId: string;
    /** Two tunnels with static routing, four with BGP. */
    tunnels: TunnelNames[];
    privateEndpointNsg: AzureResourceName;
    dnsInboundNsg: AzureResourceName;
    privateEndpoint: AzureResourceName;
    privateEndpointNicName: string;
    privateLinkServiceConnectionName: string;
    privateDnsZoneGroup: AzureResourceName;
    privateDnsZone: AzureResourceName;
    virtualNetworkLink: AzureResourceName;
    dnsResolver: AzureResourceName;
    inboundEndpoint: AzureResourceName;
    openAiAccount: { id: string; name: string; subscriptionId: string; resourceGroup: string };
  };
  aws: {
    region: string;
    /** The first customer gateway and VPN connection (the only ones with static routing). */
    customerGateway: string;
    vpnGateway: string;
    vpnConnection: string;
    /** One per Azure gateway instance in use: one with static routing, two with BGP. */
    customerGateways: string[];
    vpnConnections: string[];
    dnsOutboundSecurityGroup: string;
    probeSecurityGroup: string;
    resolverEndpoint: string;
    resolverRule: string;
    resolverRuleAssociation: string;
    /** Route 53 Resolver idempotency keys (≤ 255 characters). */
    creatorRequestIds: { resolverEndpoint: string; resolverRule: string };
    /** PSK secret names, one per tunnel in order. */
    pskSecretNames: string[];
    probeFunction: string;
  };
}

/** How the request's resource group names Microsoft.Network resources and their children. */
export function networkIdsOf(request: EnvironmentRequest) {
  const resourceGroupId = `/subscriptions/${request.azure.subscriptionId}/resourceGroups/${request.azure.resourceGroup}`;
  return {
    resourceGroupId,
    network: (type: string, name: string): AzureResourceName => ({ name, id: `${resourceGroupId}/providers/Microsoft.Network/${type}/${name}` }),
    child: (parent: AzureResourceName, type: string, name: string): AzureResourceName => ({ name, id: `${parent.id}/${type}/${name}` }),
  };
}

/** Every name and id the workflow uses for this request's environment. */
export function resourceNames(request: EnvironmentRequest): ResourceNames {
  const env = request.environmentId;
  const { subscriptionId, resourceGroup, virtualNetworkName, openAiAccountId } = request.azure;
  const { resourceGroupId, network, child } = networkIdsOf(request);

  const virtualNetwork = network('virtualNetworks', virtualNetworkName);
  const vpnGateway = network('virtualNetworkGateways', `vpngw-${env}`);
  const privateEndpoint = network('privateEndpoints', `pe-${env}-openai`);
  const privateDnsZone = network('privateDnsZones', OPENAI_PRIVATE_DNS_ZONE);
  const dnsResolver = network('dnsResolvers', `dnspr-${env}`);
  const subnetNames = subnetNamesByPrefixField(env);
  const tunnelNumbers = usesBgp(request) ? [1, 2, 3, 4] : [1, 2];
  const pskSecretNames = tunnelNumbers.map((n) => pskSecretName(env, n));
  const tunnel = (n: number): TunnelNames => ({
    tunnel: n,
    localNetworkGateway: network('localNetworkGateways', `lng-${env}-aws-tunnel-${n}`),
    connection: network('connections', `cn-${env}-aws-tunnel-${n}`),
    pskSecretName: pskSecretNames[n - 1],
  });
  const account = parseOpenAiAccountId(openAiAccountId);
  const prefix = `${NAME_PREFIX}-${env}`;
  const instanceNumbers = usesBgp(request) ? [1, 2] : [1];

  return {
    environmentId: env,
    prefix,
    azure: {
      subscriptionId,
      resourceGroup,
      resourceGroupId,
      virtualNetwork,
      gatewaySubnet: child(virtualNetwork, 'subnets', subnetNames.gatewaySubnetPrefix),
      privateEndpointSubnet: child(virtualNetwork, 'subnets', subnetNames.privateEndpointSubnetPrefix),
      dnsInboundSubnet: child(virtualNetwork, 'subnets', subnetNames.dnsResolverSubnetPrefix),
      subnetNamesByPrefixField: subnetNames,
      publicIp: network('publicIPAddresses', `pip-${env}-vpngw`),
      vpnGateway,
      vpnGatewayIpConfigurationId: `${vpnGateway.id}/ipConfigurations/default`,
      tunnels: tunnelNumbers.map(tunnel),
      privateEndpointNsg: network('networkSecurityGroups', `nsg-${env}-private-endpoint`),
      dnsInboundNsg: network('networkSecurityGroups', `nsg-${env}-dns-inbound`),
      privateEndpoint,
      privateEndpointNicName: `pe-${env}-openai-nic`,
      privateLinkServiceConnectionName: `plsc-${env}-openai`,
      privateDnsZoneGroup: child(privateEndpoint, 'privateDnsZoneGroups', 'default'),
      privateDnsZone,
      virtualNetworkLink: child(privateDnsZone, 'virtualNetworkLinks', `link-${env}`),
      dnsResolver,
      inboundEndpoint: child(dnsResolver, 'inboundEndpoints', `in-${env}`),
      openAiAccount: {
        id: openAiAccountId,
        // The request was validated, so the id parses; the fallback only keeps the type total.
        name: account?.accountName ?? openAiAccountId.split('/').pop() ?? '',
        subscriptionId: account?.subscriptionId ?? subscriptionId,
        resourceGroup: account?.resourceGroup ?? '',
      },
    },
    aws: {
      region: request.aws.region,
      customerGateway: `${prefix}-cgw`,
      vpnGateway: `${prefix}-vgw`,
      vpnConnection: `${prefix}-vpn`,
      customerGateways: instanceNumbers.map((n) => (n === 1 ? `${prefix}-cgw` : `${prefix}-cgw-${n}`)),
      vpnConnections: instanceNumbers.map((n) => (n === 1 ? `${prefix}-vpn` : `${prefix}-vpn-${n}`)),
      dnsOutboundSecurityGroup: `${prefix}-dns-outbound`,
      probeSecurityGroup: `${prefix}-probe`,
      resolverEndpoint: `${prefix}-outbound`,
      resolverRule: `${prefix}-openai`,
      resolverRuleAssociation: `${prefix}-openai`,
      // Keyed by environment and VPC: the look-up before a create finds what a lost answer made (a reused id is
      // refused with ResourceExistsException),
      // while the same environment id pointed at another VPC gets its own endpoint and rule.
      creatorRequestIds: {
        resolverEndpoint: `${prefix}-${request.aws.vpcId}-outbound-endpoint`,
        resolverRule: `${prefix}-${request.aws.vpcId}-forward-openai`,
      },
      pskSecretNames,
      probeFunction: `${NAME_PREFIX}-probe-${env}`,
    },
  };
}

/**
 * Every name an environment of this id may have made, whichever routing it was built with (BGP's second VPN
 * connection and tunnels 3 and 4 included): what a teardown and a look-alike check look for, so that a teardown
 * sent a request that says less than the provisioning's still leaves nothing of the environment behind.
 */
export function resourceNamesOfAnyRouting(request: EnvironmentRequest): ResourceNames {
  return resourceNames({ ...request, options: { ...request.options, routing: 'bgp' } });
}

/** How many times one environment's Route 53 Resolver endpoint and rule can be built again after a teardown. */
export const CREATOR_REQUEST_ID_GENERATIONS = 10;

/**
 * A creator request id and its later generations: the first build uses the id itself, a build after a
 * teardown the next one, since a used id may stay refused after its resource is deleted (the documentation is
 * silent; the emulator takes that reading). Each generation is derived from the request, so a re-run finds
 * what any earlier build made.
 */
export function creatorRequestIdGenerations(creatorRequestId: string): string[] {
  return Array.from({ length: CREATOR_REQUEST_ID_GENERATIONS }, (_, index) => (index === 0 ? creatorRequestId : `${creatorRequestId}-${index + 1}`));
}

/** Whether a creator request id is one of the generations of ours. */
export function isCreatorRequestIdOf(creatorRequestId: string, candidate: string | undefined): boolean {
  return candidate !== undefined && creatorRequestIdGenerations(creatorRequestId).includes(candidate);
}

/** The subnet name for each request prefix field; GatewaySubnet's name is fixed by Azure. */
export function subnetNamesByPrefixField(environmentId: string): Record<SubnetPrefixField, string> {
  return {
    gatewaySubnetPrefix: GATEWAY_SUBNET_NAME,
    privateEndpointSubnetPrefix: `snet-${environmentId}-private-endpoint`,
    dnsResolverSubnetPrefix: `snet-${environmentId}-dns-inbound`,
  };
}

export function pskSecretName(environmentId: string, tunnel: number): string {
  return `${NAME_PREFIX}/${environmentId}/tunnel-${tunnel}-psk`;
}

// ---------------------------------------------------------------------------------------------------------
// Tags
// ---------------------------------------------------------------------------------------------------------

export const TAG_ENVIRONMENT = 'environment';
export const TAG_MANAGED_BY = 'managed-by';

export function standardTags(environmentId: string): Record<string, string> {
  return { [TAG_ENVIRONMENT]: environmentId, [TAG_MANAGED_BY]: MANAGED_BY };
}

/** EC2 / Route 53 Resolver / Secrets Manager shape: `[{Key, Value}]`, with `Name` first when given. */
export function ec2Tags(environmentId: string, name?: string, extra: Record<string, string> = {}): { Key: string; Value: string }[] {
  const tags: Record<string, string> = { ...(name ? { Name: name } : {}), ...standardTags(environmentId), ...extra };
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** `TagSpecifications` for an EC2 create call (resource type such as "vpn-connection", "security-group"). */
// Generic so the literal type survives: the SDK's TagSpecification.ResourceType is a union of literals.
export function ec2TagSpecifications<T extends string>(
  resourceType: T,
  environmentId: string,
  name?: string,
  extra: Record<string, string> = {},
): { ResourceType: T; Tags: { Key: string; Value: string }[] }[] {
  return [{ ResourceType: resourceType, Tags: ec2Tags(environmentId, name, extra) }];
}

/** Describe* filters that find what this product created for the environment. */
export function ec2TagFilters(environmentId: string, name?: string): { Name: string; Values: string[] }[] {
  const filters = Object.entries(standardTags(environmentId)).map(([key, value]) => ({ Name: `tag:${key}`, Values: [value] }));
  return name ? [{ Name: 'tag:Name', Values: [name] }, ...filters] : filters;
}

/** ARM shape (and Lambda's): a plain `{key: value}` object. */
export function armTags(environmentId: string, extra: Record<string, string> = {}): Record<string, string> {
  return { ...standardTags(environmentId), ...extra };
}

// ---------------------------------------------------------------------------------------------------------
// Execution identity
// ---------------------------------------------------------------------------------------------------------

/**
 * Step Functions execution name: 1–80 characters of [A-Za-z0-9-_]. Names are unique per state machine for
 * 90 days, so the same request started twice maps to the same execution. `attempt` (2, 3, …) gives a
 * deliberate re-run of an identical request its own name. Local mode names its run directory with it.
 */
export function executionName(environmentId: string, requestHash: string, attempt?: number): string {
  const suffix = attempt !== undefined && attempt > 1 ? `-r${Math.floor(attempt)}` : '';
  const name = `${environmentId}-${requestHash}${suffix}`.replace(/[^A-Za-z0-9_-]/g, '-');
  if (name.length > 80) throw new RangeError(`execution name would be ${name.length} characters; the limit is 80`);
  return name;
}

/** Between the environment and the attempt number: a word no environmentId can end a name with by accident. */
const RUN_MARKER = '-run-';

/**
 * The name of an environment's n-th execution: `<environmentId>-run-<n>`. It depends on the environment and
 * the attempt only, not on the request: two different requests for one environment that arrive together
 * both ask for the same name, and Step Functions itself lets only one start (ExecutionAlreadyExists for the
 * other; the same name with the same input while running is the same execution).
 */
export function environmentExecutionName(environmentId: string, attempt: number): string {
  if (!Number.isInteger(attempt) || attempt < 1) throw new RangeError(`attempt must be a whole number from 1, got ${attempt}`);
  const name = `${environmentId}${RUN_MARKER}${attempt}`.replace(/[^A-Za-z0-9_-]/g, '-');
  if (name.length > 80) throw new RangeError(`execution name would be ${name.length} characters; the limit is 80`);
  return name;
}

/**
 * The attempt number when `name` is one of the environment's executions, else undefined. Exact: the rest
 * after `<environmentId>` must be `-run-<n>`, so `aoai-prod` never claims `aoai-prod-01`'s executions.
 */
export function executionAttempt(name: string, environmentId: string): number | undefined {
  const prefix = `${environmentId}${RUN_MARKER}`;
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^[1-9]\d*$/.test(rest) ? Number(rest) : undefined;
}

/** First 8 hex digits of the SHA-256 of the request's canonical JSON (keys sorted, no whitespace). */
export function requestHash(request: EnvironmentRequest): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex').slice(0, 8);
}

/** JSON with object keys sorted at every level, so field order in the submitted document does not matter. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}
