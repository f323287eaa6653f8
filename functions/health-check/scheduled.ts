/**
 * The scheduled run: which environments to check, and the check of each with its metrics published. A
 * schedule names one environment (`{"environmentId": ...}`), or none to check every environment whose latest
 * provisioning succeeded and was not torn down since. The request each was built from is that execution's
 * input (Step Functions keeps it; it holds no secret), so the check needs no store of its own.
 */
import { ExecutionStatus, ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { describeIfExists, environmentExecutions } from '../commons/executions';
import type { EnvironmentRequest } from '../commons/request/contract';
import { parseRequestText } from '../commons/request/schema';
import { checkEnvironmentHealth, type HealthClients, type HealthReport } from './health-check';
import { HEALTH_NAMESPACE, metricData, type MetricsPublisher } from './metrics';

export interface ScheduledEvent {
  /** One environment; absent: every provisioned one. */
  environmentId?: string;
}

export interface ScheduledClients extends HealthClients {
  sfn: SFNClient;
  metrics: MetricsPublisher;
}

export interface Machines {
  stateMachineArn: string;
  teardownStateMachineArn: string;
}

const RUN_MARKER = '-run-';

/** The environments with a succeeded provisioning, from its executions' names (`<environmentId>-run-<n>`). */
async function provisionedEnvironmentIds(sfn: SFNClient, stateMachineArn: string): Promise<string[]> {
  const ids = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListExecutionsCommand({ stateMachineArn, statusFilter: ExecutionStatus.SUCCEEDED, maxResults: 1000, nextToken }));
    for (const item of page.executions ?? []) {
      const at = item.name?.lastIndexOf(RUN_MARKER) ?? -1;
      if (item.name && at > 0 && /^[1-9]\d*$/.test(item.name.slice(at + RUN_MARKER.length))) ids.add(item.name.slice(0, at));
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return [...ids].sort();
}

/**
 * The request of the environment's latest succeeded provisioning, unless a teardown succeeded after it (then
 * there is nothing to check) or a later provisioning is not finished (the workflow is proving the path itself).
 */
export async function requestToCheck(sfn: SFNClient, machines: Machines, environmentId: string): Promise<EnvironmentRequest | undefined> {
  const runs = await environmentExecutions(sfn, machines.stateMachineArn, environmentId);
  const latest = runs[0];
  if (!latest || latest.status !== 'SUCCEEDED') return undefined;
  const teardowns = await environmentExecutions(sfn, machines.teardownStateMachineArn, environmentId, ExecutionStatus.SUCCEEDED, 'teardown');
  if (teardowns[0]?.startDate && latest.startDate && teardowns[0].startDate > latest.startDate) return undefined;
  const described = await describeIfExists(sfn, latest.executionArn);
  const parsed = described?.input ? parseRequestText(described.input) : undefined;
  return parsed?.ok ? parsed.request : undefined;
}

/** Checks each environment and publishes its metrics; one environment's failure to be read does not hide the others'. */
export async function runScheduledHealthCheck(clients: ScheduledClients, machines: Machines, event: ScheduledEvent, now: () => Date = () => new Date()): Promise<HealthReport[]> {
  const ids = event.environmentId ? [event.environmentId] : await provisionedEnvironmentIds(clients.sfn, machines.stateMachineArn);
  const reports: HealthReport[] = [];
  for (const environmentId of ids) {
    const request = await requestToCheck(clients.sfn, machines, environmentId);
    if (!request) continue;
    const report = await checkEnvironmentHealth(clients, request);
    await clients.metrics.publish(HEALTH_NAMESPACE, metricData(report, now()));
    reports.push(report);
  }
  return reports;
}
