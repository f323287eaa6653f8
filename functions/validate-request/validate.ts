/**
 * Step 1: the request against the one schema, then against what the clouds report. Reads only: a refused
 * request creates nothing. Every problem is reported at once with its field path.
 */
import {
  DescribeCustomerGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DescribeVpnConnectionsCommand,
  DescribeVpnGatewaysCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { GetFunctionCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  ListResolverEndpointsCommand,
  ListResolverRulesCommand,
  ListTagsForResourceCommand,
  type Route53ResolverClient,
} from '@aws-sdk/client-route53resolver';
import { DescribeSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ResourceManagementClient } from '@azure/arm-resources';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { API_VERSIONS, armRequest, getArmResource } from '../commons/arm';
import { callbackTargetProblem, type CallbackChecks } from '../commons/callback-url';
import { armEndpoint } from '../commons/clients/azure';
import { isNotFound } from '../commons/cloud-errors';
import { RequestRefused } from '../commons/errors';
import { resourceNames, type AzureResourceName } from '../commons/naming';
import { declaredSharedResourceIds, foreignResourceProblems, tagObject, type NamedResource } from '../commons/ownership';
import { allPages } from '../commons/pages';
import type { EnvironmentRequest, RequestProblem } from '../commons/request/contract';
import { shownProblems, validateRequestDocument } from '../commons/request/schema';
import { crossCheckRequest, type CloudFacts } from './cross-check';

import type { EnvironmentFacts, ValidatedRequest } from '../commons/workflow-data';

export type { EnvironmentFacts, ValidatedRequest };

export interface ValidatorClients {
  ec2: EC2Client;
  arm: ResourceManagementClient;
  secrets: SecretsManagerClient;
  resolver: Route53ResolverClient;
  lambda: LambdaClient;
}

export interface ValidationContext {
  /** The AWS region this deployment runs in (the function's AWS_REGION): every AWS call goes there. */
  deploymentRegion: string | undefined;
  /** How ticket.callbackUrl's host is resolved, and the test-only loopback allowance. */
  callbackChecks: CallbackChecks;
}

async function orUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function readAwsFacts(ec2: EC2Client, request: EnvironmentRequest): Promise<Pick<CloudFacts, 'vpc' | 'subnets' | 'routeTables'>> {
  const vpc = await orUndefined(async () => (await ec2.send(new DescribeVpcsCommand({ VpcIds: [request.aws.vpcId] }))).Vpcs?.[0]);
  const subnetIds = [...new Set([...request.aws.resolverSubnetIds, ...request.aws.probeSubnetIds])];
  const subnets: CloudFacts['subnets'] = {};
  for (const id of subnetIds) {
    const subnet = await orUndefined(async () => (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [id] }))).Subnets?.[0]);
    subnets[id] = subnet ? { vpcId: subnet.VpcId ?? '', availabilityZone: subnet.AvailabilityZone ?? '', cidrBlock: subnet.CidrBlock ?? '' } : undefined;
  }
  const routeTables: CloudFacts['routeTables'] = {};
  for (const id of request.aws.routeTableIds) {
    const table = await orUndefined(async () => (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }))).RouteTables?.[0]);
    routeTables[id] = table ? { vpcId: table.VpcId ?? '' } : undefined;
  }
  const cidrBlocks = vpc
    ? [...new Set([vpc.CidrBlock, ...(vpc.CidrBlockAssociationSet ?? []).filter((a) => a.CidrBlockState?.State !== 'disassociated').map((a) => a.CidrBlock)])].filter(
        (c): c is string => Boolean(c),
      )
    : [];
  return { vpc: vpc ? { cidrBlocks } : undefined, subnets, routeTables };
}

/**
 * Every deployment name of the account (ARM lists them under the account, paged by nextLink). A nextLink is
 * followed only on the ARM endpoint itself: the bearer token must not travel anywhere else.
 */
async function listDeploymentNames(arm: ResourceManagementClient, accountId: string): Promise<string[]> {
  const names: string[] = [];
  let page = await armRequest(arm, 'GET', `${accountId}/deployments`, API_VERSIONS.cognitiveServices);
  for (;;) {
    for (const deployment of page.value ?? []) if (typeof deployment?.name === 'string') names.push(deployment.name);
    const next: unknown = page.nextLink;
    if (typeof next !== 'string' || !next) return names;
    if (new URL(next).origin !== new URL(armEndpoint()).origin) throw new Error(`ARM returned a nextLink outside ${new URL(armEndpoint()).origin}`);
    const response = await arm.sendRequest(createPipelineRequest({ url: next, method: 'GET' }));
    if (response.status >= 400) throw Object.assign(new Error(`HTTP ${response.status} listing deployments`), { statusCode: response.status, code: 'ArmError' });
    page = JSON.parse(response.bodyAsText || '{}');
  }
}

type ArmResourceJson = Awaited<ReturnType<typeof getArmResource>>;

async function readAzureFacts(
  arm: ResourceManagementClient,
  request: EnvironmentRequest,
): Promise<{ facts: Pick<CloudFacts, 'vnet' | 'openAiAccount'>; vnet: ArmResourceJson }> {
  const names = resourceNames(request);
  const vnet = await getArmResource(arm, names.azure.virtualNetwork.id, API_VERSIONS.network);
  const account = await getArmResource(arm, request.azure.openAiAccountId, API_VERSIONS.cognitiveServices);
  const deployments = account ? await listDeploymentNames(arm, request.azure.openAiAccountId) : undefined;
  return {
    vnet,
    facts: {
      vnet: vnet
        ? {
            location: vnet.location ?? '',
            addressPrefixes: vnet.properties.addressSpace?.addressPrefixes ?? [],
            subnets: (vnet.properties.subnets ?? []).map((s: { name: string; properties?: { addressPrefix?: string } }) => ({
              name: s.name,
              addressPrefix: s.properties?.addressPrefix ?? '',
            })),
          }
        : undefined,
      openAiAccount: account
        ? { kind: account.kind ?? '', customSubDomainName: account.properties.customSubDomainName, location: account.location ?? '', deployments }
        : undefined,
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Resources that already carry one of our names
// ---------------------------------------------------------------------------------------------------------

const LIVE_EC2_STATES = { Name: 'state', Values: ['pending', 'available'] };

async function awsResourcesWithOurNames(clients: ValidatorClients, request: EnvironmentRequest): Promise<NamedResource[]> {
  const { ec2, secrets, resolver, lambda } = clients;
  const names = resourceNames(request).aws;
  const byName = (name: string) => [{ Name: 'tag:Name', Values: [name] }, LIVE_EC2_STATES];
  const found: NamedResource[] = [];
  const add = (kind: string, name: string, id: string | undefined, tags: { Key?: string; Value?: string }[] | undefined) =>
    found.push({ cloud: 'aws', kind, name, id: id ?? '(no id)', path: 'environmentId', tags: tagObject(tags) });

  for (const gateway of (await ec2.send(new DescribeCustomerGatewaysCommand({ Filters: byName(names.customerGateway) }))).CustomerGateways ?? []) {
    add('customer gateway', names.customerGateway, gateway.CustomerGatewayId, gateway.Tags);
  }
  for (const gateway of (await ec2.send(new DescribeVpnGatewaysCommand({ Filters: byName(names.vpnGateway) }))).VpnGateways ?? []) {
    add('virtual private gateway', names.vpnGateway, gateway.VpnGatewayId, gateway.Tags);
  }
  for (const connection of (await ec2.send(new DescribeVpnConnectionsCommand({ Filters: byName(names.vpnConnection) }))).VpnConnections ?? []) {
    add('VPN connection', names.vpnConnection, connection.VpnConnectionId, connection.Tags);
  }
  // Security group names are unique per VPC: a foreign group with our name would also make our create fail.
  const groupNames = [names.dnsOutboundSecurityGroup, names.probeSecurityGroup];
  const groups = await ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'group-name', Values: groupNames }, { Name: 'vpc-id', Values: [request.aws.vpcId] }] }),
  );
  for (const group of groups.SecurityGroups ?? []) add('security group', group.GroupName ?? '', group.GroupId, group.Tags);
  // A foreign secret with a tunnel key's name would be read and used as that tunnel's key.
  for (const secretName of names.pskSecretNames) {
    const secret = await orUndefined(() => secrets.send(new DescribeSecretCommand({ SecretId: secretName })));
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
  const probe = await orUndefined(() => lambda.send(new GetFunctionCommand({ FunctionName: names.probeFunction })));
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

async function azureResourcesWithOurNames(arm: ResourceManagementClient, request: EnvironmentRequest, vnet: ArmResourceJson): Promise<NamedResource[]> {
  const n = resourceNames(request).azure;
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

// ---------------------------------------------------------------------------------------------------------
// The step
// ---------------------------------------------------------------------------------------------------------

function regionProblems(region: string, deploymentRegion: string | undefined): RequestProblem[] {
  if (!deploymentRegion) return [{ path: 'aws.region', message: 'this deployment cannot tell its own AWS region (AWS_REGION is not set), so the request cannot be checked against it' }];
  if (region === deploymentRegion) return [];
  return [
    {
      path: 'aws.region',
      message: `this deployment runs in ${deploymentRegion} and works on AWS resources there only; the request names ${region}. Send it to the deployment in ${region}`,
    },
  ];
}

async function callbackProblems(request: EnvironmentRequest, checks: CallbackChecks): Promise<RequestProblem[]> {
  const callbackUrl = request.ticket?.callbackUrl;
  if (!callbackUrl) return [];
  const problem = await callbackTargetProblem(new URL(callbackUrl), checks);
  return problem ? [{ path: 'ticket.callbackUrl', message: problem }] : [];
}

/** Refuses with every problem, or returns the normalised request and the facts later steps need. */
export async function validateEnvironmentRequest(document: unknown, clients: ValidatorClients, context: ValidationContext): Promise<ValidatedRequest> {
  const checked = validateRequestDocument(document, { callbackAllowance: context.callbackChecks.allowance });
  if (!checked.ok) {
    // A region that is well formed but not this deployment's is reported with the rest.
    const region = (document as { aws?: { region?: unknown } } | null)?.aws?.region;
    const regionAlreadyReported = checked.problems.some((p) => p.path === 'aws.region');
    const extra = typeof region === 'string' && !regionAlreadyReported ? regionProblems(region, context.deploymentRegion) : [];
    throw new RequestRefused('The request was refused; nothing was created.', [...checked.problems, ...shownProblems(extra)]);
  }
  const request = checked.request;
  const wrongRegion = regionProblems(request.aws.region, context.deploymentRegion);
  if (wrongRegion.length > 0) {
    // Reading the AWS side in another region than the request's would report facts about the wrong place.
    throw new RequestRefused('The request was refused; nothing was created.', shownProblems(wrongRegion));
  }
  const aws = await readAwsFacts(clients.ec2, request);
  const azure = await readAzureFacts(clients.arm, request);
  // What the clouds report, for the cross-check only; the state carries the smaller EnvironmentFacts.
  const observed: CloudFacts = { ...aws, ...azure.facts };
  const problems = [
    ...crossCheckRequest(request, observed, resourceNames(request).azure.subnetNamesByPrefixField),
    ...shownProblems(
      foreignResourceProblems(
        [...(await awsResourcesWithOurNames(clients, request)), ...(await azureResourcesWithOurNames(clients.arm, request, azure.vnet))],
        request.environmentId,
        declaredSharedResourceIds(request),
      ),
    ),
    ...shownProblems(await callbackProblems(request, context.callbackChecks)),
  ];
  if (problems.length > 0) throw new RequestRefused('The request contradicts what the clouds report; nothing was created.', problems);
  return {
    request,
    facts: {
      vpcCidrs: observed.vpc!.cidrBlocks,
      vnetAddressPrefixes: observed.vnet!.addressPrefixes,
      location: observed.vnet!.location,
      openAiHost: `${observed.openAiAccount!.customSubDomainName}.openai.azure.com`,
    },
  };
}
