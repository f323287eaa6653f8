/**
 * The health check's least privilege, simulated with iam-simulate as the other functions' is (simulate.test.ts):
 * every AWS call a local health run makes, as the HealthCheck function, is allowed by the policy the template
 * grants it; its metrics only into the health namespace; and it may create or change nothing.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runHealthLocally } from '../../cli/local-health';
import { sdkAppId } from '../../cdk/stack';
import type { AwsCallRecord } from '../../local/aws/call-record';
import { AZURE_CREDENTIAL_SECRET_NAME } from '../../local/cloud';
import { Recorder } from '../../local/cloud/context';
import { runLocal } from '../../local/runner';
import { synthesize } from '../cdk/synth';
import { ROOT } from '../workflow/support';
import { ACCOUNT, REGION, appIdOf, authorizationsFor, functionPolicies, runAs, simulate, stampUserAgents, type FunctionPolicies } from './support';

jest.setTimeout(10 * 60_000);

const LOCAL_AZURE_CREDENTIAL_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${AZURE_CREDENTIAL_SECRET_NAME}-Lc4lMd`;
const HEALTH = sdkAppId('HealthCheck');

let calls: AwsCallRecord[] = [];
let fn: FunctionPolicies;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aoai-iam-health-'));
  const stateFile = path.join(dir, 'state.json');
  const requestFile = path.join(ROOT, 'events', 'new-environment.json');
  expect((await runLocal({ requestFile, stateFile, outDir: path.join(dir, 'provision'), output: null })).status).toBe('SUCCEEDED');
  const recorded = jest.spyOn(Recorder.prototype, 'awsCall');
  const stopStamping = stampUserAgents();
  try {
    const result = await runAs(HEALTH, () => runHealthLocally({ requestFiles: [requestFile], stateFile, outDir: path.join(dir, 'health') }));
    expect(result.exitCode).toBe(0);
    calls = recorded.mock.calls.map(([record]) => record);
  } finally {
    stopStamping();
    recorded.mockRestore();
  }
  const { json } = synthesize({ bundle: false });
  const azureSecret = Object.keys(json.Resources).find((id) => id.startsWith('AzureCredential') && json.Resources[id].Type === 'AWS::SecretsManager::Secret')!;
  fn = functionPolicies(json as any, { arnOf: { [azureSecret]: LOCAL_AZURE_CREDENTIAL_ARN } }).find((f) => f.environment.AWS_SDK_UA_APP_ID === HEALTH)!;
});

test('every AWS call of a health run is the HealthCheck function\'s and is allowed by its policy, dependent authorizations included', async () => {
  expect(fn).toBeDefined();
  expect(calls.map((c) => appIdOf(c.userAgent)).filter((id) => id !== HEALTH)).toEqual([]);
  expect(new Set(calls.map((c) => c.action))).toEqual(new Set(['secretsmanager:GetSecretValue', 'ec2:DescribeVpnConnections', 'lambda:InvokeFunction']));
  const denied: string[] = [];
  for (const call of calls) {
    for (const authorization of await authorizationsFor(call)) {
      const outcome = await simulate(fn.roleArn, fn.policies, authorization);
      if (outcome.result !== 'Allowed') denied.push(`${outcome.result}: ${authorization.action} on ${authorization.resource}`);
    }
  }
  expect(denied).toEqual([]);
});

test('PutMetricData is allowed into AoaiLink/Health only', async () => {
  const put = (namespace: string) =>
    simulate(fn.roleArn, fn.policies, { action: 'cloudwatch:PutMetricData', resource: '*', context: { 'cloudwatch:namespace': namespace }, because: 'the health metrics' });
  expect((await put('AoaiLink/Health')).result).toBe('Allowed');
  expect((await put('AWS/EC2')).result).not.toBe('Allowed');
});

test.each([
  ['ec2:CreateVpnConnection', `arn:aws:ec2:${REGION}:${ACCOUNT}:vpn-connection/vpn-0123456789abcdef0`],
  ['ec2:DeleteVpnConnection', `arn:aws:ec2:${REGION}:${ACCOUNT}:vpn-connection/vpn-0123456789abcdef0`],
  ['lambda:CreateFunction', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:aoai-link-probe-aoai-prod-01`],
  ['lambda:UpdateFunctionConfiguration', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:aoai-link-probe-aoai-prod-01`],
  ['lambda:InvokeFunction', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:someone-elses-function`],
  ['states:StartExecution', `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:aoai-link-provision`],
  ['secretsmanager:GetSecretValue', `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:aoai-link/aoai-prod-01/tunnel-1-psk-AbCdEf`],
])('the health check may not %s (%s)', async (action, resource) => {
  const context = { 'aws:ResourceTag/managed-by': 'aoai-private-link', 'aws:RequestTag/managed-by': 'aoai-private-link' };
  expect((await simulate(fn.roleArn, fn.policies, { action, resource, context, because: 'not the health check\'s' })).result).not.toBe('Allowed');
});
