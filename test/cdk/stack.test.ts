import { LAMBDAS } from '../../functions/catalog';
import { placeholdersIn } from '../../cdk/asl';
import { Synthesized, synthesize, usesRealAsl } from './synth';

let synth: Synthesized | undefined;
let synthError: unknown;

beforeAll(() => {
  try {
    synth = synthesize({ bundle: false });
    // Visible in the test output: the figure the README quotes.
    console.log(`synth without bundling, with cdk-nag (${usesRealAsl() ? 'real' : 'stand-in'} ASL): ${synth.milliseconds} ms`);
  } catch (error) {
    synthError = error;
  }
}, 180_000);

const resources = (type: string): [string, any][] =>
  Object.entries(synth!.json.Resources as Record<string, any>).filter(([, r]) => r.Type === type);
const asList = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

test('synth passes cdk-nag AwsSolutionsChecks (an unacknowledged finding would throw)', () => {
  expect(synthError).toBeUndefined();
  expect(synth).toBeDefined();
});

describe('state machine', () => {
  const stateMachine = () => {
    const found = resources('AWS::StepFunctions::StateMachine');
    expect(found).toHaveLength(1);
    return found[0][1].Properties;
  };

  test('every placeholder in the inline definition has a substitution, each a function ARN', () => {
    const props = stateMachine();
    expect(typeof props.DefinitionString).toBe('string'); // inline, readable by tests
    const placeholders = placeholdersIn(props.DefinitionString);
    expect(placeholders.length).toBeGreaterThan(0);
    for (const name of placeholders) {
      expect(props.DefinitionSubstitutions).toHaveProperty(name);
      expect(props.DefinitionSubstitutions[name]).toEqual({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    }
  });

  test('Standard type, logging ALL without execution data, X-Ray, encryption stated', () => {
    const props = stateMachine();
    expect(props.StateMachineType).toBe('STANDARD');
    expect(props.LoggingConfiguration.Level).toBe('ALL');
    expect(props.LoggingConfiguration.IncludeExecutionData).toBe(false);
    expect(props.TracingConfiguration).toEqual({ Enabled: true });
    expect(props.EncryptionConfiguration).toEqual({ Type: 'AWS_OWNED_KEY' });
  });

  test('the state machine may invoke each workflow function', () => {
    const substitutions = stateMachine().DefinitionSubstitutions as Record<string, { 'Fn::GetAtt': [string, string] }>;
    const policies = JSON.stringify(resources('AWS::IAM::Policy').map(([, p]) => p.Properties.PolicyDocument));
    for (const ref of Object.values(substitutions)) {
      expect(policies).toContain(JSON.stringify({ 'Fn::GetAtt': ref['Fn::GetAtt'] }));
    }
  });
});

describe('functions', () => {
  test('one function per catalog entry plus intake, status and notifier, all on Node 22/24', () => {
    const functions = resources('AWS::Lambda::Function');
    expect(functions.length).toBe(LAMBDAS.length + 3);
    for (const [, fn] of functions) expect(['nodejs22.x', 'nodejs24.x']).toContain(fn.Properties.Runtime);
  });

  test('Azure users get the credential secret ARN; ProbeRunner gets the probe code and role', () => {
    const byId = new Map(
      resources('AWS::Lambda::Function').map(([, fn]) => [String(fn.Properties.Description), fn.Properties.Environment?.Variables ?? {}]),
    );
    for (const definition of LAMBDAS) {
      const env = byId.get(definition.description)!;
      expect(env).toBeDefined();
      expect('AZURE_CREDENTIAL_SECRET_ARN' in env).toBe(definition.usesAzure);
    }
    const probeRunner = byId.get(LAMBDAS.find((l) => l.id === 'ProbeRunner')!.description)!;
    for (const key of ['PROBE_CODE_S3_BUCKET', 'PROBE_CODE_S3_KEY', 'PROBE_ROLE_ARN']) expect(probeRunner[key]).toBeDefined();
  });
});

describe('IAM', () => {
  const statements = () =>
    resources('AWS::IAM::Policy').flatMap(([id, p]) =>
      asList(p.Properties.PolicyDocument.Statement).map((s: any) => ({ policy: id, ...s })),
    );

  test('no wildcard action anywhere', () => {
    for (const s of statements()) {
      for (const action of asList<string>(s.Action)) {
        expect(action).not.toBe('*');
        expect(action).not.toMatch(/:\*$/);
      }
    }
  });

  test('Resource "*" without a condition only for actions that accept no resource scope', () => {
    const unscopable = /^(ec2:Describe|route53resolver:List|xray:|logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)|ec2:(CreateNetworkInterface|DeleteNetworkInterface|AssignPrivateIpAddresses|UnassignPrivateIpAddresses))/;
    const offenders = statements()
      .filter((s) => asList(s.Resource).includes('*') && !s.Condition)
      .flatMap((s) => asList<string>(s.Action).filter((a) => !unscopable.test(a)).map((a) => `${s.policy}: ${a}`));
    expect(offenders).toEqual([]);
  });

  test('workflow-created resources are created only with the managed-by tag', () => {
    const creates = statements().filter((s) =>
      asList<string>(s.Action).some((a) => ['ec2:CreateVpnGateway', 'secretsmanager:CreateSecret', 'lambda:CreateFunction'].includes(a)),
    );
    expect(creates.length).toBeGreaterThan(0);
    for (const s of creates) expect(s.Condition.StringEquals['aws:RequestTag/managed-by']).toBe('aoai-private-link');
  });

  test('iam:PassRole only for the probe role, only to Lambda', () => {
    const passRole = statements().filter((s) => asList(s.Action).includes('iam:PassRole'));
    expect(passRole).toHaveLength(1);
    expect(passRole[0].Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } });
    expect(passRole[0].Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ProbeRole/), 'Arn'] });
  });

  test('ec2:CreateTags only inside a create call (tag-on-create), never standalone', () => {
    const tagging = statements().filter((s) => asList(s.Action).includes('ec2:CreateTags'));
    expect(tagging.length).toBeGreaterThan(0);
    for (const s of tagging) {
      expect(asList(s.Action)).toEqual(['ec2:CreateTags']);
      expect(asList(s.Condition?.StringEquals?.['ec2:CreateAction']).length).toBeGreaterThan(0);
    }
  });

  test('without KMS context no KMS grant and no tunnel-key key id', () => {
    expect(statements().filter((s) => asList<string>(s.Action).some((a) => a.startsWith('kms:')))).toEqual([]);
    for (const [, fn] of resources('AWS::Lambda::Function')) expect(fn.Properties.Environment?.Variables?.TUNNEL_KEY_KMS_KEY_ID).toBeUndefined();
  });

  test('no managed policies on the functions (inline, reviewable grants)', () => {
    for (const [id, role] of resources('AWS::IAM::Role')) {
      if (id.startsWith('WebhookApiCloudWatchRole')) continue; // the account-level API Gateway logging role
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });
});

describe('secrets', () => {
  test('no secret value in the template', () => {
    for (const [, secret] of resources('AWS::SecretsManager::Secret')) {
      expect(secret.Properties.SecretString).toBeUndefined();
      expect(secret.Properties.GenerateSecretString).toBeDefined();
    }
  });

  test('an existing Azure credential secret is used, not created', () => {
    // Cheap to check without a second full synth: the stack reads the context value into the grant.
    const arn = 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:aoai-link/azure-sp-AbCdEf';
    expect(JSON.stringify(synth!.json)).not.toContain(arn);
  });
});

describe('webhook API and notifier', () => {
  test('POST /environments and GET /environments/{environmentId} (IAM), throttled, access-logged, traced', () => {
    const methods = resources('AWS::ApiGateway::Method').map(([, m]) => m.Properties);
    expect(methods.map((m) => m.HttpMethod).sort()).toEqual(['GET', 'POST']);
    expect(methods.find((m) => m.HttpMethod === 'GET').AuthorizationType).toBe('AWS_IAM');
    const [[, stage]] = resources('AWS::ApiGateway::Stage');
    const settings = stage.Properties.MethodSettings[0];
    expect(settings.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(settings.ThrottlingBurstLimit).toBeGreaterThan(0);
    expect(stage.Properties.AccessLogSetting.DestinationArn).toBeDefined();
    expect(stage.Properties.TracingEnabled).toBe(true);
  });

  test('execution end events of this state machine reach the notifier, with retries and a dead-letter queue', () => {
    const [[, rule]] = resources('AWS::Events::Rule');
    const pattern = rule.Properties.EventPattern;
    expect(pattern['detail-type']).toEqual(['Step Functions Execution Status Change']);
    expect(pattern.detail.status.sort()).toEqual(['ABORTED', 'FAILED', 'SUCCEEDED', 'TIMED_OUT']);
    expect(pattern.detail.stateMachineArn).toEqual([{ Ref: expect.stringMatching(/^Provision/) }]);
    const [target] = rule.Properties.Targets;
    expect(target.DeadLetterConfig.Arn).toBeDefined();
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
  });
});
