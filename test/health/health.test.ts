/**
 * The health check, run locally (`npm run local -- REQUEST.json --health --state S`) against an environment
 * provisioned by `npm start -- --state S`: healthy, creating nothing and writing no state; then with one Azure
 * connection deleted through ARM, as someone tearing a tunnel would: not healthy, naming the broken step. No
 * secret the clouds hold appears in what it prints or writes.
 */
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { ResourceManagementClient } from '@azure/arm-resources';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { ClientSecretCredential } from '@azure/identity';
import { runHealthLocally } from '../../cli/local-health';
import { run as runLocalCli } from '../../cli/local';
import { resourceNames } from '../../functions/commons/naming';
import { LOCAL_SERVICE_PRINCIPAL } from '../../local/azure/entra';
import { startLocalClouds, type LocalClouds } from '../../local/cloud';
import { parseFaults } from '../../local/faults';
import { writeStateFile, type CloudState } from '../../local/cloud/state';
import { latestSimulatedSecond, runLocal } from '../../local/runner';
import { DEFAULT_REQUEST, ROOT, secretsHeldBy } from '../workflow/support';

jest.setTimeout(15 * 60_000);

const REQUEST_FILE = path.join(ROOT, 'events', 'new-environment.json');
const names = resourceNames(DEFAULT_REQUEST);
const dir = mkdtempSync(path.join(tmpdir(), 'aoai-health-'));
const stateFile = path.join(dir, 'state.json');

function captured() {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

async function healthCli(state: string, out: string) {
  const stdout = captured();
  const stderr = captured();
  const code = await runLocalCli([REQUEST_FILE, '--health', '--state', state, '--out', out], stdout.stream, stderr.stream);
  return { code, out: stdout.text(), err: stderr.text(), health: JSON.parse(readFileSync(path.join(out, 'health.json'), 'utf8')), metrics: readFileSync(path.join(out, 'health-metrics.json'), 'utf8') };
}

/** Calls that changed something (reads, ARM's read-only actions and invoking the probe change nothing). */
function writesOf(clouds: LocalClouds): string[] {
  const writes: string[] = [];
  for (const [name, count] of Object.entries(clouds.recorder.apiCalls.aws)) if (count > 0 && !/^(Describe|List|Get|Invoke$)/.test(name)) writes.push(`aws ${name}`);
  for (const [name, count] of Object.entries(clouds.recorder.apiCalls.azure)) if (count > 0 && !name.startsWith('GET ') && !/^POST .*\/getBgpPeerStatus$/i.test(name)) writes.push(`azure ${name}`);
  return writes;
}

function expectNoSecret(texts: string[], state: CloudState) {
  const secrets = secretsHeldBy(state);
  expect(secrets.length).toBeGreaterThan(3);
  for (const text of texts) {
    for (const secret of secrets) expect(text.includes(secret)).toBe(false);
    // No Entra ID token (a JWT) either.
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
  }
}

beforeAll(async () => {
  const provisioned = await runLocal({ requestFile: REQUEST_FILE, stateFile, outDir: path.join(dir, 'provision'), output: null });
  expect([provisioned.status, provisioned.error]).toEqual(['SUCCEEDED', null]);
});

test('a provisioned environment is healthy: every step checked, exit 0, health.json written, nothing created, the state untouched', async () => {
  const before = readFileSync(stateFile, 'utf8');
  const { code, out, err, health, metrics } = await healthCli(stateFile, path.join(dir, 'healthy'));
  expect([code, err]).toEqual([0, '']);
  expect(health.environmentId).toBe(DEFAULT_REQUEST.environmentId);
  expect(health.ok).toBe(true);
  expect(health.checks.map((c: { name: string }) => c.name)).toEqual(['tunnel 1 (AWS)', 'tunnel 1 (Azure)', 'tunnel 2 (AWS)', 'tunnel 2 (Azure)', 'DNS', 'TCP 443', 'API']);
  for (const c of health.checks) expect(c).toEqual({ name: expect.any(String), ok: true, detail: expect.any(String) });
  expect(health.checks.find((c: { name: string }) => c.name === 'tunnel 1 (Azure)').detail).toContain(`${names.azure.tunnels[0].connection.name}: Connected`);
  expect(out).toContain(`Health of environment ${DEFAULT_REQUEST.environmentId}`);
  expect(out).toMatch(/ok {5}DNS/);
  expect(out).toContain('Healthy: 7 checks passed.');
  // The metric data the function would publish: one per step, the environment's, and the count for the stack's alarm.
  const published = JSON.parse(metrics);
  expect(published.namespace).toBe('AoaiLink/Health');
  expect(published.metricData).toHaveLength(9);
  expect(published.metricData[4]).toMatchObject({ MetricName: 'CheckPassed', Value: 1, Dimensions: [{ Name: 'EnvironmentId', Value: DEFAULT_REQUEST.environmentId }, { Name: 'Step', Value: 'DNS' }] });
  expect(published.metricData.slice(-1)[0]).toMatchObject({ MetricName: 'UnhealthyEnvironments', Value: 0, Dimensions: [] });
  expect(readFileSync(stateFile, 'utf8')).toBe(before);
  expectNoSecret([out, JSON.stringify(health), metrics], JSON.parse(before));
});

test('the check makes no write call to either cloud (the probe is invoked, which changes nothing)', async () => {
  let clouds: LocalClouds | undefined;
  const result = await runHealthLocally({ requestFiles: [REQUEST_FILE], stateFile, outDir: path.join(dir, 'writes'), observe: (c) => (clouds = c) });
  expect(result.exitCode).toBe(0);
  expect(clouds!.recorder.apiCalls.aws.Invoke).toBe(1);
  expect(clouds!.recorder.apiCalls.aws.DescribeVpnConnections).toBeGreaterThan(0);
  expect(writesOf(clouds!)).toEqual([]);
});

test('with one Azure connection deleted through ARM, it is not healthy and names the broken step; exit 1', async () => {
  const torn = path.join(dir, 'torn.json');
  copyFileSync(stateFile, torn);
  const state: CloudState = JSON.parse(readFileSync(torn, 'utf8'));
  const clouds = await startLocalClouds({ state, faults: parseFaults(''), seed: 1, clockStart: latestSimulatedSecond(state) });
  try {
    const credential = new ClientSecretCredential(LOCAL_SERVICE_PRINCIPAL.tenantId, LOCAL_SERVICE_PRINCIPAL.clientId, LOCAL_SERVICE_PRINCIPAL.clientSecret, {
      authorityHost: clouds.authorityHost,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: clouds.caPem },
    });
    const arm = new ResourceManagementClient(credential, names.azure.subscriptionId, { endpoint: clouds.azureEndpoint, tlsOptions: { ca: clouds.caPem }, credentialScopes: 'https://management.azure.com/.default' });
    const connectionId = names.azure.tunnels[0].connection.id;
    const response = await arm.sendRequest(
      createPipelineRequest({ url: `${clouds.azureEndpoint}${connectionId}?api-version=2024-05-01`, method: 'DELETE', headers: createHttpHeaders({}) }),
    );
    expect([200, 202, 204]).toContain(response.status);
    // The deletion runs on the simulated clock.
    await clouds.clock.sleep(900);
    const gone = await arm.sendRequest(createPipelineRequest({ url: `${clouds.azureEndpoint}${connectionId}?api-version=2024-05-01`, method: 'GET', headers: createHttpHeaders({}) }));
    expect(gone.status).toBe(404);
    clouds.clock.stop();
    writeStateFile(torn, clouds.state);
  } finally {
    await clouds.close();
  }

  const { code, out, health, metrics } = await healthCli(torn, path.join(dir, 'torn'));
  expect(code).toBe(1);
  expect(health.ok).toBe(false);
  const failed = health.checks.filter((c: { ok: boolean }) => !c.ok);
  expect(failed.map((c: { name: string }) => c.name)).toContain('tunnel 1 (Azure)');
  expect(failed.find((c: { name: string }) => c.name === 'tunnel 1 (Azure)').detail).toBe(`connection ${names.azure.tunnels[0].connection.name} not found`);
  // Tunnel 2 still carries the path.
  expect(health.checks.filter((c: { name: string; ok: boolean }) => c.name.startsWith('tunnel 2') && c.ok)).toHaveLength(2);
  expect(out).toMatch(/FAILED tunnel 1 \(Azure\)/);
  expect(out).toMatch(/NOT healthy: \d+ of 7 checks failed: .*tunnel 1 \(Azure\)/);
  const published = JSON.parse(metrics).metricData;
  expect(published.find((d: any) => d.MetricName === 'CheckPassed' && d.Dimensions[1].Value === 'tunnel 1 (Azure)').Value).toBe(0);
  expect(published.find((d: any) => d.MetricName === 'UnhealthyEnvironments').Value).toBe(1);
  expectNoSecret([out, JSON.stringify(health), metrics], JSON.parse(readFileSync(stateFile, 'utf8')));
});
