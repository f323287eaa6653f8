/**
 * What one answered AWS call touched, as IAM would see it: the action, the ARNs of what it created and of the
 * existing resources the request names (with their tags then), the tags the request puts on, and the caller's
 * User-Agent (what CloudTrail records). test/iam/simulate.test.ts checks each record against the stack's
 * policies. Only names and tags are kept: never a parameter that could hold a secret (SecretString, PSKs).
 */
import type { EmulatorContext } from '../cloud/context';
import type { Tag } from '../cloud/state';
import type { QueryParams } from './query';

export interface TouchedResource {
  arn: string;
  /** The resource's tags (aws:ResourceTag), or for a created one the tags it was created with. */
  tags: Record<string, string>;
}

export interface AwsCallRecord {
  /** IAM action name, e.g. `ec2:CreateVpnConnection`, `lambda:InvokeFunction`. */
  action: string;
  /** The User-Agent header the caller sent. */
  userAgent: string;
  /** HTTP status of the answer: a refused call (not found, conflict) was authorized first all the same. */
  status: number;
  /** Resources this call created. */
  created: TouchedResource[];
  /** Existing resources the request names (including ones of other services: subnets, roles, S3 objects). */
  referenced: TouchedResource[];
  /** Tags the request asks for (aws:RequestTag, aws:TagKeys). */
  requestTags: Record<string, string>;
  /** Set when the emulator could not tell what the call touched (a gap the IAM simulation refuses). */
  unrecorded?: string;
}

/** What a call touched, before the action, caller and status are added. */
type Touched = Pick<AwsCallRecord, 'created' | 'referenced' | 'requestTags'>;

export type CallInput = { kind: 'query'; params: QueryParams } | { kind: 'json'; body: Record<string, unknown> };

const asRecord = (tags: Tag[] | undefined): Record<string, string> => Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value]));

function ec2Arn(ctx: EmulatorContext, type: string, id: string): string {
  return `arn:aws:ec2:${ctx.state.aws.region}:${ctx.state.aws.accountId}:${type}/${id}`;
}

/** The EC2 resource type and tags of an id, from the id's prefix and the emulated state. */
function ec2Resource(ctx: EmulatorContext, id: string): TouchedResource {
  const aws = ctx.state.aws;
  const kinds: [string, string, Tag[] | undefined][] = [
    ['vpc-', 'vpc', aws.vpcs.find((v) => v.VpcId === id)?.Tags],
    ['subnet-', 'subnet', aws.subnets.find((v) => v.SubnetId === id)?.Tags],
    ['rtb-', 'route-table', aws.routeTables.find((v) => v.RouteTableId === id)?.Tags],
    ['cgw-', 'customer-gateway', aws.customerGateways.find((v) => v.CustomerGatewayId === id)?.Tags],
    ['vgw-', 'vpn-gateway', aws.vpnGateways.find((v) => v.VpnGatewayId === id)?.Tags],
    ['vpn-', 'vpn-connection', aws.vpnConnections.find((v) => v.VpnConnectionId === id)?.Tags],
    ['sg-', 'security-group', aws.securityGroups.find((v) => v.GroupId === id)?.Tags],
  ];
  const kind = kinds.find(([prefix]) => id.startsWith(prefix));
  if (!kind) return { arn: ec2Arn(ctx, 'unknown', id), tags: {} };
  return { arn: ec2Arn(ctx, kind[1], id), tags: asRecord(kind[2]) };
}

const xmlValue = (xml: string, element: string): string | undefined => new RegExp(`<${element}>([^<]+)</${element}>`).exec(xml)?.[1];

function ec2Call(ctx: EmulatorContext, action: string, params: QueryParams, answer: string): Touched {
  const requestTags: Record<string, string> = {};
  for (const n of params.indices('TagSpecification')) Object.assign(requestTags, asRecord(params.tags(`TagSpecification.${n}.Tag`)));
  const referenced = (...names: string[]) =>
    names.map((name) => params.get(name)).filter((id): id is string => !!id).map((id) => ec2Resource(ctx, id));
  const created = (element: string) => {
    const id = xmlValue(answer, element);
    return id ? [{ ...ec2Resource(ctx, id), tags: requestTags }] : [];
  };
  switch (action) {
    case 'CreateCustomerGateway':
      return { created: created('customerGatewayId'), referenced: [], requestTags };
    case 'CreateVpnGateway':
      return { created: created('vpnGatewayId'), referenced: [], requestTags };
    case 'CreateVpnConnection':
      return { created: created('vpnConnectionId'), referenced: referenced('CustomerGatewayId', 'VpnGatewayId'), requestTags };
    case 'CreateSecurityGroup':
      return { created: created('groupId'), referenced: referenced('VpcId'), requestTags };
    case 'CreateTags':
      Object.assign(requestTags, asRecord(params.tags('Tag')));
      return { created: [], referenced: params.list('ResourceId').map((id) => ec2Resource(ctx, id)), requestTags };
    default:
      // Every other call names existing resources by these parameters (Describe* name none that IAM checks).
      if (action.startsWith('Describe')) return { created: [], referenced: [], requestTags };
      return {
        created: [],
        referenced: referenced('VpnGatewayId', 'VpcId', 'GatewayId', 'RouteTableId', 'VpnConnectionId', 'GroupId', 'CustomerGatewayId'),
        requestTags,
      };
  }
}

const jsonTags = (value: unknown): Record<string, string> =>
  Array.isArray(value) ? asRecord(value as Tag[]) : value && typeof value === 'object' ? { ...(value as Record<string, string>) } : {};

function resolverCall(ctx: EmulatorContext, action: string, body: Record<string, unknown>, answer: Record<string, any>): Touched {
  const aws = ctx.state.aws;
  const requestTags = jsonTags(body.Tags);
  const endpoint = (id: unknown) => aws.resolverEndpoints.find((e) => e.Id === id);
  const rule = (id: unknown) => aws.resolverRules.find((r) => r.Id === id);
  const own = (item: { Arn: string; Tags: Tag[] } | undefined) => (item ? [{ arn: item.Arn, tags: asRecord(item.Tags) }] : []);
  switch (action) {
    case 'CreateResolverEndpoint': {
      const subnets = ((body.IpAddresses as { SubnetId?: string }[] | undefined) ?? []).map((ip) => ip.SubnetId).filter((s): s is string => !!s);
      const groups = (body.SecurityGroupIds as string[] | undefined) ?? [];
      return {
        created: answer.ResolverEndpoint?.Arn ? [{ arn: answer.ResolverEndpoint.Arn, tags: requestTags }] : [],
        referenced: [...new Set([...subnets, ...groups])].map((id) => ec2Resource(ctx, id)),
        requestTags,
      };
    }
    case 'CreateResolverRule':
      return {
        created: answer.ResolverRule?.Arn ? [{ arn: answer.ResolverRule.Arn, tags: requestTags }] : [],
        referenced: own(endpoint(body.ResolverEndpointId)),
        requestTags,
      };
    case 'GetResolverEndpoint':
      return { created: [], referenced: own(endpoint(body.ResolverEndpointId)), requestTags };
    case 'GetResolverRule':
      return { created: [], referenced: own(rule(body.ResolverRuleId)), requestTags };
    case 'AssociateResolverRule':
      return { created: [], referenced: [...own(rule(body.ResolverRuleId)), ...(body.VPCId ? [ec2Resource(ctx, String(body.VPCId))] : [])], requestTags };
    case 'GetResolverRuleAssociation': {
      const association = aws.resolverRuleAssociations.find((a) => a.Id === body.ResolverRuleAssociationId);
      return { created: [], referenced: own(rule(association?.ResolverRuleId)), requestTags };
    }
    case 'TagResource': {
      const arn = String(body.ResourceArn ?? '');
      const item = [...aws.resolverEndpoints, ...aws.resolverRules].find((i) => i.Arn === arn);
      return { created: [], referenced: [{ arn, tags: asRecord(item?.Tags) }], requestTags };
    }
    default:
      return { created: [], referenced: [], requestTags };
  }
}

function secretsCall(ctx: EmulatorContext, action: string, body: Record<string, unknown>, answer: Record<string, any>): Touched {
  const requestTags = jsonTags(body.Tags);
  if (action === 'CreateSecret') {
    return { created: answer.ARN ? [{ arn: String(answer.ARN), tags: requestTags }] : [], referenced: [], requestTags };
  }
  const id = String(body.SecretId ?? '');
  const secret = ctx.state.aws.secrets.find((s) => s.ARN === id || s.Name === id || s.ARN.startsWith(`${id}-`));
  if (secret) return { created: [], referenced: [{ arn: secret.ARN, tags: asRecord(secret.Tags) }], requestTags };
  // No such secret: IAM still authorizes the name asked for (as an ARN without the suffix).
  const asked = id.startsWith('arn:') ? id : `arn:aws:secretsmanager:${ctx.state.aws.region}:${ctx.state.aws.accountId}:secret:${id}`;
  return { created: [], referenced: id ? [{ arn: asked, tags: {} }] : [], requestTags };
}

function lambdaCall(ctx: EmulatorContext, action: string, target: string, body: Record<string, unknown>, answer: Record<string, any>): Touched {
  const aws = ctx.state.aws;
  const requestTags = jsonTags(body.Tags);
  if (action === 'CreateFunction') {
    const vpc = (body.VpcConfig as { SubnetIds?: string[]; SecurityGroupIds?: string[] } | undefined) ?? {};
    const code = (body.Code as { S3Bucket?: string; S3Key?: string } | undefined) ?? {};
    return {
      created: answer.FunctionArn ? [{ arn: String(answer.FunctionArn), tags: requestTags }] : [],
      referenced: [
        ...(body.Role ? [{ arn: String(body.Role), tags: {} }] : []),
        ...[...(vpc.SubnetIds ?? []), ...(vpc.SecurityGroupIds ?? [])].map((id) => ec2Resource(ctx, id)),
        ...(code.S3Bucket ? [{ arn: `arn:aws:s3:::${code.S3Bucket}/${code.S3Key ?? ''}`, tags: {} }] : []),
      ],
      requestTags,
    };
  }
  const name = target.replace(/^arn:[^:]+:lambda:[^:]+:\d+:function:/, '').split(':')[0];
  const fn = aws.functions.find((f) => (f.FunctionName === name || f.FunctionArn === target) && f.deletedAt === undefined)
    ?? aws.functions.find((f) => f.FunctionName === name || f.FunctionArn === target);
  // No such function: IAM still authorizes the name asked for.
  const own = fn
    ? [{ arn: fn.FunctionArn, tags: { ...fn.Tags } }]
    : name
      ? [{ arn: `arn:aws:lambda:${aws.region}:${aws.accountId}:function:${name}`, tags: {} }]
      : [];
  if (action === 'UpdateFunctionConfiguration') {
    const vpc = (body.VpcConfig as { SubnetIds?: string[]; SecurityGroupIds?: string[] } | undefined) ?? {};
    return {
      created: [],
      referenced: [
        ...own,
        ...(body.Role ? [{ arn: String(body.Role), tags: {} }] : []),
        ...[...(vpc.SubnetIds ?? []), ...(vpc.SecurityGroupIds ?? [])].map((id) => ec2Resource(ctx, id)),
      ],
      requestTags,
    };
  }
  if (action === 'UpdateFunctionCode' && body.S3Bucket) {
    return { created: [], referenced: [...own, { arn: `arn:aws:s3:::${String(body.S3Bucket)}/${String(body.S3Key ?? '')}`, tags: {} }], requestTags };
  }
  return { created: [], referenced: own, requestTags };
}

/** IAM action names where the API operation is named differently. */
const IAM_ACTION_NAMES: Record<string, string> = { 'lambda:Invoke': 'lambda:InvokeFunction' };

export function describeAwsCall(
  ctx: EmulatorContext,
  call: { service: 'ec2' | 'route53resolver' | 'secretsmanager' | 'lambda'; action: string; target: string; input: CallInput; answerBody: string; userAgent: string; status: number },
): AwsCallRecord {
  const answer = (() => {
    if (call.service === 'ec2') return {};
    try {
      return JSON.parse(call.answerBody || '{}') as Record<string, any>;
    } catch {
      return {};
    }
  })();
  const body = call.input.kind === 'json' ? call.input.body : {};
  const touched =
    call.service === 'ec2' && call.input.kind === 'query'
      ? ec2Call(ctx, call.action, call.input.params, call.answerBody)
      : call.service === 'route53resolver'
        ? resolverCall(ctx, call.action, body, answer)
        : call.service === 'secretsmanager'
          ? secretsCall(ctx, call.action, body, answer)
          : lambdaCall(ctx, call.action, call.target, body, answer);
  const action = `${call.service}:${call.action}`;
  return { action: IAM_ACTION_NAMES[action] ?? action, userAgent: call.userAgent, status: call.status, ...touched };
}
