/**
 * report.html: one run drawn for a person, as a single self-contained page (inline CSS and SVG, no link, no
 * image, nothing fetched), so it opens offline from a ticket attachment. It shows the timeline of the states and
 * of the cloud operations with the chain the run waited on highlighted, the topology that was built with its ids
 * and addresses, the probe's checks, and what the run created, adopted, used, changed or removed.
 *
 * Only ids, names, addresses and states are read from the output; the request is read field by field (its
 * ticket callback URL is never printed), so nothing secret can reach the page.
 */
import type { OperationRecord } from '../cloud/context';
import type { HistoryEvent, TimelineEntry } from './history';
import type { RemovedEntry, Report } from './report';

export interface ReportPageInput {
  executionName: string;
  status: string;
  error: string | null;
  cause: string | null;
  /** From the start to the end of the execution. */
  seconds: number;
  /** Whether the seconds are the local mode's simulated ones. */
  simulated: boolean;
  stateTransitions?: number;
  timeline: TimelineEntry[];
  /** What the clouds carried out; a real execution's history does not hold them. */
  operations: OperationRecord[];
  /** The execution's input: the environment request. */
  request?: unknown;
  output?: unknown;
  /** A teardown's removals as the emulated clouds saw them (the output's own list is preferred). */
  removed?: RemovedEntry[];
}

/** The page of a local run, from its report.json, its output and its request. */
export function localReportPage(report: Report, output: unknown, request: unknown): string {
  return renderReportPage({
    executionName: report.executionName,
    status: report.status,
    error: report.error,
    cause: report.cause,
    seconds: report.simulatedSeconds,
    simulated: true,
    stateTransitions: report.stateTransitions,
    timeline: report.timeline,
    operations: report.operations,
    request,
    output,
    ...(report.removed ? { removed: report.removed } : {}),
  });
}

/** A real execution's states from its Step Functions history: entered and exited, in seconds from its start. */
export function timelineFromHistory(events: HistoryEvent[]): TimelineEntry[] {
  if (!events.length) return [];
  const origin = Math.min(...events.map((event) => new Date(event.timestamp).getTime()));
  const at = (event: HistoryEvent) => (new Date(event.timestamp).getTime() - origin) / 1000;
  const end = Math.max(...events.map(at));
  const open = new Map<string, TimelineEntry[]>();
  const timeline: TimelineEntry[] = [];
  for (const event of events) {
    const details = event as unknown as Record<string, { name?: string } | undefined>;
    const entered = details.stateEnteredEventDetails?.name;
    const exited = details.stateExitedEventDetails?.name;
    if (event.type.endsWith('StateEntered') && entered) {
      const entry: TimelineEntry = { state: entered, enteredAt: at(event), exitedAt: end };
      timeline.push(entry);
      open.set(entered, [...(open.get(entered) ?? []), entry]);
    } else if (event.type.endsWith('StateExited') && exited) {
      const entry = open.get(exited)?.shift();
      if (entry) entry.exitedAt = at(event);
    }
  }
  return timeline;
}

interface Span {
  start: number;
  end: number;
}

/**
 * The chain the run waited on: from whatever ended last, back through the span that ended latest before it
 * began, to the start. Instant spans are left out (they wait on nothing); at equal ends the later start wins, so
 * a branch's own state is chosen over the parallel state that contains it.
 */
export function criticalChain(spans: Span[]): Set<number> {
  const chain = new Set<number>();
  const candidates = spans.map((span, index) => ({ ...span, index })).filter((span) => span.end > span.start);
  const latest = (limit: number) =>
    candidates
      .filter((span) => span.end <= limit && !chain.has(span.index))
      .sort((a, b) => b.end - a.end || b.start - a.start)[0];
  let current = latest(Infinity);
  while (current) {
    chain.add(current.index);
    if (current.start <= 0) break;
    current = latest(current.start);
  }
  return chain;
}

const escape = (value: unknown): string =>
  String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A host name where an URL was: the page carries no link and no address a browser would follow. */
const hostOf = (url: unknown): string => String(url ?? '').replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');

const lastSegment = (id: string) => (id.split('/').filter(Boolean).pop() ?? id).replace(/^arn:.*:/, '');

const duration = (seconds: number) => {
  const whole = Math.round(seconds);
  const m = Math.floor(whole / 60);
  const s = whole % 60;
  return m ? `${m} min ${String(s).padStart(2, '0')} s` : `${s} s`;
};

/** Shortens a label to fit its column (the whole label is in the element's title). */
const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

interface Row {
  label: string;
  spans: (Span & { critical: boolean; title: string })[];
}

function gantt(id: string, rows: Row[], seconds: number, kind: string): string {
  const labelWidth = 380;
  const chartWidth = 900;
  const rowHeight = 13;
  const axis = 22;
  const total = Math.max(seconds, ...rows.flatMap((row) => row.spans.map((span) => span.end)), 1);
  const x = (t: number) => labelWidth + (t / total) * chartWidth;
  const height = axis + rows.length * rowHeight + 6;
  const ticks: string[] = [];
  const step = [10, 30, 60, 120, 300, 600, 900, 1800, 3600].find((s) => total / s <= 12) ?? 3600;
  for (let t = 0; t <= total; t += step) {
    ticks.push(`<line x1="${x(t)}" y1="${axis - 4}" x2="${x(t)}" y2="${height}" class="grid"/><text x="${x(t) + 2}" y="12" class="tick">${escape(duration(t))}</text>`);
  }
  const body = rows
    .map((row, i) => {
      const y = axis + i * rowHeight;
      const spans = row.spans
        .map(
          (span) =>
            `<rect class="${kind}${span.critical ? ' critical' : ''}" x="${x(span.start).toFixed(1)}" y="${y + 2}" width="${Math.max(2, x(span.end) - x(span.start)).toFixed(1)}" height="${rowHeight - 4}"><title>${escape(span.title)}</title></rect>`,
        )
        .join('');
      const critical = row.spans.some((span) => span.critical);
      return `<g class="row"><text x="4" y="${y + rowHeight - 4}" class="label${critical ? ' critical-label' : ''}">${escape(clip(row.label, 58))}<title>${escape(row.label)}</title></text>${spans}</g>`;
    })
    .join('');
  return `<svg id="${id}" width="${labelWidth + chartWidth + 10}" height="${height}" viewBox="0 0 ${labelWidth + chartWidth + 10} ${height}" role="img">${ticks.join('')}${body}</svg>`;
}

function stateRows(timeline: TimelineEntry[]): Row[] {
  const chain = criticalChain(timeline.map((entry) => ({ start: entry.enteredAt, end: entry.exitedAt })));
  const rows = new Map<string, Row>();
  timeline.forEach((entry, index) => {
    const row = rows.get(entry.state) ?? { label: entry.state, spans: [] };
    rows.set(entry.state, row);
    row.spans.push({
      start: entry.enteredAt,
      end: entry.exitedAt,
      critical: chain.has(index),
      title: `${entry.state}${entry.index !== undefined ? ` [${entry.index}]` : ''}: ${duration(entry.enteredAt)} to ${duration(entry.exitedAt)}${entry.error ? `, failed ${entry.error}` : ''}`,
    });
  });
  return [...rows.values()];
}

function operationRows(operations: OperationRecord[]): Row[] {
  const chain = criticalChain(operations.map((op) => ({ start: op.startedAt, end: op.readyAt })));
  return operations.map((op, index) => ({
    label: `${op.cloud} ${op.operation} ${lastSegment(op.resource)}`,
    spans: [{ start: op.startedAt, end: op.readyAt, critical: chain.has(index), title: `${op.cloud} ${op.operation} ${op.resource}: ${duration(op.startedAt)} to ${duration(op.readyAt)}` }],
  }));
}

interface TunnelView {
  tunnel: number;
  outsideIp: string;
  azureIp: string;
  aws: string;
  azure: string;
  inside?: string;
}

/** Reads the BGP mapping's table lines (functions/commons/bgp.ts): tunnel, connection, AWS tunnel, instance, CIDR, addresses. */
function bgpRows(mapping: unknown): Map<number, { instance: number; cidr: string; awsAddress: string; azureAddress: string }> {
  const rows = new Map<number, { instance: number; cidr: string; awsAddress: string; azureAddress: string }>();
  for (const line of Array.isArray(mapping) ? mapping : []) {
    const cells = String(line).trim().split(/\s+/);
    if (cells.length >= 7 && /^\d+$/.test(cells[0]) && /^\d+$/.test(cells[3])) {
      rows.set(Number(cells[0]), { instance: Number(cells[3]), cidr: cells[4], awsAddress: cells[5], azureAddress: cells[6] });
    }
  }
  return rows;
}

function box(x: number, y: number, width: number, title: string, lines: string[], kind: string): string {
  const height = 22 + lines.length * 15;
  return (
    `<g class="node ${kind}"><rect x="${x}" y="${y}" width="${width}" height="${height}" rx="6"/>` +
    `<text x="${x + 8}" y="${y + 16}" class="node-title">${escape(title)}</text>` +
    lines.map((line, i) => `<text x="${x + 8}" y="${y + 32 + i * 15}" class="node-line">${escape(clip(line, Math.floor(width / 6.6)))}<title>${escape(line)}</title></text>`).join('') +
    `</g>`
  );
}

const boxHeight = (lines: number) => 22 + lines * 15;

function topology(request: any, output: any): string {
  const aws = request?.aws ?? {};
  const azure = request?.azure ?? {};
  const created = output?.created ?? {};
  const hub = output?.hub ?? {};
  const bgp = output?.routing === 'bgp' || request?.options?.routing === 'bgp';
  const mapping = bgpRows(output?.bgp?.mapping);
  const azureIps: string[] = output?.bgp?.azureGatewayPublicIps ?? (output?.azureGatewayPublicIp ? [output.azureGatewayPublicIp] : []);
  const tunnels: TunnelView[] = (Array.isArray(output?.tunnels) ? output.tunnels : []).map((t: any) => {
    const row = mapping.get(Number(t.tunnel));
    return {
      tunnel: Number(t.tunnel),
      outsideIp: String(t.outsideIp ?? '?'),
      azureIp: azureIps[row?.instance ?? 0] ?? '?',
      aws: String(t.aws ?? '?'),
      azure: String(t.azure ?? '?'),
      ...(row ? { inside: `${row.cidr}: AWS ${row.awsAddress}, Azure ${row.azureAddress}` } : {}),
    };
  });
  const name = (entry: any, fallback: string) => (entry?.id ? lastSegment(String(entry.id)) : fallback);
  const vpnConnections: string[] = created.aws?.vpnConnections ?? (created.aws?.vpnConnection ? [created.aws.vpnConnection] : []);
  const customerGateways: string[] = created.aws?.customerGateways ?? (created.aws?.customerGateway ? [created.aws.customerGateway] : []);

  const left = 20;
  const right = 880;
  const width = 420;
  const parts: string[] = [];
  let y = 40;
  const awsBoxes: [string, string[], string][] = [
    ['VPC', [`${aws.vpcId ?? '?'}`, `route tables ${(aws.routeTableIds ?? []).join(', ')}`, `resolver subnets ${(aws.resolverSubnetIds ?? []).join(', ')}`], 'aws'],
    ['Virtual private gateway', [created.aws?.virtualPrivateGateway ?? 'not built'], 'aws'],
    ['Customer gateways (Azure side)', customerGateways.length ? customerGateways : ['not built'], 'aws'],
    [bgp ? 'VPN connections (dynamic, BGP)' : 'VPN connection (static routes)', vpnConnections.length ? vpnConnections : ['not built'], 'aws vpn'],
    ['Route 53 Resolver outbound endpoint', [created.aws?.resolverOutboundEndpoint ?? 'not built'], 'aws'],
    ['Forwarding rule', [created.aws?.forwardingRule ?? 'not built', `${hostOf(output?.openAiEndpoint) || 'the account'} to ${output?.dnsInboundEndpointIp ?? '?'}:53`], 'aws'],
    ['Probe function', [created.aws?.probeFunction ?? 'not built'], 'aws'],
  ];
  let vpnBox = { y: 0, height: 0 };
  parts.push(`<text x="${left}" y="24" class="side">AWS ${escape(aws.region ?? '')}</text>`);
  for (const [title, lines, kind] of awsBoxes) {
    parts.push(box(left, y, width, title, lines, kind));
    if (kind.includes('vpn')) vpnBox = { y, height: boxHeight(lines.length) };
    y += boxHeight(lines.length) + 12;
  }
  const awsBottom = y;

  y = 40;
  const gatewayLines = [name(hub.vpnGateway, 'not built'), `SKU ${azure.gatewaySku ?? '?'}${bgp ? ', active-active' : ''}`, `public IPs ${azureIps.join(', ') || '?'}`];
  const azureBoxes: [string, string[], string][] = [
    ['Virtual network', [`${azure.virtualNetworkName ?? '?'} (${azure.resourceGroup ?? '?'})`], 'azure'],
    ['VPN gateway', gatewayLines, 'azure vpn'],
    ['GatewaySubnet', [`${azure.gatewaySubnetPrefix ?? '?'}`], 'azure'],
    ['Private endpoint subnet', [name(hub.privateEndpointSubnet, '?'), `${azure.privateEndpointSubnetPrefix ?? '?'}`], 'azure'],
    ['Private endpoint', [name(hub.privateEndpoint, 'not built'), `${output?.privateEndpointIp ?? '?'} for ${hostOf(output?.openAiEndpoint) || '?'}`, `public network access ${output?.publicNetworkAccess ?? '?'}`], 'azure'],
    ['DNS Private Resolver', [name(hub.dnsResolver, 'not built'), `inbound endpoint ${output?.dnsInboundEndpointIp ?? '?'} in ${azure.dnsResolverSubnetPrefix ?? '?'}`], 'azure'],
    ['Private DNS zone', [name(hub.privateDnsZone, 'not built'), `linked by ${name(hub.virtualNetworkLink, '?')}`], 'azure'],
  ];
  let gatewayBox = { y: 0, height: 0 };
  parts.push(`<text x="${right}" y="24" class="side">Azure ${escape(azure.subscriptionId ? `subscription ${azure.subscriptionId}` : '')}</text>`);
  for (const [title, lines, kind] of azureBoxes) {
    parts.push(box(right, y, width, title, lines, kind));
    if (kind.includes('vpn')) gatewayBox = { y, height: boxHeight(lines.length) };
    y += boxHeight(lines.length) + 12;
  }

  // The tunnels between the VPN connection(s) and the gateway, each with its state on both sides.
  const x1 = left + width;
  const x2 = right;
  const tunnelTop = Math.min(vpnBox.y, gatewayBox.y) + 16;
  const spacing = 58;
  tunnels.forEach((t, i) => {
    const ty = tunnelTop + i * spacing;
    const up = t.aws === 'UP' && t.azure === 'Connected';
    parts.push(
      `<g class="tunnel ${up ? 'up' : 'down'}" data-tunnel="${t.tunnel}">` +
        `<path d="M ${x1} ${vpnBox.y + vpnBox.height / 2} C ${x1 + 30} ${vpnBox.y + vpnBox.height / 2}, ${x1 + 10} ${ty}, ${x1 + 40} ${ty} L ${x2 - 40} ${ty} C ${x2 - 10} ${ty}, ${x2 - 30} ${gatewayBox.y + gatewayBox.height / 2}, ${x2} ${gatewayBox.y + gatewayBox.height / 2}"/>` +
        `<text x="${x1 + 50}" y="${ty - 5}" class="tunnel-label">tunnel ${t.tunnel}: AWS ${escape(t.outsideIp)} to Azure ${escape(t.azureIp)}</text>` +
        `<text x="${x1 + 50}" y="${ty + 14}" class="tunnel-state">AWS ${escape(t.aws)}, Azure ${escape(t.azure)}</text>` +
        (t.inside ? `<text x="${x1 + 50}" y="${ty + 28}" class="tunnel-state">BGP ${escape(t.inside)}</text>` : '') +
        `</g>`,
    );
  });
  if (!tunnels.length) parts.push(`<text x="${x1 + 50}" y="${tunnelTop}" class="tunnel-state">no tunnel in the output</text>`);
  const height = Math.max(awsBottom, y, tunnelTop + tunnels.length * spacing) + 10;
  return `<svg id="topology" width="${right + width + 20}" height="${height}" viewBox="0 0 ${right + width + 20} ${height}" role="img">${parts.join('')}</svg>`;
}

function probeSection(output: any): string {
  const probes: any[] = Array.isArray(output?.probes) && output.probes.length ? output.probes : output?.probe ? [output.probe] : [];
  if (!probes.length) return '<p id="probe" class="muted">The run ended without a probe result.</p>';
  const cell = (ok: unknown, detail: string) => `<td class="${ok ? 'ok' : 'fail'}">${ok ? 'passed' : 'failed'}${detail ? `: ${escape(detail)}` : ''}</td>`;
  const rows = probes
    .map((probe) => {
      const dns = probe?.dns ?? {};
      const tcp = probe?.tcp ?? {};
      const api = probe?.api ?? {};
      const problem = (check: any) => [check?.code, check?.error].filter(Boolean).join(' ');
      return `<tr><th>${escape(probe?.label ?? 'probe')}</th>${cell(dns.ok, (dns.answers ?? []).join(' → ') || problem(dns))}${cell(tcp.ok, problem(tcp))}${cell(api.ok, api.status !== undefined ? `HTTP ${api.status}` : problem(api))}</tr>`;
    })
    .join('');
  return `<table id="probe"><tr><th>probe</th><th>DNS from inside the VPC</th><th>TCP 443 to the private endpoint</th><th>API call</th></tr>${rows}</table>`;
}

const HUB_TITLES: Record<string, string> = { create: 'created', created: 'created', adopt: 'adopted', adopted: 'adopted', use: 'used', used: 'used' };

function changesSection(output: any, operations: OperationRecord[]): string {
  const rows: string[] = [];
  for (const [role, entry] of Object.entries<any>(output?.hub ?? {})) {
    const action = HUB_TITLES[String(entry?.action)] ?? String(entry?.action ?? '?');
    rows.push(`<tr class="${escape(action)}"><td>${escape(action)}</td><td>hub ${escape(role)}</td><td>${escape(entry?.id ?? entry?.name ?? '')}</td></tr>`);
  }
  const own = output?.created ?? {};
  for (const cloud of ['aws', 'azure']) {
    for (const [role, value] of Object.entries<any>(own[cloud] ?? {})) {
      for (const id of Array.isArray(value) ? value : [value]) rows.push(`<tr class="own"><td>the environment's own</td><td>${cloud} ${escape(role)}</td><td>${escape(id)}</td></tr>`);
    }
  }
  // A PUT on a resource that existed (a shared key set again, a drifted setting put back).
  for (const op of operations.filter((o) => o.operation === 'update')) rows.push(`<tr class="changed"><td>changed in place</td><td>${op.cloud}</td><td>${escape(op.resource)}</td></tr>`);
  if (!rows.length) return '<p id="changes" class="muted">The output names no resource.</p>';
  return `<table id="changes"><tr><th>what</th><th>role</th><th>id</th></tr>${rows.join('')}</table>`;
}

function teardownSection(output: any, removed: RemovedEntry[] | undefined): string {
  const list: any[] = Array.isArray(output?.removed) ? output.removed : (removed ?? []);
  const rows = list.map((r) => `<tr class="removed"><td>removed</td><td>${escape(r.cloud)} ${escape(r.type)}</td><td>${escape(r.id ?? r.name)}</td></tr>`);
  for (const kept of Array.isArray(output?.kept) ? output.kept : []) {
    rows.push(`<tr class="kept"><td>kept</td><td>${escape(kept.cloud ?? '')} ${escape(kept.type ?? '')}</td><td>${escape(kept.id ?? kept.name ?? '')}${kept.reason ? `: ${escape(kept.reason)}` : ''}</td></tr>`);
  }
  for (const left of Array.isArray(output?.left) ? output.left : []) {
    rows.push(`<tr class="left"><td>left</td><td>${escape(left.cloud ?? '')} ${escape(left.type ?? '')}</td><td>${escape(left.id ?? left.name ?? '')}${left.reason ? `: ${escape(left.reason)}` : ''}</td></tr>`);
  }
  const notes = [output?.message, output?.tunnelKeySecrets?.note, output?.openAiAccount?.publicNetworkAccess ? `OpenAI account public network access: ${output.openAiAccount.publicNetworkAccess}` : undefined]
    .filter(Boolean)
    .map((note) => `<p>${escape(note)}</p>`)
    .join('');
  return `${notes}<table id="removed"><tr><th>what</th><th>kind</th><th>id</th></tr>${rows.join('') || '<tr><td colspan="3">nothing</td></tr>'}</table>`;
}

const STYLE = `
body{font:13px/1.4 system-ui,sans-serif;margin:16px 24px;color:#1d2733;background:#fff}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:22px 0 6px;border-bottom:1px solid #d5dbe3}
.status{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;background:#2b8a3e}.status.FAILED,.status.TIMED_OUT,.status.ABORTED{background:#c92a2a}
.muted{color:#68727d}.legend span{display:inline-block;margin-right:14px}.swatch{display:inline-block;width:22px;height:10px;margin-right:4px;vertical-align:middle}
svg{display:block;max-width:none}.grid{stroke:#e3e7ec}.tick{font-size:10px;fill:#68727d}.label{font-size:11px;fill:#1d2733}.critical-label{font-weight:600;fill:#a61e4d}
rect.state{fill:#74a9e0}rect.operation{fill:#9fd3a8}rect.critical{fill:#e8590c}
.node rect{fill:#f3f6fa;stroke:#8797a8}.node.aws rect{fill:#fff4e0;stroke:#d9822b}.node.azure rect{fill:#e7f1fb;stroke:#2f74c0}
.node-title{font-weight:600;font-size:12px}.node-line{font-size:11px;font-family:ui-monospace,monospace}.side{font-size:15px;font-weight:600}
.tunnel path{fill:none;stroke-width:3}.tunnel.up path{stroke:#37b24d}.tunnel.down path{stroke:#c92a2a;stroke-dasharray:6 4}
.tunnel-label{font-size:11px;font-weight:600}.tunnel-state{font-size:11px;fill:#3b4754}
table{border-collapse:collapse;margin:4px 0}td,th{border:1px solid #d5dbe3;padding:2px 8px;text-align:left;font-size:12px}td:last-child{font-family:ui-monospace,monospace;font-size:11px}
td.ok{background:#d3f9d8}td.fail{background:#ffe3e3}tr.created td:first-child,tr.removed td:first-child{color:#2b8a3e}tr.adopted td:first-child{color:#5f3dc4}tr.kept td:first-child,tr.left td:first-child{color:#c92a2a}
`;

/**
 * The page measures itself once laid out (no request, no timer): what a headless browser's DOM dump then shows
 * proves the drawings were laid out, not only written.
 */
const LAYOUT_CHECK = `document.querySelectorAll('svg[id]').forEach(function(s){var b=s.getBoundingClientRect();s.setAttribute('data-drawn',Math.round(b.width)+'x'+Math.round(b.height));});`;

export function renderReportPage(input: ReportPageInput): string {
  const output = input.output as any;
  const teardown = Array.isArray(output?.removed) || input.removed !== undefined;
  const environmentId = output?.environmentId ?? (input.request as any)?.environmentId ?? '';
  const facts = [
    `${duration(input.seconds)} ${input.simulated ? 'simulated' : ''}`.trim(),
    input.stateTransitions !== undefined ? `${input.stateTransitions} state transitions` : undefined,
    !teardown ? `routing ${output?.routing ?? (input.request as any)?.options?.routing ?? 'static'}` : undefined,
  ].filter(Boolean);
  const failure = input.error ? `<p class="fail">${escape(input.error)}${input.cause ? `: ${escape(clip(input.cause, 600))}` : ''}</p>` : '';
  const result = output?.result ? `<p>${escape(String(output.result).replace(/[a-z]+:\/\//gi, ''))}</p>` : '';
  const operations = input.operations.length
    ? gantt('operations', operationRows(input.operations), input.seconds, 'operation')
    : '<p id="operations" class="muted">A Step Functions history does not hold the clouds\' own operations; the states above are what the workflow waited in.</p>';
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(`${teardown ? 'Teardown' : 'Run'} ${input.executionName}`)}</title>
<style>${STYLE}</style></head>
<body>
<h1>${teardown ? 'Teardown' : 'Provisioning'} of ${escape(environmentId)} <span class="status ${escape(input.status)}">${escape(input.status)}</span></h1>
<p class="muted">${escape(input.executionName)} · ${escape(facts.join(' · '))}</p>
${failure}${result}
${
  teardown
    ? `<h2>What the teardown removed and kept</h2>${teardownSection(output, input.removed)}`
    : `<h2>Topology built</h2>${topology(input.request, output)}<h2>The probe's three checks</h2>${probeSection(output)}`
}
<h2>Timeline of the states</h2>
<p class="legend"><span><i class="swatch" style="background:#74a9e0"></i>state</span><span><i class="swatch" style="background:#9fd3a8"></i>cloud operation</span><span><i class="swatch" style="background:#e8590c"></i>critical path: what the run waited on, back from its end</span></p>
${gantt('timeline', stateRows(input.timeline), input.seconds, 'state')}
<h2>Cloud operations</h2>
${operations}
${teardown ? '' : `<h2>What was created, adopted, used and changed</h2>${changesSection(output, input.operations)}`}
<script>${LAYOUT_CHECK}</script>
</body></html>
`;
}
