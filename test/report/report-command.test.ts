/**
 * `aoai-link report EXECUTION_ARN` against the Step Functions endpoint `aoai-link local serve` offers: an
 * execution of the real workflow on the served clouds, read back with GetExecutionHistory and drawn as the same
 * self-contained page a local run writes, with no secret the clouds then hold.
 */
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { run as report } from '../../cli/report';
import type { CloudState } from '../../local/cloud/state';
import { LOCAL_STATE_MACHINE_ARN } from '../../local/stepfunctions/server';
import { ROOT, startServe, type Served } from '../support/serve';
import { secretsHeldBy } from '../workflow/support';

function captured(): Writable & { text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return Object.assign(stream, { text: () => text });
}

describe('aoai-link report on the local Step Functions endpoint', () => {
  let dir: string;
  let served: Served | undefined;

  afterAll(() => {
    if (served && served.child.exitCode === null && served.child.signalCode === null) served.child.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("draws a served execution's page from its history: its states, its topology, its probe, no secret", async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'aoai-link-report-test-'));
    const stateFile = path.join(dir, 'state.json');
    served = await startServe(['--world', path.join(ROOT, 'local', 'default-world.json'), '--state', stateFile], dir);
    const sfn = new SFNClient({
      endpoint: served.endpoints.stepFunctions,
      region: 'ap-northeast-1',
      credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'local-test-dummy-secret-access-key' },
    });
    const input = readFileSync(path.join(ROOT, 'events', 'new-environment.json'), 'utf8');
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name: 'report-test-run', input }));
    let described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    while (described.status === 'RUNNING') {
      await new Promise((resolve) => setTimeout(resolve, 250));
      described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    }
    expect(described.status).toBe('SUCCEEDED');
    const output = JSON.parse(described.output!);

    const file = path.join(dir, 'pages', 'report.html');
    const io = { out: captured(), err: captured() };
    expect(await report([executionArn!, '--out', file], io, sfn)).toBe(0);
    expect(io.out.text()).toBe(`${file}\n`);
    const page = readFileSync(file, 'utf8');
    sfn.destroy();

    expect(page).toContain('Provisioning of aoai-prod-01 <span class="status SUCCEEDED">');
    expect(page).not.toMatch(/[a-z]+:\/\/|\s(src|href)=|url\(|@import/i);
    const timeline = page.slice(page.indexOf('<svg id="timeline"'), page.indexOf('</svg>', page.indexOf('<svg id="timeline"')));
    for (const state of ['Check the request against both clouds', 'Wait 30 minutes for the gateway build', 'Summarise the environment']) expect(timeline).toContain(`<title>${state}:`);
    expect(timeline).toMatch(/<rect class="state critical"[^>]*><title>Wait 30 minutes for the gateway build:/);
    expect(page).toContain("A Step Functions history does not hold the clouds' own operations");
    const topology = page.slice(page.indexOf('<svg id="topology"'));
    for (const id of [output.created.aws.virtualPrivateGateway, output.created.aws.vpnConnection, output.created.aws.forwardingRule, output.privateEndpointIp]) expect(topology).toContain(id);
    expect(topology.split('class="tunnel up"').length - 1).toBe(2);
    expect(page.slice(page.indexOf('<table id="probe"')).split('<td class="ok">').length - 1).toBeGreaterThanOrEqual(3);

    served.child.kill('SIGINT');
    expect(await served.exited).toEqual({ code: 0, signal: null });
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as CloudState;
    const secrets = secretsHeldBy(state);
    expect(secrets.length).toBeGreaterThan(4);
    for (const secret of secrets) expect(page.split(secret).length - 1).toBe(0);
  }, 180_000);

  it('refuses what is not an execution ARN as a usage problem', async () => {
    const io = { out: captured(), err: captured() };
    expect(await report(['not-an-arn'], io)).toBe(2);
    expect(io.err.text()).toContain('expected an execution ARN');
  });
});
