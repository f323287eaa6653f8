/**
 * Teardown is the back-out plan, so it must work from whatever a run left: a provisioning stopped at any of
 * its states, one whose gateway build failed, and a teardown whose delete answers were lost (re-run). Each
 * case runs the real teardown state machine with the real functions against the emulated clouds and checks
 * that nothing of the environment is left, while what is not ours survives.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { TAG_ENVIRONMENT, TAG_MANAGED_BY } from '../../functions/commons/naming';
import { runLocal, type LocalRunResult } from '../../local/runner';
import type { CloudState } from '../../local/cloud/state';
import { ROOT } from '../workflow/support';

const REQUEST_FILE = path.join(ROOT, 'events', 'new-environment.json');
const ENV = JSON.parse(readFileSync(REQUEST_FILE, 'utf8')).environmentId as string;
const PROVISION = JSON.parse(readFileSync(path.join(ROOT, 'statemachine', 'provision.asl.json'), 'utf8'));

function taskStates(states: Record<string, any>, out: string[] = []): string[] {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task') out.push(name);
    for (const branch of state.Branches ?? []) taskStates(branch.States, out);
  }
  return out;
}

const scratch = () => mkdtempSync(path.join(tmpdir(), 'aoai-teardown-'));

async function tearDown(stateFile: string, dir: string, extra: { faults?: string } = {}): Promise<LocalRunResult> {
  return runLocal({ requestFile: REQUEST_FILE, teardown: true, stateFile, outDir: path.join(dir, `teardown-${Math.random().toString(36).slice(2, 8)}`), output: null, ...extra });
}

/** Torn down, and again if the first one failed (a re-run is the documented answer to a failed teardown). */
async function tearDownUntilDone(stateFile: string, dir: string, extra: { faults?: string } = {}): Promise<{ first: LocalRunResult; final: LocalRunResult }> {
  const first = await tearDown(stateFile, dir, extra);
  const final = first.status === 'SUCCEEDED' ? first : await tearDown(stateFile, dir);
  return { first, final };
}

describe('a provisioning stopped half way, at each of its states, then torn down', () => {
  // Adding an environment's BGP addresses to a hub gateway runs only on a hub whose BGP gateway is already
  // there: not on this world's empty hub.
  const onlyOnAHubWithABgpGateway = /BGP addresses to the hub's VPN gateway/;
  const states = taskStates(PROVISION.States).filter((state) => !onlyOnAHubWithABgpGateway.test(state));

  it('covers every task state of the provisioning machine', () => {
    expect(states.length).toBeGreaterThan(35);
  });

  // The early lock's states run only when the request locks the account first, the BGP states only with BGP
  // routing; the teardown is given the same request (with BGP its names include tunnels 3 and 4).
  const document = JSON.parse(readFileSync(REQUEST_FILE, 'utf8'));
  const lockingFirst = { ...document, options: { publicNetworkAccess: 'disable-first' } };
  const withBgp = { ...document, options: { ...document.options, routing: 'bgp' } };
  const requestFor = (state: string) =>
    /early|public network access first/.test(state) ? { request: lockingFirst } : /BGP|both VPN connections/.test(state) ? { request: withBgp } : { requestFile: REQUEST_FILE };

  it.each(states)('stopped at "%s": the teardown succeeds and nothing of the environment is left', async (state) => {
    const dir = scratch();
    const stateFile = path.join(dir, 'state.json');
    const stopped = await runLocal({ ...requestFor(state), stateFile, outDir: path.join(dir, 'provision'), output: null, stopAtState: state });
    // A stop at the first state fails its check before start: nothing was created, the teardown finds nothing.
    expect(stopped.status).toBe('FAILED');
    expect(stopped.failedState ?? state).toBe(state);
    const torn = await runLocal({ ...requestFor(state), teardown: true, stateFile, outDir: path.join(dir, 'teardown'), output: null });
    expect([torn.status, torn.error, torn.failedState ?? null]).toEqual(['SUCCEEDED', null, null]);
    expect(torn.report!.resources).toEqual({ aws: [], azure: [] });
  }, 300_000);
});

describe('after a provisioning whose gateway build failed', () => {
  it('the teardown removes the failed gateway and everything else, leaving nothing', async () => {
    const dir = scratch();
    const stateFile = path.join(dir, 'state.json');
    const failed = await runLocal({ requestFile: REQUEST_FILE, stateFile, outDir: path.join(dir, 'provision'), output: null, faults: 'gateway-failed' });
    expect(failed.status).toBe('FAILED');
    expect(failed.report!.resources.azure.some((r) => r.type === 'Microsoft.Network/virtualNetworkGateways')).toBe(true);
    const torn = await tearDown(stateFile, dir);
    expect([torn.status, torn.error]).toEqual(['SUCCEEDED', null]);
    expect(torn.report!.resources).toEqual({ aws: [], azure: [] });
    expect(torn.report!.removed!.some((r) => r.type === 'Microsoft.Network/virtualNetworkGateways')).toBe(true);
  }, 300_000);
});

describe('a teardown whose answer to one delete call is lost', () => {
  let provisioned: string;
  beforeAll(async () => {
    const dir = scratch();
    provisioned = path.join(dir, 'state.json');
    const run = await runLocal({ requestFile: REQUEST_FILE, stateFile: provisioned, outDir: path.join(dir, 'provision'), output: null });
    expect(run.status).toBe('SUCCEEDED');
  }, 300_000);

  const deleteCalls: [cloud: 'aws' | 'azure', call: string][] = [
    ['aws', 'DisassociateResolverRule'],
    ['aws', 'DeleteResolverRule'],
    ['aws', 'DeleteResolverEndpoint'],
    ['aws', 'DeleteSecurityGroup'],
    ['aws', 'DeleteVpnConnection'],
    ['aws', 'DetachVpnGateway'],
    ['aws', 'DeleteVpnGateway'],
    ['aws', 'DeleteCustomerGateway'],
    ['aws', 'DeleteSecret'],
    ['aws', 'DeleteFunction'],
    ['azure', 'DELETE Microsoft.Network/privateEndpoints/privateDnsZoneGroups'],
    ['azure', 'DELETE Microsoft.Network/privateEndpoints'],
    ['azure', 'DELETE Microsoft.Network/privateDnsZones/virtualNetworkLinks'],
    ['azure', 'DELETE Microsoft.Network/privateDnsZones'],
    ['azure', 'DELETE Microsoft.Network/dnsResolvers/inboundEndpoints'],
    ['azure', 'DELETE Microsoft.Network/dnsResolvers'],
    ['azure', 'DELETE Microsoft.Network/virtualNetworks/subnets'],
    ['azure', 'DELETE Microsoft.Network/networkSecurityGroups'],
    ['azure', 'DELETE Microsoft.Network/connections'],
    ['azure', 'DELETE Microsoft.Network/localNetworkGateways'],
    ['azure', 'DELETE Microsoft.Network/virtualNetworkGateways'],
    ['azure', 'DELETE Microsoft.Network/publicIPAddresses'],
  ];

  it.each(deleteCalls)('%s %s: the delete was made, and the teardown (re-run if it failed) leaves nothing', async (cloud, call) => {
    const dir = scratch();
    const stateFile = path.join(dir, 'state.json');
    copyFileSync(provisioned, stateFile);
    const { first, final } = await tearDownUntilDone(stateFile, dir, { faults: `drop-response:${call}` });
    expect(first.report!.apiCalls[cloud][call]).toBeGreaterThanOrEqual(1);
    expect([final.status, final.error]).toEqual(['SUCCEEDED', null]);
    expect(final.report!.resources).toEqual({ aws: [], azure: [] });
  }, 300_000);
});

describe('look-alikes that are not ours', () => {
  it('survive the teardown unchanged and are listed, with why, in its summary', async () => {
    const dir = scratch();
    const stateFile = path.join(dir, 'state.json');
    expect((await runLocal({ requestFile: REQUEST_FILE, stateFile, outDir: path.join(dir, 'provision'), output: null })).status).toBe('SUCCEEDED');
    // Another team takes over two resources carrying our names (as if they had made them): their tags say so.
    const state: CloudState = JSON.parse(readFileSync(stateFile, 'utf8'));
    const group = state.aws.securityGroups.find((g) => g.GroupName === `aoai-link-${ENV}-probe`)!;
    group.Tags = [{ Key: 'Name', Value: group.GroupName! }];
    const nsg = Object.values(state.azure.resources).find((r) => r.id.endsWith('/networkSecurityGroups/nsg-vnet-hub-private-endpoint'))!;
    nsg.body.tags = { [TAG_MANAGED_BY]: 'another-team', [TAG_ENVIRONMENT]: ENV };
    // The environment's own rule in it is still the environment's (its name says so) and goes; the rest stays as it is.
    const withoutOurRules = (body: typeof nsg.body) =>
      JSON.stringify({ ...body, etag: undefined, properties: { ...body.properties, securityRules: (body.properties?.securityRules ?? []).filter((r: { name: string }) => !r.name.includes(ENV)) } });
    const nsgBefore = withoutOurRules(nsg.body);
    writeFileSync(stateFile, JSON.stringify(state));

    const torn = await tearDown(stateFile, dir);
    expect([torn.status, torn.error]).toEqual(['SUCCEEDED', null]);
    const left = [...torn.report!.resources.aws, ...torn.report!.resources.azure].map((r) => r.id);
    // The foreign group and NSG stay, and so does the endpoint subnet, which is ours only through its NSG.
    const subnet = `${nsg.id.replace(/\/networkSecurityGroups\/.*$/, '')}/virtualNetworks/vnet-hub/subnets/snet-vnet-hub-private-endpoint`;
    expect(left.map((id) => id.toLowerCase()).sort()).toEqual([group.GroupId!, nsg.id, subnet].map((id) => id.toLowerCase()).sort());
    const after: CloudState = JSON.parse(readFileSync(stateFile, 'utf8'));
    expect(withoutOurRules(Object.values(after.azure.resources).find((r) => r.id === nsg.id)!.body)).toBe(nsgBefore);
    expect(JSON.stringify(Object.values(after.azure.resources).find((r) => r.id === nsg.id)!.body.properties.securityRules)).not.toContain(ENV);
    const summary = torn.output as { left: { id: string; reason: string }[] };
    expect(summary.left.map((entry) => entry.id).sort()).toEqual(expect.arrayContaining([group.GroupId, nsg.id]));
    for (const entry of summary.left) expect(entry.reason.length).toBeGreaterThan(20);
    expect(summary.left.find((entry) => entry.id === group.GroupId)!.reason).toMatch(/lacks the tag managed-by/);
  }, 300_000);
});
