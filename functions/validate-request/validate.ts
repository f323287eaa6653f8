/**
 * Step 1: the request against the one schema, then against what the clouds report. Reads only: a refused
 * request creates nothing. Every problem is reported at once with its field path.
 */
import { DescribeRouteTablesCommand, DescribeSubnetsCommand, DescribeVpcsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { ResourceManagementClient } from '@azure/arm-resources';
import { API_VERSIONS, getArmResource } from '../commons/arm';
import { isNotFound } from '../commons/cloud-errors';
import { RequestRefused } from '../commons/errors';
import { resourceNames } from '../commons/naming';
import { crossCheckRequest, formatProblems, validateRequestDocument, type CloudFacts, type EnvironmentRequest } from '../commons/request';

/** What later steps need from the clouds, small and secret-free: it travels in the state. */
export interface EnvironmentFacts {
  vpcCidrs: string[];
  vnetAddressPrefixes: string[];
  /** Azure region of the VNet: the gateway, NSGs, private endpoint and resolver go there. */
  location: string;
  /** `<subdomain>.openai.azure.com` */
  openAiHost: string;
}

export interface ValidatedRequest {
  request: EnvironmentRequest;
  facts: EnvironmentFacts;
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

async function readAzureFacts(arm: ResourceManagementClient, request: EnvironmentRequest): Promise<Pick<CloudFacts, 'vnet' | 'openAiAccount'>> {
  const names = resourceNames(request);
  const vnet = await getArmResource(arm, names.azure.virtualNetwork.id, API_VERSIONS.network);
  const account = await getArmResource(arm, request.azure.openAiAccountId, API_VERSIONS.cognitiveServices);
  let deployments: string[] | undefined;
  if (account) {
    const deployment = await getArmResource(arm, `${request.azure.openAiAccountId}/deployments/${request.azure.openAiDeployment}`, API_VERSIONS.cognitiveServices);
    deployments = deployment ? [request.azure.openAiDeployment] : [];
  }
  return {
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
  };
}

/** Refuses with every problem, or returns the normalised request and the facts later steps need. */
export async function validateEnvironmentRequest(document: unknown, ec2: EC2Client, arm: ResourceManagementClient): Promise<ValidatedRequest> {
  const checked = validateRequestDocument(document);
  if (!checked.ok) throw new RequestRefused(`The request was refused; nothing was created.\n${formatProblems(checked.problems)}`);
  const request = checked.request;
  const facts: CloudFacts = { ...(await readAwsFacts(ec2, request)), ...(await readAzureFacts(arm, request)) };
  const problems = crossCheckRequest(request, facts, resourceNames(request).azure.subnetNamesByPrefixField);
  if (problems.length > 0) throw new RequestRefused(`The request contradicts what the clouds report; nothing was created.\n${formatProblems(problems)}`);
  return {
    request,
    facts: {
      vpcCidrs: facts.vpc!.cidrBlocks,
      vnetAddressPrefixes: facts.vnet!.addressPrefixes,
      location: facts.vnet!.location,
      openAiHost: `${facts.openAiAccount!.customSubDomainName}.openai.azure.com`,
    },
  };
}
