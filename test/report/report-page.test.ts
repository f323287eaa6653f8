/**
 * report.html as every local run writes it: self-contained (nothing a browser would fetch), no secret the clouds
 * hold, and what it draws read from the run itself: the timeline with the chain the run waited on, the topology
 * with the ids and addresses the run built (two tunnels static, four with BGP and both gateway addresses), the
 * probe's three checks, what was created, and for a teardown what it removed.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { criticalChain, renderReportPage, timelineFromHistory } from '../../local/runner/report-html';
import type { HistoryEvent } from '../../local/runner/history';
import { request, run, secretsHeldBy, type Run } from '../workflow/support';

const pageOf = (r: Run) => readFileSync(path.join(r.dir, 'out', 'report.html'), 'utf8');
const count = (text: string, part: string) => text.split(part).length - 1;
/** The elements of one SVG drawing (by id) in the page's text. */
const drawing = (page: string, id: string) => {
  const start = page.indexOf(`<svg id="${id}"`);
  expect(start).toBeGreaterThanOrEqual(0);
  return page.slice(start, page.indexOf('</svg>', start));
};

/** Anything that would make a browser load something: a URL, a link or source attribute, a CSS import or url(). */
function externalReferences(page: string): string[] {
  return [
    ...(page.match(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]*/gi) ?? []),
    ...(page.match(/\s(src|href|srcset|action|formaction|poster|data)\s*=/gi) ?? []),
    ...(page.match(/@import|url\(|<link\b|<iframe\b|<img\b|<object\b|<embed\b|fetch\(|XMLHttpRequest|WebSocket|EventSource|sendBeacon/gi) ?? []),
  ];
}

describe('report.html of a static provisioning run and its teardown', () => {
  let provisioned: Run;
  let teardown: Run;
  let page: string;
  let output: any;
  let secrets: string[];

  beforeAll(async () => {
    provisioned = await run();
    expect(provisioned.result.status).toBe('SUCCEEDED');
    secrets = secretsHeldBy(provisioned.state());
    page = pageOf(provisioned);
    output = provisioned.result.output;
    teardown = await run({ stateFile: provisioned.stateFile, teardown: true });
    expect(teardown.result.status).toBe('SUCCEEDED');
  }, 240_000);

  it('is written beside report.json and references nothing outside itself', () => {
    expect(existsSync(path.join(provisioned.dir, 'out', 'report.json'))).toBe(true);
    expect(page.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(externalReferences(page)).toEqual([]);
    // Its only script measures the drawings once laid out; it fetches nothing.
    expect(page.match(/<script\b/g)).toHaveLength(1);
  });

  it('holds no secret the clouds hold', () => {
    expect(secrets.length).toBeGreaterThan(4);
    for (const secret of [...secrets, ...secretsHeldBy(teardown.state())]) {
      expect(count(page, secret)).toBe(0);
      expect(count(pageOf(teardown), secret)).toBe(0);
    }
  });

  it('draws every state of the timeline, the chain the run waited on highlighted, and the clouds operations', () => {
    const report = provisioned.result.report!;
    const timeline = drawing(page, 'timeline');
    const states = new Set(report.timeline.map((entry) => entry.state));
    expect(count(timeline, '<rect class="state')).toBe(report.timeline.length);
    for (const state of states) expect(timeline).toContain(`<title>${state.replace(/'/g, '&#39;')}`);
    // The 30-minute gateway wait is what a fresh hub waits on.
    const critical = [...timeline.matchAll(/<rect class="state critical"[^>]*><title>([^<:]*)/g)].map((m) => m[1]);
    expect(critical).toContain('Wait 30 minutes for the gateway build');
    expect(critical).not.toContain('Create the customer gateway for the Azure address');
    const operations = drawing(page, 'operations');
    expect(count(operations, '<rect class="operation')).toBe(report.operations.length);
    const gatewayBuild = report.operations.find((op) => /\/virtualNetworkGateways\/[^/]+$/.test(op.resource) && op.operation === 'create')!;
    expect(operations).toMatch(new RegExp(`<rect class="operation critical"[^>]*><title>azure create ${gatewayBuild.resource}:`));
  });

  it('draws the topology it built: ids, addresses and both tunnels with their states', () => {
    const topology = drawing(page, 'topology');
    const aws = output.created.aws;
    for (const id of [DEFAULT_VPC, aws.virtualPrivateGateway, aws.customerGateway, aws.vpnConnection, aws.resolverOutboundEndpoint, aws.forwardingRule, aws.probeFunction]) {
      expect(topology).toContain(id);
    }
    for (const address of [output.privateEndpointIp, output.dnsInboundEndpointIp, output.azureGatewayPublicIp]) expect(topology).toContain(address);
    for (const name of ['vpngw-vnet-hub', 'pe-vnet-hub-aoai-prod', 'dnspr-vnet-hub', 'privatelink.openai.azure.com']) expect(topology).toContain(name);
    expect(count(topology, 'class="tunnel up"')).toBe(2);
    for (const tunnel of output.tunnels) expect(topology).toContain(`tunnel ${tunnel.tunnel}: AWS ${tunnel.outsideIp} to Azure ${output.azureGatewayPublicIp}`);
    expect(topology).not.toContain('BGP 169.254.');
  });

  it("shows the probe's three checks and what was created for the hub and the environment", () => {
    const probe = page.slice(page.indexOf('<table id="probe"'), page.indexOf('</table>', page.indexOf('<table id="probe"')));
    expect(count(probe, '<td class="ok">')).toBe(3 * output.probes.length);
    expect(probe).toContain(`→ ${output.privateEndpointIp}`);
    expect(probe).toContain('HTTP 200');
    const changes = page.slice(page.indexOf('<table id="changes"'));
    for (const [role, entry] of Object.entries<any>(output.hub)) expect(changes).toContain(`<tr class="created"><td>created</td><td>hub ${role}</td><td>${entry.id}</td></tr>`);
    expect(changes).toContain(output.created.aws.vpnConnection);
  });

  it("says what the teardown removed, from the teardown's own page", () => {
    const removedPage = pageOf(teardown);
    expect(externalReferences(removedPage)).toEqual([]);
    expect(removedPage).toContain('Teardown of aoai-prod-01');
    const removed = (teardown.result.output as any).removed as { id: string }[];
    expect(removed.length).toBeGreaterThan(10);
    const table = removedPage.slice(removedPage.indexOf('<table id="removed"'));
    expect(count(table, '<tr class="removed">')).toBe(removed.length);
    for (const entry of removed) expect(table).toContain(entry.id);
    expect(drawing(removedPage, 'timeline')).toContain('Find what the environment left in both clouds');
    expect(removedPage).not.toContain('<svg id="topology"');
  });
});

const DEFAULT_VPC = 'vpc-0a1b2c3d4e5f60001';

describe('report.html of a BGP run', () => {
  it('draws four tunnels, both Azure gateway addresses and each tunnel inside addresses', async () => {
    const bgp = await run({ request: request((r) => (r.options.routing = 'bgp')) });
    expect(bgp.result.status).toBe('SUCCEEDED');
    const output = bgp.result.output as any;
    const page = pageOf(bgp);
    expect(externalReferences(page)).toEqual([]);
    for (const secret of secretsHeldBy(bgp.state())) expect(count(page, secret)).toBe(0);
    const topology = drawing(page, 'topology');
    expect(count(topology, 'class="tunnel up"')).toBe(4);
    const [first, second] = output.bgp.azureGatewayPublicIps;
    expect(topology).toContain(`public IPs ${first}, ${second}`);
    for (const vpn of output.created.aws.vpnConnections) expect(topology).toContain(vpn);
    // Tunnels 1-2 end on the gateway's first instance, 3-4 on its second (functions/commons/bgp.ts).
    output.tunnels.forEach((tunnel: any, index: number) => expect(topology).toContain(`tunnel ${tunnel.tunnel}: AWS ${tunnel.outsideIp} to Azure ${index < 2 ? first : second}`));
    for (const cidr of ['169.254.21.0/30', '169.254.22.0/30', '169.254.21.4/30', '169.254.22.4/30']) expect(topology).toContain(`BGP ${cidr}`);
    expect(page).toContain('routing bgp');
  }, 240_000);
});

describe('the critical chain and a real history', () => {
  it('walks back from the end through what ended latest, leaving out instant states and containers', () => {
    const spans = [
      { start: 0, end: 100 }, // the parallel state around both branches
      { start: 0, end: 10 }, // branch A: a short create
      { start: 10, end: 100 }, // branch A: the long wait, ends with the parallel state
      { start: 0, end: 60 }, // branch B: done early
      { start: 100, end: 100 }, // a choice: instant
      { start: 100, end: 130 }, // the last wait
    ];
    expect([...criticalChain(spans)].sort()).toEqual([1, 2, 5]);
    expect(criticalChain([])).toEqual(new Set());
  });

  it("reads a Step Functions history's entered and exited states, a loop's visits each on its own", () => {
    const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
    const events = [
      { id: 1, type: 'ExecutionStarted', timestamp: at(0) },
      { id: 2, type: 'TaskStateEntered', timestamp: at(0), stateEnteredEventDetails: { name: 'Create' } },
      { id: 3, type: 'TaskStateExited', timestamp: at(5), stateExitedEventDetails: { name: 'Create' } },
      { id: 4, type: 'WaitStateEntered', timestamp: at(5), stateEnteredEventDetails: { name: 'Wait' } },
      { id: 5, type: 'WaitStateExited', timestamp: at(35), stateExitedEventDetails: { name: 'Wait' } },
      { id: 6, type: 'WaitStateEntered', timestamp: at(35), stateEnteredEventDetails: { name: 'Wait' } },
      { id: 7, type: 'WaitStateExited', timestamp: at(50), stateExitedEventDetails: { name: 'Wait' } },
      { id: 8, type: 'ExecutionSucceeded', timestamp: at(50) },
    ] as unknown as HistoryEvent[];
    expect(timelineFromHistory(events)).toEqual([
      { state: 'Create', enteredAt: 0, exitedAt: 5 },
      { state: 'Wait', enteredAt: 5, exitedAt: 35 },
      { state: 'Wait', enteredAt: 35, exitedAt: 50 },
    ]);
  });

  it('draws a tunnel down unless both sides say it is up', () => {
    const page = renderReportPage({
      executionName: 'e',
      status: 'SUCCEEDED',
      error: null,
      cause: null,
      seconds: 1,
      simulated: true,
      timeline: [],
      operations: [],
      output: {
        azureGatewayPublicIp: '20.194.0.5',
        tunnels: [
          { tunnel: 1, outsideIp: '3.112.10.1', aws: 'UP', azure: 'NotConnected' },
          { tunnel: 2, outsideIp: '52.68.10.1', aws: 'DOWN', azure: 'Connected' },
          { tunnel: 3, outsideIp: '3.112.10.2', aws: 'UP', azure: 'Connected' },
        ],
      },
    });
    expect([...page.matchAll(/<g class="tunnel (\w+)" data-tunnel="(\d)">/g)].map((m) => [m[2], m[1]])).toEqual([
      ['1', 'down'],
      ['2', 'down'],
      ['3', 'up'],
    ]);
  });

  it("lists a teardown's kept hub resources and what it left, each with its reason", () => {
    const hubGateway = '/subscriptions/s/resourceGroups/rg-network/providers/Microsoft.Network/virtualNetworkGateways/vpngw-vnet-hub';
    const page = renderReportPage({
      executionName: 'aoai-b-01-teardown-1',
      status: 'SUCCEEDED',
      error: null,
      cause: null,
      seconds: 60,
      simulated: true,
      timeline: [],
      operations: [],
      output: {
        environmentId: 'aoai-b-01',
        removed: [{ cloud: 'aws', type: 'vpn-connection', name: 'aoai-link-aoai-b-01-vpn', id: 'vpn-0b' }],
        kept: [{ cloud: 'azure', type: 'Microsoft.Network/virtualNetworkGateways', name: 'vpngw-vnet-hub', id: hubGateway, reason: 'aoai-a-01 still uses it' }],
        left: [{ cloud: 'aws', type: 'security-group', name: 'other', id: 'sg-0other', reason: 'it lacks the tag environment=aoai-b-01' }],
      },
    });
    const table = page.slice(page.indexOf('<table id="removed"'));
    expect(table).toContain('<tr class="removed"><td>removed</td><td>aws vpn-connection</td><td>vpn-0b</td></tr>');
    expect(table).toContain(`<tr class="kept"><td>kept</td><td>azure Microsoft.Network/virtualNetworkGateways</td><td>${hubGateway}: aoai-a-01 still uses it</td></tr>`);
    expect(table).toContain('<tr class="left"><td>left</td><td>aws security-group</td><td>sg-0other: it lacks the tag environment=aoai-b-01</td></tr>');
  });

  it('prints the account endpoint as a host name and escapes what it prints', () => {
    const page = renderReportPage({
      executionName: 'x<script>',
      status: 'FAILED',
      error: 'States.TaskFailed',
      cause: '<b>bad</b>',
      seconds: 10,
      simulated: false,
      timeline: [{ state: 'A & B', enteredAt: 0, exitedAt: 10 }],
      operations: [],
      request: { ticket: { callbackUrl: 'https://tickets.example.com/hooks/OPS-1' } },
      output: { openAiEndpoint: 'https://aoai-prod.openai.azure.com/', result: 'resolves https://aoai-prod.openai.azure.com/' },
    });
    expect(externalReferences(page)).toEqual([]);
    expect(page).not.toContain('tickets.example.com');
    expect(page).toContain('x&lt;script&gt;');
    expect(page).toContain('&lt;b&gt;bad&lt;/b&gt;');
    expect(page).toContain('A &amp; B');
    expect(page).toContain('aoai-prod.openai.azure.com');
    expect(page).toContain('does not hold the clouds');
  });
});
