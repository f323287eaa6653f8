/**
 * report.json (contract: local-cloud.md): the execution's outcome, what the emulated clouds did and what
 * exists in them at the end. Resource states are derived from the clock as the emulated APIs derive them.
 */
import { resourceNames } from '../../functions/commons/naming';
import { hubResourceNames } from '../../functions/commons/hub';
import type { EnvironmentRequest } from '../../functions/commons/request/contract';
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
  /** A teardown's report only: what the execution removed (contract v2). */
  removed?: RemovedEntry[];
}

/** A resource a teardown removed, as report.json names it. */
export interface RemovedEntry {
  cloud: 'aws' | 'azure';
  type: string;
  id: string;
}

/** Both clouds' resources at one moment. */
export interface ResourceLists {
  aws: AwsResourceEntry[];
  azure: AzureResourceEntry[];
}

/** What a teardown's report needs to say what it removed. */
export interface RemovalInput {
  /** The resources when the execution started (removableResources); absent without emulated clouds. */
  before?: ResourceLists;
  /** The execution's own request. */
  request: EnvironmentRequest;
  /** The requests of the executions running beside it on the same clouds. */
  others: EnvironmentRequest[];
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
  /** A teardown: the report then says what it removed. */
  removal?: RemovalInput;
}

function pendingOr(resource: Timed, now: number, pending: string, ready: string): string {
  return isReady(resource, now) ? ready : pending;
}

function alive(resource: object): boolean {
  return (resource as { deletedAt?: number }).deletedAt === undefined;
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
    ...aws.securityGroups.filter(alive).map((r) => ({ type: 'security-group', id: r.GroupId, tags: tags(r.Tags) })),
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

/** What exists in emulated Azure at the end, apart from the world's pre-existing resources (unless asked for). */
export function azureResources(state: CloudState, now: number, includePreExisting = false): AzureResourceEntry[] {
  return Object.values(state.azure.resources)
    .filter((r) => includePreExisting || !r.preExisting)
    .filter((r) => !(r.operation?.kind === 'delete' && now >= r.operation.readyAt))
    .map((r) => ({ type: r.type, id: r.id, provisioningState: armProvisioningState(r, now), tags: { ...(r.body.tags ?? {}) } }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The probe result the execution ended with (its output's `probe` field), if any. */
export function probeOf(output: unknown): unknown {
  if (output && typeof output === 'object' && 'probe' in output) return (output as { probe: unknown }).probe ?? null;
  return null;
}

/**
 * Everything a teardown could remove, world resources included: a world resource that went missing is then in
 * `removed` for all to see, rather than hidden by the report's usual leaving-out of the world.
 */
export function removableResources(state: CloudState, now: number, excludeIds: string[] = []): ResourceLists {
  return { aws: awsResources(state, now, excludeIds), azure: azureResources(state, now, true) };
}

/**
 * Whether a resource carries one of the environment's own names or its environment tag, or lies under one of
 * them. The GatewaySubnet and the privatelink zone are named by the environment's VNet and resource group, so two
 * environments on one hub both claim them; the VNet and the OpenAI account themselves are nobody's.
 */
export function environmentClaims(request: EnvironmentRequest): (cloud: 'aws' | 'azure', entry: { id: string; tags: Record<string, string> }) => boolean {
  const names = resourceNames(request);
  const { azure, aws } = names;
  const hub = hubResourceNames(request);
  const awsNames = new Set([aws.customerGateway, aws.vpnGateway, aws.vpnConnection, aws.dnsOutboundSecurityGroup, aws.probeSecurityGroup, aws.resolverEndpoint, aws.resolverRule, aws.resolverRuleAssociation]);
  const azureIds = [
    azure.publicIp.id,
    azure.vpnGateway.id,
    ...azure.tunnels.flatMap((tunnel) => [tunnel.localNetworkGateway.id, tunnel.connection.id]),
    azure.privateEndpointNsg.id,
    azure.dnsInboundNsg.id,
    azure.privateEndpoint.id,
    `${azure.resourceGroupId}/providers/Microsoft.Network/networkInterfaces/${azure.privateEndpointNicName}`,
    azure.privateEndpointSubnet.id,
    azure.dnsInboundSubnet.id,
    azure.virtualNetworkLink.id,
    azure.dnsResolver.id,
    azure.gatewaySubnet.id,
    azure.privateDnsZone.id,
    // The hub's, named for the VNet: every environment on that VNet claims them.
    hub.publicIp.id,
    hub.vpnGateway.id,
    hub.privateEndpointNsg.id,
    hub.dnsInboundNsg.id,
    hub.privateEndpoint.id,
    `${azure.resourceGroupId}/providers/Microsoft.Network/networkInterfaces/${hub.privateEndpointNicName}`,
    hub.privateEndpointSubnet.id,
    hub.dnsResolverSubnet.id,
    hub.virtualNetworkLink.id,
    hub.dnsResolver.id,
    hub.privateDnsZone.id,
  ].map((id) => id.toLowerCase());
  return (cloud, entry) => {
    if (entry.tags.environment === names.environmentId) return true;
    if (cloud === 'aws') {
      return (
        (entry.tags.Name !== undefined && awsNames.has(entry.tags.Name)) ||
        entry.id.endsWith(`:function:${aws.probeFunction}`) ||
        aws.pskSecretNames.some((name) => entry.id.includes(`:secret:${name}-`))
      );
    }
    const id = entry.id.toLowerCase();
    return azureIds.some((own) => id === own || id.startsWith(`${own}/`));
  };
}

/**
 * What was there before and is gone after. When other executions ran on the same clouds at the same time (which
 * the clouds cannot tell apart), a removal another environment's names claim and this one's do not is theirs;
 * one no environment claims is listed by each.
 */
export function removedResources(before: ResourceLists, after: ResourceLists, request: EnvironmentRequest, others: EnvironmentRequest[] = []): RemovedEntry[] {
  const ours = environmentClaims(request);
  const theirs = others.map(environmentClaims);
  const gone = (cloud: 'aws' | 'azure', was: { type: string; id: string; tags: Record<string, string> }[], left: { id: string }[]): RemovedEntry[] => {
    const remaining = new Set(left.map((entry) => entry.id));
    return was
      .filter((entry) => !remaining.has(entry.id))
      .filter((entry) => ours(cloud, entry) || !theirs.some((claims) => claims(cloud, entry)))
      .map((entry) => ({ cloud, type: entry.type, id: entry.id }));
  };
  return [...gone('aws', before.aws, after.aws), ...gone('azure', before.azure, after.azure)];
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
    ...(input.removal
      ? {
          removed:
            input.removal.before && input.state
              ? removedResources(input.removal.before, removableResources(input.state, input.now, input.excludeIds), input.removal.request, input.removal.others)
              : [],
        }
      : {}),
  };
}
