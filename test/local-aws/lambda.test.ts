/** Lambda through @aws-sdk/client-lambda: create in a VPC, Pending → Active, Invoke via the local wiring. */
import { CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  LambdaClient,
  ListTagsCommand,
  TagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import type { LambdaFunction } from '../../local/cloud/state';
import { SUBNET_A, SUBNET_C, VPC_ID, errorOf, startHarness, type Harness } from './helpers';

describe('emulated Lambda', () => {
  let h: Harness;
  const invoked: { fn: LambdaFunction; payload: unknown }[] = [];
  beforeEach(async () => {
    invoked.length = 0;
    h = await startHarness({
      invokeFunction: async (fn, payload) => {
        invoked.push({ fn, payload });
        if ((payload as { fail?: boolean }).fail) throw Object.assign(new Error('probe failed'), { name: 'ProbeError' });
        return { ok: true, function: fn.FunctionName };
      },
    });
  });
  afterEach(async () => {
    await h.close();
  });

  async function createProbe(): Promise<string> {
    const groupId = (await h.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'probe', Description: 'probe', VpcId: VPC_ID }))).GroupId!;
    const created = await h.lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'aoai-probe',
        Role: 'arn:aws:iam::123456789012:role/probe',
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Code: { ZipFile: Buffer.from('zip-bytes') },
        Environment: { Variables: { TARGET: 'aoai-prod' } },
        VpcConfig: { SubnetIds: [SUBNET_A, SUBNET_C], SecurityGroupIds: [groupId] },
        Tags: { run: 'r1' },
      }),
    );
    expect(created).toMatchObject({ FunctionName: 'aoai-probe', State: 'Pending', StateReasonCode: 'Creating', Runtime: 'nodejs22.x' });
    expect(created.VpcConfig).toEqual({ SubnetIds: [SUBNET_A, SUBNET_C], SecurityGroupIds: [groupId], VpcId: VPC_ID });
    return created.FunctionArn!;
  }

  test('Pending refuses Invoke with 409, Active runs the code; names and ARNs both work', async () => {
    const arn = await createProbe();
    expect(arn).toBe('arn:aws:lambda:ap-northeast-1:123456789012:function:aoai-probe');
    const duplicate = await errorOf(h.lambda.send(new CreateFunctionCommand({ FunctionName: 'aoai-probe', Role: 'r', Code: { ZipFile: Buffer.from('x') } })));
    expect(duplicate.name).toBe('ResourceConflictException');
    expect(duplicate.$metadata?.httpStatusCode).toBe(409);

    const pending = await errorOf(h.lambda.send(new InvokeCommand({ FunctionName: 'aoai-probe', Payload: Buffer.from('{}') })));
    expect(pending.name).toBe('ResourceConflictException');
    expect(pending.message).toBe('The operation cannot be performed at this time. The function is currently in the following state: Pending');
    expect(invoked).toHaveLength(0);

    await h.clock.sleep(60);
    expect((await h.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: arn }))).State).toBe('Active');
    const got = await h.lambda.send(new GetFunctionCommand({ FunctionName: 'aoai-probe' }));
    expect(got.Configuration?.Environment?.Variables).toEqual({ TARGET: 'aoai-prod' });
    expect(got.Tags).toEqual({ run: 'r1' });

    const ok = await h.lambda.send(new InvokeCommand({ FunctionName: arn, Payload: Buffer.from(JSON.stringify({ check: 'dns' })) }));
    expect(ok.StatusCode).toBe(200);
    expect(ok.FunctionError).toBeUndefined();
    expect(JSON.parse(Buffer.from(ok.Payload!).toString())).toEqual({ ok: true, function: 'aoai-probe' });
    expect(invoked[0].payload).toEqual({ check: 'dns' });

    const failed = await h.lambda.send(new InvokeCommand({ FunctionName: 'aoai-probe', Payload: Buffer.from('{"fail":true}') }));
    expect(failed.FunctionError).toBe('Unhandled');
    expect(JSON.parse(Buffer.from(failed.Payload!).toString())).toMatchObject({ errorType: 'ProbeError', errorMessage: 'probe failed' });

    await h.lambda.send(new TagResourceCommand({ Resource: arn, Tags: { owner: 'team' } }));
    expect((await h.lambda.send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual({ run: 'r1', owner: 'team' });
    expect(h.ctx.recorder.apiCalls.aws).toMatchObject({ CreateFunction: 2, Invoke: 3, TagResource: 1 });
  });

  test('errors: unknown function, bad subnet', async () => {
    const missing = await errorOf(h.lambda.send(new GetFunctionCommand({ FunctionName: 'nope' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.$metadata?.httpStatusCode).toBe(404);
    const badSubnet = await errorOf(
      h.lambda.send(new CreateFunctionCommand({ FunctionName: 'f', Role: 'r', Code: { ZipFile: Buffer.from('x') }, VpcConfig: { SubnetIds: ['subnet-0dead'], SecurityGroupIds: [] } })),
    );
    expect(badSubnet.name).toBe('InvalidParameterValueException');
    expect(h.ctx.state.aws.functions).toHaveLength(0);
  });
});

describe('emulated Lambda: the lifecycle of a function in a VPC', () => {
  let h: Harness;
  let invocations = 0;
  const start = async (faults = '') => {
    invocations = 0;
    h = await startHarness({
      faults,
      invokeFunction: async () => {
        invocations++;
        return { ok: true };
      },
    });
  };
  afterEach(async () => {
    await h.close();
  });

  async function createActive(): Promise<{ arn: string; groupId: string }> {
    const existing = h.ctx.state.aws.securityGroups.find((g) => g.GroupName === 'probe')?.GroupId;
    const groupId = existing ?? (await h.ec2.send(new CreateSecurityGroupCommand({ GroupName: 'probe', Description: 'probe', VpcId: VPC_ID }))).GroupId!;
    const created = await h.lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'aoai-probe',
        Role: 'arn:aws:iam::123456789012:role/probe',
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Code: { S3Bucket: 'assets', S3Key: 'probe/v1.zip' },
        VpcConfig: { SubnetIds: [SUBNET_A], SecurityGroupIds: [groupId] },
      }),
    );
    await h.clock.sleep(60);
    return { arn: created.FunctionArn!, groupId };
  }
  const config = () => h.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'aoai-probe' }));

  test('probe-inactive: the first invoke fails with 502 ResourceNotReadyException and starts the restore; Active again after it', async () => {
    await start('probe-inactive');
    await createActive();
    expect((await config()).State).toBe('Active');
    // Without the SDK's retries, to see the first answer itself.
    const once = new LambdaClient({ endpoint: h.endpoint, region: 'ap-northeast-1', credentials: { accessKeyId: 'AKIDLOCALTEST', secretAccessKey: 'local-secret' }, maxAttempts: 1 });
    const idle = await errorOf(once.send(new InvokeCommand({ FunctionName: 'aoai-probe', Payload: Buffer.from('{}') })));
    expect([idle.name, idle.$metadata?.httpStatusCode]).toEqual(['ResourceNotReadyException', 502]);
    expect(invocations).toBe(0);
    expect(await config()).toMatchObject({ State: 'Pending', StateReasonCode: 'Restoring' });
    // Updates wait too.
    const refused = await errorOf(h.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'aoai-probe', S3Bucket: 'assets', S3Key: 'probe/v2.zip' })));
    expect(refused.name).toBe('ResourceConflictException');
    await h.clock.sleep(60);
    expect((await config()).State).toBe('Active');
    const ok = await h.lambda.send(new InvokeCommand({ FunctionName: 'aoai-probe', Payload: Buffer.from('{}') }));
    expect(ok.FunctionError).toBeUndefined();
    expect(invocations).toBe(1);
  });

  test('an Inactive function reports State Inactive (Idle) and refuses updates until an invoke restores it', async () => {
    await start();
    await createActive();
    h.ctx.state.aws.functions[0].inactiveSince = h.clock.now();
    expect(await config()).toMatchObject({ State: 'Inactive', StateReasonCode: 'Idle' });
    const refused = await errorOf(h.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'aoai-probe', Timeout: 30 })));
    expect([refused.name, refused.message]).toEqual(['ResourceConflictException', 'The operation cannot be performed at this time. The function is currently in the following state: Inactive']);
  });

  test('updates: LastUpdateStatus InProgress, one at a time, then Successful with the new code and configuration', async () => {
    await start();
    const { groupId } = await createActive();
    const before = (await config()).CodeSha256;
    const updating = await h.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: 'aoai-probe', S3Bucket: 'assets', S3Key: 'probe/v2.zip' }));
    expect(updating).toMatchObject({ State: 'Active', LastUpdateStatus: 'InProgress' });
    expect(updating.CodeSha256).not.toBe(before);
    const second = await errorOf(h.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'aoai-probe', Role: 'arn:aws:iam::123456789012:role/other' })));
    expect([second.name, second.$metadata?.httpStatusCode]).toEqual(['ResourceConflictException', 409]);
    expect(second.message).toBe('The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:ap-northeast-1:123456789012:function:aoai-probe');
    await h.clock.sleep(60);
    expect((await config()).LastUpdateStatus).toBe('Successful');
    const moved = await h.lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'aoai-probe', Role: 'arn:aws:iam::123456789012:role/other', VpcConfig: { SubnetIds: [SUBNET_C], SecurityGroupIds: [groupId] } }),
    );
    expect(moved.LastUpdateStatus).toBe('InProgress');
    await h.clock.sleep(60);
    expect(await config()).toMatchObject({ LastUpdateStatus: 'Successful', Role: 'arn:aws:iam::123456789012:role/other', VpcConfig: { SubnetIds: [SUBNET_C] } });
    const badSubnet = await errorOf(h.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: 'aoai-probe', VpcConfig: { SubnetIds: ['subnet-0dead'], SecurityGroupIds: [groupId] } })));
    expect(badSubnet.name).toBe('InvalidParameterValueException');
  });

  test('a Failed function says so and is gone once deleted; the name can be created again', async () => {
    await start();
    await createActive();
    h.ctx.state.aws.functions[0].failed = { StateReasonCode: 'EniLimitExceeded', StateReason: 'Lambda was not able to create an ENI in the VPC of the Lambda function because the limit for Network Interfaces has been reached.' };
    expect(await config()).toMatchObject({ State: 'Failed', StateReasonCode: 'EniLimitExceeded' });
    const invoke = await errorOf(h.lambda.send(new InvokeCommand({ FunctionName: 'aoai-probe', Payload: Buffer.from('{}') })));
    expect(invoke.name).toBe('ResourceConflictException');
    await h.lambda.send(new DeleteFunctionCommand({ FunctionName: 'aoai-probe' }));
    expect((await errorOf(config())).name).toBe('ResourceNotFoundException');
    await createActive();
    expect((await config()).State).toBe('Active');
  });
});
