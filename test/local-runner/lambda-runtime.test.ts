/**
 * The emulated Lambda's Invoke runs the function's declared handler from its bundle, as Lambda's runtime does:
 * the Handler names the file and the export, and a wrong one fails with the runtime's error names.
 */
import * as path from 'node:path';
import { FUNCTION_RUNTIME_NAME, PROBE_FUNCTION_ENTRY } from '../../functions/catalog';
import { bundledFunctionRuntime, type KnownCode } from '../../local/aws/lambda-runtime';
import type { LambdaFunction } from '../../local/cloud/state';
import type { LocalNetwork } from '../../local/network';

const ROOT = path.join(__dirname, '..', '..');
const PROBE: KnownCode = { entry: PROBE_FUNCTION_ENTRY, runtime: FUNCTION_RUNTIME_NAME, file: 'index' };

function fn(overrides: Partial<LambdaFunction>): LambdaFunction {
  return {
    FunctionName: 'aoai-link-probe-x',
    FunctionArn: 'arn:aws:lambda:ap-northeast-1:123456789012:function:aoai-link-probe-x',
    Runtime: FUNCTION_RUNTIME_NAME,
    Handler: 'index.handler',
    Role: 'arn:aws:iam::123456789012:role/p',
    Code: { S3Bucket: 'b', S3Key: 'k' },
    VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: ['sg-1'] },
    Tags: {},
    createdAt: 0,
    readyAt: 0,
    ...overrides,
  } as LambdaFunction;
}

// A warm-up needs no network; a network that is asked anything fails the test.
const network = new Proxy({}, { get: () => () => Promise.reject(new Error('no network expected')) }) as unknown as LocalNetwork;

describe('the emulated Lambda runs the declared handler', () => {
  const run = bundledFunctionRuntime({ projectRoot: ROOT, network, caPem: '', codeFor: (f) => (f.Code.S3Key ? PROBE : undefined) });

  it('runs index.handler of the probe bundle', async () => {
    await expect(run(fn({}), { warmUp: true })).resolves.toEqual({ warmedUp: true });
  });

  it('fails as Lambda does for a handler the bundle does not export or a file it does not have', async () => {
    await expect(run(fn({ Handler: 'index.main' }), { warmUp: true })).rejects.toMatchObject({ name: 'Runtime.HandlerNotFound' });
    await expect(run(fn({ Handler: 'probe.handler' }), { warmUp: true })).rejects.toMatchObject({ name: 'Runtime.ImportModuleError' });
    await expect(run(fn({ Code: { ZipFile: 'x' } }), { warmUp: true })).rejects.toMatchObject({ name: 'Runtime.ImportModuleError' });
    await expect(run(fn({ Runtime: 'nodejs18.x' }), { warmUp: true })).rejects.toMatchObject({ name: 'Runtime.InvalidEntrypoint' });
  });
});
