/**
 * The world file: what exists in the clouds before the run (contract: local-cloud.md). Turned into the
 * initial emulated cloud state.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { LOCAL_SERVICE_PRINCIPAL } from '../azure/entra';
import { armKey, normaliseArmId, type ArmResource, type CloudState, type RouteTable, type Subnet, type Tag, type Vpc } from './state';

export interface World {
  aws: {
    accountId: string;
    region: string;
    vpcs: { VpcId: string; CidrBlock: string; SecondaryCidrBlocks?: string[]; Tags?: Tag[] }[];
    subnets: Subnet[];
    routeTables: { RouteTableId: string; VpcId: string; SubnetIds: string[]; Routes?: RouteTable['Routes']; Tags?: Tag[] }[];
  };
  azure: {
    subscriptionId: string;
    virtualNetworks: {
      id: string;
      location: string;
      addressPrefixes: string[];
      subnets?: { name: string; addressPrefix: string }[];
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
  };
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
    for (const subnet of vnet.subnets ?? []) {
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
      vpnGateways: [],
      vpnConnections: [],
      securityGroups: [],
      resolverEndpoints: [],
      resolverRules: [],
      resolverRuleAssociations: [],
      secrets: [],
      functions: [],
      idCounters: {},
    },
    azure: { subscriptionId: world.azure.subscriptionId, resources, accountKeys, allocations: {}, openAiUserRoles },
  };
}
