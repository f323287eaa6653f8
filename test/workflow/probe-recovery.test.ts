/**
 * End to end: the probe authenticates with an Entra ID token (no account key anywhere), and a re-run recovers
 * a probe function that went Inactive, Failed, or drifted from what the stack describes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CloudState, LambdaFunction } from '../../local/cloud/state';
import { PROBE_CODE_TAG } from '../../functions/probe-runner/probe-runner';
import { DEFAULT_WORLD, run, secretsHeldBy, type Run } from './support';

/** A JWT (three base64url parts, the first two JSON objects). */
const JWT = /eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/;

function worldWithAccount(patch: Record<string, unknown>) {
  const world = JSON.parse(JSON.stringify(DEFAULT_WORLD));
  Object.assign(world.azure.openAiAccounts[0], patch);
  return world;
}

const liveProbe = (state: CloudState): LambdaFunction => state.aws.functions.filter((f) => f.deletedAt === undefined)[0];

/** A copy of the saved clouds, changed as time or a person would between runs; gives the copy's file. */
function editState(previous: Run, change: (state: CloudState) => void): string {
  const state = previous.state();
  change(state);
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'aoai-probe-')), 'state.json');
  writeFileSync(file, JSON.stringify(state));
  return file;
}

function expectProven(again: Run) {
  expect({ status: again.result.status, error: again.result.error, cause: again.result.cause }).toEqual({ status: 'SUCCEEDED', error: null, cause: null });
  expect(again.result.report!.probe).toMatchObject({ dns: { ok: true }, tcp: { ok: true }, api: { ok: true, status: 200 } });
}

describe('an account with disableLocalAuth (keys refused)', () => {
  let keyless: Run;
  beforeAll(async () => {
    keyless = await run({ world: worldWithAccount({ disableLocalAuth: true }) });
  });

  it('is proven with an Entra ID token: listKeys is never called', () => {
    expectProven(keyless);
    expect(Object.keys(keyless.result.report!.apiCalls.azure).filter((call) => /listKeys/i.test(call))).toEqual([]);
  });

  it('keeps the token and every secret out of history.json, report.json and the output', () => {
    const texts = { history: keyless.historyText(), report: keyless.reportText(), output: JSON.stringify(keyless.result.output) };
    for (const [where, text] of Object.entries(texts)) {
      expect({ where, jwt: JWT.test(text) }).toEqual({ where, jwt: false });
      for (const secret of secretsHeldBy(keyless.state())) expect({ where, leaked: text.includes(secret) }).toEqual({ where, leaked: false });
    }
  });
});

describe('a principal without the data-plane role', () => {
  it('fails at the probe naming the missing role; granting it and re-running proves the path', async () => {
    const denied = await run({ world: worldWithAccount({ openAiUserRoleWithheld: true }) });
    expect(denied.result.error).toBe('ProbeFailed');
    expect(denied.result.cause).toContain('HTTP 401');
    expect(denied.result.cause).toContain('Cognitive Services OpenAI User');

    const granted = editState(denied, (state) => {
      for (const holders of Object.values(state.azure.openAiUserRoles ?? {})) holders.push('00000000-0000-0000-0000-00000000000c');
    });
    expectProven(await run({ stateFile: granted }));
  });
});

describe('the probe function', () => {
  it('going Inactive just before the probe (probe-inactive) is waited for in the same run', async () => {
    const idle = await run({ faults: 'probe-inactive' });
    expectProven(idle);
    expect(idle.result.report!.operations.filter((op) => op.operation === 'restore')).toHaveLength(1);
  });

  describe('after a first run', () => {
    let first: Run;
    beforeAll(async () => {
      first = await run();
      expectProven(first);
    });

    it('found Inactive (idle for weeks) is woken and the re-run proves the path', async () => {
      const stateFile = editState(first, (state) => {
        liveProbe(state).inactiveSince = 0;
      });
      const again = await run({ stateFile });
      expectProven(again);
      expect(again.result.report!.operations.map((op) => op.operation)).toContain('restore');
      expect(liveProbe(again.state()).inactiveSince).toBeUndefined();
    });

    it('found Failed (its network interfaces could not be made) is deleted and recreated', async () => {
      const stateFile = editState(first, (state) => {
        liveProbe(state).failed = { StateReasonCode: 'EniLimitExceeded', StateReason: 'Lambda was not able to create an ENI in the VPC of the Lambda function because the limit for Network Interfaces has been reached.' };
      });
      const again = await run({ stateFile });
      expectProven(again);
      const functions = again.state().aws.functions;
      expect(functions.filter((f) => f.deletedAt !== undefined)).toHaveLength(1);
      expect(liveProbe(again.state()).failed).toBeUndefined();
      expect(again.result.report!.apiCalls.aws).toMatchObject({ DeleteFunction: 1, CreateFunction: 1 });
    });

    it('with other code, another role and other subnets is updated one change at a time, then proven', async () => {
      const stack = liveProbe(first.state());
      const stateFile = editState(first, (state) => {
        const fn = liveProbe(state);
        fn.Tags[PROBE_CODE_TAG] = 'old-assets/probe/old.zip';
        fn.Role = 'arn:aws:iam::123456789012:role/someone-elses-role';
        fn.VpcConfig.SubnetIds = fn.VpcConfig.SubnetIds.slice(0, 1);
      });
      const again = await run({ stateFile });
      expectProven(again);
      const fn = liveProbe(again.state());
      expect(fn.Tags[PROBE_CODE_TAG]).toBe(stack.Tags[PROBE_CODE_TAG]);
      expect(fn.Code.CodeSha256).toBe(stack.Code.CodeSha256);
      expect(fn.Role).toBe(stack.Role);
      expect(fn.VpcConfig.SubnetIds).toEqual(stack.VpcConfig.SubnetIds);
      expect(again.result.report!.apiCalls.aws).toMatchObject({ UpdateFunctionCode: 1, UpdateFunctionConfiguration: 1 });
      expect(again.result.report!.apiCalls.aws.CreateFunction).toBeUndefined();
    });

    it('not tagged as ours is left alone and named, before anything is created', async () => {
      const stateFile = editState(first, (state) => {
        liveProbe(state).Tags = { owner: 'someone else' };
      });
      const before = readFileSync(stateFile, 'utf8');
      const again = await run({ stateFile });
      expect(again.result.error).toBe('RequestRefused');
      expect(again.result.problems).toContainEqual({
        path: 'environmentId',
        message: expect.stringMatching(/Lambda function aoai-link-probe-aoai-prod-01 \(arn:aws:lambda:/),
      });
      // Refused before the state machine started: the function (and everything else) is as it was.
      expect(readFileSync(stateFile, 'utf8')).toBe(before);
    });
  });
});
