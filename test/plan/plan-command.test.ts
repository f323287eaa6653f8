/**
 * `aoai-link plan REQUEST.json` for the real clouds, pointed at the emulated ones the way an operator points it
 * at a cloud: the shell's AWS settings, AZURE_ARM_ENDPOINT/AZURE_AUTHORITY_HOST, EXTRA_CA_PEM_FILE and
 * AZURE_CREDENTIAL_SECRET_ARN. It makes the same plan as local mode's --plan and writes nothing.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../cli/main';
import type { Plan } from '../../functions/commons/plan';
import { startLocalClouds, type LocalClouds } from '../../local/cloud';
import { startLocalPublicDns } from '../../local/cloud/public-dns';
import { readWorld, stateFromWorld } from '../../local/cloud/world';
import { parseFaults } from '../../local/faults';
import { localCallbackEnvironment, endpointsOf, localFunctionEnvironment } from '../../local/runner/environment';

const ROOT = path.join(__dirname, '..', '..');
const REQUEST = path.join(ROOT, 'events', 'new-environment.json');

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const [out, err] = [new PassThrough(), new PassThrough()];
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (c) => chunks.out.push(c));
  err.on('data', (c) => chunks.err.push(c));
  const code = await main(argv, out, err);
  return { code, out: Buffer.concat(chunks.out).toString('utf8'), err: Buffer.concat(chunks.err).toString('utf8') };
}

describe('aoai-link plan', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aoai-link-plan-command-'));
  let clouds: LocalClouds;
  let closeDns: () => Promise<void>;
  const previous: Record<string, string | undefined> = {};

  beforeAll(async () => {
    const state = stateFromWorld(readWorld());
    clouds = await startLocalClouds({ state, faults: parseFaults(''), seed: 1 });
    const caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, clouds.caPem);
    const dns = await startLocalPublicDns();
    closeDns = () => dns.close();
    const env = {
      ...localFunctionEnvironment(endpointsOf(clouds, state, caFile, 'test/plan-command')),
      ...localCallbackEnvironment(dns.address),
    };
    // An operator's shell sets no log level (the functions' one is theirs).
    const { LOG_LEVEL: _functionsLevel, ...shell } = env;
    for (const key of ['LOG_LEVEL', ...Object.keys(shell)]) previous[key] = process.env[key];
    delete process.env.LOG_LEVEL;
    Object.assign(process.env, shell);
  }, 60_000);

  afterAll(async () => {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
    clouds.clock.stop();
    await closeDns();
    await clouds.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is a command of the program', async () => {
    const { code, out } = await cli('plan', '--help');
    expect(code).toBe(0);
    expect(out).toContain('Usage: aoai-link plan [options] <REQUEST.json>');
    expect(out).toContain('--teardown');
  });

  it('plans the default request as local mode does, printing it and writing plan.json, and writes nothing to the clouds', async () => {
    const before = JSON.stringify(clouds.recorder.apiCalls);
    const { code, out } = await clouds.clock.hold(() => cli('plan', REQUEST, '--out', path.join(dir, 'plan')));
    expect(code).toBe(0);
    const plan = JSON.parse(readFileSync(path.join(dir, 'plan', 'plan.json'), 'utf8')) as Plan;
    expect(plan.environmentId).toBe('aoai-prod-01');
    expect(plan.actions.filter((a) => a.action === 'create')).toHaveLength(31);
    expect(plan.monthlyCostUsd.total).toBe(673.98);
    expect(out).toContain('Plan: 31 to create, 2 to update, 0 to adopt, 0 to keep, 0 to delete.');
    const calls = clouds.recorder.apiCalls;
    expect(JSON.stringify(calls)).not.toBe(before);
    const writes = [
      ...Object.keys(calls.aws).filter((name) => !/^(Describe|List|Get)/.test(name)),
      ...Object.keys(calls.azure).filter((name) => !name.startsWith('GET ') && !/^POST .*\/listDnsResolvers$/i.test(name)),
    ];
    expect(writes).toEqual([]);
  }, 120_000);

  it('--json prints plan.json itself', async () => {
    const { code, out } = await clouds.clock.hold(() => cli('plan', REQUEST, '--json', '--out', path.join(dir, 'json')));
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(JSON.parse(readFileSync(path.join(dir, 'json', 'plan.json'), 'utf8')));
  }, 120_000);
});
