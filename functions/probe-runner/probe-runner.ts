/**
 * Running the probe inside the VPC: a small Lambda function deployed per environment into the request's probe
 * subnets (code and role come from the stack), kept as the stack describes it (recreated when Failed, updated
 * when its code, role or network drifted, woken when Inactive), and invoked with a short-lived Entra ID token
 * for the account's data plane, obtained here and passed in the invocation only. No account key is read.
 * When a check fails, the runner reads both clouds and names what is missing.
 */
import { DescribeRouteTablesCommand, DescribeVpnConnectionsCommand, type EC2Client, type RouteTable } from '@aws-sdk/client-ec2';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  InvokeCommand,
  TagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  type FunctionConfiguration,
  type LambdaClient,
  type Runtime,
} from '@aws-sdk/client-lambda';
import { ListResolverRuleAssociationsCommand, ListResolverRulesCommand, type Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import type { TokenCredential } from '@azure/core-auth';
import { cidrContainsIp } from '../commons/cidr';
import { FUNCTION_RUNTIME_NAME, PROBE_FUNCTION_HANDLER } from '../catalog';
import { COGNITIVE_SERVICES_SCOPE } from '../commons/clients/azure';
import { functionSettings } from '../commons/config';
import { cloudErrorCode, rememberSecret } from '../commons/cloud-errors';
import { ProbeFailed, ResourceConflict, ResourceNotReady } from '../commons/errors';
import { ec2TagFilters, MANAGED_BY, OPENAI_DOMAIN, resourceNames, standardTags, TAG_ENVIRONMENT, TAG_MANAGED_BY } from '../commons/naming';
import { carriesOurTags } from '../commons/ownership';
import { invocationLog } from '../commons/logger';
import { ensureEgressOnlyGroup } from '../commons/security-groups';
import type { ProbeFunction, ProbeFunctionActive, ProbeResult, ProbeSummary, RunProbeInput, StepInput } from '../commons/workflow-data';

export type { RunProbeInput, StepInput };

export interface ProbeCode {
  roleArn: string;
  s3Bucket: string;
  s3Key: string;
  /** The runtime the bundle was built for; the stack's when not given. */
  runtime?: string;
  /** `file.export` in the bundle. */
  handler?: string;
}

/** Where the stack put the probe's code and role, and how it built it (the function's environment). */
export function probeCodeFromEnvironment(env: NodeJS.ProcessEnv = process.env): ProbeCode {
  const settings = functionSettings('ProbeRunner', ['PROBE_ROLE_ARN', 'PROBE_CODE_S3_BUCKET', 'PROBE_CODE_S3_KEY', 'PROBE_RUNTIME', 'PROBE_HANDLER'], env);
  return {
    roleArn: settings.PROBE_ROLE_ARN,
    s3Bucket: settings.PROBE_CODE_S3_BUCKET,
    s3Key: settings.PROBE_CODE_S3_KEY,
    runtime: settings.PROBE_RUNTIME,
    handler: settings.PROBE_HANDLER,
  };
}

/**
 * Tag naming the code object a probe was built from. Lambda reports only the digest of the zip it holds
 * (CodeSha256), which the stack cannot know before the asset is published; its S3 key is content-addressed
 * (the bundle's hash), so a different key is different code.
 */
export const PROBE_CODE_TAG = 'aoai-link:probe-code';

// The runtime's name as the stack gives it; Lambda refuses one it does not know.
const runtimeOf = (code: ProbeCode) => (code.runtime ?? FUNCTION_RUNTIME_NAME) as Runtime;
const handlerOf = (code: ProbeCode) => code.handler ?? PROBE_FUNCTION_HANDLER;

const TIMEOUT_SECONDS = 30;
const MEMORY_MB = 256;

export interface ProbeFunctionClients {
  ec2: EC2Client;
  ec2Once: EC2Client;
  lambda: LambdaClient;
}

export interface ProbeFunctionStatus {
  functionName: string;
  securityGroupId: string;
  /** True when the function is Active with its last update Successful and matches the stack. */
  ready: boolean;
  /** What was found or done, in words (the reason when not ready). */
  detail: string;
}

const codeLocation = (code: ProbeCode) => `${code.s3Bucket}/${code.s3Key}`;
const sameSet = (a: string[] | undefined, b: string[]) => (a ?? []).length === b.length && b.every((x) => (a ?? []).includes(x));
const nameOf = (error: unknown) => (error as { name?: string }).name;

/** The drift between the function Lambda holds and the one the stack describes, in words (empty: none). */
function configurationDrift(fn: FunctionConfiguration, code: ProbeCode, subnetIds: string[], securityGroupId: string): string[] {
  const drift: string[] = [];
  if (fn.Role !== code.roleArn) drift.push(`role ${fn.Role} (wanted ${code.roleArn})`);
  if (!sameSet(fn.VpcConfig?.SubnetIds, subnetIds)) drift.push(`subnets ${(fn.VpcConfig?.SubnetIds ?? []).join(',')} (wanted ${subnetIds.join(',')})`);
  if (!sameSet(fn.VpcConfig?.SecurityGroupIds, [securityGroupId])) drift.push(`security groups ${(fn.VpcConfig?.SecurityGroupIds ?? []).join(',')} (wanted ${securityGroupId})`);
  if (fn.Runtime !== runtimeOf(code)) drift.push(`runtime ${fn.Runtime}`);
  if (fn.Handler !== handlerOf(code)) drift.push(`handler ${fn.Handler}`);
  if (fn.Timeout !== TIMEOUT_SECONDS) drift.push(`timeout ${fn.Timeout}`);
  if (fn.MemorySize !== MEMORY_MB) drift.push(`memory ${fn.MemorySize}`);
  return drift;
}

/**
 * One step towards the probe function the stack describes; safe to repeat after a crash or a lost answer.
 * Lambda takes one change at a time (a second update while one is InProgress is refused), so each call makes
 * at most one and reports not ready; the caller's retry comes back for the next.
 */
export async function convergeProbeFunction(clients: ProbeFunctionClients, code: ProbeCode, input: StepInput): Promise<ProbeFunctionStatus> {
  const names = resourceNames(input.request).aws;
  const functionName = names.probeFunction;
  const subnetIds = input.request.aws.probeSubnetIds;
  const securityGroupId = await ensureEgressOnlyGroup(
    clients.ec2,
    clients.ec2Once,
    input.request,
    names.probeSecurityGroup,
    'Private-path probe: HTTPS to the Azure VNet, DNS inside the VPC',
    [
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: input.facts.vnetAddressPrefixes.map((CidrIp) => ({ CidrIp, Description: 'Azure VNet' })) },
      { IpProtocol: 'udp', FromPort: 53, ToPort: 53, IpRanges: input.facts.vpcCidrs.map((CidrIp) => ({ CidrIp, Description: 'VPC resolver' })) },
      { IpProtocol: 'tcp', FromPort: 53, ToPort: 53, IpRanges: input.facts.vpcCidrs.map((CidrIp) => ({ CidrIp, Description: 'VPC resolver' })) },
    ],
  );
  const status = (ready: boolean, detail: string): ProbeFunctionStatus => {
    // Each look ends in one decision (found as described, created, recreated, updated, or still settling).
    invocationLog().info(ready ? 'found' : 'converging', { probeFunction: functionName, detail });
    return { functionName, securityGroupId, ready, detail };
  };

  const create = async (why: string) => {
    try {
      await clients.lambda.send(
        new CreateFunctionCommand({
          FunctionName: functionName,
          Description: `Probes the private path to Azure OpenAI for environment ${input.request.environmentId}`,
          Runtime: runtimeOf(code),
          Handler: handlerOf(code),
          Role: code.roleArn,
          Code: { S3Bucket: code.s3Bucket, S3Key: code.s3Key },
          Timeout: TIMEOUT_SECONDS,
          MemorySize: MEMORY_MB,
          VpcConfig: { SubnetIds: subnetIds, SecurityGroupIds: [securityGroupId] },
          Tags: { ...standardTags(input.request.environmentId), [PROBE_CODE_TAG]: codeLocation(code) },
        }),
      );
    } catch (error) {
      // A retried create whose first answer was lost: the function exists; the next look judges it.
      if (nameOf(error) !== 'ResourceConflictException') throw error;
    }
    return status(false, why);
  };

  let found;
  try {
    found = await clients.lambda.send(new GetFunctionCommand({ FunctionName: functionName }));
  } catch (error) {
    if (nameOf(error) !== 'ResourceNotFoundException') throw error;
    return create(`The probe function ${functionName} was created`);
  }
  const fn = found.Configuration ?? {};
  const tags = found.Tags ?? {};
  if (!carriesOurTags(tags, input.request.environmentId)) {
    throw new ResourceConflict(
      `A Lambda function named ${functionName} exists without the tags ${TAG_MANAGED_BY}=${MANAGED_BY} and ${TAG_ENVIRONMENT}=${input.request.environmentId}: it is not this environment's, so it is left alone. Remove or rename it, then re-run.`,
    );
  }
  if (fn.State === 'Failed' || fn.LastUpdateStatus === 'Failed') {
    // Lambda's advice for a Failed function is to delete and recreate it; an update that failed left it half-changed.
    const reason = fn.State === 'Failed' ? `${fn.StateReasonCode ?? ''} ${fn.StateReason ?? ''}` : `${fn.LastUpdateStatusReasonCode ?? ''} ${fn.LastUpdateStatusReason ?? ''}`;
    try {
      await clients.lambda.send(new DeleteFunctionCommand({ FunctionName: functionName }));
    } catch (error) {
      if (nameOf(error) !== 'ResourceNotFoundException') throw error;
    }
    return create(`The probe function ${functionName} was Failed (${reason.trim()}) and was recreated`);
  }
  if (fn.State === 'Pending') return status(false, `The probe function ${functionName} is Pending (${fn.StateReasonCode ?? 'creating its network interfaces in the VPC'})`);
  if (fn.LastUpdateStatus === 'InProgress') return status(false, `An update of the probe function ${functionName} is in progress`);
  if (fn.State === 'Inactive') {
    // Lambda restores an Inactive function's network interfaces when it is invoked; the warm-up does nothing else.
    try {
      await clients.lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify({ warmUp: true })) }));
    } catch (error) {
      if (!['ResourceNotReadyException', 'ResourceConflictException'].includes(nameOf(error) ?? '')) throw error;
    }
    return status(false, `The probe function ${functionName} was Inactive (idle); invoking it started its restore`);
  }
  if (fn.State !== 'Active') return status(false, `The probe function ${functionName} is ${fn.State}`);

  try {
    if (tags[PROBE_CODE_TAG] !== codeLocation(code)) {
      await clients.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: functionName, S3Bucket: code.s3Bucket, S3Key: code.s3Key }));
      await clients.lambda.send(new TagResourceCommand({ Resource: fn.FunctionArn, Tags: { [PROBE_CODE_TAG]: codeLocation(code) } }));
      return status(false, `The probe function ${functionName} had code ${tags[PROBE_CODE_TAG] ?? '(unknown)'}; its code is being updated`);
    }
    const drift = configurationDrift(fn, code, subnetIds, securityGroupId);
    if (drift.length) {
      await clients.lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: functionName,
          Role: code.roleArn,
          Runtime: runtimeOf(code),
          Handler: handlerOf(code),
          Timeout: TIMEOUT_SECONDS,
          MemorySize: MEMORY_MB,
          VpcConfig: { SubnetIds: subnetIds, SecurityGroupIds: [securityGroupId] },
        }),
      );
      return status(false, `The probe function ${functionName} had ${drift.join('; ')}; its configuration is being updated`);
    }
  } catch (error) {
    // Another update got there first (a retry after a lost answer): wait for it like any other.
    if (nameOf(error) === 'ResourceConflictException') return status(false, `The probe function ${functionName} is busy with another change`);
    throw error;
  }
  return status(true, `The probe function ${functionName} is Active and up to date`);
}

export async function createProbeFunction(clients: ProbeFunctionClients, code: ProbeCode, input: StepInput): Promise<ProbeFunction> {
  const { functionName, securityGroupId, ready } = await convergeProbeFunction(clients, code, input);
  // Found Active and up to date (a re-run): nothing to wait for.
  return { functionName, securityGroupId, ready };
}

/** Not ready until Active, its last update Successful, and as the stack describes it. */
export async function checkProbeFunction(clients: ProbeFunctionClients, code: ProbeCode, input: StepInput): Promise<ProbeFunctionActive> {
  const status = await convergeProbeFunction(clients, code, input);
  if (!status.ready) throw new ResourceNotReady(status.detail);
  return { state: 'Active' };
}

/** A data-plane token, got at the moment of use; it goes into the invocation and nowhere else. */
async function dataPlaneToken(credential: TokenCredential): Promise<string> {
  const token = (await credential.getToken(COGNITIVE_SERVICES_SCOPE))?.token;
  if (!token) throw new Error(`Entra ID returned no token for ${COGNITIVE_SERVICES_SCOPE}`);
  rememberSecret(token);
  return token;
}

export interface ProbeClients {
  azureCredential: TokenCredential;
  lambda: LambdaClient;
  ec2: EC2Client;
  resolver: Route53ResolverClient;
}

export async function runProbe(clients: ProbeClients, input: RunProbeInput): Promise<ProbeSummary> {
  const names = resourceNames(input.request);
  const token = await dataPlaneToken(clients.azureCredential);
  let answer;
  try {
    answer = await clients.lambda.send(
      new InvokeCommand({
        FunctionName: names.aws.probeFunction,
        Payload: Buffer.from(
          JSON.stringify({ host: input.facts.openAiHost, deployment: input.request.azure.openAiDeployment, token, expectedPrivateIp: input.privateIp }),
        ),
      }),
    );
  } catch (error) {
    // Idle since it was checked: the failed invoke itself starts the restore, so waiting is enough. The SDK's
    // own retry of that 502 may already meet the restore (Pending), which Lambda answers with a conflict.
    if (['ResourceNotReadyException', 'ResourceConflictException'].includes(cloudErrorCode(error))) {
      throw new ResourceNotReady(`The probe function ${names.aws.probeFunction} went Inactive (idle) and is being restored`);
    }
    throw error;
  }
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
    !result.api.ok && `API: ${result.api.detail}${apiAdvice(result.api)}`,
  ].filter(Boolean);
  throw new ProbeFailed(
    `The probe from inside ${input.request.aws.vpcId} did not prove the private path. ${failed.join('. ')}.` +
      (missing.length ? ` What is missing: ${missing.join('; ')}.` : ' Both clouds look configured; check the NSGs and the tunnel logs.'),
  );
}

/** What an API refusal means for the operator, judged by status and code only. */
function apiAdvice(api: ProbeResult['api']): string {
  if (api.status === 401 && api.code === 'PermissionDenied') {
    return ' (the service principal holds no data-plane role on the account: assign it "Cognitive Services OpenAI User" on the OpenAI account)';
  }
  if (api.status === 401) return ' (the data plane refused the Entra ID token: check the tenant and that the account has a custom subdomain)';
  return '';
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
