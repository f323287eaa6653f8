/**
 * Re-running and redriving after a failure, through the paths a ticket and an engineer use: the webhook
 * intake and `aoai-link start` against the local Step Functions endpoint, whose executions run the real
 * state machine with the real handlers against the emulated clouds. A fault is injected into the first run
 * only; what follows must converge without duplicates, and a redelivery must start nothing.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GetExecutionHistoryCommand, RedriveExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { run as start } from '../../cli/start';
import { handleIntake, type IntakeDeps } from '../../functions/intake/intake';
import { localPublicDns } from '../../local/cloud/public-dns';
import type { CloudState } from '../../local/cloud/state';
import { RunLocalBackend, type StartedExecution } from '../../local/stepfunctions/backend';
import { startLocalStepFunctions, type LocalExecution, type LocalStepFunctions } from '../../local/stepfunctions/server';
import { createdCounts } from '../workflow/support';
import { PROJECT_ROOT, SECRET, STATE_MACHINE_ARN, captured, sampleRequest, sfnClient, webhookEvent } from './support';

// Each test runs two or three whole executions: on a loaded two-core machine that outlasts the default minute.
jest.setTimeout(240_000);

/** What one environment's resources count when it was built once, cleanly. */
const ONE_ENVIRONMENT = {
  'vpn-connection': 1,
  'Microsoft.Network/connections': 2,
  'Microsoft.Network/localNetworkGateways': 2,
  'Microsoft.Network/virtualNetworkGateways': 1,
};

let server: LocalStepFunctions;
let sfn: SFNClient;
let deps: IntakeDeps;
let stateFile: string;
/** Faults by execution name, for its first run (not for a redrive of it). */
let faults: Record<string, string>;

beforeEach(async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'aoai-link-reruns-'));
  stateFile = path.join(dir, 'state.json');
  faults = {};
  const backend = new RunLocalBackend({
    runOptions: { stateFile, outDir: path.join(dir, 'out') },
    runOptionsFor: (execution: StartedExecution) => ('redriveCount' in execution ? {} : { faults: faults[execution.name] }),
  });
  server = await startLocalStepFunctions({ backend });
  sfn = sfnClient(server.endpoint);
  deps = { sfn, stateMachineArn: STATE_MACHINE_ARN, signingSecret: async () => SECRET, callbackChecks: { resolveHost: localPublicDns } };
});
afterEach(async () => {
  sfn.destroy();
  await server.close();
});

const cloudState = (): CloudState => JSON.parse(readFileSync(stateFile, 'utf8'));
const deliver = async () => {
  const answer = await handleIntake(webhookEvent(JSON.stringify(sampleRequest())), deps);
  return { statusCode: answer.statusCode, ...JSON.parse(answer.body) };
};
const ended = (executionArn: string): Promise<LocalExecution> => server.waitForEnd(executionArn);
const statesEntered = (execution: LocalExecution, after = 0) =>
  execution.events
    .slice(after)
    .filter((e) => e.type.endsWith('StateEntered'))
    .map((e) => (e as { stateEnteredEventDetails?: { name?: string } }).stateEnteredEventDetails?.name);

function expectOneEnvironment(state: CloudState) {
  const counts = createdCounts(state);
  for (const [kind, count] of Object.entries(ONE_ENVIRONMENT)) expect({ kind, count: counts[kind] }).toEqual({ kind, count });
}

function expectKeysAgree(state: CloudState) {
  const aws = state.aws.vpnConnections[0].Tunnels.map((t) => t.PreSharedKey);
  const azure = Object.values(state.azure.resources)
    .filter((r) => r.type === 'Microsoft.Network/connections')
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((r) => r.body.properties.sharedKey);
  expect(azure).toEqual(aws);
}

it('webhook after wrong-psk: the redelivered ticket starts a re-run that repairs the keys; further redeliveries start nothing', async () => {
  faults['aoai-prod-01-run-1'] = 'wrong-psk';
  const first = await deliver();
  expect(first).toMatchObject({ statusCode: 202, executionName: 'aoai-prod-01-run-1' });
  expect(await ended(first.executionArn)).toMatchObject({ status: 'FAILED', error: 'TunnelsDown' });

  const rerun = await deliver();
  expect(rerun).toMatchObject({ statusCode: 202, executionName: 'aoai-prod-01-run-2' });
  const second = await ended(rerun.executionArn);
  expect(second).toMatchObject({ status: 'SUCCEEDED' });
  expect(JSON.parse(second.output!).tunnels.every((t: { aws: string; azure: string }) => t.aws === 'UP' && t.azure === 'Connected')).toBe(true);
  expectKeysAgree(cloudState());
  expectOneEnvironment(cloudState());

  expect(await deliver()).toMatchObject({ statusCode: 200, executionArn: rerun.executionArn, status: 'SUCCEEDED' });
  expect(server.executions.size).toBe(2);
});

it('aoai-link start after gateway-failed: starts a re-run that rebuilds the gateway; started again, nothing new', async () => {
  faults['aoai-prod-01-run-1'] = 'gateway-failed';
  const requestFile = path.join(PROJECT_ROOT, 'events', 'new-environment.json');
  const cli = (...args: string[]) => {
    const io = { out: captured(), err: captured() };
    return start([requestFile, '--state-machine-arn', STATE_MACHINE_ARN, '--interval', '0.05', ...args], io, sfn).then((code) => ({ code, out: io.out.text() }));
  };
  const failed = await cli();
  expect(failed.code).toBe(1);
  expect(failed.out).toContain('Started aoai-prod-01-run-1');
  expect(failed.out).toContain('GatewayBuildFailed');

  const again = await cli();
  expect(again.out).toContain('Started aoai-prod-01-run-2, a re-run after aoai-prod-01-run-1 (FAILED)');
  expect(again.code).toBe(0);
  expectOneEnvironment(cloudState());

  const third = await cli('--no-follow');
  expect(third.code).toBe(0);
  expect(third.out).toContain('already started as aoai-prod-01-run-2 (SUCCEEDED); nothing new started');
  expect(server.executions.size).toBe(2);
});

it('webhook after async-fail (every accepted Azure write ends Failed): the re-run converges', async () => {
  faults['aoai-prod-01-run-1'] = 'async-fail:1';
  const first = await deliver();
  const failed = await ended(first.executionArn);
  expect(failed.status).toBe('FAILED');
  const rerun = await deliver();
  expect(rerun).toMatchObject({ statusCode: 202, executionName: 'aoai-prod-01-run-2' });
  expect(await ended(rerun.executionArn)).toMatchObject({ status: 'SUCCEEDED' });
  expectOneEnvironment(cloudState());
  expect(await deliver()).toMatchObject({ statusCode: 200, status: 'SUCCEEDED' });
});

it('a redrive after wrong-psk resumes at "Check both ends of each tunnel", sets the keys again there and converges', async () => {
  faults['aoai-prod-01-run-1'] = 'wrong-psk';
  const first = await deliver();
  const failed = await ended(first.executionArn);
  expect(failed).toMatchObject({ status: 'FAILED', error: 'TunnelsDown' });
  const eventsBefore = failed.events.length;

  await sfn.send(new RedriveExecutionCommand({ executionArn: first.executionArn }));
  // While the redrive runs, a redelivery of the ticket starts nothing.
  expect(await deliver()).toMatchObject({ statusCode: 200, executionArn: first.executionArn, status: 'RUNNING' });
  const redriven = await ended(first.executionArn);
  expect(redriven).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });

  // Only what had not succeeded ran again: no create, no connect; the tunnel check, then the rest.
  const after = statesEntered(redriven, eventsBefore).filter((name) => !name?.startsWith('Resume the redriven execution'));
  expect(after[0]).toBe('Check both ends of each tunnel');
  expect(after).not.toContain('Connect the Azure gateway to the AWS tunnels');
  expect(after.filter((name) => name?.startsWith('Create'))).toEqual([]);
  expect(after).toContain('Summarise the environment');
  expectKeysAgree(cloudState());
  expectOneEnvironment(cloudState());

  const types: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new GetExecutionHistoryCommand({ executionArn: first.executionArn, maxResults: 1000, nextToken }));
    types.push(...page.events!.map((e) => String(e.type)));
    nextToken = page.nextToken;
  } while (nextToken);
  expect(types.filter((type) => type === 'ExecutionRedriven')).toHaveLength(1);
  expect(types.indexOf('ExecutionFailed')).toBeLessThan(types.indexOf('ExecutionRedriven'));
  expect(types[types.length - 1]).toBe('ExecutionSucceeded');
  expect(await deliver()).toMatchObject({ statusCode: 200, executionArn: first.executionArn, status: 'SUCCEEDED' });
  expect(server.executions.size).toBe(1);
});

it('a redrive after gateway-failed re-runs only the gateway branch, from its check, which sends the PUT again', async () => {
  faults['aoai-prod-01-run-1'] = 'gateway-failed';
  const first = await deliver();
  const failed = await ended(first.executionArn);
  expect(failed).toMatchObject({ status: 'FAILED', error: 'GatewayBuildFailed' });
  const eventsBefore = failed.events.length;

  await sfn.send(new RedriveExecutionCommand({ executionArn: first.executionArn }));
  const redriven = await ended(first.executionArn);
  expect(redriven).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
  const after = statesEntered(redriven, eventsBefore);
  // The branches that had finished kept their results; the gateway branch resumed at its check.
  expect(after.filter((name) => name?.startsWith("Keep the branch's earlier result")).length).toBeGreaterThanOrEqual(1);
  expect(after).toContain('Check whether the VPN gateway is ready');
  expect(after).not.toContain('Create the Azure VPN gateway');
  expect(after).not.toContain('Create the customer gateway for the Azure address');
  expectOneEnvironment(cloudState());
  expect(await deliver()).toMatchObject({ statusCode: 200, executionArn: first.executionArn, status: 'SUCCEEDED' });
});
