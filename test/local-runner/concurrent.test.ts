/**
 * Contract v2, several REQUEST files: two environments for two VPCs run at once in one process, on one simulated
 * clock, against the same emulated clouds; each succeeds with its own resources, history and report, and their
 * tasks interleave on the clock.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runLocalRequests } from '../../local/runner';
import { fixture, temporaryDirectory } from './support';

const ROOT = path.join(__dirname, '..', '..');
const FIRST = path.join(ROOT, 'events', 'new-environment.json');
const SECOND = fixture('second-vpc.request.json');
const WORLD = fixture('two-vpcs.world.json');

interface Event {
  type: string;
  timestamp: string;
  stateEnteredEventDetails?: { name: string };
}

const seconds = (event: Event) => Date.parse(event.timestamp) / 1000;

describe('two requests at once', () => {
  const outDir = temporaryDirectory('concurrent');
  const stateFile = path.join(outDir, 'state.json');
  const order: string[] = [];
  let result: Awaited<ReturnType<typeof runLocalRequests>>;

  beforeAll(async () => {
    result = await runLocalRequests({
      requestFiles: [FIRST, SECOND],
      worldFile: WORLD,
      stateFile,
      outDir,
      output: null,
      onEvent: (event, executionName) => {
        if (event.type === 'TaskScheduled') order.push(executionName);
      },
    });
  }, 600_000);

  it('both succeed, exit 0', () => {
    expect(result.runs.map((run) => [run.status, run.error])).toEqual([
      ['SUCCEEDED', null],
      ['SUCCEEDED', null],
    ]);
    expect(result.exitCode).toBe(0);
  });

  it('each writes its own history and report under DIR/<executionName>/', () => {
    const [first, second] = result.runs;
    expect(first.executionName).not.toBe(second.executionName);
    for (const run of result.runs) {
      expect(run.outDir).toBe(path.join(outDir, run.executionName!));
      const report = JSON.parse(readFileSync(path.join(run.outDir!, 'report.json'), 'utf8'));
      expect(report.executionName).toBe(run.executionName);
      const history = JSON.parse(readFileSync(path.join(run.outDir!, 'history.json'), 'utf8')) as { events: Event[] };
      expect(history.events[history.events.length - 1].type).toBe('ExecutionSucceeded');
    }
  });

  it('each environment has its own VPN, DNS path and probe, in its own VPC and VNet', () => {
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    const tagged = (tags: { Key: string; Value: string }[] | Record<string, string> | undefined, environment: string) =>
      Array.isArray(tags) ? tags.some((t) => t.Key === 'environment' && t.Value === environment) : tags?.environment === environment;
    for (const [environment, vpc] of [
      ['aoai-prod-01', 'vpc-0a1b2c3d4e5f60001'],
      ['aoai-b-01', 'vpc-0b1b2c3d4e5f60002'],
    ]) {
      const gateways = state.aws.vpnGateways.filter((g: any) => tagged(g.Tags, environment));
      expect(gateways.flatMap((g: any) => g.Attachments.map((a: any) => a.VpcId))).toEqual([vpc]);
      const connections = state.aws.vpnConnections.filter((c: any) => tagged(c.Tags, environment));
      expect(connections.map((c: any) => c.VpnGatewayId)).toEqual([gateways[0].VpnGatewayId]);
      expect(state.aws.functions.filter((f: any) => tagged(f.Tags, environment)).map((f: any) => f.FunctionName)).toEqual([`aoai-link-probe-${environment}`]);
    }
    const [first, second] = result.runs.map((run) => run.output as { privateEndpointIp?: string; probe?: unknown });
    expect(first.privateEndpointIp).toMatch(/^192\.168\.1\./);
    expect(second.privateEndpointIp).toMatch(/^10\.20\.1\./);
  });

  it('their tasks interleave on the one simulated clock', () => {
    const histories = result.runs.map(
      (run) => (JSON.parse(readFileSync(path.join(run.outDir!, 'history.json'), 'utf8')) as { events: Event[] }).events,
    );
    const [a, b] = histories.map((events) => events.filter((e) => e.type === 'TaskScheduled').map(seconds));
    // Both start at the same simulated moment and overlap: tasks of each run while the other is between tasks.
    expect(a[0]).toBe(b[0]);
    const inside = (times: number[], other: number[]) => times.filter((t) => t > other[0] && t < other[other.length - 1]).length;
    expect(inside(a, b)).toBeGreaterThan(10);
    expect(inside(b, a)).toBeGreaterThan(10);
    // In real time too: the scheduling order switches between the executions many times.
    const switches = order.filter((name, index) => index > 0 && name !== order[index - 1]).length;
    expect(switches).toBeGreaterThan(10);
  });
});
