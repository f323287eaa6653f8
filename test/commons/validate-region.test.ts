/**
 * The validator (the first state's plain function) refuses a request whose aws.region is not the region the
 * deployment runs in, together with every static problem, before it reads anything from either cloud.
 */
import type { ValidatorClients } from '../../functions/validate-request/validate';
import { validateEnvironmentRequest } from '../../functions/validate-request/validate';
import { readRefusal } from '../../functions/commons/refusal';
import { sampleRequest } from '../intake/support';

// Any cloud call would fail loudly: these refusals must come before the first read.
const noClouds = new Proxy({}, { get: (_t, name) => { throw new Error(`unexpected cloud client use: ${String(name)}`); } }) as ValidatorClients;
const context = { deploymentRegion: 'ap-northeast-1', callbackChecks: { resolveHost: async () => { throw new Error('unexpected resolution'); } } };

async function refusal(patch: (r: any) => void, deploymentRegion: string | null = 'ap-northeast-1'): Promise<string> {
  const request = sampleRequest();
  patch(request);
  const error = await validateEnvironmentRequest(request, noClouds, { ...context, deploymentRegion: deploymentRegion ?? undefined }).catch((e: unknown) => e);
  expect(error).toMatchObject({ name: 'RequestRefused' });
  // The refusal as a person reads it: the summary, then one "path: message" line per problem.
  const refusal = readRefusal({ name: 'RequestRefused', message: (error as Error).message })!;
  return [refusal.summary, ...refusal.problems.map((p) => `${p.path}: ${p.message}`)].join('\n');
}

test('another region than the deployment’s is refused before any cloud read', async () => {
  const message = await refusal((r) => (r.aws.region = 'eu-west-1'));
  expect(message).toContain('aws.region: this deployment runs in ap-northeast-1 and works on AWS resources there only; the request names eu-west-1');
});

test('the region problem comes with every static problem at once', async () => {
  const message = await refusal((r) => ((r.aws.region = 'eu-west-1'), (r.azure.openAiDeployment = '.'), (r.ticket.callbackUrl = 'https://169.254.169.254/')));
  const paths = message.split('\n').slice(1).map((line) => line.split(': ')[0]);
  expect(paths.sort()).toEqual(['aws.region', 'azure.openAiDeployment', 'ticket.callbackUrl']);
});

test('a deployment that cannot tell its region refuses rather than guess', async () => {
  expect(await refusal(() => undefined, null)).toMatch(/aws\.region: this deployment cannot tell its own AWS region/);
});
