/** Helpers for the end-to-end tests: runs of the real workflow in local mode, in a scratch folder each. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runLocal, type LocalRunOptions, type LocalRunResult } from '../../local/runner';
import type { CloudState } from '../../local/cloud/state';

export const ROOT = path.join(__dirname, '..', '..');
export const DEFAULT_REQUEST = JSON.parse(readFileSync(path.join(ROOT, 'events', 'new-environment.json'), 'utf8'));
export const DEFAULT_WORLD = JSON.parse(readFileSync(path.join(ROOT, 'local', 'default-world.json'), 'utf8'));

export interface Run {
  result: LocalRunResult;
  dir: string;
  stateFile: string;
  state: () => CloudState;
  historyText: () => string;
  reportText: () => string;
}

/** One local run in its own folder. Pass `stateFile` to continue from an earlier run's clouds. */
export async function run(options: Partial<LocalRunOptions> & { world?: unknown } = {}): Promise<Run> {
  const dir = mkdtempSync(path.join(tmpdir(), 'aoai-e2e-'));
  const stateFile = options.stateFile ?? path.join(dir, 'state.json');
  let worldFile = options.worldFile;
  if (options.world) {
    worldFile = path.join(dir, 'world.json');
    writeFileSync(worldFile, JSON.stringify(options.world));
  }
  const { world: _world, ...rest } = options;
  const result = await runLocal({ output: null, outDir: path.join(dir, 'out'), ...rest, worldFile, stateFile });
  return {
    result,
    dir,
    stateFile,
    state: () => JSON.parse(readFileSync(stateFile, 'utf8')),
    historyText: () => readFileSync(path.join(dir, 'out', 'history.json'), 'utf8'),
    reportText: () => readFileSync(path.join(dir, 'out', 'report.json'), 'utf8'),
  };
}

export function request(patch: (r: any) => void): unknown {
  const copy = JSON.parse(JSON.stringify(DEFAULT_REQUEST));
  patch(copy);
  return copy;
}

/** Every secret the emulated clouds hold at the end: tunnel keys on both sides, account keys, secret values. */
export function secretsHeldBy(state: CloudState): string[] {
  const values = new Set<string>();
  for (const connection of state.aws.vpnConnections) for (const tunnel of connection.Tunnels) values.add(tunnel.PreSharedKey);
  for (const resource of Object.values(state.azure.resources)) {
    const key = resource.body.properties?.sharedKey;
    if (typeof key === 'string') values.add(key);
  }
  for (const keys of Object.values(state.azure.accountKeys)) {
    values.add(keys.key1);
    values.add(keys.key2);
  }
  for (const secret of state.aws.secrets) {
    if (!secret.SecretString) continue;
    values.add(secret.SecretString);
    try {
      const parsed = JSON.parse(secret.SecretString);
      if (parsed.clientSecret) values.add(parsed.clientSecret);
    } catch {
      // a plain string secret
    }
  }
  return [...values].filter((v) => v.length >= 8);
}

/** What exists that this product created, counted per kind, to see duplicates. */
export function createdCounts(state: CloudState): Record<string, number> {
  const live = <T extends { deletedAt?: number }>(items: T[]) => items.filter((i) => i.deletedAt === undefined).length;
  const counts: Record<string, number> = {
    'customer-gateway': live(state.aws.customerGateways),
    'vpn-gateway': live(state.aws.vpnGateways),
    'vpn-connection': live(state.aws.vpnConnections),
    'vpn-connection-route': state.aws.vpnConnections.reduce((n, c) => n + c.Routes.length, 0),
    'vgw-attachment': state.aws.vpnGateways.reduce((n, g) => n + g.Attachments.filter((a) => a.deletedAt === undefined).length, 0),
    'route-propagation': state.aws.routeTables.reduce((n, t) => n + t.PropagatingVgws.length, 0),
    'security-group': state.aws.securityGroups.length,
    'security-group-egress-rule': state.aws.securityGroups.reduce((n, g) => n + g.Egress.length, 0),
    'resolver-endpoint': live(state.aws.resolverEndpoints),
    'resolver-rule': live(state.aws.resolverRules),
    'resolver-rule-association': live(state.aws.resolverRuleAssociations),
    secret: state.aws.secrets.filter((s) => s.DeletedDate === undefined).length,
    function: live(state.aws.functions),
  };
  for (const resource of Object.values(state.azure.resources)) {
    if (resource.preExisting) continue;
    counts[resource.type] = (counts[resource.type] ?? 0) + 1;
  }
  return counts;
}
