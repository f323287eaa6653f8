/**
 * The health check in the stack: its function, EventBridge Scheduler schedules (one for every environment by
 * default, every 15 minutes; one per listed environment with its own interval), the alarms, and the metrics
 * permission scoped to the health namespace; cdk-nag passes (synth throws on an unacknowledged finding).
 */
import { synthesize } from '../cdk/synth';

type Resource = { Type: string; Properties: any };
const ofType = (json: any, type: string): [string, Resource][] => Object.entries(json.Resources as Record<string, Resource>).filter(([, r]) => r.Type === type);
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

function healthFunctionId(json: any): string {
  const [id] = ofType(json, 'AWS::Lambda::Function').find(([, r]) => r.Properties.Environment?.Variables?.AWS_SDK_UA_APP_ID === 'aoai-link-HealthCheck')!;
  return id;
}

function statementsOfRole(json: any, roleId: string): any[] {
  return ofType(json, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap(([, p]) => asList(p.Properties.PolicyDocument.Statement));
}

describe('default: one schedule for every environment', () => {
  const { json } = synthesize({ bundle: false });
  const fnId = healthFunctionId(json);
  const fn = json.Resources[fnId];

  test('every 15 minutes, the health check function its target with an empty input, through a role only Scheduler of this account assumes', () => {
    const schedules = ofType(json, 'AWS::Scheduler::Schedule');
    expect(schedules).toHaveLength(1);
    const [, schedule] = schedules[0];
    expect(schedule.Properties.ScheduleExpression).toBe('rate(15 minutes)');
    expect(schedule.Properties.Target.Arn).toEqual({ 'Fn::GetAtt': [fnId, 'Arn'] });
    expect(JSON.parse(schedule.Properties.Target.Input)).toEqual({});
    const roleId = schedule.Properties.Target.RoleArn['Fn::GetAtt'][0];
    const trust = json.Resources[roleId].Properties.AssumeRolePolicyDocument.Statement[0];
    expect(trust.Principal).toEqual({ Service: 'scheduler.amazonaws.com' });
    expect(trust.Condition).toEqual({ StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } });
    const statements = statementsOfRole(json, roleId);
    expect(statements.flatMap((s) => asList(s.Action))).toEqual(['lambda:InvokeFunction']);
    expect(JSON.stringify(statements.map((s) => s.Resource))).not.toMatch(/"\*"/);
  });

  test('PutMetricData only into the health namespace; the function reads the machines it needs and the Azure credential', () => {
    const statements = statementsOfRole(json, fn.Properties.Role['Fn::GetAtt'][0]);
    const metrics = statements.filter((s) => asList(s.Action).includes('cloudwatch:PutMetricData'));
    expect(metrics).toHaveLength(1);
    expect(asList(metrics[0].Action)).toEqual(['cloudwatch:PutMetricData']);
    expect(metrics[0].Resource).toBe('*');
    expect(metrics[0].Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'AoaiLink/Health' } });
    const actions = statements.flatMap((s) => asList(s.Action)).sort();
    // Reads and one invoke: nothing that creates, changes or deletes.
    expect(actions.filter((a) => !/^(ec2:Describe|states:(List|Describe)|secretsmanager:(GetSecretValue|DescribeSecret)|kms:Decrypt|lambda:InvokeFunction|cloudwatch:PutMetricData|xray:|logs:(CreateLogStream|PutLogEvents)$)/.test(a))).toEqual([]);
    expect(actions).toEqual(expect.arrayContaining(['ec2:DescribeVpnConnections', 'lambda:InvokeFunction', 'states:ListExecutions', 'states:DescribeExecution', 'secretsmanager:GetSecretValue']));
    const invoke = statements.find((s) => asList(s.Action).includes('lambda:InvokeFunction'));
    expect(JSON.stringify(invoke.Resource)).toContain(':function:aoai-link-probe-*');
    expect(Object.keys(fn.Properties.Environment.Variables)).toEqual(expect.arrayContaining(['STATE_MACHINE_ARN', 'TEARDOWN_STATE_MACHINE_ARN', 'AZURE_CREDENTIAL_SECRET_ARN']));
  });

  test('alarms: any environment unhealthy, and the check itself failing', () => {
    const alarms = ofType(json, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const unhealthy = alarms.find((a) => a.MetricName === 'UnhealthyEnvironments')!;
    expect(unhealthy).toMatchObject({ Namespace: 'AoaiLink/Health', Statistic: 'Maximum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', Period: 900, TreatMissingData: 'notBreaching' });
    const errors = alarms.find((a) => a.MetricName === 'Errors')!;
    expect(errors.Dimensions).toEqual([{ Name: 'FunctionName', Value: { Ref: fnId } }]);
    expect(alarms).toHaveLength(2);
  });
});

test('listed environments: a schedule each, with its own interval and input, and an alarm each that also fires on silence', () => {
  const { json } = synthesize({ bundle: false, props: { healthCheckMinutes: 30, healthCheckEnvironments: [{ environmentId: 'aoai-prod-01', minutes: 5 }, { environmentId: 'aoai-dev-02' }] } });
  const schedules = ofType(json, 'AWS::Scheduler::Schedule').map(([, s]) => [s.Properties.ScheduleExpression, JSON.parse(s.Properties.Target.Input)]);
  expect(schedules).toEqual([
    ['rate(5 minutes)', { environmentId: 'aoai-prod-01' }],
    ['rate(30 minutes)', { environmentId: 'aoai-dev-02' }],
  ]);
  const perEnvironment = ofType(json, 'AWS::CloudWatch::Alarm')
    .map(([, a]) => a.Properties)
    .filter((a) => a.MetricName === 'Healthy');
  expect(perEnvironment.map((a) => [a.Dimensions, a.Period, a.Statistic, a.ComparisonOperator, a.Threshold, a.TreatMissingData])).toEqual([
    [[{ Name: 'EnvironmentId', Value: 'aoai-prod-01' }], 300, 'Minimum', 'LessThanThreshold', 1, 'breaching'],
    [[{ Name: 'EnvironmentId', Value: 'aoai-dev-02' }], 1800, 'Minimum', 'LessThanThreshold', 1, 'breaching'],
  ]);
});

test('an interval that is not a whole number of minutes fails synth, naming it', () => {
  expect(() => synthesize({ bundle: false, props: { healthCheckMinutes: 0 } })).toThrow(/whole number of minutes, at least 1; got 0/);
});
