/**
 * report.json (contract: local-cloud.md): the execution's outcome, what the emulated clouds did and what
 * exists in them at the end. Resource states are derived from the clock as the emulated APIs derive them.
 */
import type { OperationRecord, Recorder } from '../cloud/context';
import { armProvisioningState, isReady, tagRecord, type CloudState, type Tag, type Timed } from '../cloud/state';
import type { TimelineEntry } from './history';

export interface AwsResourceEntry {
  type: string;
  id: string;
  /** The state the service reports, where it has one. */
  state?: string;
  tags: Record<string, string>;
}

export interface AzureResourceEntry {
  type: string;
  id: string;
  provisioningState: string;
  tags: Record<string, string>;
}

export interface Report {
  executionName: string;
  status: 'SUCCEEDED' | 'FAILED';
  error: string | null;
  cause: string | null;
  simulatedSeconds: number;
  stateTransitions: number;
  taskInvocations: number;
  apiCalls: { aws: Record<string, number>; azure: Record<string, number> };
  resources: { aws: AwsResourceEntry[]; azure: AzureResourceEntry[] };
  operations: OperationRecord[];
  probe: unknown;
  timeline: TimelineEntry[];
}

export interface ReportInput {
  executionName: string;
  status: 'SUCCEEDED' | 'FAILED';
  error: string | null;
  cause: string | null;
  output?: unknown;
  simulatedSeconds: number;
  stateTransitions: number;
  taskInvocations: number;
  timeline: TimelineEntry[];
  /** Absent when the run had no emulated clouds (tests of toy state machines). */
  state?: CloudState;
  recorder?: Recorder;
  /** Simulated seconds the resource states are read at. */
  now: number;
  /** Resources the runner itself put in place (the Azure credential secret): not the workflow's doing. */
  excludeIds?: string[];
}

function pendingOr(resource: Timed, now: number, pending: string, ready: string): string {
  return isReady(resource, now) ? ready : pending;
}

function alive(resource: { deletedAt?: number }): boolean {
  return resource.deletedAt === undefined;
}

function tags(list: Tag[] | undefined): Record<string, string> {
  return tagRecord(list);
}

/** What exists in emulated AWS at the end, apart from the world's own VPCs, subnets and route tables. */
export function awsResources(state: CloudState, now: number, excludeIds: string[] = []): AwsResourceEntry[] {
  const aws = state.aws;
  const entries: AwsResourceEntry[] = [
    ...aws.customerGateways.filter(alive).map((r) => ({ type: 'customer-gateway', id: r.CustomerGatewayId, state: pendingOr(r, now, 'pending', 'available'), tags: tags(r.Tags) })),
    ...aws.vpnGateways.filter(alive).map((r) => ({ type: 'vpn-gateway', id: r.VpnGatewayId, state: pendingOr(r, now, 'pending', 'available'), tags: tags(r.Tags) })),
    ...aws.vpnConnections.filter(alive).map((r) => ({ type: 'vpn-connection', id: r.VpnConnectionId, state: pendingOr(r, now, 'pending', 'available'), tags: tags(r.Tags) })),
    ...aws.securityGroups.map((r) => ({ type: 'security-group', id: r.GroupId, tags: tags(r.Tags) })),
    ...aws.resolverEndpoints.filter(alive).map((r) => ({ type: 'resolver-endpoint', id: r.Id, state: pendingOr(r, now, 'CREATING', 'OPERATIONAL'), tags: tags(r.Tags) })),
    ...aws.resolverRules.filter(alive).map((r) => ({ type: 'resolver-rule', id: r.Id, state: pendingOr(r, now, 'CREATING', 'COMPLETE'), tags: tags(r.Tags) })),
    ...aws.resolverRuleAssociations.filter(alive).map((r): AwsResourceEntry => ({
      type: 'resolver-rule-association',
      id: r.Id,
      state: pendingOr(r, now, 'CREATING', 'COMPLETE'),
      tags: r.Name ? { Name: r.Name } : {},
    })),
    ...aws.secrets.filter((r) => r.DeletedDate === undefined).map((r) => ({ type: 'secret', id: r.ARN, tags: tags(r.Tags) })),
    ...aws.functions.filter(alive).map((r) => ({ type: 'function', id: r.FunctionArn, state: pendingOr(r, now, 'Pending', 'Active'), tags: { ...r.Tags } })),
  ];
  return entries.filter((entry) => !excludeIds.includes(entry.id));
}

/** What exists in emulated Azure at the end, apart from the world's pre-existing resources. */
export function azureResources(state: CloudState, now: number): AzureResourceEntry[] {
  return Object.values(state.azure.resources)
    .filter((r) => !r.preExisting)
    .filter((r) => !(r.operation?.kind === 'delete' && now >= r.operation.readyAt))
    .map((r) => ({ type: r.type, id: r.id, provisioningState: armProvisioningState(r, now), tags: { ...(r.body.tags ?? {}) } }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The probe result the execution ended with (its output's `probe` field), if any. */
export function probeOf(output: unknown): unknown {
  if (output && typeof output === 'object' && 'probe' in output) return (output as { probe: unknown }).probe ?? null;
  return null;
}

export function buildReport(input: ReportInput): Report {
  return {
    executionName: input.executionName,
    status: input.status,
    error: input.error,
    cause: input.cause,
    simulatedSeconds: input.simulatedSeconds,
    stateTransitions: input.stateTransitions,
    taskInvocations: input.taskInvocations,
    apiCalls: {
      aws: { ...(input.recorder?.apiCalls.aws ?? {}) },
      azure: { ...(input.recorder?.apiCalls.azure ?? {}) },
    },
    resources: {
      aws: input.state ? awsResources(input.state, input.now, input.excludeIds) : [],
      azure: input.state ? azureResources(input.state, input.now) : [],
    },
    operations: [...(input.recorder?.operations ?? [])],
    probe: probeOf(input.output),
    timeline: input.timeline,
  };
}
