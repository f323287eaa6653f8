/**
 * The probe removal steps (functions/remove-probe) against the emulated Lambda and EC2, with the real SDK
 * clients: the probe function ProbeRunner created is deleted at once, but its security group waits
 * (ResourceNotReady, by EC2's DependencyViolation) until Lambda has released the function's network
 * interfaces; a second pass changes nothing; a lost answer converges; a look-alike function or group is left.
 */
import { CreateSecurityGroupCommand } from '@aws-sdk/client-ec2';
import { CreateFunctionCommand, GetFunctionCommand } from '@aws-sdk/client-lambda';
import { ResourceNotReady } from '../../functions/commons/errors';
import { MANAGED_BY, resourceNames } from '../../functions/commons/naming';
import { convergeProbeFunction, type ProbeFunctionClients } from '../../functions/probe-runner/probe-runner';
import * as removal from '../../functions/remove-probe/remove-probe';
import { FaultInjector, parseFaults } from '../../local/faults';
import { Latencies } from '../../local/latency';
import { startHarness, type Harness } from '../local-aws/helpers';
import { CODE, ec2OnceAt, stepInput } from '../probe/support';

const step = stepInput();
const input = { request: step.request };
const names = resourceNames(step.request).aws;
/** The contract's delete latency table: Lambda releases a deleted VPC function's interfaces this long after. */
const RELEASE_SECONDS = new Latencies().of('aws.lambda.releaseNetworkInterfaces', 'any');

let h: Harness;
let clients: ProbeFunctionClients;

beforeEach(async () => {
  h = await startHarness({ invokeFunction: async () => ({ warmedUp: true }) });
  clients = { ec2: h.ec2, ec2Once: ec2OnceAt(h.endpoint), lambda: h.lambda };
});
afterEach(async () => {
  clients.ec2Once.destroy();
  await h.close();
});

const deletes = () => Object.fromEntries(Object.entries(h.ctx.recorder.apiCalls.aws).filter(([action]) => action.startsWith('Delete')));

async function activeProbe() {
  const created = await convergeProbeFunction(clients, CODE, step);
  await h.clock.sleep(60);
  expect(await convergeProbeFunction(clients, CODE, step)).toMatchObject({ ready: true });
  return created;
}

test('deletes our probe function at once, then its security group once Lambda has released the interfaces', async () => {
  const { securityGroupId } = await activeProbe();
  const arn = (await h.lambda.send(new GetFunctionCommand({ FunctionName: names.probeFunction }))).Configuration!.FunctionArn;

  expect(await removal.removeProbeFunction(h.lambda, input)).toEqual({ outcome: 'removed', id: arn });
  await expect(h.lambda.send(new GetFunctionCommand({ FunctionName: names.probeFunction }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });

  // The interfaces outlive the function: EC2 answers DependencyViolation, which the step reads as "not yet".
  let waited = 0;
  for (;;) {
    try {
      expect(await removal.removeProbeSecurityGroup(h.ec2, input)).toEqual({ outcome: 'removed', id: securityGroupId });
      break;
    } catch (error) {
      expect(error).toBeInstanceOf(ResourceNotReady);
      expect((error as Error).message).toContain(securityGroupId);
      await h.clock.sleep(60);
      waited += 60;
      expect(waited).toBeLessThanOrEqual(RELEASE_SECONDS + 120);
    }
  }
  // It waited for the release, not a moment less (and within the 45 minutes the state's retry policy allows).
  expect(waited).toBeGreaterThanOrEqual(RELEASE_SECONDS - 60);
  expect(waited).toBeLessThanOrEqual(45 * 60);
  expect(h.ctx.state.aws.securityGroups.some((g) => g.GroupId === securityGroupId)).toBe(false);

  // A second pass: nothing there, nothing asked.
  const before = deletes();
  expect(await removal.removeProbeFunction(h.lambda, input)).toEqual({ outcome: 'absent' });
  expect(await removal.removeProbeSecurityGroup(h.ec2, input)).toEqual({ outcome: 'absent' });
  expect(deletes()).toEqual(before);
  expect(before.DeleteFunction).toBe(1);
});

test('lost answers (drop-response) converge: the resent delete finds the function gone, the group goes once released', async () => {
  const { securityGroupId } = await activeProbe();
  (h.ctx as { faults: FaultInjector }).faults = new FaultInjector(parseFaults('drop-response:DeleteFunction,drop-response:DeleteSecurityGroup'), 1);
  expect((await removal.removeProbeFunction(h.lambda, input)).outcome).toBe('removed');
  await h.clock.sleep(RELEASE_SECONDS + 60);
  const outcome = await removal.removeProbeSecurityGroup(h.ec2, input);
  // The SDK resent the dropped delete: either answer means it is gone.
  expect(['removed', 'absent']).toContain(outcome.outcome);
  expect(h.ctx.state.aws.securityGroups.some((g) => g.GroupId === securityGroupId)).toBe(false);
  expect(await removal.removeProbeFunction(h.lambda, input)).toEqual({ outcome: 'absent' });
});

test('a function and a group with the probe names but not our tags are left untouched', async () => {
  const group = await h.ec2.send(new CreateSecurityGroupCommand({ GroupName: names.probeSecurityGroup, Description: 'a team group', VpcId: step.request.aws.vpcId }));
  await h.lambda.send(
    new CreateFunctionCommand({
      FunctionName: names.probeFunction,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Role: CODE.roleArn,
      Code: { S3Bucket: CODE.s3Bucket, S3Key: CODE.s3Key },
      Tags: { 'managed-by': MANAGED_BY, environment: 'someone-else-01' },
    }),
  );
  const fn = await removal.removeProbeFunction(h.lambda, input);
  expect(fn).toEqual({ outcome: 'left', id: expect.stringContaining(names.probeFunction), reason: `it lacks the tag environment=${step.request.environmentId}` });
  expect(await removal.removeProbeSecurityGroup(h.ec2, input)).toEqual({
    outcome: 'left',
    id: group.GroupId,
    reason: `it lacks the tags managed-by=${MANAGED_BY} and environment=${step.request.environmentId}`,
  });
  expect(deletes()).toEqual({});
  expect((await h.lambda.send(new GetFunctionCommand({ FunctionName: names.probeFunction }))).Configuration?.FunctionName).toBe(names.probeFunction);
});
