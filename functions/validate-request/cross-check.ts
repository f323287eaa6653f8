/**
 * The request against what the clouds report: pure, over facts the validator has read. It stays inside the
 * validator's step; what the step hands on is the smaller EnvironmentFacts (commons/workflow-data.ts).
 */
import { cidrContains, cidrOverlaps, formatCidr, parseCidr, type Cidr } from '../commons/cidr';
import { GATEWAY_SUBNET_NAME, SUBNET_PREFIX_FIELDS, type EnvironmentRequest, type RequestProblem, type SubnetPrefixField } from '../commons/request/contract';
import { shownProblems } from '../commons/request/schema';

export interface CloudFacts {
  vpc?: { cidrBlocks: string[] };
  subnets: Record<string, { vpcId: string; availabilityZone: string; cidrBlock: string } | undefined>;
  routeTables: Record<string, { vpcId: string } | undefined>;
  vnet?: { location: string; addressPrefixes: string[]; subnets: { name: string; addressPrefix: string }[] };
  openAiAccount?: { kind: string; customSubDomainName?: string; location: string; deployments?: string[] };
}

/** Account kinds that serve the OpenAI endpoint through a private endpoint with group id "account". */
export const OPENAI_ACCOUNT_KINDS = ['OpenAI', 'AIServices'] as const;

/**
 * Contradictions between the request and what the clouds report. `undefined` facts mean "not found".
 * `ownSubnetNames` maps each subnet prefix field (gatewaySubnetPrefix, privateEndpointSubnetPrefix,
 * dnsResolverSubnetPrefix) to the subnet name the workflow gives it (GatewaySubnet when absent): an existing
 * subnet with that name and the same prefix was created by an earlier run and is not a conflict.
 * `subnetsToBuild`: the prefix fields whose subnet the product is to build (hub discovery decides; by default
 * every field given). Only those must stay clear of the existing subnets: a prefix naming a subnet that is
 * there (the hub's own) is checked by discovery, against what is there. Absent prefixes are not checked.
 */
export function crossCheckRequest(
  request: EnvironmentRequest,
  facts: CloudFacts,
  ownSubnetNames: Record<string, string>,
  subnetsToBuild: readonly SubnetPrefixField[] = SUBNET_PREFIX_FIELDS,
): RequestProblem[] {
  const found: RequestProblem[] = [];
  const report: Report = (path, message) => found.push({ path, message });
  checkVpc(request, facts, report);
  checkSubnets(request, facts, report);
  checkRouteTables(request, facts, report);
  checkVnet(request, facts, ownSubnetNames, subnetsToBuild, report);
  checkAccount(request, facts, report);
  // They quote cloud names and ids: escaped and shortened as every refusal is.
  return shownProblems(found);
}

type Report = (path: string, message: string) => void;

function checkVpc(request: EnvironmentRequest, facts: CloudFacts, report: Report): void {
  if (!facts.vpc) report('aws.vpcId', `VPC ${request.aws.vpcId} was not found in ${request.aws.region}`);
}

function checkSubnets(request: EnvironmentRequest, facts: CloudFacts, report: Report): void {
  const { vpcId, region } = request.aws;
  const zones = new Set<string>();
  let resolverSubnetsFound = 0;
  for (const field of ['resolverSubnetIds', 'probeSubnetIds'] as const) {
    request.aws[field].forEach((subnetId, index) => {
      const path = `aws.${field}[${index}]`;
      const subnet = facts.subnets[subnetId];
      if (!subnet) {
        report(path, `subnet ${subnetId} was not found in ${region}`);
        return;
      }
      if (subnet.vpcId !== vpcId) {
        report(path, `subnet ${subnetId} belongs to ${subnet.vpcId}, not to aws.vpcId (${vpcId})`);
        return;
      }
      if (field === 'resolverSubnetIds') {
        resolverSubnetsFound++;
        zones.add(subnet.availabilityZone);
      }
    });
  }
  // Only meaningful once at least two subnets are usable; missing ones were reported above.
  if (resolverSubnetsFound >= 2 && zones.size < 2) {
    report(
      'aws.resolverSubnetIds',
      `the resolver subnets must be in at least 2 different availability zones; all are in ${[...zones][0]}`,
    );
  }
}

function checkRouteTables(request: EnvironmentRequest, facts: CloudFacts, report: Report): void {
  const { vpcId, region } = request.aws;
  request.aws.routeTableIds.forEach((routeTableId, index) => {
    const path = `aws.routeTableIds[${index}]`;
    const table = facts.routeTables[routeTableId];
    if (!table) report(path, `route table ${routeTableId} was not found in ${region}`);
    else if (table.vpcId !== vpcId) report(path, `route table ${routeTableId} belongs to ${table.vpcId}, not to aws.vpcId (${vpcId})`);
  });
}

function checkVnet(
  request: EnvironmentRequest,
  facts: CloudFacts,
  ownSubnetNames: Record<string, string>,
  subnetsToBuild: readonly SubnetPrefixField[],
  report: Report,
): void {
  const { virtualNetworkName, resourceGroup } = request.azure;
  const vnet = facts.vnet;
  if (!vnet) {
    report('azure.virtualNetworkName', `virtual network ${virtualNetworkName} was not found in resource group ${resourceGroup}`);
    return;
  }
  const space = validBlocks(vnet.addressPrefixes);
  const spaceText = vnet.addressPrefixes.join(', ') || 'none';
  for (const field of SUBNET_PREFIX_FIELDS) {
    const path = `azure.${field}`;
    const prefix = request.azure[field];
    if (prefix === undefined) continue;
    const ownName = ownSubnetNames[field] ?? (field === 'gatewaySubnetPrefix' ? GATEWAY_SUBNET_NAME : undefined);
    if (!space.some((block) => cidrContains(block, prefix))) {
      report(path, `${prefix} is outside the address space of ${virtualNetworkName} (${spaceText})`);
    }
    if (!subnetsToBuild.includes(field)) continue;
    for (const existing of vnet.subnets) {
      const existingBlock = parseCidr(existing.addressPrefix);
      const isOurName = ownName !== undefined && existing.name.toLowerCase() === ownName.toLowerCase();
      if (isOurName && existingBlock && sameBlock(existingBlock, prefix)) continue; // ours, from an earlier run
      if (isOurName) {
        // The name is taken with another prefix: creating ours would change (or fail on) that subnet.
        report(path, `subnet ${existing.name} already exists in ${virtualNetworkName} with prefix ${existing.addressPrefix}, not ${prefix}`);
      } else if (existingBlock && cidrOverlaps(existingBlock, prefix)) {
        report(path, `${prefix} overlaps the existing subnet ${existing.name} (${existing.addressPrefix})`);
      }
    }
  }
  if (facts.vpc) {
    for (const vpcBlock of validBlocks(facts.vpc.cidrBlocks)) {
      for (const vnetBlock of space) {
        if (cidrOverlaps(vpcBlock, vnetBlock)) {
          report(
            'aws.vpcId',
            `the VPC CIDR ${formatCidr(vpcBlock)} overlaps the address space of ${virtualNetworkName} (${formatCidr(vnetBlock)}); the VPN cannot route between overlapping ranges`,
          );
        }
      }
    }
  }
}

function checkAccount(request: EnvironmentRequest, facts: CloudFacts, report: Report): void {
  const account = facts.openAiAccount;
  const path = 'azure.openAiAccountId';
  if (!account) {
    report(path, `the account ${request.azure.openAiAccountId} was not found`);
    return;
  }
  if (!OPENAI_ACCOUNT_KINDS.some((kind) => kind.toLowerCase() === account.kind.toLowerCase())) {
    report(path, `the account is of kind ${account.kind}; expected ${OPENAI_ACCOUNT_KINDS.join(' or ')}`);
  }
  if (!account.customSubDomainName) {
    report(path, 'the account has no custom subdomain; private endpoints need one (set it on the account once: it cannot be changed later)');
  }
  if (account.deployments && !account.deployments.includes(request.azure.openAiDeployment)) {
    // The full list is more helpful than a guess: deployment names differ by digits (gpt-4o vs gpt-35).
    const list = account.deployments.length ? `it has ${account.deployments.join(', ')}` : 'it has none';
    report('azure.openAiDeployment', `deployment ${request.azure.openAiDeployment} was not found on the account (${list})`);
  }
}

function validBlocks(texts: string[]): Cidr[] {
  return texts.map((text) => parseCidr(text)).filter((block): block is Cidr => block !== undefined);
}

function sameBlock(block: Cidr, text: string): boolean {
  const other = parseCidr(text);
  return other !== undefined && block.network === other.network && block.prefixLength === other.prefixLength;
}
