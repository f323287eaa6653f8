/**
 * With `options.routing: "bgp"` the health check also reads each session: AWS must accept routes over the
 * tunnel and Azure's gateway must list its AWS inside address as a Connected peer. Healthy after provisioning;
 * with one instance of the active-active gateway lost (`--faults instance-down:0` on the health run) its
 * tunnels and sessions are named broken.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runHealthLocally } from '../../cli/local-health';
import { runLocal } from '../../local/runner';
import { request } from '../workflow/support';

jest.setTimeout(15 * 60_000);

const dir = mkdtempSync(path.join(tmpdir(), 'aoai-health-bgp-'));
const stateFile = path.join(dir, 'state.json');
const requestFile = path.join(dir, 'bgp-request.json');

beforeAll(async () => {
  writeFileSync(requestFile, JSON.stringify(request((r) => (r.options.routing = 'bgp'))));
  const provisioned = await runLocal({ requestFile, stateFile, outDir: path.join(dir, 'provision'), output: null });
  expect([provisioned.status, provisioned.error]).toEqual(['SUCCEEDED', null]);
});

test('a BGP environment is healthy: four tunnels, both sides, and four sessions, each with routes', async () => {
  const result = await runHealthLocally({ requestFiles: [requestFile], stateFile, outDir: path.join(dir, 'healthy') });
  const report = result.runs[0].report!;
  expect(report.checks.filter((c) => !c.ok)).toEqual([]);
  expect(result.exitCode).toBe(0);
  const sessions = report.checks.filter((c) => c.name.startsWith('BGP session'));
  expect(sessions.map((c) => c.name)).toEqual([1, 2, 3, 4].map((n) => `BGP session tunnel ${n}`));
  for (const session of sessions) expect(session.detail).toMatch(/^AWS inside 169\.254\.\d+\.\d+: AWS accepted [1-9]\d* routes, Azure reports the peer Connected with [1-9]\d* routes$/);
  expect(JSON.parse(readFileSync(path.join(dir, 'healthy', 'health.json'), 'utf8')).checks).toHaveLength(4 * 2 + 4 + 3);
});

test('with one gateway instance down, its tunnels and their sessions are named broken; exit 1', async () => {
  const result = await runHealthLocally({ requestFiles: [requestFile], stateFile, outDir: path.join(dir, 'instance-down'), faults: 'instance-down:0' });
  expect(result.exitCode).toBe(1);
  const failed = result.runs[0].report!.checks.filter((c) => !c.ok).map((c) => c.name);
  expect(failed.length).toBeGreaterThan(0);
  expect(failed.some((name) => name.startsWith('BGP session'))).toBe(true);
  expect(failed.some((name) => / \((AWS|Azure)\)$/.test(name))).toBe(true);
});
