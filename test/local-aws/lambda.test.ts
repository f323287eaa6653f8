/** Lambda through @aws-sdk/client-lambda: create in a VPC, Pending → Active, Invoke via the local wiring. */
import { CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { CreateFunctionCommand, GetFunctionCommand, GetFunctionConfigurationCommand, InvokeCommand, ListTagsCommand, TagResourceCommand } from '@aws-sdk/client-lambda';
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
