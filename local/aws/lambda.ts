/**
 * Lambda (REST-JSON under /2015-03-31 and /2017-03-31/tags): create a function, read it back, tag it and
 * invoke it. A function in a VPC stays Pending for 'aws.lambda.activate' seconds and cannot be invoked
 * meanwhile; Invoke runs the code through the local wiring's `invokeFunction`.
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

function stateOf(fn: LambdaFunction, now: number): 'Pending' | 'Active' {
  return now < fn.readyAt ? 'Pending' : 'Active';
}

function configuration(ctx: EmulatorContext, fn: LambdaFunction) {
  const state = stateOf(fn, ctx.clock.now());
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
    LastModified: lastModified(fn.createdAt),
    Version: '$LATEST',
    VpcConfig: subnets.length ? { SubnetIds: subnets, SecurityGroupIds: fn.VpcConfig.SecurityGroupIds, VpcId: vpcId } : undefined,
    Environment: fn.Environment ? { Variables: fn.Environment } : undefined,
    State: state,
    StateReason: state === 'Pending' ? 'The function is being created.' : undefined,
    StateReasonCode: state === 'Pending' ? 'Creating' : undefined,
    LastUpdateStatus: 'Successful',
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
  // The zip itself is not kept (the state file stays small); its digest and size are what Lambda reports.
  const zip = typeof input.Code.ZipFile === 'string' ? Buffer.from(input.Code.ZipFile, 'base64') : Buffer.alloc(0);
  const { ZipFile, ...location } = input.Code as Record<string, unknown>;
  void ZipFile;
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
    Code: { ...location, CodeSha256: createHash('sha256').update(zip).digest('base64'), CodeSize: zip.length },
    Environment: input.Environment?.Variables,
    VpcConfig: { SubnetIds: subnetIds, SecurityGroupIds: groupIds },
    Tags: input.Tags ?? {},
    createdAt: now,
    readyAt,
  };
  aws.functions.push(fn);
  recordCreate(ctx, fn.FunctionArn, now, readyAt);
  return json(201, configuration(ctx, fn));
}

async function invoke(ctx: EmulatorContext, fn: LambdaFunction, req: LambdaRequest, invokeFunction: InvokeFunction | undefined): Promise<LambdaAnswer> {
  const state = stateOf(fn, ctx.clock.now());
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
