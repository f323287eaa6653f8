/**
 * Least-privilege IAM for the workflow's functions, derived from the catalog's `calls`.
 *
 * Every action a catalog entry lists must have a scope here; an unknown action fails synth
 * (UnscopedActionError) instead of silently getting `Resource: *`. Scopes follow what each service
 * supports:
 * - resources the workflow creates carry the tag `managed-by=aoai-link` from the create call itself,
 *   so creates are allowed only with that request tag, and later changes only on resources carrying it;
 * - resources the request points at (the customer's VPC, subnets, route tables) are not ours to tag, so
 *   actions that merely reference them are scoped to this account and region by ARN;
 * - EC2 `Describe*` and Route 53 Resolver `List*` do not support resource-level permissions at all; they
 *   are read-only and get `Resource: *` (acknowledged for cdk-nag with that reason).
 */
import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { MANAGED_BY, NAME_PREFIX, TAG_MANAGED_BY } from '../functions/commons/naming';
import { TUNNEL_KEY_RECOVERY_WINDOW_DAYS } from '../functions/commons/teardown-data';
import { HEALTH_NAMESPACE } from '../functions/health-check/metrics';

/** The tag every created resource carries (functions/commons/naming.ts standardTags). */
export const MANAGED_BY_TAG_KEY = TAG_MANAGED_BY;
export const MANAGED_BY_TAG_VALUE = MANAGED_BY;
/** Secrets the workflow creates (tunnel keys, naming.ts pskSecretName) live under this name prefix. */
export const WORKFLOW_SECRET_PREFIX = `${NAME_PREFIX}/`;
/** Probe functions ProbeRunner creates (naming.ts probeFunction); its Lambda permissions stop there. */
export const PROBE_FUNCTION_NAME_PREFIX = `${NAME_PREFIX}-probe-`;

export class UnscopedActionError extends Error {
  constructor(readonly action: string, readonly functionId: string) {
    super(
      `Function ${functionId} calls ${action}, which has no IAM scope in cdk/permissions.ts. ` +
        'Add one (resource ARNs or a managed-by tag condition) rather than granting it on "*".',
    );
    this.name = 'UnscopedActionError';
  }
}

type Condition = Record<string, Record<string, string | string[]>>;

interface Scope {
  resources: string[];
  conditions?: Condition;
  /** Why a wildcard in `resources` is the narrowest the service allows (shown to cdk-nag reviewers). */
  why: string;
}

/** What the stack knows that scopes depend on. */
export interface ScopeContext {
  /** The role ProbeRunner passes to the probe functions it creates. */
  probeRoleArn: string;
  /** The S3 object holding the probe's bundled code (Lambda reads it with the caller's permissions). */
  probeCodeObjectArn: string;
  /**
   * A customer-managed KMS key the tunnel-key secrets are encrypted with (context tunnelKeyKmsKeyArn).
   * Absent: Secrets Manager's AWS-managed key, which needs no grant of ours.
   */
  tunnelKeyKmsKeyArn?: string;
}

const ec2 = (resource: string) => `arn:${Aws.PARTITION}:ec2:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
const resolver = (resource: string) =>
  `arn:${Aws.PARTITION}:route53resolver:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
const workflowSecrets = () =>
  `arn:${Aws.PARTITION}:secretsmanager:${Aws.REGION}:${Aws.ACCOUNT_ID}:secret:${WORKFLOW_SECRET_PREFIX}*`;
const probeFunctions = () =>
  `arn:${Aws.PARTITION}:lambda:${Aws.REGION}:${Aws.ACCOUNT_ID}:function:${PROBE_FUNCTION_NAME_PREFIX}*`;

const requestTagged: Condition = { StringEquals: { [`aws:RequestTag/${MANAGED_BY_TAG_KEY}`]: MANAGED_BY_TAG_VALUE } };
const resourceTagged: Condition = { StringEquals: { [`aws:ResourceTag/${MANAGED_BY_TAG_KEY}`]: MANAGED_BY_TAG_VALUE } };
const anyResource = (service: string): Scope => ({
  resources: ['*'],
  why: `Read-only ${service} Describe/List actions do not support resource-level permissions.`,
});

/** Create: the new resource must be tagged in the same call. */
const createTagged = (...resources: string[]): Scope => ({
  resources,
  conditions: requestTagged,
  why: `IDs of resources being created are unknown before creation; the create is allowed only with the tag ${MANAGED_BY_TAG_KEY}=${MANAGED_BY_TAG_VALUE}.`,
});
/** Change: only resources the workflow created. */
const ownTagged = (...resources: string[]): Scope => ({
  resources,
  conditions: resourceTagged,
  why: `Limited by condition to resources tagged ${MANAGED_BY_TAG_KEY}=${MANAGED_BY_TAG_VALUE}, i.e. created by this workflow.`,
});
/** Reference: the customer's existing resources in this account and region. */
const inAccount = (why: string, ...resources: string[]): Scope => ({ resources, why });
const CUSTOMER_NETWORK =
  "The request names the customer's existing VPC, subnets and route tables at run time; they carry no tag of ours, so the scope is this account and region.";

const EC2_CREATES = [
  'CreateCustomerGateway',
  'CreateVpnGateway',
  'CreateVpnConnection',
  'CreateSecurityGroup',
];
/** The EC2 resource types those creates tag (iam-simulate and IAM lint need them listed, not `*\/*`). */
const EC2_TAGGED_ON_CREATE = ['customer-gateway', 'vpn-gateway', 'vpn-connection', 'security-group'];

function scopesFor(action: string, ctx: ScopeContext): Scope[] | undefined {
  const [service, name] = action.split(':');
  if (service === 'ec2' && name.startsWith('Describe')) return [anyResource('EC2')];
  if (action === 'route53resolver:ListTagsForResource') {
    // Unlike the other List actions, this one is authorized on the resource whose tags it lists.
    return [
      inAccount(
        'Read-only tag listing on Route 53 Resolver endpoints and rules of this account and region; their IDs are created at run time.',
        resolver('resolver-endpoint/*'),
        resolver('resolver-rule/*'),
      ),
    ];
  }
  if (service === 'route53resolver' && name.startsWith('List')) return [anyResource('Route 53 Resolver')];
  switch (action) {
    case 'ec2:CreateCustomerGateway':
      return [createTagged(ec2('customer-gateway/*'))];
    case 'ec2:CreateVpnGateway':
      return [createTagged(ec2('vpn-gateway/*'))];
    case 'ec2:AttachVpnGateway':
      return [ownTagged(ec2('vpn-gateway/*')), inAccount(CUSTOMER_NETWORK, ec2('vpc/*'))];
    case 'ec2:EnableVgwRoutePropagation':
      return [ownTagged(ec2('vpn-gateway/*')), inAccount(CUSTOMER_NETWORK, ec2('route-table/*'))];
    case 'ec2:CreateVpnConnection':
      return [
        createTagged(ec2('vpn-connection/*')),
        ownTagged(ec2('customer-gateway/*'), ec2('vpn-gateway/*')),
      ];
    case 'ec2:CreateVpnConnectionRoute':
      return [ownTagged(ec2('vpn-connection/*'))];
    // Teardown: deletions only of what carries our tag (the removal steps also check the environment tag).
    case 'ec2:DeleteVpnConnection':
      return [ownTagged(ec2('vpn-connection/*'))];
    case 'ec2:DetachVpnGateway':
      return [ownTagged(ec2('vpn-gateway/*')), inAccount(CUSTOMER_NETWORK, ec2('vpc/*'))];
    case 'ec2:DeleteVpnGateway':
      return [ownTagged(ec2('vpn-gateway/*'))];
    case 'ec2:DeleteCustomerGateway':
      return [ownTagged(ec2('customer-gateway/*'))];
    case 'ec2:DeleteSecurityGroup':
      return [ownTagged(ec2('security-group/*'))];
    case 'ec2:DeleteNetworkInterface':
      // What Route 53 Resolver does with the caller's permissions when it deletes an endpoint: the endpoint's
      // interfaces are untagged and their IDs were never ours to know.
      return [
        inAccount(
          "Route 53 Resolver deletes the endpoint interfaces with the caller's permissions; they carry no tag of ours and their IDs are unknown.",
          ec2('network-interface/*'),
        ),
      ];
    case 'ec2:CreateSecurityGroup':
      return [createTagged(ec2('security-group/*')), inAccount(CUSTOMER_NETWORK, ec2('vpc/*'))];
    case 'ec2:AuthorizeSecurityGroupEgress':
    case 'ec2:RevokeSecurityGroupEgress':
      return [ownTagged(ec2('security-group/*'))];
    case 'ec2:CreateTags':
      // Tag-on-create only: a standalone CreateTags could rewrite the managed-by tag the look-ups trust.
      return [
        {
          resources: EC2_TAGGED_ON_CREATE.map((type) => ec2(`${type}/*`)),
          conditions: {
            StringEquals: { 'ec2:CreateAction': EC2_CREATES, ...requestTagged.StringEquals },
          },
          why: 'Tag-on-create: allowed only inside the listed create calls (condition ec2:CreateAction), with our tag.',
        },
      ];
    case 'ec2:CreateNetworkInterface':
      // Route 53 Resolver creates the endpoint's interfaces with the caller's permissions, untagged, in the
      // request's subnets; the one thing of ours in that call is the security group, so that is the anchor.
      return [
        inAccount(
          "Route 53 Resolver creates the endpoint interfaces with the caller's permissions and without tags; their IDs are unknown before.",
          ec2('network-interface/*'),
        ),
        inAccount(CUSTOMER_NETWORK, ec2('subnet/*')),
        ownTagged(ec2('security-group/*')),
      ];
    case 'ec2:CreateNetworkInterfacePermission':
      // Resolver then grants itself the right to attach to the interfaces it just created.
      return [
        inAccount(
          "Route 53 Resolver authorizes itself on the interfaces it created with the caller's permissions; their IDs are unknown before.",
          ec2('network-interface/*'),
        ),
      ];
    case 'route53resolver:CreateResolverEndpoint':
      return [createTagged(resolver('resolver-endpoint/*'))];
    case 'route53resolver:CreateResolverRule':
      return [createTagged(resolver('resolver-rule/*'))];
    case 'route53resolver:TagResource':
      // What the creates with Tags also need; with the request-tag condition it cannot re-tag.
      return [createTagged(resolver('resolver-endpoint/*'), resolver('resolver-rule/*'))];
    case 'route53resolver:GetResolverEndpoint':
      return [
        inAccount(
          'Read-only Get on Route 53 Resolver endpoints of this account and region; their IDs are created at run time.',
          resolver('resolver-endpoint/*'),
        ),
      ];
    case 'route53resolver:GetResolverRule':
      return [
        inAccount(
          'Read-only Get on Route 53 Resolver rules of this account and region; their IDs are created at run time.',
          resolver('resolver-rule/*'),
        ),
      ];
    case 'route53resolver:AssociateResolverRule':
      // IAM authorizes it on the rule only (the VPC is checked with ec2:DescribeVpcs, see IMPLIED).
      return [ownTagged(resolver('resolver-rule/*'))];
    case 'route53resolver:DisassociateResolverRule':
    case 'route53resolver:DeleteResolverRule':
      return [ownTagged(resolver('resolver-rule/*'))];
    case 'route53resolver:DeleteResolverEndpoint':
      return [ownTagged(resolver('resolver-endpoint/*'))];
    case 'route53resolver:GetResolverRuleAssociation':
      // Authorized on the rule the association belongs to: IAM has no association resource type.
      return [
        inAccount(
          'Read-only Get of an association, authorized on its resolver rule; rule IDs are created at run time.',
          resolver('resolver-rule/*'),
        ),
      ];
    case 'secretsmanager:CreateSecret':
    case 'secretsmanager:TagResource':
      // TagResource is what CreateSecret with Tags also needs; with the request-tag condition it cannot re-tag.
      return [createTagged(workflowSecrets())];
    case 'secretsmanager:DeleteSecret':
      // Only scheduled, with the product's own recovery window: a deletion without one
      // (ForceDeleteWithoutRecovery) names no window and is refused.
      return [
        {
          ...ownTagged(workflowSecrets()),
          conditions: {
            ...resourceTagged,
            NumericEquals: { 'secretsmanager:RecoveryWindowInDays': String(TUNNEL_KEY_RECOVERY_WINDOW_DAYS) },
          },
        },
      ];
    case 'secretsmanager:RestoreSecret':
    case 'secretsmanager:PutSecretValue':
      // Restoring a tunnel key a teardown scheduled, and writing its new key: only secrets we created.
      return [ownTagged(workflowSecrets())];
    case 'secretsmanager:DescribeSecret':
    case 'secretsmanager:GetSecretValue':
      return [
        inAccount(
          `Tunnel keys are created per environment at run time under the name prefix ${WORKFLOW_SECRET_PREFIX}; nothing else is reachable.`,
          workflowSecrets(),
        ),
      ];
    case 'kms:GenerateDataKey':
    case 'kms:Decrypt':
      if (!ctx.tunnelKeyKmsKeyArn) return undefined;
      return [viaSecretsManager(ctx.tunnelKeyKmsKeyArn)];
    case 'lambda:CreateFunction':
      // Creating a function in a VPC also needs the caller to read the VPC (Lambda checks it).
      return [createTagged(probeFunctions())];
    case 'lambda:TagResource':
      return [createTagged(probeFunctions())];
    case 'lambda:GetFunction':
    case 'lambda:GetFunctionConfiguration':
    case 'lambda:ListTags':
    case 'lambda:InvokeFunction':
      return [
        inAccount(
          `Probe functions are created per environment at run time, named ${PROBE_FUNCTION_NAME_PREFIX}<environmentId>; nothing else is reachable.`,
          probeFunctions(),
        ),
      ];
    case 'lambda:UpdateFunctionCode':
    case 'lambda:UpdateFunctionConfiguration':
    case 'lambda:DeleteFunction':
      // Changes only to probe functions that carry our tag (one a person made under that name is not ours).
      return [ownTagged(probeFunctions())];
    case 'cloudwatch:PutMetricData':
      // PutMetricData has no resource type; the namespace condition is the narrowest scope it allows.
      return [
        {
          resources: ['*'],
          conditions: { StringEquals: { 'cloudwatch:namespace': HEALTH_NAMESPACE } },
          why: `PutMetricData supports no resource-level permissions; the condition allows the namespace ${HEALTH_NAMESPACE} only.`,
        },
      ];
    case 'iam:PassRole':
      return [
        {
          resources: [ctx.probeRoleArn],
          conditions: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
          why: 'Exactly one role, passed only to Lambda.',
        },
      ];
    default:
      return undefined;
  }
}

/** Secrets Manager decrypts and encrypts with the key on the function's behalf; the key is usable only that way. */
function viaSecretsManager(keyArn: string): Scope {
  return {
    resources: [keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Aws.REGION}.amazonaws.com` } },
    why: 'One KMS key, usable only through Secrets Manager in this region.',
  };
}

const LAMBDA_IN_VPC = ['ec2:DescribeSecurityGroups', 'ec2:DescribeSubnets', 'ec2:DescribeVpcs'];
/** Actions a listed call needs in addition to itself (documented service requirements). */
const IMPLIED: Record<string, string[]> = {
  // CreateFunction with VpcConfig: Lambda checks the caller can see the VPC, subnets and security groups.
  'lambda:CreateFunction': LAMBDA_IN_VPC,
  'lambda:UpdateFunctionConfiguration': LAMBDA_IN_VPC,
  // Route 53 Resolver creates the endpoint's network interfaces with the caller's permissions (Route 53
  // Resolver API permissions reference; AmazonRoute53ResolverFullAccess lists the same EC2 actions).
  'route53resolver:CreateResolverEndpoint': [
    'ec2:CreateNetworkInterface',
    'ec2:CreateNetworkInterfacePermission',
    'ec2:DescribeAvailabilityZones',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSubnets',
    'ec2:DescribeVpcs',
  ],
  'route53resolver:AssociateResolverRule': ['ec2:DescribeVpcs'],
  // Resolver deletes the endpoint's interfaces with the caller's permissions too (AmazonRoute53ResolverFullAccess
  // grants the same EC2 actions).
  'route53resolver:DeleteResolverEndpoint': ['ec2:DeleteNetworkInterface', 'ec2:DescribeNetworkInterfaces'],
};

/** With a customer-managed key, Secrets Manager uses it with the caller's permissions (Secrets Manager encryption docs). */
const IMPLIED_WITH_TUNNEL_KEY: Record<string, string[]> = {
  'secretsmanager:CreateSecret': ['kms:GenerateDataKey', 'kms:Decrypt'],
  'secretsmanager:GetSecretValue': ['kms:Decrypt'],
  // A new key written into a restored tunnel-key secret is encrypted like a created one.
  'secretsmanager:PutSecretValue': ['kms:GenerateDataKey', 'kms:Decrypt'],
};

export interface ScopedStatements {
  statements: iam.PolicyStatement[];
  /** For each resource pattern containing `*`: why it cannot be narrower (becomes a cdk-nag acknowledgement). */
  wildcardReasons: Map<string, string>;
}

/**
 * Policy statements for one function's `calls`, merged so that actions sharing a scope share a statement.
 * Throws UnscopedActionError for an action without a scope, and for any `*` or `service:*` action.
 */
export function statementsForCalls(functionId: string, calls: string[], ctx: ScopeContext): ScopedStatements {
  const actions = new Set<string>();
  for (const call of calls) {
    actions.add(call);
    for (const implied of IMPLIED[call] ?? []) actions.add(implied);
    if (ctx.tunnelKeyKmsKeyArn) for (const implied of IMPLIED_WITH_TUNNEL_KEY[call] ?? []) actions.add(implied);
  }
  const merged = new Map<string, { actions: Set<string>; scope: Scope }>();
  for (const action of [...actions].sort()) {
    if (action.includes('*')) throw new UnscopedActionError(action, functionId);
    const scopes = scopesFor(action, ctx);
    if (!scopes) throw new UnscopedActionError(action, functionId);
    for (const scope of scopes) {
      const key = JSON.stringify(scope);
      const entry = merged.get(key) ?? { actions: new Set<string>(), scope };
      entry.actions.add(action);
      merged.set(key, entry);
    }
  }
  const wildcardReasons = new Map<string, string>();
  for (const { scope } of merged.values()) {
    for (const resource of scope.resources) {
      if (resource.includes('*') && !wildcardReasons.has(resource)) wildcardReasons.set(resource, scope.why);
    }
  }
  const statements = [...merged.values()].map(
    ({ actions: stmtActions, scope }) =>
      new iam.PolicyStatement({ actions: [...stmtActions], resources: scope.resources, conditions: scope.conditions }),
  );
  if (calls.includes('lambda:CreateFunction') || calls.includes('lambda:UpdateFunctionCode')) {
    statements.push(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [ctx.probeCodeObjectArn] }));
  }
  return { statements, wildcardReasons };
}
