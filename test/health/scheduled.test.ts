/**
 * The scheduled health check as the deployed function runs it: the environment's request read from its
 * latest succeeded provisioning execution (the local Step Functions endpoint of `aoai-link local serve`, which
 * ran the real workflow), the check against the served clouds, and the metrics sent as a signed CloudWatch
 * PutMetricData to a listener on 127.0.0.1 (the emulated AWS has no CloudWatch).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { startServing, type ServingClouds } from '../../cli/local-serve';
import { azureClients } from '../../functions/commons/clients/azure';
import { ec2Client } from '../../functions/commons/clients/ec2';
import { lambdaClient } from '../../functions/commons/clients/lambda';
import { secretsClient } from '../../functions/commons/clients/secrets';
import { environmentExecutionName } from '../../functions/commons/naming';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { cloudWatchPublisher } from '../../functions/health-check/metrics';
import { runScheduledHealthCheck, type ScheduledClients } from '../../functions/health-check/scheduled';
import { startLocalClouds, type LocalClouds } from '../../local/cloud';
import type { CloudState } from '../../local/cloud/state';
import { parseFaults } from '../../local/faults';
import { latestSimulatedSecond } from '../../local/runner';
import { localFunctionEnvironment } from '../../local/runner/environment';
import { LOCAL_STATE_MACHINE_ARN, LOCAL_TEARDOWN_STATE_MACHINE_ARN } from '../../local/stepfunctions/server';
import { DEFAULT_REQUEST } from '../workflow/support';

jest.setTimeout(10 * 60_000);

const KEY_ID = 'AKIDHEALTHTEST';
const machines = { stateMachineArn: LOCAL_STATE_MACHINE_ARN, teardownStateMachineArn: LOCAL_TEARDOWN_STATE_MACHINE_ARN };

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A listener that answers PutMetricData as CloudWatch does, or with the refusal given. */
/** CloudWatch as the SDK speaks to it (AWS JSON 1.0, `GraniteServiceVersion20100801.PutMetricData`), on 127.0.0.1. */
async function cloudWatchListener(refusal?: { status: number; code: string }) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.setHeader('content-type', 'application/x-amz-json-1.0');
      if (refusal) {
        res.statusCode = refusal.status;
        res.end(JSON.stringify({ __type: `com.amazonaws.cloudwatch#${refusal.code}`, message: 'no' }));
      } else {
        res.end('{}');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { received, endpoint, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let served: ServingClouds;
let clouds: LocalClouds;
let sfn: SFNClient;
let restore: () => void;

beforeAll(async () => {
  served = await startServing({});
  sfn = new SFNClient({ endpoint: served.endpoints.stepFunctions, region: 'ap-northeast-1', credentials: { accessKeyId: KEY_ID, secretAccessKey: 'test-secret' } });
  const started = await sfn.send(new StartExecutionCommand({ stateMachineArn: LOCAL_STATE_MACHINE_ARN, name: environmentExecutionName(DEFAULT_REQUEST.environmentId, 1), input: JSON.stringify(DEFAULT_REQUEST) }));
  let status = 'RUNNING';
  while (status === 'RUNNING') {
    await new Promise((resolve) => setTimeout(resolve, 500));
    status = String((await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }))).status);
  }
  expect(status).toBe('SUCCEEDED');
  // The clouds the execution left, started on their own: the served ARM keeps the view it started with (the
  // serve replaces its state object after each run, which its ARM store does not see), so the check reads a
  // fresh start of the same state while the executions stay on the served Step Functions endpoint.
  const state = JSON.parse(JSON.stringify(served.clouds.state)) as CloudState;
  clouds = await startLocalClouds({ state, faults: parseFaults(''), seed: 1, clockStart: latestSimulatedSecond(state) });
  // The function's settings, as the stack gives them, pointed at the clouds.
  const caFile = path.join(mkdtempSync(path.join(tmpdir(), 'aoai-health-ca-')), 'ca.pem');
  writeFileSync(caFile, clouds.caPem);
  const values = localFunctionEnvironment({
    logStreamName: 'local/health-scheduled',
    awsEndpoint: clouds.awsEndpoint,
    azureEndpoint: clouds.azureEndpoint,
    authorityHost: clouds.authorityHost,
    azureCredentialSecretArn: clouds.azureCredentialSecretArn,
    caFile,
    region: 'ap-northeast-1',
    accountId: '123456789012',
  });
  const previous = Object.fromEntries(Object.keys(values).map((key) => [key, process.env[key]]));
  Object.assign(process.env, values);
  restore = () => {
    for (const [key, value] of Object.entries(previous)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
});

afterAll(async () => {
  restore?.();
  sfn?.destroy();
  clouds?.clock.stop();
  await clouds?.close();
  await served?.close();
});

function clientsWith(endpoint: string): ScheduledClients {
  const azure = azureClients(secretsClient());
  return {
    ec2: ec2Client(),
    lambda: lambdaClient(),
    arm: azure.arm,
    azureCredential: azure.azureCredential,
    sfn,
    metrics: cloudWatchPublisher(new CloudWatchClient({ endpoint, region: 'ap-northeast-1', credentials: { accessKeyId: KEY_ID, secretAccessKey: 'test-secret' } })),
  };
}

test('every provisioned environment is found from its executions, checked, and its metrics sent by the CloudWatch client as a signed PutMetricData', async () => {
  const listener = await cloudWatchListener();
  try {
    const at = new Date('2026-12-02T01:00:00.000Z');
    const reports = await runScheduledHealthCheck(clientsWith(listener.endpoint), machines, {}, () => at);
    expect(reports.map((r) => [r.environmentId, r.ok])).toEqual([[DEFAULT_REQUEST.environmentId, true]]);
    expect(listener.received).toHaveLength(1);
    const [{ headers, body }] = listener.received;
    expect([headers['content-type'], headers['x-amz-target']]).toEqual(['application/x-amz-json-1.0', 'GraniteServiceVersion20100801.PutMetricData']);
    expect(headers.authorization).toMatch(new RegExp(`^AWS4-HMAC-SHA256 Credential=${KEY_ID}/\\d{8}/ap-northeast-1/monitoring/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$`));
    expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    const sent = JSON.parse(body);
    expect(sent.Namespace).toBe('AoaiLink/Health');
    const step = (d: any) => [d.MetricName, d.Dimensions?.[1]?.Value, d.Value];
    expect(sent.MetricData.slice(0, 7).map(step)).toEqual(
      ['tunnel 1 (AWS)', 'tunnel 1 (Azure)', 'tunnel 2 (AWS)', 'tunnel 2 (Azure)', 'DNS', 'TCP 443', 'API'].map((name) => ['CheckPassed', name, 1]),
    );
    expect(sent.MetricData[0].Dimensions[0]).toEqual({ Name: 'EnvironmentId', Value: DEFAULT_REQUEST.environmentId });
    expect(sent.MetricData[0].Timestamp).toBe(at.getTime() / 1000);
    expect(sent.MetricData[0].Unit).toBe('Count');
    expect([sent.MetricData[7].MetricName, sent.MetricData[7].Value]).toEqual(['Healthy', 1]);
    expect([sent.MetricData[8].MetricName, sent.MetricData[8].Value, sent.MetricData[8].Dimensions ?? []]).toEqual(['UnhealthyEnvironments', 0, []]);
    expect(sent.MetricData).toHaveLength(9);
  } finally {
    await listener.close();
  }
});

test('an environment never provisioned is not checked and publishes nothing; a refused publish throws with CloudWatch\'s code and status', async () => {
  const listener = await cloudWatchListener({ status: 403, code: 'AccessDenied' });
  try {
    expect(await runScheduledHealthCheck(clientsWith(listener.endpoint), machines, { environmentId: 'aoai-never-01' })).toEqual([]);
    expect(listener.received).toHaveLength(0);
    const refused = await runScheduledHealthCheck(clientsWith(listener.endpoint), machines, { environmentId: DEFAULT_REQUEST.environmentId }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    expect(listener.received).toHaveLength(1);
  } finally {
    await listener.close();
  }
});
