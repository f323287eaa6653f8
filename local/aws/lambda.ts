/**
 * Lambda (REST-JSON under /2015-03-31 and /2017-03-31/tags): create, read, update, delete, tag and invoke a
 * function, with the lifecycle the Lambda developer guide ("Lambda function states") describes:
 *
 * - a function in a VPC is Pending ('aws.lambda.activate' seconds) and cannot be invoked or updated meanwhile;
 * - an Inactive one (idle: its network interfaces reclaimed; `probe-inactive` idles it just before its first
 *   invoke) fails Invoke with 502 ResourceNotReadyException, and that failed invoke starts its restore
 *   (Pending, StateReasonCode Restoring) after which it is Active again; it cannot be updated while Inactive;
 * - a Failed one answers State Failed until it is deleted and recreated;
 * - an update is LastUpdateStatus InProgress for 'aws.lambda.activate' seconds (a VPC function's new
 *   configuration needs new interfaces); a second update meanwhile gets 409 ResourceConflictException.
 *
 * Invoke runs the code through the local wiring's `invokeFunction`.
 */
import { createHash } from 'node:crypto';
import type { EmulatorContext } from '../cloud/context';
import type { LambdaFunction } from '../cloud/state';
import { AwsServiceError } from './errors';
import { recordCreate } from './ec2-common';
import { SIMULATED_EPOCH_MS } from './ids';

export type InvokeFunction = (fn: LambdaFunction, payload: unknown) => Promise<unknown>;

export interface LambdaRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface LambdaAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface LambdaCall {
  action: string;
  target: string;
  mutating: boolean;
  run(ctx: EmulatorContext, invoke: InvokeFunction | undefined): Promise<LambdaAnswer>;
}

const notFound = (what: string) => new AwsServiceError('ResourceNotFoundException', `Function not found: ${what}`, 404);
const invalidParameter = (message: string) => new AwsServiceError('InvalidParameterValueException', message, 400);

function lastModified(seconds: number): string {
  return new Date(SIMULATED_EPOCH_MS + seconds * 1000).toISOString().replace('Z', '+0000');
}

/** A function name as given: plain name, full ARN, or partial ARN (`123456789012:function:name`), maybe qualified. */
function functionNameOf(reference: string): string {
  const match = /^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:)?(?:\d{12}:)?(?:function:)?([A-Za-z0-9_-]+)(?::[A-Za-z0-9$_-]+)?$/.exec(reference);
  return match ? match[1] : reference;
}

function findFunction(ctx: EmulatorContext, reference: string): LambdaFunction {
  const name = functionNameOf(reference);
  const fn = ctx.state.aws.functions.find((f) => f.FunctionName === name && f.deletedAt === undefined);
  if (!fn) throw notFound(`arn:aws:lambda:${ctx.state.aws.region}:${ctx.state.aws.accountId}:function:${name}`);
  return fn;
}

type FunctionState = 'Pending' | 'Active' | 'Inactive' | 'Failed';

function stateOf(fn: LambdaFunction, now: number): FunctionState {
  if (fn.failed) return 'Failed';
  if (now < fn.readyAt) return 'Pending';
  return fn.inactiveSince !== undefined ? 'Inactive' : 'Active';
}

function stateReason(fn: LambdaFunction, state: FunctionState): { StateReason?: string; StateReasonCode?: string } {
  switch (state) {
    case 'Pending':
      return fn.pendingReason === 'Restoring'
        ? { StateReason: 'The function is being restored after being inactive.', StateReasonCode: 'Restoring' }
        : { StateReason: 'The function is being created.', StateReasonCode: 'Creating' };
    case 'Inactive':
      return { StateReason: 'The function is inactive: it was idle and Lambda reclaimed its network interfaces.', StateReasonCode: 'Idle' };
    case 'Failed':
      return { StateReason: fn.failed!.StateReason, StateReasonCode: fn.failed!.StateReasonCode };
    default:
      return {};
  }
}

function lastUpdateOf(fn: LambdaFunction, now: number) {
  const update = fn.lastUpdate;
  if (!update) return { LastUpdateStatus: 'Successful' };
  if (now < update.readyAt) return { LastUpdateStatus: 'InProgress', LastUpdateStatusReason: 'The function is being updated.', LastUpdateStatusReasonCode: 'InProgress' };
  return update.outcome === 'Successful'
    ? { LastUpdateStatus: 'Successful' }
    : { LastUpdateStatus: 'Failed', LastUpdateStatusReason: update.reason, LastUpdateStatusReasonCode: update.reasonCode };
}

/** CodeSha256 of a function's code: the zip's digest, or for an S3 object the digest of its (content-addressed) location. */
function codeDigest(zipFile: unknown, location: Record<string, unknown>): { CodeSha256: string; CodeSize: number } {
  if (typeof zipFile === 'string') {
    const zip = Buffer.from(zipFile, 'base64');
    return { CodeSha256: createHash('sha256').update(zip).digest('base64'), CodeSize: zip.length };
  }
  const where = `s3://${String(location.S3Bucket ?? '')}/${String(location.S3Key ?? '')}${location.S3ObjectVersion ? `?versionId=${String(location.S3ObjectVersion)}` : ''}`;
  return { CodeSha256: createHash('sha256').update(where).digest('base64'), CodeSize: 0 };
}

function configuration(ctx: EmulatorContext, fn: LambdaFunction) {
  const now = ctx.clock.now();
  const state = stateOf(fn, now);
  const subnets = fn.VpcConfig.SubnetIds;
  const vpcId = ctx.state.aws.subnets.find((s) => s.SubnetId === subnets[0])?.VpcId;
  return {
    FunctionName: fn.FunctionName,
    FunctionArn: fn.FunctionArn,
    Runtime: fn.Runtime,
    Role: fn.Role,
    Handler: fn.Handler,
    CodeSize: fn.Code.CodeSize,
    CodeSha256: fn.Code.CodeSha256,
    Timeout: fn.Timeout ?? 3,
    MemorySize: fn.MemorySize ?? 128,
    LastModified: lastModified(fn.lastUpdate?.startedAt ?? fn.createdAt),
    Version: '$LATEST',
    VpcConfig: subnets.length ? { SubnetIds: subnets, SecurityGroupIds: fn.VpcConfig.SecurityGroupIds, VpcId: vpcId } : undefined,
    Environment: fn.Environment ? { Variables: fn.Environment } : undefined,
    State: state,
    ...stateReason(fn, state),
    ...lastUpdateOf(fn, now),
    PackageType: 'Zip',
    Architectures: ['x86_64'],
  };
}

function json(status: number, value: unknown, headers: Record<string, string> = {}): LambdaAnswer {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) };
}

function parseBody(body: Buffer): any {
  if (body.length === 0) return {};
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsServiceError('InvalidRequestContentException', 'Could not parse request body into json', 400);
  }
}

function checkVpcConfig(ctx: EmulatorContext, subnetIds: string[], groupIds: string[]): void {
  const aws = ctx.state.aws;
  for (const id of subnetIds) {
    if (!aws.subnets.some((s) => s.SubnetId === id)) {
      throw invalidParameter(`Error occurred while DescribeSubnets. EC2 Error Code: InvalidSubnetID.NotFound. EC2 Error Message: The subnet ID '${id}' does not exist`);
    }
  }
  for (const id of groupIds) {
    if (!aws.securityGroups.some((g) => g.GroupId === id)) {
      throw invalidParameter(`Error occurred while DescribeSecurityGroups. EC2 Error Code: InvalidGroup.NotFound. EC2 Error Message: The security group '${id}' does not exist`);
    }
  }
  if (subnetIds.length > 0 && groupIds.length === 0) throw invalidParameter('SecurityGroupIds are required when SubnetIds are given');
}

const busy = (message: string) => new AwsServiceError('ResourceConflictException', `The operation cannot be performed at this time. ${message}`, 409);

/** Lambda takes one change at a time, and none while the function is not Active. */
function startUpdate(ctx: EmulatorContext, fn: LambdaFunction): void {
  const now = ctx.clock.now();
  const state = stateOf(fn, now);
  if (state !== 'Active') throw busy(`The function is currently in the following state: ${state}`);
  if (fn.lastUpdate && now < fn.lastUpdate.readyAt) throw busy(`An update is in progress for resource: ${fn.FunctionArn}`);
  const readyAt = now + (fn.VpcConfig.SubnetIds.length ? ctx.latencies.of('aws.lambda.activate', fn.FunctionName) : 0);
  fn.lastUpdate = { startedAt: now, readyAt, outcome: 'Successful' };
  recordCreate(ctx, fn.FunctionArn, now, readyAt, 'update');
}

function updateCode(ctx: EmulatorContext, fn: LambdaFunction, input: any): LambdaAnswer {
  if (input.ZipFile === undefined && !input.S3Bucket) {
    throw invalidParameter('Please provide a source for function code: ZipFile or S3Bucket and S3Key.');
  }
  startUpdate(ctx, fn);
  const location = input.ZipFile === undefined ? { S3Bucket: input.S3Bucket, S3Key: input.S3Key, ...(input.S3ObjectVersion ? { S3ObjectVersion: input.S3ObjectVersion } : {}) } : {};
  fn.Code = { ...location, ...codeDigest(input.ZipFile, location) };
  return json(200, configuration(ctx, fn));
}

function updateConfiguration(ctx: EmulatorContext, fn: LambdaFunction, input: any): LambdaAnswer {
  const subnetIds: string[] = input.VpcConfig?.SubnetIds ?? fn.VpcConfig.SubnetIds;
  const groupIds: string[] = input.VpcConfig?.SecurityGroupIds ?? fn.VpcConfig.SecurityGroupIds;
  if (input.VpcConfig) checkVpcConfig(ctx, subnetIds, groupIds);
  startUpdate(ctx, fn);
  if (input.Role !== undefined) fn.Role = input.Role;
  if (input.Runtime !== undefined) fn.Runtime = input.Runtime;
  if (input.Handler !== undefined) fn.Handler = input.Handler;
  if (input.Timeout !== undefined) fn.Timeout = input.Timeout;
  if (input.MemorySize !== undefined) fn.MemorySize = input.MemorySize;
  if (input.Environment !== undefined) fn.Environment = input.Environment?.Variables;
  fn.VpcConfig = { SubnetIds: [...subnetIds], SecurityGroupIds: [...groupIds] };
  return json(200, configuration(ctx, fn));
}

/**
 * The function is gone at once, but Lambda releases a VPC function's network interfaces only much later:
 * until then they stay in use and hold its security groups.
 */
function deleteFunction(ctx: EmulatorContext, fn: LambdaFunction): LambdaAnswer {
  const now = ctx.clock.now();
  const hadInterfaces = fn.VpcConfig.SubnetIds.length > 0 && fn.inactiveSince === undefined && now >= fn.createdAt;
  fn.deletedAt = now;
  recordCreate(ctx, fn.FunctionArn, now, now, 'delete');
  if (hadInterfaces) {
    fn.networkInterfacesReleasedAt = now + ctx.latencies.of('aws.lambda.releaseNetworkInterfaces', fn.FunctionArn);
    recordCreate(ctx, fn.FunctionArn, now, fn.networkInterfacesReleasedAt, 'release-network-interfaces');
  }
  return { status: 204 };
}

function createFunction(ctx: EmulatorContext, input: any): LambdaAnswer {
  const aws = ctx.state.aws;
  const name = input.FunctionName;
  if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
    throw invalidParameter(`1 validation error detected: Value '${name}' at 'functionName' failed to satisfy constraint`);
  }
  if (!input.Role) throw invalidParameter('1 validation error detected: Value null at \'role\' failed to satisfy constraint: Member must not be null');
  if (!input.Code || typeof input.Code !== 'object') throw invalidParameter('1 validation error detected: Value null at \'code\' failed to satisfy constraint: Member must not be null');
  if (aws.functions.some((f) => f.FunctionName === name && f.deletedAt === undefined)) {
    throw new AwsServiceError('ResourceConflictException', `Function already exist: ${name}`, 409);
  }
  const subnetIds: string[] = input.VpcConfig?.SubnetIds ?? [];
  const groupIds: string[] = input.VpcConfig?.SecurityGroupIds ?? [];
  checkVpcConfig(ctx, subnetIds, groupIds);
  // The zip itself is not kept (the state file stays small); its digest and size are what Lambda reports.
  const { ZipFile, ...location } = input.Code as Record<string, unknown>;
  const now = ctx.clock.now();
  // Only a function in a VPC waits for its network interfaces; the contract gives the others no latency.
  const readyAt = now + (subnetIds.length ? ctx.latencies.of('aws.lambda.activate', name) : 0);
  const fn: LambdaFunction = {
    FunctionName: name,
    FunctionArn: `arn:aws:lambda:${aws.region}:${aws.accountId}:function:${name}`,
    Role: input.Role,
    Runtime: input.Runtime,
    Handler: input.Handler,
    Timeout: input.Timeout,
    MemorySize: input.MemorySize,
    Code: { ...location, ...codeDigest(ZipFile, location) },
    Environment: input.Environment?.Variables,
    VpcConfig: { SubnetIds: subnetIds, SecurityGroupIds: groupIds },
    Tags: input.Tags ?? {},
    createdAt: now,
    readyAt,
    pendingReason: 'Creating',
  };
  aws.functions.push(fn);
  recordCreate(ctx, fn.FunctionArn, now, readyAt);
  return json(201, configuration(ctx, fn));
}

async function invoke(ctx: EmulatorContext, fn: LambdaFunction, req: LambdaRequest, invokeFunction: InvokeFunction | undefined): Promise<LambdaAnswer> {
  const now = ctx.clock.now();
  if (ctx.faults.spec.probeInactive && !fn.idledByFault && stateOf(fn, now) === 'Active') {
    // probe-inactive: the function has been idle for weeks by the time it is invoked.
    fn.idledByFault = true;
    fn.inactiveSince = now;
  }
  const state = stateOf(fn, now);
  if (state === 'Inactive') {
    // The failed invoke is what starts the restore (Lambda developer guide, "Lambda function states").
    fn.inactiveSince = undefined;
    fn.pendingReason = 'Restoring';
    fn.readyAt = now + ctx.latencies.of('aws.lambda.activate', fn.FunctionName);
    recordCreate(ctx, fn.FunctionArn, now, fn.readyAt, 'restore');
    throw new AwsServiceError(
      'ResourceNotReadyException',
      'The function is inactive and its VPC connection is no longer available. Wait for the VPC connection to reestablish and try again.',
      502,
    );
  }
  if (state !== 'Active') {
    throw new AwsServiceError(
      'ResourceConflictException',
      `The operation cannot be performed at this time. The function is currently in the following state: ${state}`,
      409,
    );
  }
  const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
  const payload = parseBody(req.body);
  if (invocationType === 'DryRun') return { status: 204 };
  const headers = { 'X-Amz-Executed-Version': '$LATEST' };
  try {
    if (!invokeFunction) throw Object.assign(new Error(`No code is wired to run ${fn.FunctionName} in local mode`), { name: 'Runtime.HandlerNotFound' });
    const result = await invokeFunction(fn, payload);
    if (invocationType === 'Event') return { status: 202, headers };
    return json(200, result === undefined ? null : result, headers);
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    if (invocationType === 'Event') return { status: 202, headers };
    return json(200, { errorType: err.name || 'Error', errorMessage: err.message, trace: [] }, { ...headers, 'X-Amz-Function-Error': 'Unhandled' });
  }
}

function functionByArn(ctx: EmulatorContext, resource: string): LambdaFunction {
  const fn = ctx.state.aws.functions.find((f) => f.FunctionArn === resource && f.deletedAt === undefined);
  if (!fn) throw notFound(resource);
  return fn;
}

/** Routes a request under the Lambda paths to its action; undefined when the path is not Lambda's. */
export function identifyLambda(req: LambdaRequest): LambdaCall | undefined {
  const segments = req.path.split('/').filter(Boolean).map(decodeURIComponent);
  const [version, collection, name, sub] = segments;
  const call = (action: string, target: string, mutating: boolean, run: LambdaCall['run']): LambdaCall => ({ action, target, mutating, run });
  if (version === '2015-03-31' && collection === 'functions') {
    if (!name && req.method === 'POST') {
      return call('CreateFunction', '', true, async (ctx) => {
        const input = parseBody(req.body);
        return createFunction(ctx, input);
      });
    }
    if (!name && req.method === 'GET') {
      return call('ListFunctions', '', false, async (ctx) =>
        json(200, { Functions: ctx.state.aws.functions.filter((f) => f.deletedAt === undefined).map((f) => configuration(ctx, f)) }),
      );
    }
    if (name && !sub && req.method === 'GET') {
      return call('GetFunction', name, false, async (ctx) => {
        const fn = findFunction(ctx, name);
        return json(200, { Configuration: configuration(ctx, fn), Code: { RepositoryType: 'S3' }, Tags: fn.Tags });
      });
    }
    if (name && sub === 'configuration' && req.method === 'GET') {
      return call('GetFunctionConfiguration', name, false, async (ctx) => json(200, configuration(ctx, findFunction(ctx, name))));
    }
    if (name && sub === 'configuration' && req.method === 'PUT') {
      return call('UpdateFunctionConfiguration', name, true, async (ctx) => updateConfiguration(ctx, findFunction(ctx, name), parseBody(req.body)));
    }
    if (name && sub === 'code' && req.method === 'PUT') {
      return call('UpdateFunctionCode', name, true, async (ctx) => updateCode(ctx, findFunction(ctx, name), parseBody(req.body)));
    }
    if (name && !sub && req.method === 'DELETE') {
      return call('DeleteFunction', name, true, async (ctx) => deleteFunction(ctx, findFunction(ctx, name)));
    }
    if (name && sub === 'invocations' && req.method === 'POST') {
      // Invoke changes nothing in the emulated cloud but runs code: a dropped answer still means it ran.
      return call('Invoke', name, true, async (ctx, invokeFunction) => invoke(ctx, findFunction(ctx, name), req, invokeFunction));
    }
  }
  if (version === '2017-03-31' && collection === 'tags' && name) {
    const resource = segments.slice(2).join('/');
    if (req.method === 'POST') {
      return call('TagResource', resource, true, async (ctx) => {
        const fn = functionByArn(ctx, resource);
        Object.assign(fn.Tags, parseBody(req.body).Tags ?? {});
        return { status: 204 };
      });
    }
    if (req.method === 'GET') {
      return call('ListTags', resource, false, async (ctx) => json(200, { Tags: functionByArn(ctx, resource).Tags }));
    }
    if (req.method === 'DELETE') {
      return call('UntagResource', resource, true, async (ctx) => {
        const fn = functionByArn(ctx, resource);
        for (const key of req.query.getAll('tagKeys')) delete fn.Tags[key];
        return { status: 204 };
      });
    }
  }
  return undefined;
}

export function lambdaErrorAnswer(error: AwsServiceError, requestId: string): LambdaAnswer {
  const type = error.status >= 500 ? 'Service' : 'User';
  const extra = error.code === 'TooManyRequestsException' ? { Reason: 'CallerRateLimitExceeded' } : {};
  return json(error.status, { Type: type, message: error.message, ...extra }, { 'x-amzn-ErrorType': error.code, 'x-amzn-RequestId': requestId, ...error.headers });
}

export function lambdaFault(kind: 'throttle' | 'error5xx'): AwsServiceError {
  return kind === 'throttle'
    ? new AwsServiceError('TooManyRequestsException', 'Rate Exceeded.', 429, { 'Retry-After': '1' })
    : new AwsServiceError('ServiceException', 'The Lambda service encountered an internal error.', 500);
}
