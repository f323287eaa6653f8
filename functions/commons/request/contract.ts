/**
 * The environment request's contract (shared/contracts/environment-request.md, version 1): the request's type,
 * a problem's shape, and the fixed values every entry point and every step agree on. No checks live here: the
 * schema walker (schema.ts) checks a document against these, and the validator's cross-check
 * (validate-request/cross-check.ts) checks a valid request against what the clouds report.
 */

export const REQUEST_VERSION = 1;
export const MAX_REQUEST_BYTES = 16 * 1024;

export type PublicNetworkAccessOption = 'disable-after-probe' | 'disable-first' | 'keep';
export type TunnelsOption = 'both' | 'one';

export interface EnvironmentRequest {
  version: 1;
  environmentId: string;
  ticket?: { id?: string; callbackUrl?: string };
  aws: {
    region: string;
    vpcId: string;
    routeTableIds: string[];
    resolverSubnetIds: string[];
    probeSubnetIds: string[];
  };
  azure: {
    subscriptionId: string;
    resourceGroup: string;
    virtualNetworkName: string;
    /** Left out when the VNet already has a VPN gateway or a GatewaySubnet: the product uses what is there. */
    gatewaySubnetPrefix?: string;
    /** Left out when the account already has an approved private endpoint in the VNet. */
    privateEndpointSubnetPrefix?: string;
    /** Left out when the VNet already has a DNS private resolver with an inbound endpoint. */
    dnsResolverSubnetPrefix?: string;
    gatewaySku: string;
    openAiAccountId: string;
    openAiDeployment: string;
    /** An existing `privatelink.openai.azure.com` zone (a landing zone's central one): written to and linked, never deleted. */
    privateDnsZoneId?: string;
  };
  options: {
    publicNetworkAccess: PublicNetworkAccessOption;
    tunnels: TunnelsOption;
    /** What a teardown does to the account's public access: `keep` (the default, absent) or `restore` the value before provisioning. */
    publicNetworkAccessOnTeardown?: TeardownPublicNetworkAccessOption;
    /** `static` (absent: the default) or `bgp`: an active-active gateway with BGP over four tunnels. */
    routing?: RoutingOption;
    /** Only with `routing: bgp`: the ASNs and, optionally, the four tunnels' inside /30s. */
    bgp?: { azureAsn?: number; awsAsn?: number; tunnelInsideCidrs?: string[] };
  };
}

export type RoutingOption = 'static' | 'bgp';
export const ROUTING_OPTIONS: readonly RoutingOption[] = ['static', 'bgp'];
/** Whether the request asks for active-active with BGP. */
export const usesBgp = (request: Pick<EnvironmentRequest, 'options'>): boolean => request.options.routing === 'bgp';

export type TeardownPublicNetworkAccessOption = 'keep' | 'restore';

/** `path` is a field path like "azure.gatewaySubnetPrefix" or "aws.resolverSubnetIds[1]", or "(document)". */
export interface RequestProblem {
  path: string;
  message: string;
}

export type RequestValidation = { ok: true; request: EnvironmentRequest } | { ok: false; problems: RequestProblem[] };

export const DOCUMENT_PATH = '(document)';
/** environmentId: a lowercase letter, then lowercase letters, digits or hyphens (3 to 31 in all), not ending in a hyphen. */
export const ENVIRONMENT_ID_PATTERN = /^[a-z][a-z0-9-]{2,30}$/;
export const isEnvironmentId = (value: string): boolean => ENVIRONMENT_ID_PATTERN.test(value) && !value.endsWith('-');
export const PUBLIC_NETWORK_ACCESS_OPTIONS: readonly PublicNetworkAccessOption[] = ['disable-after-probe', 'disable-first', 'keep'];
export const TUNNELS_OPTIONS: readonly TunnelsOption[] = ['both', 'one'];
export const TEARDOWN_PUBLIC_NETWORK_ACCESS_OPTIONS: readonly TeardownPublicNetworkAccessOption[] = ['keep', 'restore'];
export const DEFAULT_OPTIONS: EnvironmentRequest['options'] = { publicNetworkAccess: 'disable-after-probe', tunnels: 'both' };
export const GATEWAY_SKUS = ['VpnGw1AZ', 'VpnGw2AZ', 'VpnGw3AZ', 'VpnGw4AZ', 'VpnGw5AZ'] as const;
export const DEFAULT_GATEWAY_SKU = 'VpnGw1AZ';
export const GATEWAY_SUBNET_NAME = 'GatewaySubnet';
/** The one zone name azure.privateDnsZoneId may name: where the account's private endpoint record lives. */
export const OPENAI_PRIVATE_LINK_ZONE_NAME = 'privatelink.openai.azure.com';

/** The three Azure subnet prefix fields, in the order problems about them are reported. */
export const SUBNET_PREFIX_FIELDS = ['gatewaySubnetPrefix', 'privateEndpointSubnetPrefix', 'dnsResolverSubnetPrefix'] as const;
export type SubnetPrefixField = (typeof SUBNET_PREFIX_FIELDS)[number];
