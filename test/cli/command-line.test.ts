/**
 * The command line as people use it: help and version, `help <command>`, --json documents, faults refused by
 * name before anything starts, configuration problems as one plain line, and the bundle built once.
 * In-process through main() where the streams are enough; as a child process of bin/aoai-link.js where the
 * process itself matters (exit status, what reaches stderr, the bundle it loads).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { plainConfigurationProblem } from '../../cli/command-line';
import { run as history } from '../../cli/history-command';
import { main, program } from '../../cli/main';
import { run as start } from '../../cli/start';
import { run as watch } from '../../cli/watch';
import { KNOWN_FAULTS } from '../../local/faults';
import type { LocalStepFunctions } from '../../local/stepfunctions/server';
import { ManualBackend, PROJECT_ROOT, STATE_MACHINE_ARN, captured, localSfn, sampleRequest } from '../intake/support';

const BIN = path.join(PROJECT_ROOT, 'bin', 'aoai-link.js');
const REQUEST_FILE = path.join(PROJECT_ROOT, 'events', 'new-environment.json');
const VERSION = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')).version as string;

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'aoai-link-command-line-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function inProcess(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = captured();
  const err = captured();
  const code = await main(argv, out, err);
  return { code, out: out.text(), err: err.text() };
}

/** A child's environment with nothing of this machine's AWS setup: no region, no credentials, no instance metadata. */
function bareEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(AWS_|AZURE_|AOAI_LINK_)|proxy$/i.test(key)) env[key] = value;
  }
  return {
    ...env,
    NO_PROXY: '127.0.0.1',
    AWS_CONFIG_FILE: path.join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

function runBin(args: string[], env: NodeJS.ProcessEnv = bareEnvironment()): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/** stderr without Node's own warnings about this machine's Node version (the SDK's, not the command's). */
function ownLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => !/^\(node:\d+\) |^\(Use `node --trace-warnings/.test(line) && !/^(versions published|will require node|To continue receiving|and security updates|More information can be found)/.test(line) && !/^You are running node/.test(line));
}

const commandNames = program({ out: captured(), err: captured() }, { code: 0 })
  .commands.map((command) => command.name())
  .filter((name) => name !== 'help');

describe('help and version', () => {
  it('knows the commands the issue names', () => {
    expect(commandNames).toEqual(expect.arrayContaining(['local', 'validate', 'start', 'watch', 'history', 'bench', 'diagram']));
  });

  it.each([...commandNames, 'local serve'].map((name) => [name]))('"%s --help" prints its usage on stdout and exits 0', async (name) => {
    const words = name.split(' ');
    const { code, out, err } = await inProcess(...words, '--help');
    expect(code).toBe(0);
    expect(out).toContain(`Usage: aoai-link ${words.join(' ')}`);
    expect(err).toBe('');
  });

  it.each(commandNames.map((name) => [name]))('"help %s" prints the same as its --help', async (name) => {
    const viaHelp = await inProcess('help', name);
    const viaOption = await inProcess(name, '--help');
    expect([viaHelp.code, viaHelp.out]).toEqual([0, viaOption.out]);
  });

  it('"aoai-link --help" lists every command; no command at all is a usage error (exit 2, help on stderr)', async () => {
    const help = await inProcess('--help');
    expect(help.code).toBe(0);
    for (const name of commandNames) expect(help.out).toMatch(new RegExp(`^  ${name} `, 'm'));
    const none = await inProcess();
    expect([none.code, none.out]).toEqual([2, '']);
    expect(none.err).toContain('Usage: aoai-link');
  });

  it('unknown commands and options exit 2 and say which', async () => {
    const command = await inProcess('frobnicate');
    expect(command.code).toBe(2);
    expect(command.err).toMatch(/^aoai-link: unknown command 'frobnicate'/);
    const option = await inProcess('validate', REQUEST_FILE, '--bogus');
    expect(option.code).toBe(2);
    expect(option.err).toMatch(/^aoai-link validate: unknown option '--bogus'/);
  });

  it('"aoai-link --version" prints the package version, from the process (exit 0)', async () => {
    const { code, out } = await runBin(['--version']);
    expect([code, out]).toEqual([0, `${VERSION}\n`]);
  });
});

describe('--json', () => {
  it('validate: one document, valid or with every problem (exit 0 / 2)', async () => {
    const valid = await inProcess('validate', REQUEST_FILE, '--json');
    expect(valid.code).toBe(0);
    expect(JSON.parse(valid.out)).toEqual({ file: REQUEST_FILE, valid: true, environmentId: 'aoai-prod-01', executionName: expect.stringMatching(/^aoai-prod-01-[0-9a-f]{8}$/), problems: [] });

    const bad = sampleRequest();
    bad.environmentId = '9bad';
    delete bad.aws;
    const file = path.join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(bad));
    const invalid = await inProcess('validate', file, '--json');
    expect(invalid.code).toBe(2);
    const document = JSON.parse(invalid.out);
    expect(document.valid).toBe(false);
    expect(document.problems.map((p: { path: string }) => p.path)).toEqual(expect.arrayContaining(['environmentId', 'aws']));
  });

  it('local: several refused requests give one document with a run each, and exit 2', async () => {
    const files = ['one', 'two'].map((name) => {
      const request = sampleRequest();
      request.environmentId = `9${name}`;
      const file = path.join(dir, `${name}.json`);
      writeFileSync(file, JSON.stringify(request));
      return file;
    });
    const { code, out } = await inProcess('local', ...files, '--json', '--out', path.join(dir, 'refused-out'));
    expect(code).toBe(2);
    const document = JSON.parse(out);
    expect(document.exitCode).toBe(2);
    expect(document.runs.map((r: { request: string; status: string }) => [r.request, r.status])).toEqual(files.map((file) => [file, 'REFUSED']));
    for (const run of document.runs) expect(run.problems.map((p: { path: string }) => p.path)).toContain('environmentId');
  });

  it('local, as a process: stdout is exactly one JSON document of the run, no progress line', async () => {
    const out = path.join(dir, 'json-run');
    const run = await runBin(['local', '--json', '--out', out]);
    expect(run.code).toBe(0);
    const document = JSON.parse(run.out);
    expect(document.exitCode).toBe(0);
    expect(document.runs).toHaveLength(1);
    const [only] = document.runs;
    expect([only.status, only.history, only.report]).toEqual(['SUCCEEDED', path.join(out, 'history.json'), path.join(out, 'report.json')]);
    expect(only.privateEndpointIp).toMatch(/^192\.168\./);
    expect(JSON.parse(readFileSync(only.report, 'utf8')).executionName).toBe(only.executionName);
    expect(run.out).not.toMatch(/^\[\d\d:\d\d:\d\d\]/m);
  }, 120_000);

  it('local without --json shows progress: each state entered and finished, on the simulated clock', async () => {
    const run = await runBin(['local', '--out', path.join(dir, 'progress-run')]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^\[00:00:00\] > Check the request against both clouds$/m);
    expect(run.out).toMatch(/^\[00:00:00\] \+ Check the request against both clouds \(0 s\)$/m);
    expect(run.out).toMatch(/^\[\d\d:\d\d:\d\d\] \+ Lock the OpenAI account's public network access/m);
  }, 120_000);

  it('local with several requests prefixes each progress line with its execution name', async () => {
    const fixtures = path.join(__dirname, '..', 'local-runner', 'fixtures');
    const run = await runBin([
      'local',
      path.join(__dirname, '..', '..', 'events', 'new-environment.json'),
      path.join(fixtures, 'second-vpc.request.json'),
      '--world',
      path.join(fixtures, 'two-vpcs.world.json'),
      '--out',
      path.join(dir, 'two-runs'),
    ]);
    expect(run.code).toBe(0);
    const names = [...new Set([...run.out.matchAll(/^\[([a-z0-9-]+)\] \[\d\d:\d\d:\d\d\] > Check the request against both clouds$/gm)].map((m) => m[1]))];
    expect(names).toHaveLength(2);
    for (const name of names) expect(run.out).toMatch(new RegExp(`^\\[${name}\\] \\[\\d\\d:\\d\\d:\\d\\d\\] \\+ Check the request against both clouds`, 'm'));
  }, 180_000);

  describe('against the local Step Functions endpoint', () => {
    let backend: ManualBackend;
    let server: LocalStepFunctions;
    let sfn: SFNClient;
    beforeEach(async () => {
      backend = new ManualBackend();
      ({ server, sfn } = await localSfn(backend));
    });
    afterEach(async () => {
      sfn.destroy();
      await server.close();
    });

    async function endedExecution(name: string): Promise<string> {
      const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE_ARN, name, input: '{}' }));
      const at = (s: number) => new Date(Date.parse('2026-01-01T00:00:00Z') + s * 1000);
      backend.emit(executionArn!, { id: 1, type: 'ExecutionStarted', timestamp: at(0) });
      backend.emit(executionArn!, { id: 2, previousEventId: 1, type: 'TaskStateEntered', timestamp: at(0), stateEnteredEventDetails: { name: 'Check the request against both clouds' } });
      backend.emit(executionArn!, { id: 3, previousEventId: 2, type: 'TaskStateExited', timestamp: at(3), stateExitedEventDetails: { name: 'Check the request against both clouds' } });
      backend.finish(executionArn!, { status: 'FAILED', error: 'GatewayBuildFailed', cause: 'The VPN gateway ended Failed.' });
      return executionArn!;
    }

    it('watch and history: one document each, the end of the execution (and history its events)', async () => {
      const executionArn = await endedExecution('aoai-prod-01-0000000a');
      const watched = { out: captured(), err: captured() };
      expect(await watch([executionArn, '--json', '--interval', '0.02'], watched, sfn)).toBe(1);
      expect(JSON.parse(watched.out.text())).toMatchObject({ executionArn, status: 'FAILED', error: 'GatewayBuildFailed', cause: 'The VPN gateway ended Failed.', seconds: expect.any(Number) });

      const read = { out: captured(), err: captured() };
      expect(await history([executionArn, '--json'], read, sfn)).toBe(1);
      const document = JSON.parse(read.out.text());
      expect([document.status, document.events.map((e: { type: string }) => e.type)]).toEqual(['FAILED', expect.arrayContaining(['ExecutionStarted', 'TaskStateEntered', 'TaskStateExited'])]);

      const lines = { out: captured(), err: captured() };
      expect(await history([executionArn], lines, sfn)).toBe(1);
      expect(lines.out.text()).toContain('Check the request against both clouds');
      expect(lines.out.text()).toContain('GatewayBuildFailed');
    });

    it('start --no-follow: one document naming the execution it started, then the one already started', async () => {
      const first = { out: captured(), err: captured() };
      expect(await start([REQUEST_FILE, '--state-machine-arn', STATE_MACHINE_ARN, '--no-follow', '--json'], first, sfn)).toBe(0);
      const started = JSON.parse(first.out.text());
      expect(started).toMatchObject({ environmentId: 'aoai-prod-01', executionName: 'aoai-prod-01-run-1', started: true, executionArn: [...server.executions.keys()][0] });
      const again = { out: captured(), err: captured() };
      expect(await start([REQUEST_FILE, '--state-machine-arn', STATE_MACHINE_ARN, '--no-follow', '--json'], again, sfn)).toBe(0);
      expect(JSON.parse(again.out.text())).toMatchObject({ executionName: 'aoai-prod-01-run-1', started: false });
      expect(server.executions.size).toBe(1);
    });
  });
});

describe('refused before anything starts', () => {
  it('an unknown fault name: exit 2, the known ones listed, no request read, nothing written', async () => {
    const state = path.join(dir, 'fault-state.json');
    const out = path.join(dir, 'fault-out');
    const { code, out: stdout, err } = await inProcess('local', path.join(dir, 'no-such-request.json'), '--faults', 'throttle:0.1,wrong-pks', '--state', state, '--out', out);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(err).toContain('unknown fault "wrong-pks"');
    for (const known of KNOWN_FAULTS) expect(err).toContain(known);
    expect(err).not.toContain('no-such-request');
    expect([existsSync(state), existsSync(out)]).toEqual([false, false]);
  });

  // `--plan --teardown` is the plan of a teardown (test/plan); the other modes go one at a time.
  it('--teardown with --health (one mode at a time): exit 2, nothing written', async () => {
    const out = path.join(dir, 'teardown-and-health');
    const { code, out: stdout, err } = await inProcess('local', '--teardown', '--health', '--out', out);
    expect([code, stdout]).toEqual([2, '']);
    expect(err).toMatch(/option '--(teardown|health)' cannot be used with option '--(health|teardown)'/);
    expect(existsSync(out)).toBe(false);
  });

  it('--teardown of a request that breaks the schema: exit 2, its problem said, nothing written', async () => {
    const request = path.join(dir, 'bad-teardown-request.json');
    writeFileSync(request, JSON.stringify({ ...sampleRequest(), environmentId: 'Not An Id!' }));
    const [out, state] = [path.join(dir, 'bad-teardown-out'), path.join(dir, 'bad-teardown-state.json')];
    const { code, out: stdout } = await inProcess('local', request, '--teardown', '--state', state, '--out', out);
    expect(code).toBe(2);
    expect(stdout).toContain('The request was refused; nothing was removed.');
    expect(stdout).toContain('environmentId');
    expect([existsSync(state), existsSync(out)]).toEqual([false, false]);
  });

  it('a repeated option is refused rather than the last one silently winning', async () => {
    const [first, second] = [path.join(dir, 'a.json'), path.join(dir, 'b.json')];
    const { code, err } = await inProcess('local', '--state', first, '--state', second);
    expect(code).toBe(2);
    expect(err).toContain('--state given twice');
    expect([existsSync(first), existsSync(second)]).toEqual([false, false]);
  });
});

describe('local --teardown', () => {
  it('with no state file: nothing was there, it says so, exit 0', async () => {
    const [out, state] = [path.join(dir, 'teardown-nothing'), path.join(dir, 'teardown-nothing-state.json')];
    const { code, out: stdout, err } = await inProcess('local', '--teardown', '--state', state, '--out', out);
    expect([code, err]).toEqual([0, '']);
    expect(stdout).toContain(`No state file at ${state}: the emulated clouds hold only the world`);
    expect(stdout).toMatch(/^Tearing down environment aoai-prod-01 \(aoai-prod-01-teardown-[0-9a-f]{8}\) locally/m);
    expect(stdout).toMatch(/^\+ Teardown SUCCEEDED in /m);
    expect(stdout).toContain('Removed nothing.');
    expect(stdout).toMatch(/^Summary: .*aoai-prod-01/m);
    expect(JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')).removed).toEqual([]);
  }, 120_000);

  it('after a run: lists what it removed, leaves nothing, and says so in --json too', async () => {
    const state = path.join(dir, 'teardown-after-state.json');
    expect((await inProcess('local', '--state', state, '--out', path.join(dir, 'teardown-after-provision'))).code).toBe(0);
    const { code, out: stdout } = await inProcess('local', '--teardown', '--state', state, '--out', path.join(dir, 'teardown-after'));
    expect(code).toBe(0);
    const removed = /^Removed from the emulated clouds: (\d+) resources \((\d+) AWS, (\d+) Azure\):$/m.exec(stdout);
    expect(removed).not.toBeNull();
    expect(Number(removed![1])).toBeGreaterThan(20);
    expect(stdout).toContain('  - aws vpn-connection vpn-');
    expect(stdout).toContain('  - azure Microsoft.Network/virtualNetworkGateways /subscriptions/');
    expect(stdout).toContain('Resources in the emulated clouds: 0 AWS, 0 Azure (0 in all)');
    const again = await inProcess('local', '--teardown', '--state', state, '--out', path.join(dir, 'teardown-again'), '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out).runs[0]).toMatchObject({ status: 'SUCCEEDED', removed: [], resources: { aws: 0, azure: 0 }, message: expect.stringContaining('aoai-prod-01') });
  }, 300_000);
});

describe('configuration problems: one plain line, exit 2', () => {
  const executionArn = 'arn:aws:states:ap-northeast-1:123456789012:execution:aoai-link-provision:aoai-prod-01-run-1';

  /** A port on 127.0.0.1 that refuses connections: listened on, then closed. */
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  it.each([
    ['no AWS region', () => ({}), /^aoai-link watch: no AWS region: set AWS_REGION/],
    ['no AWS credentials', () => ({ AWS_REGION: 'ap-northeast-1' }), /^aoai-link watch: no AWS credentials found: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY$/],
    [
      'an endpoint that refuses',
      async () => ({ AWS_REGION: 'ap-northeast-1', AWS_ACCESS_KEY_ID: 'AKIATESTLOCAL0000000', AWS_SECRET_ACCESS_KEY: 'test-secret', AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${await closedPort()}` }),
      /^aoai-link watch: cannot reach 127\.0\.0\.1:\d+: it refuses connections \(ECONNREFUSED\); check AWS_ENDPOINT_URL_SFN/,
    ],
  ])('%s', async (_what, settings, line) => {
    const { code, out, err } = await runBin(['watch', executionArn], bareEnvironment(await settings()));
    expect(code).toBe(2);
    // What it was about to follow may have been said; nothing of the failure goes to stdout.
    expect(out).not.toMatch(/ECONNREFUSED|AWS_/);
    expect(err).not.toMatch(/^ {4}at /m);
    const lines = ownLines(err);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(line);
  }, 30_000);

  it('is told by the error name or code, never by the words of the message', () => {
    const named = (name: string, message = 'anything at all') => Object.assign(new Error(message), { name });
    expect(plainConfigurationProblem(named('CredentialsProviderError'))).toMatch(/^no AWS credentials found/);
    expect(plainConfigurationProblem(named('UnrecognizedClientException'))).toMatch(/^AWS did not accept the credentials \(UnrecognizedClientException\)/);
    expect(plainConfigurationProblem(named('AccessDeniedException', 'not authorized to perform: states:DescribeExecution'))).toBe(
      'AWS refused the call (AccessDeniedException): not authorized to perform: states:DescribeExecution',
    );
    expect(plainConfigurationProblem(Object.assign(new Error('x'), { code: 'ENOTFOUND' }))).toMatch(/^cannot reach the Step Functions endpoint: it has a host name that does not resolve/);
    // Words alone classify nothing.
    expect(plainConfigurationProblem(new Error('Region is missing'))).toBeUndefined();
    expect(plainConfigurationProblem(new Error('Could not load credentials from any providers'))).toBeUndefined();
    expect(plainConfigurationProblem(named('ExecutionDoesNotExist'))).toBeUndefined();
  });
});

describe('the built bundle', () => {
  it('bin/aoai-link.js rebuilds dist/cli.js only when it is older than a source, then runs it', async () => {
    const bundle = path.join(PROJECT_ROOT, 'dist', 'cli.js');
    const build = require(path.join(PROJECT_ROOT, 'bin', 'build.js')) as { isStale: () => boolean; buildCli: () => unknown };
    if (build.isStale()) build.buildCli();
    const fresh = statSync(bundle).mtimeMs;
    expect((await runBin(['--version'])).code).toBe(0);
    expect(statSync(bundle).mtimeMs).toBe(fresh);

    // Dated before its sources: the next start builds it again.
    const longAgo = new Date('2020-01-01T00:00:00Z');
    utimesSync(bundle, longAgo, longAgo);
    expect(build.isStale()).toBe(true);
    const run = await runBin(['--version']);
    expect([run.code, run.out]).toEqual([0, `${VERSION}\n`]);
    expect(statSync(bundle).mtimeMs).toBeGreaterThan(longAgo.getTime());
    expect(build.isStale()).toBe(false);
  }, 60_000);

  it('dist/ is not in git', () => {
    expect(readFileSync(path.join(PROJECT_ROOT, '.gitignore'), 'utf8').split('\n')).toContain('dist/');
  });
});
