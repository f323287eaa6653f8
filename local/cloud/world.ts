/**
 * The world file: what exists in the clouds before the run (contract: local-cloud.md). Turned into the
 * initial emulated cloud state.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_LATENCY_SECONDS } from '../latency';
import { LOCAL_SERVICE_PRINCIPAL } from '../azure/entra';
import { armKey, normaliseArmId, type ArmResource, type CloudState, type RouteTable, type Subnet, type Tag, type Vpc, type VpnGateway } from './state';
import { hasVersion2Fields, seedHub, type WorldHub } from './world-hub';

export interface World {
  aws: {
    accountId: string;
    region: string;
    vpcs: { VpcId: string; CidrBlock: string; SecondaryCidrBlocks?: string[]; Tags?: Tag[] }[];
    subnets: Subnet[];
    routeTables: { RouteTableId: string; VpcId: string; SubnetIds: string[]; Routes?: RouteTable['Routes']; Tags?: Tag[] }[];
    /** Version 2: virtual private gateways that exist before the run (another team's, or an earlier run's). */
    vpnGateways?: WorldVpnGateway[];
  };
  azure: {
    subscriptionId: string;
    virtualNetworks: {
      id: string;
      location: string;
      addressPrefixes: string[];
      subnets?: WorldSubnet[];
    }[];
    openAiAccounts: {
      id: string;
      location: string;
      kind: string;
      customSubDomainName?: string;
      publicNetworkAccess?: 'Enabled' | 'Disabled';
      deployments?: string[];
      /** Keys refused: listKeys answers 400 and the data plane refuses the `api-key` header (bank policy). */
      disableLocalAuth?: boolean;
      /** True: the product's service principal is not given "Cognitive Services OpenAI User" on the account. */
      openAiUserRoleWithheld?: boolean;
    }[];
  } & WorldHub;
}

export interface WorldSubnet {
  name: string;
  addressPrefix: string;
  /** Version 2: the NSG on the subnet (created empty, in the id's resource group, when nothing else defines it). */
  networkSecurityGroupId?: string;
  /** Version 2: service names the subnet is delegated to, e.g. `Microsoft.Network/dnsResolvers`. */
  delegations?: string[];
  /** Version 2: `Enabled` makes NSGs apply to private endpoints in the subnet. */
  privateEndpointNetworkPolicies?: 'Enabled' | 'Disabled' | 'NetworkSecurityGroupEnabled' | 'RouteTableEnabled';
}

export interface WorldVpnGateway {
  VpnGatewayId: string;
  AmazonSideAsn?: number;
  VpcAttachments?: { VpcId: string; State: 'attaching' | 'attached' | 'detaching' | 'detached' }[];
  Tags?: Tag[];
}

export const DEFAULT_WORLD_FILE = path.join(__dirname, '..', 'default-world.json');

export function readWorld(file: string = DEFAULT_WORLD_FILE): World {
  return JSON.parse(readFileSync(file, 'utf8')) as World;
}

function lastSegment(id: string): string {
  return id.split('/').filter(Boolean).pop() ?? '';
}

/** A stable stand-in for an account key: the emulated cloud holds it as the real one would. */
function emulatedKey(seed: string): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, 32);
}

export function stateFromWorld(world: World): CloudState {
  const resources: Record<string, ArmResource> = {};
  const accountKeys: Record<string, { key1: string; key2: string }> = {};
  const openAiUserRoles: Record<string, string[]> = {};
  const put = (resource: ArmResource) => {
    resources[armKey(resource.id)] = resource;
  };

  for (const vnet of world.azure.virtualNetworks) {
    const id = normaliseArmId(vnet.id);
    put({
      id,
      type: 'Microsoft.Network/virtualNetworks',
      name: lastSegment(id),
      apiVersion: '2025-05-01',
      preExisting: true,
      body: {
        location: vnet.location,
        properties: { addressSpace: { addressPrefixes: [...vnet.addressPrefixes] }, provisioningState: 'Succeeded' },
      },
    });
    for (const subnet of (vnet.subnets ?? []).filter((s) => !hasVersion2Fields(s))) {
      put({
        id: `${id}/subnets/${subnet.name}`,
        type: 'Microsoft.Network/virtualNetworks/subnets',
        name: subnet.name,
        apiVersion: '2025-05-01',
        preExisting: true,
        body: { properties: { addressPrefix: subnet.addressPrefix, provisioningState: 'Succeeded' } },
      });
    }
  }

  for (const account of world.azure.openAiAccounts) {
    const id = normaliseArmId(account.id);
    const subdomain = account.customSubDomainName;
    put({
      id,
      type: 'Microsoft.CognitiveServices/accounts',
      name: lastSegment(id),
      apiVersion: '2024-10-01',
      preExisting: true,
      body: {
        location: account.location,
        kind: account.kind,
        sku: { name: 'S0' },
        properties: {
          ...(subdomain ? { customSubDomainName: subdomain, endpoint: `https://${subdomain}.openai.azure.com/` } : {}),
          publicNetworkAccess: account.publicNetworkAccess ?? 'Enabled',
          ...(account.disableLocalAuth !== undefined ? { disableLocalAuth: account.disableLocalAuth } : {}),
          networkAcls: { defaultAction: 'Allow', virtualNetworkRules: [], ipRules: [] },
          provisioningState: 'Succeeded',
        },
      },
    });
    accountKeys[armKey(id)] = { key1: emulatedKey(`key1:${id}`), key2: emulatedKey(`key2:${id}`) };
    // The operator grants the product's principal the data-plane role, as the deploy guide asks.
    openAiUserRoles[armKey(id)] = account.openAiUserRoleWithheld ? [] : [LOCAL_SERVICE_PRINCIPAL.objectId];
    for (const deployment of account.deployments ?? []) {
      put({
        id: `${id}/deployments/${deployment}`,
        type: 'Microsoft.CognitiveServices/accounts/deployments',
        name: deployment,
        apiVersion: '2024-10-01',
        preExisting: true,
        body: {
          sku: { name: 'Standard', capacity: 10 },
          properties: { model: { format: 'OpenAI', name: deployment }, provisioningState: 'Succeeded' },
        },
      });
    }
  }

  const vpcs: Vpc[] = world.aws.vpcs.map((v) => ({ ...v }));
  const allocations: Record<string, number> = {};
  seedHub(world, resources, allocations);
  return {
    version: 1,
    aws: {
      accountId: world.aws.accountId,
      region: world.aws.region,
      vpcs,
      subnets: world.aws.subnets.map((s) => ({ ...s })),
      routeTables: world.aws.routeTables.map((rt) => ({
        RouteTableId: rt.RouteTableId,
        VpcId: rt.VpcId,
        SubnetIds: [...rt.SubnetIds],
        Routes: [...(rt.Routes ?? [])],
        PropagatingVgws: [],
        Tags: rt.Tags,
      })),
      customerGateways: [],
      vpnGateways: (world.aws.vpnGateways ?? []).map(worldVpnGateway),
      vpnConnections: [],
      securityGroups: [],
      resolverEndpoints: [],
      resolverRules: [],
      resolverRuleAssociations: [],
      secrets: [],
      functions: [],
      idCounters: {},
    },
    azure: { subscriptionId: world.azure.subscriptionId, resources, accountKeys, allocations, openAiUserRoles },
  };
}

/**
 * A VGW that existed before the run, at simulated second 0: attached ones are attached, an attaching or
 * detaching one completes after that operation's default latency, a detached one is kept as EC2 keeps it.
 */
function worldVpnGateway(gateway: WorldVpnGateway): VpnGateway {
  return {
    VpnGatewayId: gateway.VpnGatewayId,
    Type: 'ipsec.1',
    AmazonSideAsn: gateway.AmazonSideAsn ?? 64512,
    Attachments: (gateway.VpcAttachments ?? []).map((a) => {
      switch (a.State) {
        case 'attached':
          return { VpcId: a.VpcId, createdAt: 0, readyAt: 0 };
        case 'attaching':
          return { VpcId: a.VpcId, createdAt: 0, readyAt: DEFAULT_LATENCY_SECONDS['aws.vpnGateway.attach'] };
        case 'detaching':
          return { VpcId: a.VpcId, createdAt: 0, readyAt: 0, deletedAt: DEFAULT_LATENCY_SECONDS['aws.vpnGateway.detach'] };
        case 'detached':
          return { VpcId: a.VpcId, createdAt: 0, readyAt: 0, deletedAt: 0 };
        default:
          throw new Error(`world: VPN gateway ${gateway.VpnGatewayId}: attachment state "${String(a.State)}" is not attaching, attached, detaching or detached`);
      }
    }),
    Tags: (gateway.Tags ?? []).map((t) => ({ ...t })),
    createdAt: 0,
    readyAt: 0,
  };
}
