/**
 * The Lambda functions of the product, in one list: the CDK stack builds one NodejsFunction per entry and
 * substitutes its ARN into the ASL as `${<substitution>}`; the local runner maps the same placeholders to the
 * handlers in-process. `calls` lists the cloud API actions each function makes, for least-privilege IAM.
 */
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
  },
  {
    id: 'AzureNetwork',
    substitution: 'AzureNetworkFunctionArn',
    entry: 'functions/azure-network/handler.ts',
    description: 'Creates and checks the Azure network resources (subnets, public IP, VPN gateway, NSGs, private endpoint, DNS).',
    calls: [],
    usesAzure: true,
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
    ],
    usesAzure: false,
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
  },
  {
    id: 'Tunnels',
    substitution: 'TunnelsFunctionArn',
    entry: 'functions/tunnels/handler.ts',
    description: 'Joins the Azure gateway to the AWS tunnels with the keys from Secrets Manager and checks both sides.',
    calls: ['ec2:DescribeVpnConnections', 'ec2:DescribeVpnGateways', 'ec2:DescribeCustomerGateways', 'secretsmanager:GetSecretValue'],
    usesAzure: true,
  },
  {
    id: 'OpenAiAccount',
    substitution: 'OpenAiAccountFunctionArn',
    entry: 'functions/openai-account/handler.ts',
    description: "Locks the Azure OpenAI account's public network access and checks the update.",
    calls: [],
    usesAzure: true,
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
  },
  {
    id: 'Summarise',
    substitution: 'SummariseFunctionArn',
    entry: 'functions/summarise/handler.ts',
    description: 'Writes the short summary the execution ends with.',
    calls: [],
    usesAzure: false,
  },
];

/** The probe itself: deployed per environment into the VPC by ProbeRunner, from this entry's bundle. */
export const PROBE_FUNCTION_ENTRY = 'functions/probe/handler.ts';

/** The ARN the local runner substitutes for a catalog entry. */
export function localFunctionArn(definition: LambdaDefinition, region = 'ap-northeast-1', account = '123456789012'): string {
  return `arn:aws:lambda:${region}:${account}:function:aoai-link-${definition.id}`;
}
