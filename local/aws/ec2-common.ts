/** What the EC2 action modules share: the handler shape, lifecycle states and lookups with EC2's NotFound codes. */
import type { EmulatorContext } from '../cloud/context';
import type { AwsState, Timed, Vpc } from '../cloud/state';
import { ec2Errors } from './errors';
import type { XmlObject } from './ec2-xml';
import type { QueryParams } from './query';

export type Ec2Handler = (ctx: EmulatorContext, params: QueryParams) => XmlObject;

/**
 * `pending` until readyAt, then `available`; once a deletion started, `deleting` until it completes, then
 * `deleted` (EC2 keeps showing deleted VPN resources for a while).
 */
export function lifecycleState(resource: Timed, now: number): 'pending' | 'available' | 'deleting' | 'deleted' {
  if (resource.deletedAt !== undefined) return now < resource.deletedAt ? 'deleting' : 'deleted';
  return now < resource.readyAt ? 'pending' : 'available';
}

export function findVpc(aws: AwsState, vpcId: string): Vpc {
  const vpc = aws.vpcs.find((v) => v.VpcId === vpcId);
  if (!vpc) throw ec2Errors.notFound('InvalidVpcID.NotFound', 'vpc', vpcId);
  return vpc;
}

/** Records the create on the clock as the contract's report wants it. */
export function recordCreate(ctx: EmulatorContext, resource: string, startedAt: number, readyAt: number, operation = 'create'): void {
  ctx.recorder.operation({ cloud: 'aws', resource, operation, startedAt, readyAt });
}
