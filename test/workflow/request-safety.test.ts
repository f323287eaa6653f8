/**
 * The first state refuses, before anything is created, what would otherwise be adopted, created in vain or
 * sent to the wrong place: resources that carry the product's names but are someone else's, a deployment the
 * account does not have, a region that is not the deployment's, a callback host that does not resolve. Real
 * runs of the workflow in local mode; the "someone else's" resources are the product's own, built by a first
 * run, with their managed-by tag taken away (as another team's resource of that name would look).
 */
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { CloudState } from '../../local/cloud/state';
import { request, run, type Run } from './support';

const ENV = 'aoai-prod-01';

let first: Run;

beforeAll(async () => {
  first = await run();
  expect(first.result.status).toBe('SUCCEEDED');
}, 120_000);

test('the saved state, which holds every tunnel key, is readable by its owner only', () => {
  expect(statSync(first.stateFile).mode & 0o777).toBe(0o600);
  expect(readFileSync(first.stateFile, 'utf8')).toContain('PreSharedKey');
});

test("a re-run on what this product built for the environment is not refused (it is ours)", async () => {
  const stateFile = path.join(first.dir, 'ours.json');
  copyFileSync(first.stateFile, stateFile);
  const again = await run({ stateFile });
  expect(again.result.problems ?? []).toEqual([]);
  expect(again.result.status).toBe('SUCCEEDED');
}, 120_000);

function withoutOurTag(tags: { Key: string; Value: string }[]): { Key: string; Value: string }[] {
  return tags.filter((tag) => tag.Key !== 'managed-by');
}

test('resources named like ours but without our managed-by tag are refused, each named, before anything is created', async () => {
  const state: CloudState = JSON.parse(readFileSync(first.stateFile, 'utf8'));
  const resources = state.azure.resources as Record<string, { name: string; type: string; body: any }>;
  const find = (type: string, name: string) => Object.values(resources).find((r) => r.type === type && r.name === name)!;
  // Azure: tunnel 1's local network gateway and connection (this environment's, by name) lose the tag. The hub's
  // resources are not named here: the hub is shared, and one that is no longer ours is adopted, read only
  // (test/workflow/hub-preflight.test.ts).
  delete find('Microsoft.Network/localNetworkGateways', `lng-${ENV}-aws-tunnel-1`).body.tags['managed-by'];
  delete find('Microsoft.Network/connections', `cn-${ENV}-aws-tunnel-1`).body.tags['managed-by'];
  // AWS: the customer gateway, the probe's security group and tunnel 1's key secret lose the tag.
  state.aws.customerGateways[0].Tags = withoutOurTag(state.aws.customerGateways[0].Tags);
  const probeGroup = state.aws.securityGroups.find((g) => g.GroupName === `aoai-link-${ENV}-probe`)!;
  probeGroup.Tags = (probeGroup.Tags ?? []).map((tag) => (tag.Key === 'managed-by' ? { Key: 'managed-by', Value: 'platform-team' } : tag));
  const secret = state.aws.secrets.find((s) => s.Name === `aoai-link/${ENV}/tunnel-1-psk`)!;
  secret.Tags = withoutOurTag(secret.Tags ?? []);
  // Route 53 Resolver and Lambda: the outbound endpoint and the probe function lose the tag.
  state.aws.resolverEndpoints[0].Tags = withoutOurTag(state.aws.resolverEndpoints[0].Tags);
  const probeFunction = state.aws.functions.find((f) => f.FunctionName === `aoai-link-probe-${ENV}`)!;
  delete probeFunction.Tags['managed-by'];
  const stateFile = path.join(first.dir, 'foreign.json');
  writeFileSync(stateFile, JSON.stringify(state));

  const refused = await run({ stateFile });
  expect(refused.result.status).toBe('REFUSED');
  expect(refused.result.exitCode).toBe(2);
  const problems = refused.result.problems ?? [];
  const expected: [string, RegExp][] = [
    ['environmentId', /customer gateway aoai-link-aoai-prod-01-cgw \(cgw-/],
    ['environmentId', /security group aoai-link-aoai-prod-01-probe \(sg-/],
    ['environmentId', /Secrets Manager secret aoai-link\/aoai-prod-01\/tunnel-1-psk/],
    ['environmentId', /Route 53 Resolver outbound endpoint aoai-link-aoai-prod-01-outbound \(rslvr-out-/],
    ['environmentId', /Lambda function aoai-link-probe-aoai-prod-01 \(arn:aws:lambda:/],
    ['environmentId', new RegExp(`local network gateway lng-${ENV}-aws-tunnel-1 `)],
    ['environmentId', new RegExp(`connection cn-${ENV}-aws-tunnel-1 `)],
  ];
  for (const [problemPath, message] of expected) {
    expect(problems).toContainEqual({ path: problemPath, message: expect.stringMatching(message) });
  }
  expect(problems).toHaveLength(expected.length); // nothing that is ours is named
  for (const problem of problems) expect(problem.message).toMatch(/would adopt and change it/);
  // Refused before the state machine started: the saved state is untouched.
  expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toEqual(state);
}, 120_000);

test('a deployment the account does not have is refused up front, listing the ones it has', async () => {
  const refused = await run({ request: request((r) => (r.azure.openAiDeployment = 'gpt-5')) });
  expect(refused.result.status).toBe('REFUSED');
  expect(refused.result.problems).toEqual([{ path: 'azure.openAiDeployment', message: 'deployment gpt-5 was not found on the account (it has gpt-4o)' }]);
});

test('"." and ".." are refused by syntax, with every other problem at once', async () => {
  const refused = await run({ request: request((r) => ((r.azure.openAiDeployment = '..'), (r.aws.vpcId = 'vpc-x'))) });
  expect(refused.result.status).toBe('REFUSED');
  expect((refused.result.problems ?? []).map((p) => p.path).sort()).toEqual(['aws.vpcId', 'azure.openAiDeployment']);
});

test("a region that is not the deployment's is refused (every AWS call goes to the deployment's region)", async () => {
  const refused = await run({ request: request((r) => (r.aws.region = 'us-east-1')) });
  expect(refused.result.status).toBe('REFUSED');
  expect(refused.result.problems).toEqual([{ path: 'aws.region', message: expect.stringMatching(/runs in ap-northeast-1 .* names us-east-1/) }]);
});

test('the first state resolves the callback host and refuses one that does not resolve', async () => {
  const refused = await run({ request: request((r) => (r.ticket.callbackUrl = 'https://tickets.nonexistent.test/hooks/OPS-1')) });
  expect(refused.result.status).toBe('REFUSED');
  expect(refused.result.problems).toEqual([{ path: 'ticket.callbackUrl', message: 'the host tickets.nonexistent.test does not resolve' }]);
});
