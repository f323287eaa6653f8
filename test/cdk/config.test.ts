/**
 * One source of configuration: each catalog entry declares the variables its function reads; the stack sets
 * exactly those (what it is meant to set), the local runner sets every required one, and a function missing a
 * required one stops naming it.
 */
import { ENTRY_FUNCTIONS, FUNCTION_RUNTIME_NAME, LAMBDAS, PROBE_FUNCTION_HANDLER, variablesOf, type EntryFunctionDefinition, type LambdaDefinition } from '../../functions/catalog';
import { checkConfiguration, ConfigurationError } from '../../functions/commons/config';
import { probeCodeFromEnvironment } from '../../functions/probe-runner/probe-runner';
import { localFunctionEnvironment } from '../../local/runner/environment';
import { FUNCTION_RUNTIME } from '../../cdk/stack';
import { synthesize } from './synth';

const ALL: (LambdaDefinition | EntryFunctionDefinition)[] = [...LAMBDAS, ...ENTRY_FUNCTIONS];
const KMS_KEY = 'arn:aws:kms:ap-northeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

function environmentsByDescription(props = {}): Map<string, Record<string, unknown>> {
  const { json } = synthesize({ bundle: false, props });
  const functions = Object.values(json.Resources as Record<string, any>).filter((r) => r.Type === 'AWS::Lambda::Function');
  return new Map(functions.map((fn) => [String(fn.Properties.Description), fn.Properties.Environment?.Variables ?? {}]));
}

describe('the stack fills each function’s declared environment', () => {
  const plain = environmentsByDescription();
  const withKey = environmentsByDescription({ tunnelKeyKmsKeyArn: KMS_KEY });

  it.each(ALL.map((definition) => [definition.id, definition]))('%s: only declared variables, every required one the stack owns', (_id, definition) => {
    for (const environment of [plain, withKey]) {
      const set = Object.keys(environment.get(definition.description) ?? {}).sort();
      const declared = variablesOf(definition);
      expect(set.filter((name) => !declared.some((variable) => variable.name === name))).toEqual([]);
      const owed = declared.filter((variable) => variable.required && variable.setBy === 'stack').map((variable) => variable.name);
      expect(owed.filter((name) => !set.includes(name))).toEqual([]);
      // Lambda's own names are reserved: the stack never sets them.
      expect(set.filter((name) => declared.find((variable) => variable.name === name)?.setBy === 'lambda')).toEqual([]);
      // Minified bundles keep readable stack traces.
      expect(environment.get(definition.description)?.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  it('sets the optional tunnel-key KMS key only when given, and only on the function that creates the secrets', () => {
    const holders = [...withKey.entries()].filter(([, environment]) => 'TUNNEL_KEY_KMS_KEY_ID' in environment).map(([description]) => description);
    expect(holders).toEqual([LAMBDAS.find((l) => l.id === 'AwsVpn')!.description]);
    expect([...plain.values()].filter((environment) => 'TUNNEL_KEY_KMS_KEY_ID' in environment)).toEqual([]);
  });

  it('gives the probe runner the runtime and handler the probe is built with', () => {
    const runner = plain.get(LAMBDAS.find((l) => l.id === 'ProbeRunner')!.description)!;
    expect(runner.PROBE_RUNTIME).toBe(FUNCTION_RUNTIME.name);
    expect(runner.PROBE_RUNTIME).toBe(FUNCTION_RUNTIME_NAME);
    expect(runner.PROBE_HANDLER).toBe(PROBE_FUNCTION_HANDLER);
  });
});

describe('the local runner fills the same declaration', () => {
  const local = localFunctionEnvironment({
    awsEndpoint: 'http://127.0.0.1:1',
    azureEndpoint: 'https://127.0.0.1:2',
    authorityHost: 'https://127.0.0.1:3',
    azureCredentialSecretArn: 'arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:x-AbCdEf',
    caFile: '/tmp/ca.pem',
    region: 'ap-northeast-1',
    accountId: '123456789012',
    logStreamName: 'local/run/0',
  });

  it.each(LAMBDAS.map((definition) => [definition.id, definition]))('%s: every required variable is set', (_id, definition) => {
    const missing = variablesOf(definition).filter((variable) => variable.required && !local[variable.name]);
    expect(missing.map((variable) => variable.name)).toEqual([]);
    expect(() => checkConfiguration(definition.id, local)).not.toThrow();
  });

  it('reaches the emulated clouds only through settings a deployment also has', () => {
    const declared = new Set(LAMBDAS.flatMap((definition) => variablesOf(definition).map((variable) => variable.name)));
    // Besides the declared names: the SDK's own switches for a machine that is not in AWS.
    const undeclared = Object.keys(local).filter((name) => !declared.has(name));
    expect(undeclared.sort()).toEqual(['AWS_DEFAULT_REGION', 'AWS_EC2_METADATA_DISABLED', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED']);
  });
});

describe('a missing required variable stops the function, naming it', () => {
  it('names every missing variable of the function', () => {
    const env = { AWS_REGION: 'ap-northeast-1', PROBE_ROLE_ARN: 'arn:aws:iam::123456789012:role/p', PROBE_CODE_S3_KEY: 'k' };
    let thrown: unknown;
    try {
      checkConfiguration('ProbeRunner', env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).name).toBe('ConfigurationError');
    expect((thrown as ConfigurationError).missing).toEqual(['AZURE_CREDENTIAL_SECRET_ARN', 'PROBE_CODE_S3_BUCKET', 'PROBE_RUNTIME', 'PROBE_HANDLER']);
    expect(() => probeCodeFromEnvironment(env)).toThrow(/PROBE_CODE_S3_BUCKET/);
  });

  it('an empty value counts as missing (no request to an empty ARN)', () => {
    const machines = { STATE_MACHINE_ARN: 'arn:aws:states:x', TEARDOWN_STATE_MACHINE_ARN: 'arn:aws:states:y' };
    expect(() => checkConfiguration('EnvironmentStatus', { AWS_REGION: 'ap-northeast-1', ...machines, STATE_MACHINE_ARN: '' })).toThrow(/ STATE_MACHINE_ARN /);
    expect(() => checkConfiguration('EnvironmentStatus', { AWS_REGION: 'ap-northeast-1', ...machines, TEARDOWN_STATE_MACHINE_ARN: '' })).toThrow(/TEARDOWN_STATE_MACHINE_ARN/);
    expect(() => checkConfiguration('EnvironmentStatus', { AWS_REGION: 'ap-northeast-1', ...machines })).not.toThrow();
  });
});
