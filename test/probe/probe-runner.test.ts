/**
 * The probe runner (functions/probe-runner/probe-runner.ts) against the emulated AWS: the probe function's
 * convergence one change at a time (create, wait for Active, update code or configuration, recreate when
 * Failed, wake when Inactive), its refusal of a look-alike it did not create, and the runner's verdict from
 * the probe's result. Then the emulated Lambda's network: the probe gets only what its security group allows.
 */
import { AuthorizeSecurityGroupEgressCommand, CreateSecurityGroupCommand, DescribeSecurityGroupsCommand, EC2Client, RevokeSecurityGroupEgressCommand } from '@aws-sdk/client-ec2';
import { CreateFunctionCommand, GetFunctionCommand, InvokeCommand, LambdaClient, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { Route53ResolverClient } from '@aws-sdk/client-route53resolver';
import { ClientSecretCredential } from '@azure/identity';
import { rootCertificates } from 'node:tls';
import { resourceNames, standardTags } from '../../functions/commons/naming';
import { checkProbeFunction, convergeProbeFunction, createProbeFunction, diagnose, PROBE_CODE_TAG, runProbe, type ProbeFunctionClients } from '../../functions/probe-runner/probe-runner';
import type { ProbeResult } from '../../functions/commons/workflow-data';
import { startAwsEmulator } from '../../local/aws/server';
import { startLocalClouds, type LocalClouds } from '../../local/cloud';
import { LOCAL_SERVICE_PRINCIPAL } from '../../local/azure/entra';
import type { CloudState, LambdaFunction, SecurityGroupRule } from '../../local/cloud/state';
import { Latencies } from '../../local/latency';
import { NetworkModel, publicAddressOf } from '../../local/network';
import { FaultInjector, NO_FAULTS, parseFaults } from '../../local/faults';
import { SUBNET_A, SUBNET_C, VPC_ID, startHarness, type Harness } from '../local-aws/helpers';
import { ALL_READY_AT, ManualClock, builtState, ids } from '../local-network/fixtures';
import { CODE, DEFAULT_FACTS, ec2OnceAt, stepInput } from './support';

const FUNCTION_NAME = 'aoai-link-probe-aoai-prod-01';
const OTHER_ROLE = 'arn:aws:iam::123456789012:role/someone-else';
const credentials = { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' };

const errorOf = async (promise: Promise<unknown>): Promise<Error & { name: string }> => {
  try {
    await promise;
  } catch (error) {
    return error as never;
  }
  throw new Error('expected a rejection');
};

const live = (state: CloudState): LambdaFunction[] => state.aws.functions.filter((f) => f.deletedAt === undefined && f.FunctionName === FUNCTION_NAME);
const callsOf = (h: { ctx: { recorder: { apiCalls: { aws: Record<string, number> } } } }, action: string) => h.ctx.recorder.apiCalls.aws[action] ?? 0;

describe('the probe function converges one change at a time', () => {
  let h: Harness;
  let clients: ProbeFunctionClients;
  const invoked: unknown[] = [];

  beforeEach(async () => {
    invoked.length = 0;
    h = await startHarness({
      invokeFunction: async (_fn, payload) => {
        invoked.push(payload);
        return { warmedUp: true };
      },
    });
    clients = { ec2: h.ec2, ec2Once: ec2OnceAt(h.endpoint), lambda: h.lambda };
  });
  afterEach(async () => {
    clients.ec2Once.destroy();
    await h.close();
  });

  /** Creates the probe function and waits until it is Active and ready. */
  async function activeProbe(input = stepInput()) {
    const created = await convergeProbeFunction(clients, CODE, input);
    await h.clock.sleep(60);
    expect(await convergeProbeFunction(clients, CODE, input)).toMatchObject({ ready: true });
    return created;
  }

  test('creates the function once, as the stack describes it, in an egress-only security group', async () => {
    const first = await convergeProbeFunction(clients, CODE, stepInput());
    expect(first).toEqual({ functionName: FUNCTION_NAME, securityGroupId: expect.stringMatching(/^sg-/), ready: false, detail: expect.stringMatching(/\S/) });

    const got = await h.lambda.send(new GetFunctionCommand({ FunctionName: FUNCTION_NAME }));
    expect(got.Configuration).toMatchObject({
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: CODE.roleArn,
      Timeout: 30,
      MemorySize: 256,
      State: 'Pending',
      VpcConfig: { SubnetIds: [SUBNET_A], SecurityGroupIds: [first.securityGroupId], VpcId: VPC_ID },
    });
    expect(got.Tags).toEqual({ environment: 'aoai-prod-01', 'managed-by': 'aoai-private-link', [PROBE_CODE_TAG]: `${CODE.s3Bucket}/${CODE.s3Key}` });
    expect(live(h.ctx.state)[0].Code).toMatchObject({ S3Bucket: CODE.s3Bucket, S3Key: CODE.s3Key });

    const group = (await h.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [first.securityGroupId] }))).SecurityGroups![0];
    expect(group.VpcId).toBe(VPC_ID);
    const egress = (group.IpPermissionsEgress ?? []).map((p) => ({ protocol: p.IpProtocol, from: p.FromPort, to: p.ToPort, cidrs: (p.IpRanges ?? []).map((r) => r.CidrIp) }));
    expect(egress).toEqual(
      expect.arrayContaining([
        { protocol: 'tcp', from: 443, to: 443, cidrs: DEFAULT_FACTS.vnetAddressPrefixes },
        { protocol: 'udp', from: 53, to: 53, cidrs: DEFAULT_FACTS.vpcCidrs },
        { protocol: 'tcp', from: 53, to: 53, cidrs: DEFAULT_FACTS.vpcCidrs },
      ]),
    );
    expect(egress).toHaveLength(3);

    // Pending: nothing more is done, and nothing is created twice.
    expect(await convergeProbeFunction(clients, CODE, stepInput())).toMatchObject({ ready: false, securityGroupId: first.securityGroupId });
    await expect(checkProbeFunction(clients, CODE, stepInput())).rejects.toMatchObject({ name: 'ResourceNotReady' });
    expect(live(h.ctx.state)).toHaveLength(1);
    expect(callsOf(h, 'CreateFunction')).toBe(1);
    expect(callsOf(h, 'CreateSecurityGroup')).toBe(1);
    expect(callsOf(h, 'UpdateFunctionCode') + callsOf(h, 'UpdateFunctionConfiguration') + callsOf(h, 'Invoke')).toBe(0);

    await h.clock.sleep(60);
    expect(await convergeProbeFunction(clients, CODE, stepInput())).toEqual({ ...first, ready: true, detail: expect.stringMatching(/\S/) });
    await expect(checkProbeFunction(clients, CODE, stepInput())).resolves.toEqual({ state: 'Active' });
    await expect(createProbeFunction(clients, CODE, stepInput())).resolves.toEqual({ functionName: FUNCTION_NAME, securityGroupId: first.securityGroupId, ready: true });
    expect(callsOf(h, 'CreateFunction')).toBe(1);
    expect(callsOf(h, 'UpdateFunctionCode') + callsOf(h, 'UpdateFunctionConfiguration')).toBe(0);
  });

  test.each([
    ['no tags', {}],
    ['another environment', { 'managed-by': 'aoai-private-link', environment: 'aoai-dev-02' }],
    ['not managed by this product', { 'managed-by': 'terraform', environment: 'aoai-prod-01' }],
  ])('a function with our name and %s is refused and left exactly as it was', async (_what, tags) => {
    await h.lambda.send(
      new CreateFunctionCommand({
        FunctionName: FUNCTION_NAME,
        Role: OTHER_ROLE,
        Runtime: 'python3.12',
        Handler: 'app.main',
        Code: { ZipFile: Buffer.from('someone else') },
        Tags: tags,
      }),
    );
    const before = await h.lambda.send(new GetFunctionCommand({ FunctionName: FUNCTION_NAME }));
    const refused = await errorOf(convergeProbeFunction(clients, CODE, stepInput()));
    expect(refused.name).toBe('ResourceConflict');
    await expect(checkProbeFunction(clients, CODE, stepInput())).rejects.toMatchObject({ name: 'ResourceConflict' });
    const after = await h.lambda.send(new GetFunctionCommand({ FunctionName: FUNCTION_NAME }));
    expect({ configuration: after.Configuration, tags: after.Tags }).toEqual({ configuration: before.Configuration, tags: before.Tags });
    for (const action of ['UpdateFunctionCode', 'UpdateFunctionConfiguration', 'TagResource', 'DeleteFunction', 'Invoke']) expect({ action, calls: callsOf(h, action) }).toEqual({ action, calls: 0 });
  });

  test('a look-alike that is Failed is refused too, not deleted', async () => {
    await h.lambda.send(new CreateFunctionCommand({ FunctionName: FUNCTION_NAME, Role: OTHER_ROLE, Code: { ZipFile: Buffer.from('x') } }));
    live(h.ctx.state)[0].failed = { StateReasonCode: 'EniLimitExceeded', StateReason: 'too many interfaces' };
    expect((await errorOf(convergeProbeFunction(clients, CODE, stepInput()))).name).toBe('ResourceConflict');
    expect(live(h.ctx.state)).toHaveLength(1);
    expect(callsOf(h, 'DeleteFunction')).toBe(0);
  });

  test('new code (another S3 key) is one update, waited for, then the function is ready', async () => {
    await activeProbe();
    const next = { ...CODE, s3Key: 'probe-ffee99.zip' };
    expect(await convergeProbeFunction(clients, next, stepInput())).toMatchObject({ ready: false });
    const got = await h.lambda.send(new GetFunctionCommand({ FunctionName: FUNCTION_NAME }));
    expect(got.Configuration).toMatchObject({ State: 'Active', LastUpdateStatus: 'InProgress' });
    expect(got.Tags?.[PROBE_CODE_TAG]).toBe(`${next.s3Bucket}/${next.s3Key}`);
    expect(live(h.ctx.state)[0].Code).toMatchObject({ S3Bucket: next.s3Bucket, S3Key: next.s3Key });

    expect(await convergeProbeFunction(clients, next, stepInput())).toMatchObject({ ready: false });
    await expect(checkProbeFunction(clients, next, stepInput())).rejects.toMatchObject({ name: 'ResourceNotReady' });
    expect(callsOf(h, 'UpdateFunctionCode')).toBe(1);
    await h.clock.sleep(60);
    expect(await convergeProbeFunction(clients, next, stepInput())).toMatchObject({ ready: true });
    expect(callsOf(h, 'UpdateFunctionCode')).toBe(1);
    expect(callsOf(h, 'UpdateFunctionConfiguration')).toBe(0);
  });

  test.each([
    ['its role', { Role: OTHER_ROLE }],
    ['its runtime', { Runtime: 'nodejs20.x' }],
    ['its handler', { Handler: 'other.handler' }],
    ['its timeout', { Timeout: 3 }],
    ['its memory', { MemorySize: 128 }],
    ['another subnet', { VpcConfig: { SubnetIds: [SUBNET_C] } }],
    ['an extra subnet', { VpcConfig: { SubnetIds: [SUBNET_A, SUBNET_C] } }],
  ])('a drift of %s is put back in one configuration update', async (_what, drift) => {
    const { securityGroupId } = await activeProbe();
    const vpc = 'VpcConfig' in drift ? { VpcConfig: { ...drift.VpcConfig, SecurityGroupIds: [securityGroupId] } } : {};
    await h.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: FUNCTION_NAME, ...drift, ...vpc } as never));
    await h.clock.sleep(60);

    expect(await convergeProbeFunction(clients, CODE, stepInput())).toMatchObject({ ready: false });
    expect(callsOf(h, 'UpdateFunctionConfiguration')).toBe(2);
    await h.clock.sleep(60);
    expect(await convergeProbeFunction(clients, CODE, stepInput())).toMatchObject({ ready: true });
    const got = await h.lambda.send(new GetFunctionCommand({ FunctionName: FUNCTION_NAME }));
    expect(got.Configuration).toMatchObject({
      Role: CODE.roleArn,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Timeout: 30,
      MemorySize: 256,
      VpcConfig: { SubnetIds: [SUBNET_A], SecurityGroupIds: [securityGroupId] },
    });
    expect(callsOf(h, 'UpdateFunctionConfiguration')).toBe(2);
    expect(callsOf(h, 'UpdateFunctionCode')).toBe(0);
  });

  test('an extra security group on the function is a drift too', async () => {
    const { securityGroupId } = await activeProbe();
    const other = (await h.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'app', Description: 'someone added this', VpcId: VPC_ID }))).GroupId!;
    await h.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: FUNCTION_NAME, VpcConfig: { SubnetIds: [SUBNET_A], SecurityGroupIds: [securityGroupId, other] } }));
    await h.clock.sleep(60);
    expect(await convergeProbeFunction(clients, CODE, stepInput())).toMatchObject({ ready: false });
    await h.clock.sleep(60);
    expect(await convergeProbeFunction(clients, CODE, stepInput())).toMatchObject({ ready: true });
    expect(live(h.ctx.state)[0].VpcConfig.SecurityGroupIds).toEqual([securityGroupId]);
  });

  test('the same subnets in another order are no drift', async () => {
    const input = stepInput((r) => (r.aws.probeSubnetIds = [SUBNET_A, SUBNET_C]));
    await activeProbe(input);
    live(h.ctx.state)[0].VpcConfig.SubnetIds = [SUBNET_C, SUBNET_A];
    expect(await convergeProbeFunction(clients, CODE, input)).toMatchObject({ ready: true });
    expect(callsOf(h, 'UpdateFunctionConfiguration')).toBe(0);
  });

  test.each([
    ['State Failed', (fn: LambdaFunction) => (fn.failed = { StateReasonCode: 'EniLimitExceeded', StateReason: 'You have exceeded the maximum limit for Hyperplane ENIs' })],
    ['its last update Failed', (fn: LambdaFunction) => (fn.lastUpdate = { startedAt: 0, readyAt: 0, outcome: 'Failed', reasonCode: 'SubnetOutOfIPAddresses', reason: 'no free address' })],
  ])('a function with %s is deleted and created again, once', async (_what, fail) => {
    await activeProbe();
    fail(live(h.ctx.state)[0]);
    expect(await convergeProbeFunction(clients, CODE, stepInput())).toMatchObject({ ready: false });
    expect(callsOf(h, 'DeleteFunction')).toBe(1);
    expect(callsOf(h, 'CreateFunction')).toBe(2);
    const [fresh] = live(h.ctx.state);
    expect(live(h.ctx.state)).toHaveLength(1);
    expect(fresh.failed).toBeUndefined();
    await h.clock.sleep(60);
    expect(await convergeProbeFunction(clients, CODE, stepInput())).toMatchObject({ ready: true });
    expect(callsOf(h, 'CreateFunction')).toBe(2);
  });

  test('a delete whose answer was lost is not an error: the function is created again', async () => {
    await activeProbe();
    live(h.ctx.state)[0].failed = { StateReasonCode: 'EniLimitExceeded', StateReason: 'limit' };
    h.ctx.faults = new FaultInjector(parseFaults('drop-response:DeleteFunction'), 1);
    expect(await convergeProbeFunction(clients, CODE, stepInput())).toMatchObject({ ready: false });
    expect(live(h.ctx.state)).toHaveLength(1);
    expect(live(h.ctx.state)[0].failed).toBeUndefined();
  });

  test('a create whose answer was lost is not an error and leaves one function', async () => {
    h.ctx.faults = new FaultInjector(parseFaults('drop-response:CreateFunction'), 1);
    expect(await convergeProbeFunction(clients, CODE, stepInput())).toMatchObject({ ready: false });
    expect(live(h.ctx.state)).toHaveLength(1);
    expect(callsOf(h, 'CreateFunction')).toBe(2);
  });

  test('an update whose answer was lost is waited for like any other, and converges', async () => {
    await activeProbe();
    const next = { ...CODE, s3Key: 'probe-ffee99.zip' };
    h.ctx.faults = new FaultInjector(parseFaults('drop-response:UpdateFunctionCode'), 1);
    expect(await convergeProbeFunction(clients, next, stepInput())).toMatchObject({ ready: false });
    expect(live(h.ctx.state)[0].Code).toMatchObject({ S3Key: next.s3Key });
    let ready = false;
    for (let step = 0; step < 4 && !ready; step++) {
      await h.clock.sleep(60);
      ready = (await convergeProbeFunction(clients, next, stepInput())).ready;
    }
    expect(ready).toBe(true);
    expect((await h.lambda.send(new GetFunctionCommand({ FunctionName: FUNCTION_NAME }))).Tags?.[PROBE_CODE_TAG]).toBe(`${next.s3Bucket}/${next.s3Key}`);
  });

  test.each([
    ['with the SDK retrying (its retry meets the restore: 409)', 3],
    ['without retries (502 ResourceNotReadyException)', 1],
  ])('an Inactive function is woken by a warm-up invoke, %s, then becomes ready', async (_what, maxAttempts) => {
    await activeProbe();
    live(h.ctx.state)[0].inactiveSince = h.clock.now();
    const lambda = new LambdaClient({ endpoint: h.endpoint, region: 'ap-northeast-1', credentials, maxAttempts });
    try {
      expect(await convergeProbeFunction({ ...clients, lambda }, CODE, stepInput())).toMatchObject({ ready: false });
    } finally {
      lambda.destroy();
    }
    const [fn] = live(h.ctx.state);
    expect(fn).toMatchObject({ inactiveSince: undefined, pendingReason: 'Restoring' });
    expect(callsOf(h, 'Invoke')).toBe(maxAttempts === 1 ? 1 : 2);
    expect(callsOf(h, 'UpdateFunctionCode') + callsOf(h, 'UpdateFunctionConfiguration') + callsOf(h, 'DeleteFunction')).toBe(0);
    await h.clock.sleep(60);
    expect(await convergeProbeFunction(clients, CODE, stepInput())).toMatchObject({ ready: true });
  });

  test('an Active function is never invoked by the convergence (the warm-up is only for Inactive)', async () => {
    await activeProbe();
    await convergeProbeFunction(clients, CODE, stepInput());
    expect(callsOf(h, 'Invoke')).toBe(0);
    expect(invoked).toEqual([]);
  });

  test('a look-up that fails is an error, never a reason to create', async () => {
    const throttled = await startAwsEmulator({ ...h.ctx, faults: new FaultInjector(parseFaults('throttle:1'), 1) }, {});
    const lambda = new LambdaClient({ endpoint: throttled.endpoint, region: 'ap-northeast-1', credentials, maxAttempts: 1 });
    try {
      expect((await errorOf(convergeProbeFunction({ ...clients, lambda }, CODE, stepInput()))).name).toBe('TooManyRequestsException');
      expect(callsOf(h, 'GetFunction')).toBe(1);
      expect(callsOf(h, 'CreateFunction')).toBe(0);
    } finally {
      lambda.destroy();
      await throttled.close();
    }
  });
});

describe('the probe run through the emulated Lambda, network and data plane', () => {
  let clouds: LocalClouds;
  let ec2: EC2Client;
  let ec2Once: EC2Client;
  let lambda: LambdaClient;
  let resolver: Route53ResolverClient;
  let azureCredential: ClientSecretCredential;
  const awsConfig = () => ({ endpoint: clouds.awsEndpoint, region: 'ap-northeast-1', credentials });

  beforeEach(async () => {
    // Everything of the private path is built and up; only the probe function is missing.
    clouds = await startLocalClouds({ state: builtState(), faults: NO_FAULTS, seed: 1, clockStart: ALL_READY_AT });
    ec2 = new EC2Client(awsConfig());
    ec2Once = ec2OnceAt(clouds.awsEndpoint);
    lambda = new LambdaClient(awsConfig());
    resolver = new Route53ResolverClient(awsConfig());
    azureCredential = new ClientSecretCredential(LOCAL_SERVICE_PRINCIPAL.tenantId, LOCAL_SERVICE_PRINCIPAL.clientId, LOCAL_SERVICE_PRINCIPAL.clientSecret, {
      authorityHost: clouds.authorityHost,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: [...rootCertificates, clouds.caPem] },
    } as never);
  });
  afterEach(async () => {
    for (const client of [ec2, ec2Once, lambda, resolver]) client.destroy();
    await clouds.close();
  });

  const probeInput = (label?: string) => ({ ...stepInput(), privateIp: ids.peIp, ...(label ? { label } : {}) });

  /** The product's probe function, Active; gives its security group. */
  async function deployProbe(): Promise<string> {
    const { securityGroupId } = await convergeProbeFunction({ ec2, ec2Once, lambda }, CODE, stepInput());
    await clouds.clock.sleep(60);
    expect(await convergeProbeFunction({ ec2, ec2Once, lambda }, CODE, stepInput())).toMatchObject({ ready: true });
    return securityGroupId;
  }

  /** What the probe function itself answers (the runner's view without its verdict). */
  async function invokeProbe(): Promise<ProbeResult> {
    const token = (await azureCredential.getToken('https://cognitiveservices.azure.com/.default'))!.token;
    const answer = await lambda.send(
      new InvokeCommand({ FunctionName: FUNCTION_NAME, Payload: Buffer.from(JSON.stringify({ host: DEFAULT_FACTS.openAiHost, deployment: 'gpt-4o', token, expectedPrivateIp: ids.peIp })) }),
    );
    return JSON.parse(Buffer.from(answer.Payload!).toString('utf8'));
  }

  test("the product's probe function proves the private path: DNS, TCP 443 and a chat completion", async () => {
    await deployProbe();
    const proven = await runProbe({ azureCredential, lambda, ec2, resolver }, probeInput('after the private path was built'));
    expect(proven).toEqual({
      label: 'after the private path was built',
      dns: { ok: true, answers: ['aoai-prod.privatelink.openai.azure.com', ids.peIp] },
      tcp: { ok: true },
      api: { ok: true, status: 200 },
    });
    expect((await runProbe({ azureCredential, lambda, ec2, resolver }, probeInput())).label).toBe('private path');
  });

  test('without its TCP 443 egress rule the probe cannot connect (DNS, which security groups do not filter, still answers)', async () => {
    const groupId = await deployProbe();
    await ec2.send(
      new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: DEFAULT_FACTS.vnetAddressPrefixes.map((CidrIp) => ({ CidrIp })) }] }),
    );
    const result = await invokeProbe();
    expect(result.dns.ok).toBe(true);
    expect(result.tcp).toMatchObject({ ok: false, address: ids.peIp });
    expect(result.api.ok).toBe(false);
    expect((await errorOf(runProbe({ azureCredential, lambda, ec2, resolver }, probeInput()))).name).toBe('ProbeFailed');
  });

  test('with no egress rule at all, DNS still resolves privately and TCP is refused', async () => {
    const groupId = await deployProbe();
    const group = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }))).SecurityGroups![0];
    await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: group.IpPermissionsEgress }));
    const result = await invokeProbe();
    expect(result.dns).toMatchObject({ ok: true, answers: ['aoai-prod.privatelink.openai.azure.com', ids.peIp] });
    expect(result.tcp.ok).toBe(false);
  });

  test('an allow-all egress rule lets the probe through', async () => {
    const groupId = await deployProbe();
    const group = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }))).SecurityGroups![0];
    await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: group.IpPermissionsEgress }));
    await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    expect(await invokeProbe()).toMatchObject({ dns: { ok: true }, tcp: { ok: true }, api: { ok: true, status: 200 } });
  });

  describe("the runner's verdict on what the probe answers", () => {
    let answered: ProbeResult | Error;
    const payloads: any[] = [];
    let fake: { endpoint: string; close(): Promise<void> };
    let fakeLambda: LambdaClient;
    const ok: ProbeResult = {
      dns: { ok: true, answers: ['aoai-prod.privatelink.openai.azure.com', ids.peIp], detail: 'private' },
      tcp: { ok: true, address: ids.peIp, milliseconds: 3, detail: 'connected' },
      api: { ok: true, status: 200, detail: 'answered' },
    };

    beforeEach(async () => {
      payloads.length = 0;
      answered = ok;
      // The same emulated clouds, with the probe's code replaced by what the test says it answers.
      fake = await startAwsEmulator(clouds.context, {
        invokeFunction: async (_fn, payload) => {
          payloads.push(payload);
          if (answered instanceof Error) throw answered;
          return answered;
        },
      });
      fakeLambda = new LambdaClient({ endpoint: fake.endpoint, region: 'ap-northeast-1', credentials });
      await deployProbe();
    });
    afterEach(async () => {
      fakeLambda.destroy();
      await fake.close();
    });

    const run = () => runProbe({ azureCredential, lambda: fakeLambda, ec2, resolver }, probeInput());

    test('the probe is invoked with the host, the deployment, the private IP and an Entra ID token; the token goes nowhere else', async () => {
      const proven = await run();
      expect(payloads).toEqual([{ host: DEFAULT_FACTS.openAiHost, deployment: 'gpt-4o', token: expect.stringMatching(/^eyJ/), expectedPrivateIp: ids.peIp }]);
      expect(JSON.stringify(proven)).not.toContain(payloads[0].token);
      answered = { ...ok, api: { ok: false, status: 401, detail: 'HTTP 401: refused' } };
      const failed = await errorOf(run());
      expect(failed.message).not.toContain(payloads[1].token);
    });

    test.each([
      ['DNS', { dns: { ok: false, answers: ['20.210.3.4'], detail: 'public answer' } }],
      ['TCP', { tcp: { ok: false, address: ids.peIp, detail: 'timed out' } }],
      ['the API', { api: { ok: false, status: 500, detail: 'HTTP 500' } }],
    ])('a failed %s check is ProbeFailed, after reading both clouds for the cause', async (_what, failure) => {
      answered = { ...ok, ...failure } as ProbeResult;
      const before = clouds.recorder.apiCalls.aws.DescribeVpnConnections ?? 0;
      expect((await errorOf(run())).name).toBe('ProbeFailed');
      expect(clouds.recorder.apiCalls.aws.DescribeVpnConnections ?? 0).toBe(before + 1);
      expect(clouds.recorder.apiCalls.aws.ListResolverRules ?? 0).toBeGreaterThan(0);
    });

    test('a passing probe reads nothing else', async () => {
      await run();
      expect(clouds.recorder.apiCalls.aws.DescribeVpnConnections ?? 0).toBe(0);
    });

    test('a probe function that fails is ProbeFailed', async () => {
      answered = Object.assign(new Error('Task timed out after 30.00 seconds'), { name: 'Sandbox.Timedout' });
      expect((await errorOf(run())).name).toBe('ProbeFailed');
    });

    test.each([
      ['401 PermissionDenied names the data-plane role to assign', { status: 401, code: 'PermissionDenied' }, true],
      ['401 without a code does not', { status: 401 }, false],
      ['403 does not', { status: 403, code: '403' }, false],
    ])('%s', async (_what, api, namesRole) => {
      answered = { ...ok, api: { ok: false, detail: 'HTTP refused', ...api } };
      const failed = await errorOf(run());
      expect(failed.name).toBe('ProbeFailed');
      expect(failed.message.includes('Cognitive Services OpenAI User')).toBe(namesRole);
    });

    test.each([
      ['the SDK retrying (409 meets the restore)', 3],
      ['no retries (502)', 1],
    ])('a probe function gone Inactive is ResourceNotReady (waited for), with %s', async (_what, maxAttempts) => {
      live(clouds.state)[0].inactiveSince = clouds.clock.now();
      const client = new LambdaClient({ endpoint: fake.endpoint, region: 'ap-northeast-1', credentials, maxAttempts });
      try {
        expect((await errorOf(runProbe({ azureCredential, lambda: client, ec2, resolver }, probeInput()))).name).toBe('ResourceNotReady');
      } finally {
        client.destroy();
      }
      expect(payloads).toEqual([]);
    });

    test('a probe function that does not exist is its own error, not a probe verdict', async () => {
      live(clouds.state)[0].deletedAt = clouds.clock.now();
      expect((await errorOf(run())).name).toBe('ResourceNotFoundException');
    });
  });
});

describe("the emulated network judges the probe's TCP by its security groups' egress", () => {
  const SG = 'sg-0000000000000099';
  const verdict = (egress: SecurityGroupRule[], groups: string[] = [SG], ip = ids.peIp, port = 443) => {
    const state = builtState();
    state.aws.securityGroups.push({ GroupId: SG, GroupName: 'probe', Description: 'probe', VpcId: ids.vpcId, Egress: egress, Ingress: [], Tags: [] });
    return new NetworkModel(state, new ManualClock(), new Latencies()).tcp(ids.subnetA, ip, port, groups);
  };

  test.each([
    ['all traffic anywhere', [{ IpProtocol: '-1', CidrIp: '0.0.0.0/0' }], true],
    ['TCP 443 to the VNet', [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '192.168.0.0/16' }], true],
    ['a TCP range holding 443', [{ IpProtocol: 'tcp', FromPort: 400, ToPort: 500, CidrIp: '192.168.1.4/32' }], true],
    ['a TCP range ending at 442', [{ IpProtocol: 'tcp', FromPort: 1, ToPort: 442, CidrIp: '192.168.0.0/16' }], false],
    ['a TCP range starting at 444', [{ IpProtocol: 'tcp', FromPort: 444, ToPort: 65535, CidrIp: '192.168.0.0/16' }], false],
    ['UDP 443', [{ IpProtocol: 'udp', FromPort: 443, ToPort: 443, CidrIp: '192.168.0.0/16' }], false],
    ['TCP 443 elsewhere', [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '10.0.0.0/8' }], false],
    ['all traffic elsewhere', [{ IpProtocol: '-1', CidrIp: '172.17.0.0/16' }], false],
    ['only DNS to the VPC', [{ IpProtocol: 'udp', FromPort: 53, ToPort: 53, CidrIp: '172.17.0.0/16' }], false],
    ['no rule', [], false],
  ])('%s', (_what, egress, ok) => {
    const result = verdict(egress as SecurityGroupRule[]);
    expect(result.ok).toBe(ok);
    expect(result.kind).toBe('private-endpoint');
  });

  test('one of several groups allowing is enough; a group that does not exist allows nothing', () => {
    expect(verdict([{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '192.168.0.0/16' }], ['sg-gone', SG]).ok).toBe(true);
    expect(verdict([{ IpProtocol: '-1', CidrIp: '0.0.0.0/0' }], ['sg-gone']).ok).toBe(false);
    expect(verdict([{ IpProtocol: '-1', CidrIp: '0.0.0.0/0' }], []).ok).toBe(false);
  });

  test('the public address needs egress too', () => {
    const state = builtState();
    const publicIp = publicAddressOf(ids.accountId);
    state.aws.securityGroups.push({ GroupId: SG, GroupName: 'probe', Description: 'probe', VpcId: ids.vpcId, Egress: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '192.168.0.0/16' }], Ingress: [], Tags: [] });
    const model = new NetworkModel(state, new ManualClock(), new Latencies());
    expect(model.tcp(ids.subnetA, publicIp, 443, [SG])).toMatchObject({ ok: false, kind: 'account-public' });
    expect(model.tcp(ids.subnetA, publicIp, 443)).toMatchObject({ ok: true, kind: 'account-public' });
  });

  test('an interface whose groups are not given is judged by the path alone (the other tests of the model)', () => {
    const model = new NetworkModel(builtState(), new ManualClock(), new Latencies());
    expect(model.tcp(ids.subnetA, ids.peIp, 443).ok).toBe(true);
  });
});

describe('when the probe fails, the runner reads both clouds and names what is missing', () => {
  let clouds: LocalClouds;
  let ec2: EC2Client;
  let lambda: LambdaClient;
  let resolver: Route53ResolverClient;
  const names = resourceNames(stepInput().request).aws;

  beforeEach(async () => {
    const state = builtState();
    // The built path, named and tagged as the product names and tags it.
    state.aws.vpnConnections[0].Tags = [{ Key: 'Name', Value: names.vpnConnection }, ...Object.entries(standardTags('aoai-prod-01')).map(([Key, Value]) => ({ Key, Value }))];
    (state.aws.resolverRules[0] as { Name?: string }).Name = names.resolverRule;
    clouds = await startLocalClouds({ state, faults: NO_FAULTS, seed: 1, clockStart: ALL_READY_AT });
    const config = { endpoint: clouds.awsEndpoint, region: 'ap-northeast-1', credentials };
    ec2 = new EC2Client(config);
    lambda = new LambdaClient(config);
    resolver = new Route53ResolverClient(config);
  });
  afterEach(async () => {
    for (const client of [ec2, lambda, resolver]) client.destroy();
    await clouds.close();
  });

  const missing = (patch: (input: ReturnType<typeof stepInput> & { privateIp: string }) => void = () => undefined) => {
    const input = { ...stepInput(), privateIp: ids.peIp };
    patch(input);
    return diagnose({ azureCredential: undefined as never, lambda, ec2, resolver }, input);
  };

  test('nothing, when both clouds are configured', async () => {
    expect(await missing()).toEqual([]);
  });

  test('the VPN connection, when there is no available one of ours', async () => {
    clouds.state.aws.vpnConnections[0].Tags = [];
    const found = await missing();
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(names.vpnConnection);
  });

  test('the tunnels, when none is UP', async () => {
    for (const id of Object.keys(clouds.state.azure.resources)) if (clouds.state.azure.resources[id].type === 'Microsoft.Network/connections') delete clouds.state.azure.resources[id];
    const found = await missing();
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(ids.vpnId);
  });

  test("the route, when the probe subnet's table does not send the private endpoint to the VGW", async () => {
    clouds.state.aws.routeTables[0].PropagatingVgws = [];
    const passed = await missing();
    expect(passed).toHaveLength(1);
    expect(passed[0]).toContain(ids.routeTableId);
    expect(passed[0]).toContain(ids.subnetA);
    const notPassed = await missing((input) => (input.request.aws.routeTableIds = []));
    expect(notPassed).toHaveLength(1);
    expect(notPassed[0]).toContain('aws.routeTableIds');
    expect(passed[0]).not.toContain('aws.routeTableIds');
  });

  test('the route table, when the probe subnet has none', async () => {
    clouds.state.aws.routeTables = clouds.state.aws.routeTables.filter((t) => t.VpcId !== ids.vpcId);
    const found = await missing();
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(ids.subnetA);
  });

  test('the forwarding rule, when there is none of ours for openai.azure.com', async () => {
    (clouds.state.aws.resolverRules[0] as { Name?: string }).Name = 'someone-elses';
    const found = await missing();
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('openai.azure.com');
  });

  test('the association, when the rule is not associated with the VPC', async () => {
    clouds.state.aws.resolverRuleAssociations[0].VPCId = 'vpc-0000000000000other';
    const found = await missing();
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(ids.ruleId);
  });

  test('the address, when the private endpoint is outside the VNet', async () => {
    const found = await missing((input) => (input.privateIp = '10.9.9.9'));
    expect(found.some((m) => m.includes('10.9.9.9') && m.includes('VNet'))).toBe(true);
  });
});
