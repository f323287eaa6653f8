/**
 * The Lambda functions of the product, in one list: the CDK stack builds one NodejsFunction per entry and
 * substitutes its ARN into the ASL as `${<substitution>}`; the local runner maps the same placeholders to the
 * handlers in-process. `calls` lists the cloud API actions each function makes, for least-privilege IAM;
 * `clients` the SDK clients its bundle holds; `environment` the variables it reads, which the stack and the
 * local runner both fill and functions/commons/config.ts checks.
 */

/** Who gives a variable its value: the stack, Lambda itself (reserved names), or the operator (overrides). */
export type VariableSource = 'stack' | 'lambda' | 'operator';

export interface EnvironmentVariable {
  name: string;
  /** A required variable missing at cold start stops the function, naming it (functions/commons/config.ts). */
  required: boolean;
  setBy: VariableSource;
  purpose: string;
}

/** The SDK client families a function may bundle (functions/commons/clients/). */
export type ClientFamily = 'ec2' | 'resolver' | 'secrets' | 'lambda' | 'azure' | 'sfn' | 'cloudwatch';

const variable = (name: string, required: boolean, setBy: VariableSource, purpose: string): EnvironmentVariable => ({ name, required, setBy, purpose });

/** What every function reads, or its SDK does. */
export const COMMON_VARIABLES: EnvironmentVariable[] = [
  variable('AWS_REGION', true, 'lambda', 'The region every AWS call goes to (the SDK reads it).'),
  variable('AWS_ACCESS_KEY_ID', false, 'lambda', "The execution role's credentials (the SDK reads them)."),
  variable('AWS_SECRET_ACCESS_KEY', false, 'lambda', "The execution role's credentials (the SDK reads them)."),
  variable('AWS_SESSION_TOKEN', false, 'lambda', "The execution role's session token (the SDK reads it)."),
  variable('AWS_LAMBDA_LOG_STREAM_NAME', false, 'lambda', 'Names the execution environment: clients are kept for its life (functions/commons/clients/environment-cache.ts).'),
  variable('AWS_ENDPOINT_URL', false, 'operator', 'An endpoint for every AWS service (a VPC endpoint, a proxy; the SDK reads it and AWS_ENDPOINT_URL_<SERVICE>).'),
  variable('AWS_SDK_UA_APP_ID', false, 'stack', 'The app id the SDK puts in its User-Agent, so CloudTrail tells the functions apart.'),
  variable('NODE_OPTIONS', false, 'stack', '--enable-source-maps: stack traces name the sources of the minified bundle.'),
  variable('LOG_LEVEL', false, 'operator', 'DEBUG, INFO (default), WARN or ERROR.'),
];

/** What a function that calls Azure reads. */
export const AZURE_VARIABLES: EnvironmentVariable[] = [
  variable('AZURE_CREDENTIAL_SECRET_ARN', true, 'stack', 'The Secrets Manager secret holding the Azure service principal.'),
  variable('AZURE_ARM_ENDPOINT', false, 'operator', "Azure Resource Manager's base URL (a sovereign cloud, a private link); default the public cloud's."),
  variable('AZURE_AUTHORITY_HOST', false, 'operator', "Entra ID's host (a sovereign cloud); default the public cloud's."),
  variable('EXTRA_CA_PEM_FILE', false, 'operator', 'A PEM file of extra CAs to trust (a TLS-inspecting proxy).'),
];

/** What a function that checks the ticket callback's address reads (functions/commons/callback-url.ts). */
const CALLBACK_NETWORKS = variable(
  'CALLBACK_ALLOWED_NETWORKS',
  false,
  'operator',
  'Comma-separated CIDRs the ticket callback may reach although not public (a ticket system over Direct Connect); default none. Link-local never.',
);
const CALLBACK_VARIABLES: EnvironmentVariable[] = [
  CALLBACK_NETWORKS,
  variable('CALLBACK_DNS_SERVERS', false, 'operator', "Comma-separated address[:port] DNS servers the ticket callback's name is resolved with; default the system resolver."),
];

export interface LambdaDefinition {
  /** Construct id and function-name suffix. */
  id: string;
  /** ASL placeholder, without `${}`. Absent for functions the state machine does not call directly. */
  substitution?: string;
  /** Source file, relative to the project root; it exports `handler`. */
  entry: string;
  description: string;
  /** AWS API actions the function calls (IAM action names). */
  calls: string[];
  /** Reads the Azure service principal secret (Azure Resource Manager calls). */
  usesAzure: boolean;
  /** The SDK client families its handler builds, and so its bundle holds. */
  clients: ClientFamily[];
  /** The variables it reads besides COMMON_VARIABLES (and AZURE_VARIABLES when it uses Azure). */
  environment: EnvironmentVariable[];
}

export const LAMBDAS: LambdaDefinition[] = [
  {
    id: 'ValidateRequest',
    substitution: 'ValidateRequestFunctionArn',
    entry: 'functions/validate-request/handler.ts',
    description: 'Validates the environment request against the schema and what both clouds report.',
    calls: [
      'ec2:DescribeVpcs',
      'ec2:DescribeSubnets',
      'ec2:DescribeRouteTables',
      // Looks for same-named resources that are not ours before anything is created.
      'ec2:DescribeCustomerGateways',
      'ec2:DescribeVpnGateways',
      'ec2:DescribeVpnConnections',
      'ec2:DescribeSecurityGroups',
      'secretsmanager:DescribeSecret',
      'route53resolver:ListResolverEndpoints',
      'route53resolver:ListResolverRules',
      'route53resolver:ListTagsForResource',
      'lambda:GetFunction',
      // GetFunction answers tags only to a caller allowed ListTags.
      'lambda:ListTags',
    ],
    usesAzure: true,
    clients: ['ec2', 'resolver', 'secrets', 'lambda', 'azure'],
    environment: [
      ...CALLBACK_VARIABLES,
    ],
  },
  {
    id: 'AzureNetwork',
    substitution: 'AzureNetworkFunctionArn',
    entry: 'functions/azure-network/handler.ts',
    description: 'Creates and checks the Azure network resources (subnets, public IP, VPN gateway, NSGs, private endpoint, DNS).',
    calls: [],
    usesAzure: true,
    clients: ['secrets', 'azure'],
    environment: [],
  },
  {
    id: 'AwsVpn',
    substitution: 'AwsVpnFunctionArn',
    entry: 'functions/aws-vpn/handler.ts',
    description: 'Creates and checks the AWS side of the site-to-site VPN and keeps the tunnel keys in Secrets Manager.',
    calls: [
      'ec2:CreateCustomerGateway',
      'ec2:DescribeCustomerGateways',
      'ec2:CreateVpnGateway',
      'ec2:DescribeVpnGateways',
      'ec2:AttachVpnGateway',
      'ec2:EnableVgwRoutePropagation',
      'ec2:DescribeRouteTables',
      'ec2:CreateVpnConnection',
      'ec2:DescribeVpnConnections',
      'ec2:CreateVpnConnectionRoute',
      'ec2:CreateTags',
      'secretsmanager:CreateSecret',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:TagResource',
      // A re-provisioning within a teardown's recovery window restores our scheduled key and writes a new one.
      'secretsmanager:RestoreSecret',
      'secretsmanager:PutSecretValue',
    ],
    usesAzure: false,
    clients: ['ec2', 'secrets'],
    environment: [variable('TUNNEL_KEY_KMS_KEY_ID', false, 'stack', 'A customer-managed KMS key for the tunnel-key secrets; default the AWS-managed key.')],
  },
  {
    id: 'AwsDns',
    substitution: 'AwsDnsFunctionArn',
    entry: 'functions/aws-dns/handler.ts',
    description: 'Creates and checks the Route 53 Resolver outbound endpoint, forwarding rule and VPC association.',
    calls: [
      'ec2:CreateSecurityGroup',
      'ec2:DescribeSecurityGroups',
      'ec2:AuthorizeSecurityGroupEgress',
      'ec2:RevokeSecurityGroupEgress',
      'ec2:CreateTags',
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSubnets',
      'ec2:DescribeVpcs',
      'route53resolver:CreateResolverEndpoint',
      'route53resolver:GetResolverEndpoint',
      'route53resolver:ListResolverEndpoints',
      'route53resolver:CreateResolverRule',
      'route53resolver:GetResolverRule',
      'route53resolver:ListResolverRules',
      'route53resolver:AssociateResolverRule',
      'route53resolver:GetResolverRuleAssociation',
      'route53resolver:ListResolverRuleAssociations',
      'route53resolver:TagResource',
      'route53resolver:ListTagsForResource',
    ],
    usesAzure: false,
    clients: ['ec2', 'resolver'],
    environment: [],
  },
  {
    id: 'Tunnels',
    substitution: 'TunnelsFunctionArn',
    entry: 'functions/tunnels/handler.ts',
    description: 'Joins the Azure gateway to the AWS tunnels with the keys from Secrets Manager and checks both sides.',
    calls: ['ec2:DescribeVpnConnections', 'ec2:DescribeVpnGateways', 'ec2:DescribeCustomerGateways', 'secretsmanager:GetSecretValue'],
    usesAzure: true,
    clients: ['ec2', 'secrets', 'azure'],
    environment: [],
  },
  {
    id: 'OpenAiAccount',
    substitution: 'OpenAiAccountFunctionArn',
    entry: 'functions/openai-account/handler.ts',
    description: "Locks the Azure OpenAI account's public network access and checks the update.",
    calls: [],
    usesAzure: true,
    clients: ['secrets', 'azure'],
    environment: [],
  },
  {
    id: 'ProbeRunner',
    substitution: 'ProbeRunnerFunctionArn',
    entry: 'functions/probe-runner/handler.ts',
    description: 'Creates the probe function inside the VPC and runs it.',
    calls: [
      'lambda:CreateFunction',
      'lambda:GetFunction',
      // GetFunction answers the function's tags only to a caller allowed ListTags.
      'lambda:ListTags',
      'lambda:InvokeFunction',
      'lambda:TagResource',
      'lambda:UpdateFunctionCode',
      'lambda:UpdateFunctionConfiguration',
      'lambda:DeleteFunction',
      'iam:PassRole',
      'ec2:CreateSecurityGroup',
      'ec2:DescribeSecurityGroups',
      'ec2:AuthorizeSecurityGroupEgress',
      'ec2:RevokeSecurityGroupEgress',
      'ec2:CreateTags',
      // Reads for naming what is missing when the probe fails.
      'ec2:DescribeVpnConnections',
      'ec2:DescribeRouteTables',
      'route53resolver:ListResolverRules',
      'route53resolver:ListResolverRuleAssociations',
    ],
    usesAzure: true,
    clients: ['ec2', 'resolver', 'secrets', 'lambda', 'azure'],
    environment: [
      variable('PROBE_CODE_S3_BUCKET', true, 'stack', "The bucket of the probe's code (the stack's asset)."),
      variable('PROBE_CODE_S3_KEY', true, 'stack', "The key of the probe's code (content-addressed)."),
      variable('PROBE_ROLE_ARN', true, 'stack', "The probe's execution role."),
      variable('PROBE_RUNTIME', true, 'stack', "The probe's Lambda runtime, the one its bundle is built for."),
      variable('PROBE_HANDLER', true, 'stack', "The probe's handler in its bundle (file.export)."),
    ],
  },
  {
    id: 'Summarise',
    substitution: 'SummariseFunctionArn',
    entry: 'functions/summarise/handler.ts',
    description: 'Writes the short summary the execution ends with.',
    calls: [],
    usesAzure: false,
    clients: [],
    environment: [],
  },
  // Teardown (statemachine/teardown.asl.json): separate functions and roles, so the provisioning roles cannot delete.
  {
    id: 'TeardownInventory',
    substitution: 'TeardownInventoryFunctionArn',
    entry: 'functions/teardown-inventory/handler.ts',
    description: "Finds what an environment left in both clouds, whose each resource is, and what teardown will leave.",
    calls: [
      'ec2:DescribeCustomerGateways',
      'ec2:DescribeVpnGateways',
      'ec2:DescribeVpnConnections',
      'ec2:DescribeSecurityGroups',
      'secretsmanager:DescribeSecret',
      'route53resolver:ListResolverEndpoints',
      'route53resolver:ListResolverRules',
      'route53resolver:ListResolverRuleAssociations',
      'route53resolver:ListTagsForResource',
      'lambda:GetFunction',
      // GetFunction answers tags only to a caller allowed ListTags.
      'lambda:ListTags',
    ],
    usesAzure: true,
    clients: ['ec2', 'resolver', 'secrets', 'lambda', 'azure'],
    // The request is checked as provisioning checked it, callback host included.
    environment: [
      CALLBACK_NETWORKS,
    ],
  },
  {
    id: 'RemoveAzure',
    substitution: 'RemoveAzureFunctionArn',
    entry: 'functions/remove-azure/handler.ts',
    description: "Deletes the environment's Azure resources, one at a time, and restores the OpenAI account's public access when asked.",
    calls: [],
    usesAzure: true,
    clients: ['secrets', 'azure'],
    environment: [],
  },
  {
    id: 'RemoveAwsVpn',
    substitution: 'RemoveAwsVpnFunctionArn',
    entry: 'functions/remove-aws-vpn/handler.ts',
    description: "Deletes the environment's AWS VPN connection, virtual private gateway and customer gateway, and schedules its tunnel keys for deletion.",
    calls: [
      'ec2:DescribeVpnConnections',
      'ec2:DeleteVpnConnection',
      'ec2:DescribeVpnGateways',
      'ec2:DetachVpnGateway',
      'ec2:DeleteVpnGateway',
      'ec2:DescribeCustomerGateways',
      'ec2:DeleteCustomerGateway',
      'secretsmanager:DescribeSecret',
      // With a recovery window; the product never deletes a secret without one.
      'secretsmanager:DeleteSecret',
    ],
    usesAzure: false,
    clients: ['ec2', 'secrets'],
    environment: [],
  },
  {
    id: 'RemoveAwsDns',
    substitution: 'RemoveAwsDnsFunctionArn',
    entry: 'functions/remove-aws-dns/handler.ts',
    description: "Deletes the environment's Route 53 Resolver rule association, forwarding rule, outbound endpoint and its security group.",
    calls: [
      'route53resolver:ListResolverRules',
      'route53resolver:ListResolverEndpoints',
      'route53resolver:ListResolverRuleAssociations',
      'route53resolver:ListTagsForResource',
      'route53resolver:DisassociateResolverRule',
      'route53resolver:DeleteResolverRule',
      'route53resolver:DeleteResolverEndpoint',
      'ec2:DescribeSecurityGroups',
      'ec2:DeleteSecurityGroup',
      // Names what still holds the security group while the endpoint's interfaces go.
      'ec2:DescribeNetworkInterfaces',
    ],
    usesAzure: false,
    clients: ['ec2', 'resolver'],
    environment: [],
  },
  {
    id: 'RemoveProbe',
    substitution: 'RemoveProbeFunctionArn',
    entry: 'functions/remove-probe/handler.ts',
    description: "Deletes the environment's probe function and, once Lambda has released its network interfaces, its security group.",
    calls: [
      'lambda:GetFunction',
      // GetFunction answers tags only to a caller allowed ListTags.
      'lambda:ListTags',
      'lambda:DeleteFunction',
      'ec2:DescribeSecurityGroups',
      'ec2:DeleteSecurityGroup',
      // Names what still holds the security group while Lambda releases the interfaces.
      'ec2:DescribeNetworkInterfaces',
    ],
    usesAzure: false,
    clients: ['ec2', 'lambda'],
    environment: [],
  },
  {
    id: 'SummariseTeardown',
    substitution: 'SummariseTeardownFunctionArn',
    entry: 'functions/summarise-teardown/handler.ts',
    description: 'Writes the short summary a teardown ends with: what was removed, what was left and why.',
    calls: [],
    usesAzure: false,
    clients: [],
    environment: [],
  },
];

/** The probe itself: deployed per environment into the VPC by ProbeRunner, from this entry's bundle. */
export const PROBE_FUNCTION_ENTRY = 'functions/probe/handler.ts';
/** The Lambda runtime of every function and of the probe (the stack builds the bundles for it). */
export const FUNCTION_RUNTIME_NAME = 'nodejs22.x';
/** The probe's handler in its bundle: the bundle is `index.js`, the entry exports `handler`. */
export const PROBE_FUNCTION_HANDLER = 'index.handler';

/** The functions behind the webhook and the execution-end rule: not called by the state machine. */
export interface EntryFunctionDefinition {
  id: string;
  entry: string;
  description: string;
  clients: ClientFamily[];
  environment: EnvironmentVariable[];
  /** AWS API actions it calls that cdk/permissions.ts scopes (the Step Functions reads are the stack's own grants). */
  calls?: string[];
  /** Reads the Azure service principal secret (Azure Resource Manager and Entra ID calls). */
  usesAzure?: boolean;
}

export const ENTRY_FUNCTIONS: EntryFunctionDefinition[] = [
  {
    id: 'Intake',
    entry: 'functions/intake/handler.ts',
    description: 'POST /environments and DELETE /environments/{environmentId}: checks the signature and the request, starts the provisioning or the teardown execution.',
    clients: ['sfn', 'secrets'],
    environment: [
      variable('STATE_MACHINE_ARN', true, 'stack', 'The provisioning state machine it starts.'),
      variable('TEARDOWN_STATE_MACHINE_ARN', true, 'stack', 'The teardown state machine it starts; neither machine starts while the other runs for the environment.'),
      variable('SIGNING_SECRET_ARN', true, 'stack', 'The secret holding the HMAC key shared with the ticket system.'),
      ...CALLBACK_VARIABLES,
    ],
  },
  {
    id: 'EnvironmentStatus',
    entry: 'functions/environment-status/handler.ts',
    description: "GET /environments/{environmentId}: the latest execution's status and summary.",
    clients: ['sfn'],
    environment: [
      variable('STATE_MACHINE_ARN', true, 'stack', 'The provisioning state machine whose executions it reads.'),
      variable('TEARDOWN_STATE_MACHINE_ARN', true, 'stack', "The teardown state machine, whose latest execution the answer shows beside provisioning's."),
    ],
  },
  {
    id: 'NotifyTicket',
    entry: 'functions/notify-ticket/handler.ts',
    description: "Posts a signed status to the ticket's callbackUrl when a provisioning execution ends.",
    clients: ['sfn', 'secrets'],
    environment: [
      variable('SIGNING_SECRET_ARN', true, 'stack', 'The secret holding the HMAC key the status callbacks are signed with.'),
      variable('EXTRA_CA_PEM_FILE', false, 'operator', "A PEM file of extra CAs to trust for the ticket system's callback."),
      ...CALLBACK_VARIABLES,
    ],
  },
  {
    id: 'HealthCheck',
    entry: 'functions/health-check/handler.ts',
    description:
      "The scheduled health check: both sides of each tunnel, the BGP sessions, and the probe's DNS, TCP 443 and API checks from inside the VPC; creates nothing, publishes CloudWatch metrics per environment and step.",
    clients: ['ec2', 'lambda', 'sfn', 'secrets', 'azure', 'cloudwatch'],
    calls: [
      'ec2:DescribeVpnConnections',
      // The probe function provisioning left in the VPC; invoking it creates nothing.
      'lambda:InvokeFunction',
      'cloudwatch:PutMetricData',
    ],
    usesAzure: true,
    environment: [
      variable('STATE_MACHINE_ARN', true, 'stack', "The provisioning state machine: each environment's request is its latest succeeded execution's input."),
      variable('TEARDOWN_STATE_MACHINE_ARN', true, 'stack', 'The teardown state machine: an environment torn down since is not checked.'),
    ],
  },
];

/** Every variable a function reads: the common ones, Azure's when it calls Azure, then its own. */
export function variablesOf(definition: LambdaDefinition | EntryFunctionDefinition): EnvironmentVariable[] {
  const usesAzure = 'usesAzure' in definition && definition.usesAzure;
  const all = [...COMMON_VARIABLES, ...(usesAzure ? AZURE_VARIABLES : []), ...(definition.environment ?? [])];
  return all.filter((candidate, index) => all.findIndex((other) => other.name === candidate.name) === index);
}

/** A function by its id, among the workflow's and the entry functions. */
export function functionDefinition(id: string): LambdaDefinition | EntryFunctionDefinition {
  const found = [...LAMBDAS, ...ENTRY_FUNCTIONS].find((definition) => definition.id === id);
  if (!found) throw new Error(`No function ${id} in the catalog`);
  return found;
}
