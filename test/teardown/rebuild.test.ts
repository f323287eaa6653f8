/**
 * An environment torn down can be built again with the same request, and torn down again: the tunnel keys
 * scheduled for deletion are restored with new keys, and the Route 53 Resolver endpoint and rule take the next
 * generation of their creator request ids (a used id stays refused after its resource is deleted, in the
 * emulator's reading), so nothing collides with what the first life left behind.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { resourceNames } from '../../functions/commons/naming';
import { runLocal } from '../../local/runner';
import type { CloudState } from '../../local/cloud/state';
import { DEFAULT_REQUEST, ROOT } from '../workflow/support';

const REQUEST_FILE = path.join(ROOT, 'events', 'new-environment.json');

test('provision, tear down, provision again (the path proven), tear down again: nothing left', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'aoai-rebuild-'));
  const stateFile = path.join(dir, 'state.json');
  const step = (name: string, teardown = false) => runLocal({ requestFile: REQUEST_FILE, stateFile, teardown, outDir: path.join(dir, name), output: null });

  expect((await step('provision-1')).status).toBe('SUCCEEDED');
  const firstKeys = (JSON.parse(readFileSync(stateFile, 'utf8')) as CloudState).aws.vpnConnections.flatMap((c) => c.Tunnels.map((t) => t.PreSharedKey));
  expect((await step('teardown-1', true)).status).toBe('SUCCEEDED');

  const again = await step('provision-2');
  expect([again.status, again.error]).toEqual(['SUCCEEDED', null]);
  expect(again.report!.probe).toMatchObject({ dns: { ok: true }, tcp: { ok: true }, api: { ok: true } });
  const state: CloudState = JSON.parse(readFileSync(stateFile, 'utf8'));
  const ids = resourceNames(DEFAULT_REQUEST).aws.creatorRequestIds;
  const live = state.aws.resolverEndpoints.filter((e) => e.deletedAt === undefined);
  expect(live.map((e) => e.CreatorRequestId)).toEqual([`${ids.resolverEndpoint}-2`]);
  // The restored secrets hold new keys, which the new tunnels use.
  const liveConnections = state.aws.vpnConnections.filter((c) => c.deletedAt === undefined);
  const secondKeys = liveConnections.flatMap((c) => c.Tunnels.map((t) => t.PreSharedKey));
  expect(secondKeys).toHaveLength(2);
  expect(secondKeys.filter((key) => firstKeys.includes(key))).toEqual([]);

  const last = await step('teardown-2', true);
  expect([last.status, last.error]).toEqual(['SUCCEEDED', null]);
  expect(last.report!.resources).toEqual({ aws: [], azure: [] });
}, 300_000);
