/**
 * Running the probe inside the VPC: a small Lambda function deployed per environment into the request's probe
 * subnets (code and role come from the stack), invoked with the account's key, which it reads from Azure here
 * and passes in the invocation only. When a check fails, the runner reads both clouds and names what is missing.
 */
import { DescribeRouteTablesCommand, DescribeVpnConnectionsCommand, type EC2Client, type RouteTable } from '@aws-sdk/client-ec2';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { ListResolverRuleAssociationsCommand, ListResolverRulesCommand, type Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import type { ResourceManagementClient } from '@azure/arm-resources';
import { API_VERSIONS, armRequest } from '../commons/arm';
import { cidrContainsIp } from '../commons/cidr';
import { rememberSecret } from '../commons/cloud-errors';
import { ProbeFailed, ResourceFailed, ResourceNotReady } from '../commons/errors';
import { ec2TagFilters, OPENAI_DOMAIN, resourceNames, standardTags } from '../commons/naming';
import type { EnvironmentRequest } from '../commons/request';
import type { ProbeResult } from '../probe/probe';
import { ensureEgressOnlyGroup } from '../commons/security-groups';
import type { EnvironmentFacts } from '../validate-request/validate';

export interface StepInput {
  request: EnvironmentRequest;
  facts: EnvironmentFacts;
}

export interface ProbeCode {
  roleArn: string;
  s3Bucket: string;
  s3Key: string;
}

/** Where the stack put the probe's code and role (set on the function by CDK). */
export function probeCodeFromEnvironment(env: NodeJS.ProcessEnv = process.env): ProbeCode {
  const missing = ['PROBE_ROLE_ARN', 'PROBE_CODE_S3_BUCKET', 'PROBE_CODE_S3_KEY'].filter((k) => !env[k]);
  if (missing.length) throw new Error(`The probe runner is missing ${missing.join(', ')} (set by the CDK stack)`);
  return { roleArn: env.PROBE_ROLE_ARN!, s3Bucket: env.PROBE_CODE_S3_BUCKET!, s3Key: env.PROBE_CODE_S3_KEY! };
}

export async function createProbeFunction(ec2: EC2Client, ec2Once: EC2Client, lambda: LambdaClient, code: ProbeCode, input: StepInput) {
  const names = resourceNames(input.request).aws;
  const securityGroupId = await ensureEgressOnlyGroup(
    ec2,
    ec2Once,
    input.request,
    names.probeSecurityGroup,
    'Private-path probe: HTTPS to the Azure VNet, DNS inside the VPC',
    [
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: input.facts.vnetAddressPrefixes.map((CidrIp) => ({ CidrIp, Description: 'Azure VNet' })) },
      { IpProtocol: 'udp', FromPort: 53, ToPort: 53, IpRanges: input.facts.vpcCidrs.map((CidrIp) => ({ CidrIp, Description: 'VPC resolver' })) },
      { IpProtocol: 'tcp', FromPort: 53, ToPort: 53, IpRanges: input.facts.vpcCidrs.map((CidrIp) => ({ CidrIp, Description: 'VPC resolver' })) },
    ],
  );
  try {
    await lambda.send(new GetFunctionCommand({ FunctionName: names.probeFunction }));
    return { functionName: names.probeFunction, securityGroupId };
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
  try {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: names.probeFunction,
        Description: `Probes the private path to Azure OpenAI for environment ${input.request.environmentId}`,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: code.roleArn,
        Code: { S3Bucket: code.s3Bucket, S3Key: code.s3Key },
        Timeout: 30,
        MemorySize: 256,
        VpcConfig: { SubnetIds: input.request.aws.probeSubnetIds, SecurityGroupIds: [securityGroupId] },
        Tags: standardTags(input.request.environmentId),
      }),
    );
  } catch (error) {
    // A retried create whose first answer was lost: the function exists, which is what we wanted.
    if ((error as { name?: string }).name !== 'ResourceConflictException') throw error;
  }
  return { functionName: names.probeFunction, securityGroupId };
}

export async function checkProbeFunction(lambda: LambdaClient, input: StepInput) {
  const name = resourceNames(input.request).aws.probeFunction;
  const fn = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
  const state = fn.Configuration?.State;
  if (state === 'Pending') throw new ResourceNotReady(`The probe function ${name} is still Pending (creating its network interfaces in the VPC)`);
  if (state !== 'Active') throw new ResourceFailed(`The probe function ${name} is ${state}: ${fn.Configuration?.StateReason ?? ''}`);
  return { state };
}

/** The account's key, read at the moment of use; it is handed to the probe in the invocation and nowhere else. */
async function readAccountKey(arm: ResourceManagementClient, accountId: string): Promise<string> {
  const key = ((await armRequest(arm, 'POST', `${accountId}/listKeys`, API_VERSIONS.cognitiveServices)) as { key1?: string }).key1;
  if (!key) throw new Error('listKeys returned no key1');
  rememberSecret(key);
  return key;
}

export interface ProbeClients {
  arm: ResourceManagementClient;
  lambda: LambdaClient;
  ec2: EC2Client;
  resolver: Route53ResolverClient;
}

export interface RunProbeInput extends StepInput {
  privateIp: string;
  /** Which run this is, for the output: after the private path is built, or after locking the account. */
  label?: string;
}

export async function runProbe(clients: ProbeClients, input: RunProbeInput) {
  const names = resourceNames(input.request);
  const apiKey = await readAccountKey(clients.arm, input.request.azure.openAiAccountId);
  const answer = await clients.lambda.send(
    new InvokeCommand({
      FunctionName: names.aws.probeFunction,
      Payload: Buffer.from(
        JSON.stringify({ host: input.facts.openAiHost, deployment: input.request.azure.openAiDeployment, apiKey, expectedPrivateIp: input.privateIp }),
      ),
    }),
  );
  const text = Buffer.from(answer.Payload ?? new Uint8Array()).toString('utf8');
  if (answer.FunctionError) throw new ProbeFailed(`The probe function ${names.aws.probeFunction} failed: ${text.slice(0, 300)}`);
  const result = JSON.parse(text) as ProbeResult;
  const summary = {
    dns: { ok: result.dns.ok, answers: result.dns.answers },
    tcp: { ok: result.tcp.ok },
    api: { ok: result.api.ok, status: result.api.status ?? null },
  };
  if (result.dns.ok && result.tcp.ok && result.api.ok) return { label: input.label ?? 'private path', ...summary };
  const missing = await diagnose(clients, input);
  const failed = [
    !result.dns.ok && `DNS: ${result.dns.detail}`,
    !result.tcp.ok && `TCP 443: ${result.tcp.detail}`,
    !result.api.ok && `API: ${result.api.detail}`,
  ].filter(Boolean);
  throw new ProbeFailed(
    `The probe from inside ${input.request.aws.vpcId} did not prove the private path. ${failed.join('. ')}.` +
      (missing.length ? ` What is missing: ${missing.join('; ')}.` : ' Both clouds look configured; check the NSGs and the tunnel logs.'),
  );
}

function routesToVgw(table: RouteTable, vgwId: string, ip: string): boolean {
  return (table.Routes ?? []).some(
    (r) => r.GatewayId === vgwId && r.DestinationCidrBlock && cidrContainsIp(r.DestinationCidrBlock, ip) && r.State !== 'blackhole',
  );
}

/** Reads both clouds for the usual causes, in the order an engineer would check them. */
export async function diagnose(clients: ProbeClients, input: RunProbeInput): Promise<string[]> {
  const env = input.request.environmentId;
  const names = resourceNames(input.request).aws;
  const missing: string[] = [];
  const connection = (await clients.ec2.send(new DescribeVpnConnectionsCommand({ Filters: ec2TagFilters(env, names.vpnConnection) }))).VpnConnections?.find(
    (c) => c.State === 'available',
  );
  if (!connection) {
    missing.push(`no available VPN connection ${names.vpnConnection}`);
  } else if (!(connection.VgwTelemetry ?? []).some((t) => t.Status === 'UP')) {
    missing.push(`no tunnel of ${connection.VpnConnectionId} is UP`);
  }
  const vgwId = connection?.VpnGatewayId;
  if (vgwId) {
    const tables = (await clients.ec2.send(new DescribeRouteTablesCommand({}))).RouteTables ?? [];
    const vpcTables = tables.filter((t) => t.VpcId === input.request.aws.vpcId);
    for (const subnetId of input.request.aws.probeSubnetIds) {
      const table =
        vpcTables.find((t) => t.Associations?.some((a) => a.SubnetId === subnetId)) ?? vpcTables.find((t) => t.Associations?.some((a) => a.Main));
      if (!table) {
        missing.push(`no route table found for probe subnet ${subnetId}`);
      } else if (!routesToVgw(table, vgwId, input.privateIp)) {
        const passed = input.request.aws.routeTableIds.includes(table.RouteTableId!);
        missing.push(
          `route table ${table.RouteTableId} of probe subnet ${subnetId} has no route to ${input.privateIp} through ${vgwId}` +
            (passed ? '' : ` (it is not in aws.routeTableIds, so route propagation was not turned on for it)`),
        );
      }
    }
  }
  const rules = (await clients.resolver.send(new ListResolverRulesCommand({}))).ResolverRules ?? [];
  const rule = rules.find((r) => r.Name === names.resolverRule && r.DomainName?.replace(/\.$/, '') === OPENAI_DOMAIN);
  if (!rule) {
    missing.push(`no FORWARD rule for ${OPENAI_DOMAIN}`);
  } else {
    const associations = (await clients.resolver.send(new ListResolverRuleAssociationsCommand({}))).ResolverRuleAssociations ?? [];
    if (!associations.some((a) => a.ResolverRuleId === rule.Id && a.VPCId === input.request.aws.vpcId && a.Status === 'COMPLETE')) {
      missing.push(`the forwarding rule ${rule.Id} is not associated with ${input.request.aws.vpcId}`);
    }
  }
  if (!input.facts.vnetAddressPrefixes.some((p) => cidrContainsIp(p, input.privateIp))) {
    missing.push(`the private endpoint ${input.privateIp} is outside the VNet address space`);
  }
  return missing;
}
