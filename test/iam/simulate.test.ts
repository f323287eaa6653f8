/**
 * Least privilege that is still enough privilege, checked with AWS's own authorization data: the default local
 * workflow runs with every AWS call recorded (action, ARNs, tags, caller), and each call's authorizations,
 * dependent ones included, are simulated with iam-simulate against the policy of the function that made it,
 * as the synthesized template grants it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { sdkAppId, type AoaiLinkStackProps } from '../../cdk/stack';
import { LAMBDAS } from '../../functions/catalog';
import type { AwsCallRecord } from '../../local/aws/call-record';
import { AZURE_CREDENTIAL_SECRET_NAME } from '../../local/cloud';
import { Recorder } from '../../local/cloud/context';
import { runLocal } from '../../local/runner';
import { catalogHandlers } from '../../local/runner/lambdas';
import { synthesize } from '../cdk/synth';
import {
  ACCOUNT,
  REGION,
  appIdOf,
  authorizationsFor,
  functionPolicies,
  runAs,
  simulate,
  stampUserAgents,
  type Authorization,
  type FunctionPolicies,
  type SimulationOutcome,
} from './support';

/** What the local runner names the probe's role and code (local/runner/index.ts); the stack creates them. */
const LOCAL_PROBE_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/aoai-link-probe`;
const LOCAL_PROBE_CODE_OBJECT = `arn:aws:s3:::aoai-link-local-assets-${ACCOUNT}/probe/handler.zip`;
const LOCAL_AZURE_CREDENTIAL_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${AZURE_CREDENTIAL_SECRET_NAME}-Lc4lMd`;

const KMS_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
/** A partial ARN whose name ends like Secrets Manager's suffix: "-" and six characters. */
const BYO_PARTIAL_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:team/aoai-sp-prod01`;

let calls: AwsCallRecord[] = [];
let status = '';

beforeAll(async () => {
  const recorded = jest.spyOn(Recorder.prototype, 'awsCall');
  const stopStamping = stampUserAgents();
  try {
    const catalog = catalogHandlers(REGION, ACCOUNT);
    const handlers = Object.fromEntries(
      LAMBDAS.filter((l) => l.substitution).map((l) => {
        const handler = catalog.handlers[catalog.arnOf(l.substitution!)!];
        return [l.substitution!, (input: unknown, invocation: any) => runAs(sdkAppId(l.id), () => handler(input, invocation))];
      }),
    );
    const dir = mkdtempSync(path.join(tmpdir(), 'aoai-iam-'));
    const stateFile = path.join(dir, 'state.json');
    // The first run creates everything; the same request again takes the look-up paths a retry or redrive takes.
    for (const run of ['first', 'again']) {
      const result = await runLocal({ output: null, outDir: path.join(dir, run), stateFile, handlers });
      status = status === '' || status === 'SUCCEEDED' ? result.status : status;
      if (result.status !== 'SUCCEEDED') console.log(`local run ${run} ${result.status}: ${result.error} ${result.cause}`);
    }
    calls = recorded.mock.calls.map(([record]) => record);
  } finally {
    stopStamping();
    recorded.mockRestore();
  }
}, 300_000);

/** Template functions by the SDK app id they send, their probe role and code rendered to the local names. */
function policiesByAppId(props: Partial<AoaiLinkStackProps> = {}): Map<string, FunctionPolicies> {
  const { json } = synthesize({ bundle: false, props });
  const probeRole = Object.keys(json.Resources).find((id) => id.startsWith('ProbeRole') && json.Resources[id].Type === 'AWS::IAM::Role')!;
  // The local clouds hold the Azure credential secret from the start (local/cloud/index.ts), standing for the
  // one the stack creates; an existing secret given by ARN (props) is used as given.
  const azureSecret = Object.keys(json.Resources).find((id) => id.startsWith('AzureCredential') && json.Resources[id].Type === 'AWS::SecretsManager::Secret');
  const arnOf: Record<string, string> = { [probeRole]: LOCAL_PROBE_ROLE_ARN, ...(azureSecret ? { [azureSecret]: LOCAL_AZURE_CREDENTIAL_ARN } : {}) };
  const functions = functionPolicies(json as any, { arnOf });
  return new Map(functions.filter((f) => f.environment.AWS_SDK_UA_APP_ID).map((f) => [f.environment.AWS_SDK_UA_APP_ID, f]));
}

/** The template names the probe code object by its asset; the local run by its stand-in. */
function withTemplateNames(call: AwsCallRecord, fn: FunctionPolicies): AwsCallRecord {
  const object = `arn:aws:s3:::${fn.environment.PROBE_CODE_S3_BUCKET}/${fn.environment.PROBE_CODE_S3_KEY}`;
  return { ...call, referenced: call.referenced.map((r) => (r.arn === LOCAL_PROBE_CODE_OBJECT ? { ...r, arn: object } : r)) };
}

async function simulateRun(byAppId: Map<string, FunctionPolicies>, kmsKeyArn?: string): Promise<(SimulationOutcome & { caller?: string })[]> {
  const outcomes: (SimulationOutcome & { caller?: string })[] = [];
  for (const call of calls) {
    const fn = byAppId.get(appIdOf(call.userAgent) ?? '')!;
    for (const authorization of await authorizationsFor(withTemplateNames(call, fn), kmsKeyArn)) {
      outcomes.push({ ...(await simulate(fn.roleArn, fn.policies, authorization)), caller: fn.functionId });
    }
  }
  return outcomes;
}

const denials = (outcomes: (SimulationOutcome & { caller?: string })[]) =>
  outcomes.filter((o) => o.result !== 'Allowed').map((o) => `${o.result}: ${o.caller ?? ''} ${o.authorization.action} on ${o.authorization.resource} (${o.authorization.because})${o.detail ? ` ${o.detail}` : ''}`);

describe('every authorization the default workflow needs is granted to the function that needs it', () => {
  let byAppId: Map<string, FunctionPolicies>;
  beforeAll(() => {
    byAppId = policiesByAppId();
  }, 180_000);

  test('both runs succeeded and every recorded AWS call names the function that made it', () => {
    expect(status).toBe('SUCCEEDED');
    expect(calls.length).toBeGreaterThan(20);
    const unattributed = calls.filter((c) => !byAppId.has(appIdOf(c.userAgent) ?? '')).map((c) => `${c.action} (${c.userAgent})`);
    expect(unattributed).toEqual([]);
    expect(calls.filter((c) => c.unrecorded).map((c) => `${c.action}: ${c.unrecorded}`)).toEqual([]);
  });

  test('0 denials, dependent authorizations included', async () => {
    const outcomes = await simulateRun(byAppId);
    const actions = new Set(outcomes.map((o) => o.authorization.action));
    // Visible in the test output: the figures the README quotes.
    console.log(`IAM simulation: ${calls.length} recorded AWS calls, ${outcomes.length} authorizations simulated (${actions.size} actions), ${denials(outcomes).length} denied`);
    expect(denials(outcomes)).toEqual([]);
    // The dependent authorizations were really derived and simulated, not skipped.
    for (const dependent of ['ec2:CreateTags', 'ec2:CreateNetworkInterface', 'ec2:CreateNetworkInterfacePermission', 'iam:PassRole', 'lambda:TagResource', 'route53resolver:TagResource', 'secretsmanager:TagResource', 's3:GetObject']) {
      expect(actions).toContain(dependent);
    }
    expect(outcomes.some((o) => o.authorization.action === 'route53resolver:GetResolverRuleAssociation' && o.authorization.resource.includes(':resolver-rule/'))).toBe(true);
  }, 120_000);

  test('the simulation is not vacuous: without its tag-on-create grant a function is denied', async () => {
    const stripped = new Map(
      [...byAppId].map(([appId, fn]) => [
        appId,
        {
          ...fn,
          policies: fn.policies.map((p) => ({
            ...p,
            policy: { ...p.policy, Statement: [].concat(p.policy.Statement).filter((s: any) => ![].concat(s.Action).includes('ec2:CreateTags' as never)) },
          })),
        },
      ]),
    );
    const denied = denials(await simulateRun(stripped));
    expect(denied.length).toBeGreaterThan(0);
    expect(denied.every((d) => d.includes('ec2:CreateTags'))).toBe(true);
  }, 120_000);

  test('no function may tag outside a create call, not even what the product owns', async () => {
    const owned = calls.flatMap((c) => c.created).filter((r) => r.arn.startsWith('arn:aws:ec2:'));
    expect(owned.length).toBeGreaterThan(0);
    const outcomes: SimulationOutcome[] = [];
    for (const fn of byAppId.values()) {
      for (const resource of owned) {
        const retag: Authorization = {
          action: 'ec2:CreateTags',
          resource: resource.arn,
          context: { 'aws:ResourceTag/managed-by': 'aoai-private-link', 'aws:RequestTag/managed-by': 'someone-else', 'aws:TagKeys': ['managed-by'] },
          because: 'a standalone CreateTags',
        };
        outcomes.push(await simulate(fn.roleArn, fn.policies, retag));
      }
    }
    expect(outcomes.filter((o) => o.result === 'Allowed').map((o) => o.authorization.resource)).toEqual([]);
  }, 120_000);
});

describe("the teardown's deletions, as the template grants them: only on what carries our tag", () => {
  let byAppId: Map<string, FunctionPolicies>;
  beforeAll(() => {
    byAppId = policiesByAppId();
  }, 180_000);

  const ec2Arn = (resource: string) => `arn:aws:ec2:${REGION}:${ACCOUNT}:${resource}`;
  const resolverArn = (resource: string) => `arn:aws:route53resolver:${REGION}:${ACCOUNT}:${resource}`;
  const deletions: [functionId: string, action: string, resource: string][] = [
    ['RemoveAwsVpn', 'ec2:DeleteVpnConnection', ec2Arn('vpn-connection/vpn-0123456789abcdef0')],
    ['RemoveAwsVpn', 'ec2:DetachVpnGateway', ec2Arn('vpn-gateway/vgw-0123456789abcdef0')],
    ['RemoveAwsVpn', 'ec2:DeleteVpnGateway', ec2Arn('vpn-gateway/vgw-0123456789abcdef0')],
    ['RemoveAwsVpn', 'ec2:DeleteCustomerGateway', ec2Arn('customer-gateway/cgw-0123456789abcdef0')],
    ['RemoveAwsVpn', 'secretsmanager:DeleteSecret', `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:aoai-link/aoai-prod-01/tunnel-1-psk-AbCdEf`],
    ['RemoveAwsDns', 'route53resolver:DisassociateResolverRule', resolverArn('resolver-rule/rslvr-rr-0123456789abcdef0')],
    ['RemoveAwsDns', 'route53resolver:DeleteResolverRule', resolverArn('resolver-rule/rslvr-rr-0123456789abcdef0')],
    ['RemoveAwsDns', 'route53resolver:DeleteResolverEndpoint', resolverArn('resolver-endpoint/rslvr-out-0123456789abcdef0')],
    ['RemoveAwsDns', 'ec2:DeleteSecurityGroup', ec2Arn('security-group/sg-0123456789abcdef0')],
    ['RemoveProbe', 'lambda:DeleteFunction', `arn:aws:lambda:${REGION}:${ACCOUNT}:function:aoai-link-probe-aoai-prod-01`],
    ['RemoveProbe', 'ec2:DeleteSecurityGroup', ec2Arn('security-group/sg-0123456789abcdef0')],
    ['AwsVpn', 'secretsmanager:RestoreSecret', `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:aoai-link/aoai-prod-01/tunnel-1-psk-AbCdEf`],
    ['AwsVpn', 'secretsmanager:PutSecretValue', `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:aoai-link/aoai-prod-01/tunnel-1-psk-AbCdEf`],
  ];

  test.each(deletions)('%s %s: allowed with managed-by=aoai-private-link, denied without it or with another value', async (functionId, action, resource) => {
    const fn = byAppId.get(sdkAppId(functionId))!;
    expect(fn).toBeDefined();
    const decide = async (context: Record<string, string>) =>
      (await simulate(fn.roleArn, fn.policies, { action, resource, context, because: `teardown ${action}` })).result;
    // What the call itself carries: the teardown schedules a secret's deletion with the product's window.
    const call: Record<string, string> = action === 'secretsmanager:DeleteSecret' ? { 'secretsmanager:RecoveryWindowInDays': '7' } : {};
    expect(await decide({ ...call, 'aws:ResourceTag/managed-by': 'aoai-private-link', 'aws:ResourceTag/environment': 'aoai-prod-01' })).toBe('Allowed');
    expect(await decide(call)).not.toBe('Allowed');
    expect(await decide({ ...call, 'aws:ResourceTag/managed-by': 'someone-else' })).not.toBe('Allowed');
  }, 60_000);

  test('no provisioning function may delete what the teardown deletes, not even ours', async () => {
    const provisioning = ['ValidateRequest', 'AwsVpn', 'AwsDns', 'Tunnels'];
    const allowed: string[] = [];
    for (const functionId of provisioning) {
      const fn = byAppId.get(sdkAppId(functionId))!;
      for (const [, action, resource] of deletions.filter(([owner]) => owner !== 'AwsVpn')) {
        const outcome = await simulate(fn.roleArn, fn.policies, { action, resource, context: { 'aws:ResourceTag/managed-by': 'aoai-private-link' }, because: 'a provisioning role' });
        if (outcome.result === 'Allowed') allowed.push(`${functionId} ${action}`);
      }
    }
    expect(allowed).toEqual([]);
  }, 60_000);
});

describe('bring-your-own Azure credential secret and customer-managed keys', () => {
  let byAppId: Map<string, FunctionPolicies>;
  let localSecretByPartialArn: Map<string, FunctionPolicies>;
  beforeAll(() => {
    byAppId = policiesByAppId({ azureCredentialSecretArn: BYO_PARTIAL_ARN, azureCredentialKmsKeyArn: KMS_KEY, tunnelKeyKmsKeyArn: KMS_KEY });
    // The local run's own credential secret, named by partial ARN (no suffix), as an operator may give it.
    localSecretByPartialArn = policiesByAppId({
      azureCredentialSecretArn: LOCAL_AZURE_CREDENTIAL_ARN.replace(/-[A-Za-z0-9]{6}$/, ''),
      azureCredentialKmsKeyArn: KMS_KEY,
      tunnelKeyKmsKeyArn: KMS_KEY,
    });
  }, 180_000);

  const azureUsers = () => LAMBDAS.filter((l) => l.usesAzure).map((l) => byAppId.get(sdkAppId(l.id))!);

  test('a partial ARN ending like a suffix is readable in both readings, and its key only via Secrets Manager', async () => {
    const via = { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` };
    for (const fn of azureUsers()) {
      expect(fn.environment.AZURE_CREDENTIAL_SECRET_ARN).toBe(BYO_PARTIAL_ARN);
      const read = (resource: string) => simulate(fn.roleArn, fn.policies, { action: 'secretsmanager:GetSecretValue', resource, context: {}, because: 'read the Azure credential' });
      // Read as partial: the real ARN carries Secrets Manager's suffix. Read as complete: it is the ARN itself.
      expect((await read(`${BYO_PARTIAL_ARN}-Xy12Zq`)).result).toBe('Allowed');
      expect((await read(BYO_PARTIAL_ARN)).result).toBe('Allowed');
      expect((await read(`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:team/other-Xy12Zq`)).result).not.toBe('Allowed');
      const decrypt = (context: Record<string, string>) => simulate(fn.roleArn, fn.policies, { action: 'kms:Decrypt', resource: KMS_KEY, context, because: 'decrypt the Azure credential' });
      expect((await decrypt(via)).result).toBe('Allowed');
      expect((await decrypt({})).result).not.toBe('Allowed');
    }
  }, 120_000);

  test('the tunnel-key KMS key reaches AwsVpn and every recorded call still passes with it', async () => {
    expect(localSecretByPartialArn.get(sdkAppId('AwsVpn'))!.environment.TUNNEL_KEY_KMS_KEY_ID).toBe(KMS_KEY);
    const outcomes = await simulateRun(localSecretByPartialArn, KMS_KEY);
    expect(outcomes.some((o) => o.authorization.action === 'kms:GenerateDataKey')).toBe(true);
    expect(denials(outcomes)).toEqual([]);
  }, 120_000);
});
