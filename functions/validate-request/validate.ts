/**
 * Step 1: the request against the one schema, then against what the clouds report. Reads only: a refused
 * request creates nothing. Every problem is reported at once with its field path.
 */
import { DescribeRouteTablesCommand, DescribeSubnetsCommand, DescribeVpcsCommand, type EC2Client } from '@aws-sdk/client-ec2';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ResourceManagementClient } from '@azure/arm-resources';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import { API_VERSIONS, armRequest, getArmResource } from '../commons/arm';
import { callbackTargetProblem, type CallbackChecks } from '../commons/callback-url';
import { armEndpoint } from '../commons/clients/azure';
import { unlessNotFound } from '../commons/cloud-errors';
import { RequestRefused } from '../commons/errors';
import { hubResourceNames } from '../commons/hub';
import { discoverHub } from '../commons/hub-discovery';
import { invocationLog } from '../commons/logger';
import { resourceNames } from '../commons/naming';
import { LIVE_EC2_STATES, awsResourcesWithOurNames, environmentAzureResourcesWithOurNames } from '../commons/named-resources';
import { declaredSharedResourceIds, foreignResourceProblems } from '../commons/ownership';
import type { EnvironmentRequest, RequestProblem } from '../commons/request/contract';
import { shownProblems, validateRequestDocument } from '../commons/request/schema';
import { crossCheckRequest, type CloudFacts } from './cross-check';

import type { EnvironmentFacts, ValidatedRequest } from '../commons/workflow-data';

export type { EnvironmentFacts, ValidatedRequest };

/** The step's output: the state every later step starts from, and the hub plan in words (for people and the log). */
export interface CheckedRequest extends ValidatedRequest {
  /** One line per hub resource: "create …", "use …" or "adopt …" (hub-discovery.ts). */
  hubPlan: string[];
}

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
  /** How ticket.callbackUrl's host is resolved, and the networks the operator allows although not public. */
  callbackChecks: CallbackChecks;
}

async function readAwsFacts(ec2: EC2Client, request: EnvironmentRequest): Promise<Pick<CloudFacts, 'vpc' | 'subnets' | 'routeTables'>> {
  const vpc = await unlessNotFound(async () => (await ec2.send(new DescribeVpcsCommand({ VpcIds: [request.aws.vpcId] }))).Vpcs?.[0]);
  const subnetIds = [...new Set([...request.aws.resolverSubnetIds, ...request.aws.probeSubnetIds])];
  const subnets: CloudFacts['subnets'] = {};
  for (const id of subnetIds) {
    const subnet = await unlessNotFound(async () => (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [id] }))).Subnets?.[0]);
    subnets[id] = subnet ? { vpcId: subnet.VpcId ?? '', availabilityZone: subnet.AvailabilityZone ?? '', cidrBlock: subnet.CidrBlock ?? '' } : undefined;
  }
  const routeTables: CloudFacts['routeTables'] = {};
  for (const id of request.aws.routeTableIds) {
    const table = await unlessNotFound(async () => (await ec2.send(new DescribeRouteTablesCommand({ RouteTableIds: [id] }))).RouteTables?.[0]);
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
): Promise<{ facts: Pick<CloudFacts, 'vnet' | 'openAiAccount'>; vnet: ArmResourceJson; account: ArmResourceJson }> {
  const names = resourceNames(request);
  const vnet = await getArmResource(arm, names.azure.virtualNetwork.id, API_VERSIONS.network);
  const account = await getArmResource(arm, request.azure.openAiAccountId, API_VERSIONS.cognitiveServices);
  const deployments = account ? await listDeploymentNames(arm, request.azure.openAiAccountId) : undefined;
  return {
    vnet,
    account,
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
export async function validateEnvironmentRequest(document: unknown, clients: ValidatorClients, context: ValidationContext): Promise<CheckedRequest> {
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
  // What the hub VNet holds, and per hub resource create, use or adopt: reads only, like everything here.
  const discovery = await discoverHub(clients.arm, clients.ec2, request, { vnet: azure.vnet, account: azure.account, vpcCidrs: aws.vpc?.cidrBlocks });
  const hubNames = hubResourceNames(request);
  const hubSubnetNames = {
    gatewaySubnetPrefix: hubNames.gatewaySubnet.name,
    privateEndpointSubnetPrefix: hubNames.privateEndpointSubnet.name,
    dnsResolverSubnetPrefix: hubNames.dnsResolverSubnet.name,
  };
  const problems = [
    ...crossCheckRequest(request, observed, hubSubnetNames, discovery.findings.subnetsToBuild),
    ...shownProblems(discovery.problems),
    ...shownProblems(
      foreignResourceProblems(
        [...(await awsResourcesWithOurNames(clients, request, LIVE_EC2_STATES)), ...(await environmentAzureResourcesWithOurNames(clients.arm, request))],
        request.environmentId,
        declaredSharedResourceIds(request),
      ),
    ),
    ...shownProblems(await callbackProblems(request, context.callbackChecks)),
  ];
  // Logged refused or not: what the hub holds helps whoever fixes the request.
  invocationLog().info('hub plan', { hubPlan: discovery.plan, refused: problems.length > 0 });
  if (problems.length > 0) throw new RequestRefused('The request contradicts what the clouds report; nothing was created.', problems);
  return {
    request,
    facts: {
      vpcCidrs: observed.vpc!.cidrBlocks,
      vnetAddressPrefixes: observed.vnet!.addressPrefixes,
      location: observed.vnet!.location,
      openAiHost: `${observed.openAiAccount!.customSubDomainName}.openai.azure.com`,
      hub: discovery.hub,
      ...(discovery.bgp ? { bgp: discovery.bgp } : {}),
    },
    hubPlan: discovery.plan,
  };
}
