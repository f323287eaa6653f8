/**
 * `npm run local -- REQUEST.json --plan` (contract local-cloud.md v2): the plan on a fresh world and on a
 * provisioned state, the plan of a teardown on a shared hub, a BGP request's plan, and a refused one, each
 * against the real emulated clouds with the request check's real clients, with the clouds' recorder showing
 * that nothing was written.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { run as runLocalCommand } from '../../cli/local';
import { planLocally, type LocalPlanResult } from '../../cli/local-plan';
import type { Plan } from '../../functions/commons/plan';
import { runLocal } from '../../local/runner';
import { temporaryDirectory } from '../local-runner/support';

const ROOT = path.join(__dirname, '..', '..');
const DEFAULT_REQUEST = path.join(ROOT, 'events', 'new-environment.json');
const SECOND_SPOKE = path.join(ROOT, 'test', 'teardown', 'fixtures', 'hub-second-spoke.request.json');
const TWO_VPCS_WORLD = path.join(ROOT, 'test', 'local-runner', 'fixtures', 'two-vpcs.world.json');

/** The calls the emulated clouds answered that change something (reads: Describe/List/Get, ARM GET and its read-only list POST). */
function writesIn(apiCalls: LocalPlanResult['apiCalls']): string[] {
  return [
    ...Object.keys(apiCalls.aws).filter((name) => !/^(Describe|List|Get)/.test(name)).map((name) => `aws ${name}`),
    ...Object.keys(apiCalls.azure).filter((name) => !name.startsWith('GET ') && !/^POST .*\/listDnsResolvers$/i.test(name)).map((name) => `azure ${name}`),
  ];
}

/** The command line in this process: its exit code and what it printed. */
async function local(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const [out, err] = [new PassThrough(), new PassThrough()];
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  out.on('data', (c) => chunks.out.push(c));
  err.on('data', (c) => chunks.err.push(c));
  const code = await runLocalCommand(argv, out, err);
  return { code, out: Buffer.concat(chunks.out).toString('utf8'), err: Buffer.concat(chunks.err).toString('utf8') };
}

const readPlan = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'plan.json'), 'utf8')) as Plan;
const actionsOf = (plan: Plan, action: string) => plan.actions.filter((a) => a.action === action);

/**
 * The default request's monthly cost, by hand from functions/commons/prices.ts (730 hours a month):
 *   Azure VPN gateway VpnGw1AZ        0.361 × 730         = 263.53
 *   its Standard public IP             0.005 × 730         =   3.65
 *   one AWS Site-to-Site VPN connection 0.05 × 730         =  36.50
 *   Route 53 Resolver outbound endpoint, two ENIs (two resolver subnets): 2 × 0.125 × 730 = 182.50
 *   DNS Private Resolver inbound endpoint, a month          = 180.00
 *   private endpoint                   0.01 × 730          =   7.30
 *   private DNS zone, a month                               =   0.50
 *                                                     total = 673.98
 */
const DEFAULT_MONTHLY_USD = 263.53 + 3.65 + 36.5 + 182.5 + 180 + 7.3 + 0.5;

describe('--plan on a fresh world', () => {
  const dir = temporaryDirectory('plan-fresh');
  let result: { code: number; out: string; err: string };
  let plan: Plan;

  beforeAll(async () => {
    result = await local('--plan', '--out', dir);
    plan = readPlan(dir);
  }, 120_000);

  it('exits 0 and writes plan.json in the contract\'s shape', () => {
    expect(result.code).toBe(0);
    expect(Object.keys(plan).sort()).toEqual(['actions', 'environmentId', 'monthlyCostUsd']);
    expect(plan.environmentId).toBe('aoai-prod-01');
    for (const action of plan.actions) expect(Object.keys(action).sort()).toEqual(['action', 'cloud', 'name', 'reason', 'type']);
    expect(Object.keys(plan.monthlyCostUsd).sort()).toEqual(['items', 'total']);
    for (const item of plan.monthlyCostUsd.items) expect(Object.keys(item).sort()).toEqual(['item', 'source', 'usd']);
  });

  it('creates every resource of the environment and of the hub; updates only the route table and the account', () => {
    const creates = actionsOf(plan, 'create').map((a) => `${a.cloud} ${a.type} ${a.name}`);
    for (const expected of [
      'aws customer-gateway aoai-link-aoai-prod-01-cgw',
      'aws vpn-gateway aoai-link-aoai-prod-01-vgw',
      'aws vpn-connection aoai-link-aoai-prod-01-vpn',
      'aws resolver-endpoint aoai-link-aoai-prod-01-outbound',
      'aws function aoai-link-probe-aoai-prod-01',
      'azure Microsoft.Network/virtualNetworkGateways vpngw-vnet-hub',
      'azure Microsoft.Network/connections cn-aoai-prod-01-aws-tunnel-2',
      'azure Microsoft.Network/dnsResolvers/inboundEndpoints in-vnet-hub',
    ]) {
      expect(creates).toContain(expected);
    }
    expect(actionsOf(plan, 'update').map((a) => a.type).sort()).toEqual(['Microsoft.CognitiveServices/accounts', 'route-table']);
    expect(actionsOf(plan, 'keep')).toEqual([]);
    expect(result.out).toMatch(/^ {2}\+ create aws {3}customer-gateway +aoai-link-aoai-prod-01-cgw/m);
    expect(result.out).toContain('Plan: 31 to create, 2 to update, 0 to adopt, 0 to keep, 0 to delete.');
  });

  it('costs the default request what the hand computation says, each item with its source, usage named but not priced', () => {
    expect(plan.monthlyCostUsd.total).toBeCloseTo(DEFAULT_MONTHLY_USD, 2);
    expect(plan.monthlyCostUsd.total).toBe(673.98);
    const priced = plan.monthlyCostUsd.items.filter((item) => item.usd !== null);
    expect(priced.map((item) => item.usd).sort((a, b) => a! - b!)).toEqual([0.5, 3.65, 7.3, 36.5, 180, 182.5, 263.53]);
    for (const item of priced) expect(item.source).toMatch(/^https:\/\/(aws\.amazon\.com|azure\.microsoft\.com)\/.*read \d{4}-\d{2}-\d{2}/);
    const usage = plan.monthlyCostUsd.items.filter((item) => item.usd === null).map((item) => item.item);
    expect(usage.some((item) => /Resolver queries/.test(item))).toBe(true);
    expect(usage.some((item) => /data transfer out/.test(item))).toBe(true);
    expect(result.out).toMatch(/673\.98 {2}total/);
  });
});

describe('--plan writes nothing', () => {
  it('the emulated clouds answer only reads, on a fresh world', async () => {
    const result = await planLocally({ requestFiles: [], options: { outDir: temporaryDirectory('plan-reads') }, json: false }, null);
    expect(result.exitCode).toBe(0);
    // The check read both clouds (the plan is not made from nothing)...
    expect(Object.keys(result.apiCalls.aws)).toEqual(expect.arrayContaining(['DescribeVpcs', 'DescribeVpnGateways', 'ListResolverEndpoints']));
    expect(Object.keys(result.apiCalls.azure).some((name) => name.startsWith('GET '))).toBe(true);
    // ...and wrote nothing.
    expect(writesIn(result.apiCalls)).toEqual([]);
  }, 120_000);
});

describe('--plan on a provisioned state', () => {
  const dir = temporaryDirectory('plan-provisioned');
  const stateFile = path.join(dir, 'state.json');
  let result: LocalPlanResult;
  let stateBefore: string;
  let stateWrittenAt: number;

  beforeAll(async () => {
    const provisioned = await runLocal({ requestFile: DEFAULT_REQUEST, stateFile, outDir: path.join(dir, 'run'), output: null });
    expect(provisioned.status).toBe('SUCCEEDED');
    stateBefore = readFileSync(stateFile, 'utf8');
    stateWrittenAt = statSync(stateFile).mtimeMs;
    result = await planLocally({ requestFiles: [], options: { stateFile, outDir: path.join(dir, 'plan') }, json: false }, null);
  }, 300_000);

  it('creates nothing: every resource of the environment and of the hub is kept, the account used as it is', () => {
    expect(result.exitCode).toBe(0);
    const plan = readPlan(path.join(dir, 'plan'));
    expect(actionsOf(plan, 'create')).toEqual([]);
    expect(actionsOf(plan, 'update')).toEqual([]);
    const kept = actionsOf(plan, 'keep').map((a) => `${a.cloud} ${a.type} ${a.name}`);
    for (const expected of [
      'aws customer-gateway aoai-link-aoai-prod-01-cgw',
      'aws vpn-connection aoai-link-aoai-prod-01-vpn',
      'aws resolver-rule-association aoai-link-aoai-prod-01-openai',
      'aws route-table rtb-0a1b2c3d4e5f60001',
      'azure Microsoft.Network/connections cn-aoai-prod-01-aws-tunnel-1',
      'azure Microsoft.Network/networkSecurityGroups/securityRules nsg-vnet-hub-dns-inbound/aoai-link-aoai-prod-01-dns-tcp',
      'azure Microsoft.Network/virtualNetworkGateways vpngw-vnet-hub',
    ]) {
      expect(kept).toContain(expected);
    }
    expect(actionsOf(plan, 'adopt').map((a) => a.type)).toEqual(['Microsoft.CognitiveServices/accounts']);
    // What it keeps still costs what it cost.
    expect(plan.monthlyCostUsd.total).toBe(673.98);
  });

  it('writes nothing to the clouds, and leaves the state file as it was', () => {
    expect(writesIn(result.apiCalls)).toEqual([]);
    // Not saved at all (a plan has nothing to save), not merely saved the same.
    expect(statSync(stateFile).mtimeMs).toBe(stateWrittenAt);
    expect(readFileSync(stateFile, 'utf8')).toBe(stateBefore);
  });
});

describe('--plan --teardown on a hub another environment uses', () => {
  const dir = temporaryDirectory('plan-teardown');
  const stateFile = path.join(dir, 'state.json');
  let result: { code: number; out: string; err: string };
  let plan: Plan;
  let calls: LocalPlanResult['apiCalls'];

  beforeAll(async () => {
    for (const requestFile of [DEFAULT_REQUEST, SECOND_SPOKE]) {
      const provisioned = await runLocal({ requestFile, worldFile: TWO_VPCS_WORLD, stateFile, outDir: path.join(dir, path.basename(requestFile)), output: null });
      expect(provisioned.status).toBe('SUCCEEDED');
    }
    result = await local(DEFAULT_REQUEST, '--plan', '--teardown', '--state', stateFile, '--out', path.join(dir, 'plan'));
    plan = readPlan(path.join(dir, 'plan'));
    calls = (await planLocally({ requestFiles: [DEFAULT_REQUEST], options: { stateFile, teardown: true, outDir: path.join(dir, 'again') }, json: false }, null)).apiCalls;
  }, 600_000);

  it("deletes the environment's own resources and keeps the hub's for the other environment, saying why", () => {
    expect(result.code).toBe(0);
    const deleted = actionsOf(plan, 'delete').map((a) => `${a.type} ${a.name}`);
    for (const expected of ['customer-gateway aoai-link-aoai-prod-01-cgw', 'vpn-connection aoai-link-aoai-prod-01-vpn', 'Microsoft.Network/connections cn-aoai-prod-01-aws-tunnel-1', 'Microsoft.Network/networkSecurityGroups/securityRules aoai-link-aoai-prod-01-https']) {
      expect(deleted).toContain(expected);
    }
    // Nothing of the hub, nothing of the other environment.
    expect(deleted.filter((d) => /vpngw-vnet-hub|in-vnet-hub|pe-vnet-hub|spoke-b/.test(d))).toEqual([]);
    const kept = actionsOf(plan, 'keep');
    for (const name of ['vpngw-vnet-hub', 'pip-vnet-hub-vpngw', 'dnspr-vnet-hub', 'in-vnet-hub', 'pe-vnet-hub-aoai-prod']) {
      const entry = kept.find((a) => a.name === name);
      expect(entry?.reason).toMatch(/spoke-b still uses it/);
    }
    expect(actionsOf(plan, 'create')).toEqual([]);
    expect(result.out).toMatch(/^ {2}- delete aws {3}customer-gateway/m);
    expect(result.out).toMatch(/^ {2}= keep {3}azure Microsoft\.Network\/virtualNetworkGateways +vpngw-vnet-hub +the hub's: environment spoke-b still uses it/m);
  });

  it('what stops being billed is the VPN connection and the outbound endpoint; the hub keeps costing', () => {
    expect(plan.monthlyCostUsd.total).toBe(-(36.5 + 182.5));
  });

  it('writes nothing', () => {
    expect(writesIn(calls)).toEqual([]);
  });
});

describe('--plan of a BGP request', () => {
  const dir = temporaryDirectory('plan-bgp');
  const requestFile = path.join(dir, 'bgp.request.json');
  let result: { code: number; out: string; err: string };
  let plan: Plan;

  beforeAll(async () => {
    const document = JSON.parse(readFileSync(DEFAULT_REQUEST, 'utf8'));
    document.options.routing = 'bgp';
    writeFileSync(requestFile, JSON.stringify(document));
    result = await local(requestFile, '--plan', '--out', path.join(dir, 'plan'));
    plan = readPlan(path.join(dir, 'plan'));
  }, 120_000);

  it('prints the tunnel table: four tunnels, two per VPN connection, with their inside CIDRs', () => {
    expect(result.code).toBe(0);
    expect(result.out).toContain('BGP: Azure ASN 65000, AWS ASN 64512');
    const rows = result.out.split('\n').filter((line) => /^[1-4] {7}[12] /.test(line));
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row).toMatch(/169\.254\.2[12]\.\d+\/30/);
  });

  it('plans the second VPN connection, customer gateway and public IP, and costs them', () => {
    const creates = actionsOf(plan, 'create').map((a) => `${a.type} ${a.name}`);
    expect(creates).toEqual(expect.arrayContaining(['vpn-connection aoai-link-aoai-prod-01-vpn-2', 'customer-gateway aoai-link-aoai-prod-01-cgw-2', 'Microsoft.Network/connections cn-aoai-prod-01-aws-tunnel-4']));
    expect(actionsOf(plan, 'create').filter((a) => a.type === 'Microsoft.Network/publicIPAddresses')).toHaveLength(2);
    const vpnItems = plan.monthlyCostUsd.items.filter((item) => item.item.startsWith('AWS Site-to-Site VPN connection'));
    expect(vpnItems.map((item) => item.usd)).toEqual([36.5, 36.5]);
    // The default's total, a second VPN connection and a second public IP.
    expect(plan.monthlyCostUsd.total).toBe(Math.round((DEFAULT_MONTHLY_USD + 36.5 + 3.65) * 100) / 100);
  });
});

describe('--plan of a refused request', () => {
  it('prints every problem as a refused provisioning does, exits 2, writes no plan', async () => {
    const dir = temporaryDirectory('plan-refused');
    const requestFile = path.join(dir, 'refused.request.json');
    const document = JSON.parse(readFileSync(DEFAULT_REQUEST, 'utf8'));
    document.aws.vpcId = 'vpc-0ffffffffffffffff';
    document.azure.virtualNetworkName = 'vnet-nowhere';
    writeFileSync(requestFile, JSON.stringify(document));
    const result = await local(requestFile, '--plan', '--out', path.join(dir, 'plan'));
    expect(result.code).toBe(2);
    expect(result.out).toMatch(/The request was refused; nothing was created\. \d+ problems:/);
    expect(result.out).toMatch(/^ {2}- aws\.vpcId: /m);
    expect(result.out).toMatch(/^ {2}- azure\.virtualNetworkName: /m);
    expect(existsSync(path.join(dir, 'plan', 'plan.json'))).toBe(false);
  }, 120_000);
});
