/**
 * What the emulated clouds hold. One plain JSON document, so `--state FILE` can save and reload it.
 *
 * Field names mirror the cloud APIs (EC2/Route 53 Resolver/Secrets Manager/Lambda in PascalCase, ARM bodies as
 * ARM stores them). Time-dependent status is not stored: each resource records when its operation started and
 * when it is ready (`createdAt`/`readyAt`, simulated seconds), and readers derive `pending`/`available` or
 * `Creating`/`Succeeded` from the clock. Secrets are kept as the real clouds keep them (`PreSharedKey`,
 * `sharedKey`, `SecretString`): the emulated clouds hold them, the workflow's outputs must not.
 */
import { closeSync, fchmodSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface Tag {
  Key: string;
  Value: string;
}

/** Simulated seconds at which an operation started and at which it completes. */
export interface Timed {
  createdAt: number;
  readyAt: number;
  /**
   * Set once its deletion was started: the simulated second the deletion completes (the cloud reads it
   * deleting/detaching until then, deleted or gone after). It carries no traffic from the moment it is set.
   */
  deletedAt?: number;
}

export interface Vpc {
  VpcId: string;
  CidrBlock: string;
  /** Blocks associated after the primary one (AssociateVpcCidrBlock), in association order. */
  SecondaryCidrBlocks?: string[];
  Tags?: Tag[];
}

export interface Subnet {
  SubnetId: string;
  VpcId: string;
  AvailabilityZone: string;
  CidrBlock: string;
  Tags?: Tag[];
}

export interface Route {
  DestinationCidrBlock: string;
  GatewayId: string;
  /** `CreateRouteTable` (local), `CreateRoute`, or `EnableVgwRoutePropagation`. */
  Origin: string;
}

export interface RouteTable {
  RouteTableId: string;
  VpcId: string;
  SubnetIds: string[];
  /** Routes created explicitly (the local route is implied). Propagated routes are derived from PropagatingVgws. */
  Routes: Route[];
  /** VGW ids whose routes propagate into this table (EnableVgwRoutePropagation). */
  PropagatingVgws: string[];
  Tags?: Tag[];
}

export interface CustomerGateway extends Timed {
  CustomerGatewayId: string;
  IpAddress: string;
  BgpAsn: string;
  Type: string;
  DeviceName?: string;
  Tags: Tag[];
}

export interface VpcAttachment extends Timed {
  VpcId: string;
}

export interface VpnGateway extends Timed {
  VpnGatewayId: string;
  Type: string;
  AmazonSideAsn: number;
  Attachments: VpcAttachment[];
  Tags: Tag[];
}

export interface VpnTunnel {
  OutsideIpAddress: string;
  TunnelInsideCidr: string;
  PreSharedKey: string;
  /** The tunnel options as requested (IKE versions, algorithms, DPD, startup action...), SDK shape. */
  Options: Record<string, unknown>;
}

export interface VpnConnectionRoute {
  DestinationCidrBlock: string;
  createdAt: number;
}

export interface VpnConnection extends Timed {
  VpnConnectionId: string;
  CustomerGatewayId: string;
  VpnGatewayId: string;
  Type: string;
  StaticRoutesOnly: boolean;
  LocalIpv4NetworkCidr?: string;
  RemoteIpv4NetworkCidr?: string;
  Tunnels: VpnTunnel[];
  Routes: VpnConnectionRoute[];
  Tags: Tag[];
}

export interface SecurityGroupRule {
  IpProtocol: string; // "tcp" | "udp" | "-1"
  FromPort?: number;
  ToPort?: number;
  CidrIp: string;
}

export interface SecurityGroup {
  GroupId: string;
  GroupName: string;
  Description: string;
  VpcId: string;
  Egress: SecurityGroupRule[];
  Ingress: SecurityGroupRule[];
  Tags: Tag[];
}

/**
 * What Route 53 Resolver reports once it found a ready resource unhealthy (an interface deleted out of band, a
 * rule or association it could not apply). Only a state or world file sets it: nothing in a run makes it happen.
 */
export interface ResolverImpairment<Status extends string> {
  Status: Status;
  StatusMessage: string;
}

export interface ResolverEndpoint extends Timed {
  impaired?: ResolverImpairment<'ACTION_NEEDED' | 'AUTO_RECOVERING'>;
  Id: string;
  Arn: string;
  CreatorRequestId: string;
  Name?: string;
  Direction: 'INBOUND' | 'OUTBOUND';
  SecurityGroupIds: string[];
  IpAddresses: { SubnetId: string; Ip: string; IpId: string }[];
  HostVPCId: string;
  Tags: Tag[];
}

export interface ResolverRule extends Timed {
  impaired?: ResolverImpairment<'FAILED'>;
  Id: string;
  Arn: string;
  CreatorRequestId: string;
  Name?: string;
  RuleType: 'FORWARD' | 'SYSTEM' | 'RECURSIVE';
  DomainName: string;
  TargetIps: { Ip: string; Port: number }[];
  ResolverEndpointId?: string;
  Tags: Tag[];
}

export interface ResolverRuleAssociation extends Timed {
  impaired?: ResolverImpairment<'FAILED' | 'OVERRIDDEN'>;
  Id: string;
  ResolverRuleId: string;
  VPCId: string;
  Name?: string;
}

export interface Secret {
  ARN: string;
  Name: string;
  Description?: string;
  /** The KMS key the secret is encrypted with, as given on create (absent: the account's aws/secretsmanager key). */
  KmsKeyId?: string;
  SecretString?: string;
  VersionId: string;
  /** ClientRequestTokens seen, so a retried CreateSecret/PutSecretValue is idempotent as in the real service. */
  ClientRequestTokens: string[];
  Tags: Tag[];
  CreatedDate: number;
  /** When DeleteSecret scheduled its deletion (absent: not scheduled). */
  DeletedDate?: number;
  /** The end of the recovery window: from then on the secret no longer exists. */
  DeletionDate?: number;
}

export interface LambdaFunction extends Timed {
  FunctionName: string;
  FunctionArn: string;
  Role: string;
  Runtime?: string;
  Handler?: string;
  Timeout?: number;
  MemorySize?: number;
  Code: Record<string, unknown>;
  Environment?: Record<string, string>;
  VpcConfig: { SubnetIds: string[]; SecurityGroupIds: string[] };
  Tags: Record<string, string>;
  /** Why it is Pending until readyAt: first creation, or restoring its VPC resources after being Inactive. */
  pendingReason?: 'Creating' | 'Restoring';
  /** Set while the function is Inactive (idle long enough for Lambda to reclaim its network interfaces). */
  inactiveSince?: number;
  /** Set when creating its resources failed (State Failed): Lambda says delete and recreate it. */
  failed?: { StateReasonCode: string; StateReason: string };
  /** The last UpdateFunctionCode/UpdateFunctionConfiguration: InProgress until readyAt, then its outcome. */
  lastUpdate?: { startedAt: number; readyAt: number; outcome: 'Successful' | 'Failed'; reasonCode?: string; reason?: string };
  /** The probe-inactive fault idled this function once already. */
  idledByFault?: boolean;
  /** After DeleteFunction of a function in a VPC: when Lambda releases its network interfaces (they stay in use until then). */
  networkInterfacesReleasedAt?: number;
}

export interface AwsState {
  accountId: string;
  region: string;
  vpcs: Vpc[];
  subnets: Subnet[];
  routeTables: RouteTable[];
  customerGateways: CustomerGateway[];
  vpnGateways: VpnGateway[];
  vpnConnections: VpnConnection[];
  securityGroups: SecurityGroup[];
  resolverEndpoints: ResolverEndpoint[];
  resolverRules: ResolverRule[];
  resolverRuleAssociations: ResolverRuleAssociation[];
  secrets: Secret[];
  functions: LambdaFunction[];
  /** Counters behind deterministic id generation, per id prefix. */
  idCounters: Record<string, number>;
}

/** An ARM operation on the simulated clock: `provisioningState` is Creating/Updating until readyAt, then the outcome. */
export interface ArmOperation {
  kind: 'create' | 'update' | 'delete';
  startedAt: number;
  readyAt: number;
  outcome: 'Succeeded' | 'Failed';
  /** Id of the async operation ARM handed out for it (Azure-AsyncOperation). */
  operationId: string;
  /** An update of a resource that was Succeeded (not a rebuild from Failed): it keeps serving while it runs. */
  inService?: boolean;
}

export interface ArmResource {
  /** The id as first written (ARM preserves the casing of the creating PUT); state keys are lower-cased ids. */
  id: string;
  /** ARM resource type, e.g. `Microsoft.Network/virtualNetworks/subnets`. */
  type: string;
  name: string;
  /** The api-version of the last write. */
  apiVersion: string;
  /** The stored body: location, tags, sku, kind, zones, properties (with server-set fields such as ipAddress). */
  body: {
    location?: string;
    tags?: Record<string, string>;
    sku?: Record<string, unknown>;
    kind?: string;
    zones?: string[];
    etag?: string;
    properties: Record<string, any>;
  };
  /** Present once the resource was written through the API (world resources have none). */
  operation?: ArmOperation;
  /** True for resources that came from the world file (they existed before the run). */
  preExisting?: boolean;
}

export interface AzureState {
  subscriptionId: string;
  /** Keyed by lower-cased resource id. */
  resources: Record<string, ArmResource>;
  /** OpenAI account keys by lower-cased account id (listKeys answers them). */
  accountKeys: Record<string, { key1: string; key2: string }>;
  /** Counters behind deterministic address allocation, per pool. */
  allocations: Record<string, number>;
  /** The Entra ID tenant and its service principals (absent: local mode's default principal). */
  directory?: AzureDirectory;
  /**
   * Principal object ids holding the "Cognitive Services OpenAI User" data-plane role, by lower-cased account id
   * (absent for an account: nobody holds it).
   */
  openAiUserRoles?: Record<string, string[]>;
}

export interface AzureDirectory {
  tenantId: string;
  servicePrincipals: { clientId: string; clientSecret: string; objectId: string }[];
}

export interface CloudState {
  version: 1;
  aws: AwsState;
  azure: AzureState;
}

/** Tags as a record (EC2's Tag[] to { key: value }). */
export function tagRecord(tags: Tag[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value]));
}

/** True once a deletion started on the resource has completed (it is then deleted, or gone from the API). */
export function isGone(resource: Timed, now: number): boolean {
  return resource.deletedAt !== undefined && now >= resource.deletedAt;
}

/** True while a deletion started on the resource is still going. */
export function isBeingDeleted(resource: Timed, now: number): boolean {
  return resource.deletedAt !== undefined && now < resource.deletedAt;
}

/** True once the clock has reached the resource's readyAt (and it is not deleted). */
export function isReady(resource: Timed, now: number): boolean {
  return resource.deletedAt === undefined && now >= resource.readyAt;
}

export function armKey(id: string): string {
  return normaliseArmId(id).toLowerCase();
}

/** ARM ids arrive with a doubled leading slash from the SDK's `/{resourceId}` template; normalise it away. */
export function normaliseArmId(id: string): string {
  return '/' + id.replace(/^\/+/, '').replace(/\/+$/, '');
}

/** The ARM `provisioningState` of a resource at simulated time `now`. */
export function armProvisioningState(resource: ArmResource, now: number): string {
  const op = resource.operation;
  if (!op) return 'Succeeded';
  if (now < op.readyAt) return op.kind === 'create' ? 'Creating' : op.kind === 'update' ? 'Updating' : 'Deleting';
  return op.outcome;
}

/**
 * Saves the state for `--state`. The file holds every secret the emulated clouds keep (pre-shared keys,
 * connection keys, secret values), so it and its temporary file are created readable by the owner only
 * (0600), whatever the umask. The write goes to a temporary file renamed over the target (so an existing,
 * wider file is replaced by the 0600 one, and a crash never leaves half a state).
 */
export function writeStateFile(file: string, state: CloudState): void {
  const target = path.resolve(file);
  mkdirSync(path.dirname(target), { recursive: true });
  const temporary = `${target}.${process.pid}.${Date.now()}.tmp`;
  // `wx`: never follow or reuse a file someone else put there; the mode applies at creation.
  const fd = openSync(temporary, 'wx', OWNER_ONLY);
  try {
    try {
      fchmodSync(fd, OWNER_ONLY); // explicit: some file systems ignore the creation mode
      writeFileSync(fd, JSON.stringify(state, null, 2) + '\n');
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, target);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** rw for the owner, nothing for group and others. */
export const OWNER_ONLY = 0o600;
