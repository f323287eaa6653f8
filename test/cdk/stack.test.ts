import { ENTRY_FUNCTIONS, LAMBDAS } from '../../functions/catalog';
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
    const found = resources('AWS::StepFunctions::StateMachine').filter(([id]) => id.startsWith('Provision'));
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
  test('one function per catalog entry (the workflow functions, then intake, status, notifier and the health check), all on Node 22/24', () => {
    const functions = resources('AWS::Lambda::Function');
    expect(functions.length).toBe(LAMBDAS.length + ENTRY_FUNCTIONS.length);
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
    expect(methods.map((m) => m.HttpMethod).sort()).toEqual(['DELETE', 'GET', 'POST']);
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

describe('teardown state machine', () => {
  const TEARDOWN_SUBSTITUTIONS = [
    'TeardownInventoryFunctionArn',
    'RemoveAzureFunctionArn',
    'RemoveAwsVpnFunctionArn',
    'RemoveAwsDnsFunctionArn',
    'RemoveProbeFunctionArn',
    'SummariseTeardownFunctionArn',
  ];
  const machines = () => resources('AWS::StepFunctions::StateMachine');
  const machine = (prefix: string) => {
    const found = machines().filter(([id]) => id.startsWith(prefix));
    expect(found).toHaveLength(1);
    return { id: found[0][0], props: found[0][1].Properties };
  };
  /** Logical id of a catalog function, found by its description. */
  const functionId = (catalogId: string) => {
    const description = LAMBDAS.find((l) => l.id === catalogId)!.description;
    const [found] = resources('AWS::Lambda::Function').filter(([, fn]) => fn.Properties.Description === description);
    return found[0];
  };
  const policiesOfRole = (roleRef: unknown) =>
    JSON.stringify(resources('AWS::IAM::Policy').filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify([roleRef])).map(([, p]) => p.Properties.PolicyDocument));

  test('two Standard machines; the teardown one is named aoai-link-teardown, logs ALL without execution data, traced', () => {
    expect(machines()).toHaveLength(2);
    const { props } = machine('Teardown');
    expect(props.StateMachineName).toBe('aoai-link-teardown');
    expect(props.StateMachineType).toBe('STANDARD');
    expect(props.LoggingConfiguration.Level).toBe('ALL');
    expect(props.LoggingConfiguration.IncludeExecutionData).toBe(false);
    expect(props.TracingConfiguration).toEqual({ Enabled: true });
    const logGroupRef = props.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn['Fn::GetAtt'][0];
    expect(synth!.json.Resources[logGroupRef].Properties.LogGroupName).toBe('/aws/vendedlogs/states/AoaiPrivateLinkTest-teardown');
    expect(JSON.parse(props.DefinitionString).StartAt).toBe('Find what the environment left in both clouds');
  });

  test('each machine gets exactly the substitutions its definition names: the teardown functions go to teardown only', () => {
    const teardown = machine('Teardown').props;
    const provision = machine('Provision').props;
    expect(Object.keys(teardown.DefinitionSubstitutions).sort()).toEqual([...TEARDOWN_SUBSTITUTIONS].sort());
    expect(Object.keys(teardown.DefinitionSubstitutions).sort()).toEqual(placeholdersIn(teardown.DefinitionString).sort());
    expect(Object.keys(provision.DefinitionSubstitutions).sort()).toEqual(placeholdersIn(provision.DefinitionString).sort());
    for (const name of TEARDOWN_SUBSTITUTIONS) expect(provision.DefinitionSubstitutions).not.toHaveProperty(name);
    for (const definition of LAMBDAS.filter((l) => l.substitution && TEARDOWN_SUBSTITUTIONS.includes(l.substitution))) {
      expect(teardown.DefinitionSubstitutions[definition.substitution!]).toEqual({ 'Fn::GetAtt': [functionId(definition.id), 'Arn'] });
    }
  });

  test("each machine's role may invoke its own functions and not the other's", () => {
    const teardown = machine('Teardown').props;
    const provision = machine('Provision').props;
    const teardownPolicies = policiesOfRole({ Ref: teardown.RoleArn['Fn::GetAtt'][0] });
    const provisionPolicies = policiesOfRole({ Ref: provision.RoleArn['Fn::GetAtt'][0] });
    for (const definition of LAMBDAS.filter((l) => l.substitution)) {
      const ref = JSON.stringify({ 'Fn::GetAtt': [functionId(definition.id), 'Arn'] });
      const isTeardown = TEARDOWN_SUBSTITUTIONS.includes(definition.substitution!);
      expect({ id: definition.id, teardown: teardownPolicies.includes(ref) }).toEqual({ id: definition.id, teardown: isTeardown });
      expect({ id: definition.id, provision: provisionPolicies.includes(ref) }).toEqual({ id: definition.id, provision: !isTeardown });
    }
  });

  test('DELETE /environments/{environmentId} goes to the intake (HMAC-signed like POST), which knows the teardown machine', () => {
    const methods = resources('AWS::ApiGateway::Method').map(([, m]) => m.Properties);
    const remove = methods.find((m) => m.HttpMethod === 'DELETE');
    const post = methods.find((m) => m.HttpMethod === 'POST');
    const get = methods.find((m) => m.HttpMethod === 'GET');
    expect(remove.ResourceId).toEqual(get.ResourceId);
    expect(remove.AuthorizationType).toBe('NONE');
    expect(remove.RequestParameters['method.request.path.environmentId']).toBe(true);
    expect(remove.RequestParameters['method.request.header.X-Signature']).toBe(false);
    const intakeUri = JSON.stringify(post.Integration.Uri);
    expect(JSON.stringify(remove.Integration.Uri)).toBe(intakeUri);
    expect(intakeUri).toContain(functionIdOfEntry('Intake'));

    const intake = synth!.json.Resources[functionIdOfEntry('Intake')].Properties;
    expect(intake.Environment.Variables.TEARDOWN_STATE_MACHINE_ARN).toEqual({ Ref: machine('Teardown').id });
    expect(intake.Environment.Variables.STATE_MACHINE_ARN).toEqual({ Ref: machine('Provision').id });
    const intakePolicies = policiesOfRole({ Ref: intake.Role['Fn::GetAtt'][0] });
    const start = JSON.parse(intakePolicies)
      .flatMap((d: any) => asList(d.Statement))
      .find((s: any) => asList(s.Action).includes('states:StartExecution'));
    expect(start.Resource).toEqual([{ Ref: machine('Provision').id }, { Ref: machine('Teardown').id }]);
  });

  test("a teardown's end reaches the notifier through its own rule, which may read the teardown's executions", () => {
    const rules = resources('AWS::Events::Rule');
    expect(rules).toHaveLength(2);
    const teardownRule = rules.find(([, r]) => JSON.stringify(r.Properties.EventPattern.detail.stateMachineArn) === JSON.stringify([{ Ref: machine('Teardown').id }]));
    expect(teardownRule).toBeDefined();
    const [target] = teardownRule![1].Properties.Targets;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [functionIdOfEntry('NotifyTicket'), 'Arn'] });
    expect(target.DeadLetterConfig.Arn).toBeDefined();
    const notifier = synth!.json.Resources[functionIdOfEntry('NotifyTicket')].Properties;
    expect(policiesOfRole({ Ref: notifier.Role['Fn::GetAtt'][0] })).toContain(
      JSON.stringify([':execution:', { 'Fn::GetAtt': [machine('Teardown').id, 'Name'] }, ':*']).slice(1, -1),
    );
  });

  test('the stack outputs the teardown machine ARN (the command line reads it)', () => {
    expect(synth!.json.Outputs.TeardownStateMachineArn.Value).toEqual({ Ref: machine('Teardown').id });
  });
});

/** Logical id of an entry function (intake, status, notifier), found by its construct id prefix. */
function functionIdOfEntry(id: string): string {
  const [found] = resources('AWS::Lambda::Function').filter(([logicalId]) => logicalId.startsWith(id) && !logicalId.startsWith(`${id}Role`));
  return found[0];
}
