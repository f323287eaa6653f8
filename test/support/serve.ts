/**
 * `aoai-link local serve` in a child process, and the tools that read what it serves (the AWS CLI, curl):
 * shared by the tests that read the emulated clouds as a person does.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { ServeEndpoints } from '../../cli/local-serve';

export const ROOT = path.resolve(__dirname, '..', '..');
export const REGION = 'ap-northeast-1';
const INSTALL_AWS_CLI = 'apt-get update && apt-get install -y awscli';

/** The AWS CLI is part of the test, not optional: without it the test fails and says how to get it. */
export function requireAwsCli(): void {
  const found = spawnSync('aws', ['--version'], { encoding: 'utf8' });
  if (found.error || found.status !== 0) {
    throw new Error(`the AWS CLI ("aws") is not installed; these tests read the served clouds with it. Install it with: ${INSTALL_AWS_CLI} (.ci/run does this before npm test)`);
  }
}

export interface Served {
  child: ChildProcess;
  endpoints: ServeEndpoints;
  firstLine: string;
  output(): { stdout: string; stderr: string };
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Environment of the child processes: nothing proxies, nothing reads this machine's AWS configuration. */
export function childEnvironment(home: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(AWS_|AZURE_)|proxy$/i.test(key)) env[key] = value;
  }
  return {
    ...env,
    NO_PROXY: '127.0.0.1',
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'local-test-dummy-secret-access-key',
    AWS_CONFIG_FILE: path.join(home, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
}

export function startServe(args: string[], home: string): Promise<Served> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'aoai-link.js'), 'local', 'serve', ...args], {
    cwd: ROOT,
    env: childEnvironment(home),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no first line in time; stderr: ${stderr}`)), 30_000);
    const onData = () => {
      const end = stdout.indexOf('\n');
      if (end < 0) return;
      child.stdout!.off('data', onData);
      clearTimeout(timer);
      const firstLine = stdout.slice(0, end);
      try {
        resolve({ child, firstLine, endpoints: JSON.parse(firstLine) as ServeEndpoints, output: () => ({ stdout, stderr }), exited });
      } catch (error) {
        reject(new Error(`serve's first line is not JSON: ${(error as Error).message}`));
      }
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`serve ended before its first line (code ${code}, signal ${signal}); stderr: ${stderr}`));
    });
  });
}

/**
 * Runs a command and gives back its stdout; a failure reports the arguments, exit status and stderr only.
 * Anything secret goes in `input` (stdin), never in the arguments, so it is neither in `ps` nor in a failure.
 */
export function runTool(command: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} exited ${error.code ?? error.signal}: ${stderr.trim()}`));
      else resolve(stdout);
    });
    // A tool that exits without reading its input (curl on some paths) closes the pipe first: its exit status,
    // not the broken pipe, says whether it worked.
    child.stdin!.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin!.end(input ?? '');
  });
}

export function awsCli(endpoint: string, env: NodeJS.ProcessEnv) {
  return async (...args: string[]): Promise<any> => {
    const stdout = await runTool('aws', ['--endpoint-url', endpoint, '--region', REGION, '--output', 'json', ...args], env);
    if (stdout.trim() === '') return {}; // writes such as create-tags print nothing
    try {
      return JSON.parse(stdout);
    } catch {
      throw new Error(`aws ${args.join(' ')} printed something that is not JSON (${stdout.length} characters)`);
    }
  };
}

