/**
 * The resources that carry one of an environment's names (naming.ts), ours or not, found the way the steps
 * that create them find them: AWS by Name tag, creator request id or fixed name; Azure by derived ARM id.
 * The request check refuses look-alikes that are not ours before anything is created; the teardown's first
 * step lists what it will remove and what it will leave.
 */
import { DescribeCustomerGatewaysCommand, DescribeSecurityGroupsCommand, DescribeVpnConnectionsCommand, DescribeVpnGatewaysCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { GetFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { ListResolverEndpointsCommand, ListResolverRulesCommand, ListTagsForResourceCommand, type Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import { DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ResourceManagementClient } from '@azure/arm-resources';
import { API_VERSIONS, getArmResource } from './arm';
import { unlessNotFound } from './cloud-errors';
import { resourceNamesOfAnyRouting, type AzureResourceName } from './naming';
import { tagObject, type NamedResource } from './ownership';
import { allPages } from './pages';
import type { EnvironmentRequest } from './request/contract';

export type ArmResourceJson = Awaited<ReturnType<typeof getArmResource>>;

/** What the request check looks at: resources that exist or are being built. */
export const LIVE_EC2_STATES = { Name: 'state', Values: ['pending', 'available'] };
/** What a teardown looks at: also what is already going (a deletion it started before a crash). */
export const NOT_DELETED_EC2_STATES = { Name: 'state', Values: ['pending', 'available', 'deleting'] };

export interface NamedResourceClients {
  ec2: EC2Client;
  secrets: SecretsManagerClient;
  resolver: Route53ResolverClient;
  lambda: LambdaClient;
}

/** Every AWS resource carrying one of the environment's names, ours or not, in the EC2 states given. */
export async function awsResourcesWithOurNames(
  clients: NamedResourceClients,
  request: EnvironmentRequest,
  ec2States: { Name: string; Values: string[] },
): Promise<NamedResource[]> {
  const { ec2, secrets, resolver, lambda } = clients;
  const names = resourceNamesOfAnyRouting(request).aws;
  const byName = (name: string) => [{ Name: 'tag:Name', Values: [name] }, ec2States];
  const found: NamedResource[] = [];
  const add = (kind: string, name: string, id: string | undefined, tags: { Key?: string; Value?: string }[] | undefined) =>
    found.push({ cloud: 'aws', kind, name, id: id ?? '(no id)', path: 'environmentId', tags: tagObject(tags) });

  // One customer gateway and VPN connection per Azure gateway instance in use: two of each with BGP.
  for (const name of names.customerGateways) {
    for (const gateway of (await ec2.send(new DescribeCustomerGatewaysCommand({ Filters: byName(name) }))).CustomerGateways ?? []) {
      add('customer gateway', name, gateway.CustomerGatewayId, gateway.Tags);
    }
  }
  for (const gateway of (await ec2.send(new DescribeVpnGatewaysCommand({ Filters: byName(names.vpnGateway) }))).VpnGateways ?? []) {
    add('virtual private gateway', names.vpnGateway, gateway.VpnGatewayId, gateway.Tags);
  }
  for (const name of names.vpnConnections) {
    for (const connection of (await ec2.send(new DescribeVpnConnectionsCommand({ Filters: byName(name) }))).VpnConnections ?? []) {
      add('VPN connection', name, connection.VpnConnectionId, connection.Tags);
    }
  }
  // Security group names are unique per VPC: a foreign group with our name would also make our create fail.
  const groupNames = [names.dnsOutboundSecurityGroup, names.probeSecurityGroup];
  const groups = await ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: groupNames }, { Name: 'vpc-id', Values: [request.aws.vpcId] }] }),
  );
  for (const group of groups.SecurityGroups ?? []) add('security group', group.GroupName ?? '', group.GroupId, group.Tags);
  // A foreign secret with a tunnel key's name would be read and used as that tunnel's key.
  for (const secretName of names.pskSecretNames) {
    const secret = await unlessNotFound(() => secrets.send(new DescribeSecretCommand({ SecretId: secretName })));
    if (secret && !secret.DeletedDate) add('Secrets Manager secret', secretName, secret.ARN, secret.Tags);
  }
  // Route 53 Resolver: an endpoint or rule found by our name or our creator request id is adopted by the DNS
  // step only when it is ours; a foreign one is refused here, before anything is created.
  const resolverNames = [
    { kind: 'Route 53 Resolver outbound endpoint', name: names.resolverEndpoint, creatorRequestId: names.creatorRequestIds.resolverEndpoint },
    { kind: 'Route 53 Resolver rule', name: names.resolverRule, creatorRequestId: names.creatorRequestIds.resolverRule },
  ];
  for (const { kind, name, creatorRequestId } of resolverNames) {
    const seen = new Map<string, { Arn?: string; Id?: string }>();
    for (const filter of [
      { Name: 'Name', Values: [name] },
      { Name: 'CreatorRequestId', Values: [creatorRequestId] },
    ]) {
      const listed: { Arn?: string; Id?: string }[] =
        kind === 'Route 53 Resolver rule'
          ? await allPages((NextToken) =>
              resolver.send(new ListResolverRulesCommand({ NextToken, Filters: [filter] })).then((page) => ({ items: page.ResolverRules, NextToken: page.NextToken })),
            )
          : await allPages((NextToken) =>
              resolver
                .send(new ListResolverEndpointsCommand({ NextToken, Filters: [filter] }))
                .then((page) => ({ items: page.ResolverEndpoints, NextToken: page.NextToken })),
            );
      for (const item of listed) if (item.Id) seen.set(item.Id, item);
    }
    for (const item of seen.values()) {
      const tags = item.Arn ? (await resolver.send(new ListTagsForResourceCommand({ ResourceArn: item.Arn }))).Tags : [];
      add(kind, name, item.Id, tags);
    }
  }
  // The probe function: ProbeRunner would update its code and role, so a foreign one is refused.
  const probe = await unlessNotFound(() => lambda.send(new GetFunctionCommand({ FunctionName: names.probeFunction })));
  if (probe?.Configuration) {
    found.push({
      cloud: 'aws',
      kind: 'Lambda function',
      name: names.probeFunction,
      id: probe.Configuration.FunctionArn ?? names.probeFunction,
      path: 'environmentId',
      tags: probe.Tags ?? {},
    });
  }
  return found;
}

interface AzureCandidate {
  kind: string;
  resource: AzureResourceName;
  apiVersion: string;
  path: string;
  sharedAcrossEnvironments?: boolean;
}

/**
 * The Azure resources that belong to one environment however the hub is shared (its local network gateways and
 * connections), found by the environment's names, ours or not. Hub resources are not here: hub discovery
 * (hub-discovery.ts) finds them by how Azure ties them to the VNet and judges the hub-named ones itself.
 */
export async function environmentAzureResourcesWithOurNames(arm: ResourceManagementClient, request: EnvironmentRequest): Promise<NamedResource[]> {
  const n = resourceNamesOfAnyRouting(request).azure;
  const tunnels = request.options.tunnels === 'one' ? n.tunnels.slice(0, 1) : n.tunnels;
  const candidates = tunnels.flatMap((t) => [
    { kind: 'local network gateway', resource: t.localNetworkGateway },
    { kind: 'connection', resource: t.connection },
  ]);
  const found: NamedResource[] = [];
  for (const candidate of candidates) {
    const existing = await getArmResource(arm, candidate.resource.id, API_VERSIONS.network);
    if (!existing) continue;
    found.push({ cloud: 'azure', kind: candidate.kind, name: candidate.resource.name, id: existing.id ?? candidate.resource.id, path: 'environmentId', tags: existing.tags ?? {} });
  }
  return found;
}

/**
 * Every Azure resource carrying one of the environment's names from before hubs (naming.ts), ours or not;
 * `vnet` is the request's VNet as ARM answers it. The teardown's inventory still reads these names.
 */
export async function azureResourcesWithOurNames(arm: ResourceManagementClient, request: EnvironmentRequest, vnet: ArmResourceJson): Promise<NamedResource[]> {
  const n = resourceNamesOfAnyRouting(request).azure;
  const NET = API_VERSIONS.network;
  const tunnels = request.options.tunnels === 'one' ? n.tunnels.slice(0, 1) : n.tunnels;
  const candidates: AzureCandidate[] = [
    { kind: 'public IP address', resource: n.publicIp, apiVersion: NET, path: 'environmentId' },
    { kind: 'virtual network gateway', resource: n.vpnGateway, apiVersion: NET, path: 'environmentId' },
    ...tunnels.flatMap((t) => [
      { kind: 'local network gateway', resource: t.localNetworkGateway, apiVersion: NET, path: 'environmentId' },
      { kind: 'connection', resource: t.connection, apiVersion: NET, path: 'environmentId' },
    ]),
    { kind: 'network security group', resource: n.privateEndpointNsg, apiVersion: NET, path: 'environmentId' },
    { kind: 'network security group', resource: n.dnsInboundNsg, apiVersion: NET, path: 'environmentId' },
    { kind: 'private endpoint', resource: n.privateEndpoint, apiVersion: NET, path: 'environmentId' },
    // One zone per resource group serves every environment in it: ours when this product made it at all.
    { kind: 'private DNS zone', resource: n.privateDnsZone, apiVersion: API_VERSIONS.privateDns, path: 'azure.resourceGroup', sharedAcrossEnvironments: true },
    { kind: 'private DNS zone virtual network link', resource: n.virtualNetworkLink, apiVersion: API_VERSIONS.privateDns, path: 'environmentId' },
    { kind: 'DNS private resolver', resource: n.dnsResolver, apiVersion: API_VERSIONS.dnsResolver, path: 'environmentId' },
    { kind: 'DNS resolver inbound endpoint', resource: n.inboundEndpoint, apiVersion: API_VERSIONS.dnsResolver, path: 'environmentId' },
  ];
  const found: NamedResource[] = [];
  const tagsById = new Map<string, Record<string, string> | undefined>();
  for (const candidate of candidates) {
    const existing = await getArmResource(arm, candidate.resource.id, candidate.apiVersion);
    tagsById.set(candidate.resource.id.toLowerCase(), existing ? (existing.tags ?? {}) : undefined);
    if (!existing) continue;
    found.push({
      cloud: 'azure',
      kind: candidate.kind,
      name: candidate.resource.name,
      id: existing.id ?? candidate.resource.id,
      path: candidate.path,
      tags: existing.tags ?? {},
      sharedAcrossEnvironments: candidate.sharedAcrossEnvironments,
    });
  }

  // Subnets carry no tags. The workflow creates each of its subnets with its network security group in the
  // same PUT, so a subnet with our name is ours exactly when its NSG is our (tagged) NSG.
  const subnets: { name: string; properties?: { networkSecurityGroup?: { id?: string } } }[] = vnet?.properties.subnets ?? [];
  const ownSubnets = [
    { subnet: n.privateEndpointSubnet, nsg: n.privateEndpointNsg, path: 'azure.privateEndpointSubnetPrefix' },
    { subnet: n.dnsInboundSubnet, nsg: n.dnsInboundNsg, path: 'azure.dnsResolverSubnetPrefix' },
  ];
  for (const own of ownSubnets) {
    const existing = subnets.find((s) => s.name.toLowerCase() === own.subnet.name.toLowerCase());
    if (!existing) continue;
    const nsgId = existing.properties?.networkSecurityGroup?.id;
    const viaOurNsg = nsgId !== undefined && nsgId.toLowerCase() === own.nsg.id.toLowerCase();
    found.push({
      cloud: 'azure',
      kind: 'subnet',
      name: own.subnet.name,
      id: own.subnet.id,
      path: own.path,
      tags: viaOurNsg ? tagsById.get(own.nsg.id.toLowerCase()) : undefined,
      ownershipNote: nsgId
        ? `a subnet carries no tags; its network security group ${nsgId.split('/').pop()} is not this environment's`
        : 'a subnet carries no tags, and it has no network security group of this environment',
    });
  }
  return found;
}

