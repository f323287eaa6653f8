/**
 * The teardown workflow's data (statemachine/teardown.asl.json), as workflow-data.ts is for provisioning:
 *
 *   1. the execution's input is the environment request, the same document provisioning took (names derive
 *      from it); "Find what the environment left in both clouds" checks it and adds `inventory`;
 *   2. every removal task gets the request (and, for a resource of which there are several, which one), looks
 *      the resource up by its derived name, and removes it only when it is ours; it answers once the resource
 *      is gone, and throws ResourceNotReady while a deletion it started (or one that must come first) is going;
 *   3. "Summarise the teardown" reads the whole state.
 *
 * Removal outputs are not kept in the state (ResultPath null); the inventory says what there was to remove.
 */
import type { EnvironmentRequest } from './request/contract';

/** How long a tunnel-key secret can be restored after the teardown scheduled its deletion. */
export const TUNNEL_KEY_RECOVERY_WINDOW_DAYS = 7;

/** A resource as the inventory and the summary name it (types as in report.json: EC2 tagging names, ARM types). */
export interface InventoryEntry {
  cloud: 'aws' | 'azure';
  type: string;
  name: string;
  id: string;
}

/** A resource that carries one of the environment's names but is not ours: teardown leaves it. */
export interface LeftEntry extends InventoryEntry {
  /** Plain words: "it lacks the tag environment=aoai-prod-01". */
  reason: string;
}

/** `$.inventory`: what "Find what the environment left in both clouds" found. */
export interface TeardownInventory {
  environmentId: string;
  /** Ours, to be removed. */
  ours: InventoryEntry[];
  /** Look-alikes, to be left. */
  foreign: LeftEntry[];
  /** The hub's resources the product built, kept because other environments on the hub still use them. */
  kept: LeftEntry[];
  /** Nothing of ours exists: the teardown ends at once, saying so. */
  nothingToRemove: boolean;
  /** The request asks for the account's public access as it was before provisioning (options.publicNetworkAccessOnTeardown). */
  restorePublicNetworkAccess: boolean;
}

/** The output of the first step: the state every later step starts from. */
export interface InventoriedState {
  request: EnvironmentRequest;
  inventory: TeardownInventory;
}

/** What the first step is sent. */
export interface TeardownCheckEvent {
  request: unknown;
  executionName?: string;
}

/** Which of the Azure resources of which there are several. */
export type RemovableSubnet = 'gateway' | 'privateEndpoint' | 'dnsInbound';
export type RemovableNsg = 'privateEndpoint' | 'dnsInbound';

/** What every removal task is sent (the action's name travels beside it, see workflow-data.ts ActionEnvelope). */
export interface RemovalInput {
  request: EnvironmentRequest;
  /** A tunnel number, 1 to 4 (3 and 4 only with BGP routing), as naming.ts numbers them. */
  tunnel?: number;
  subnet?: RemovableSubnet;
  nsg?: RemovableNsg;
}

/** What a removal task answers once its resource is gone (or was never there, or is not ours). */
export interface RemovalOutcome {
  outcome: 'removed' | 'absent' | 'left';
  /** The resource's id, when one was found. */
  id?: string;
  /** For `left`: why it is not ours. */
  reason?: string;
}

/** What a removal of one resource per tunnel answers: each tunnel's outcome, in tunnel order. */
export interface TunnelRemovals {
  tunnels: (RemovalOutcome & { tunnel: number })[];
}

/** `$.publicAccess`: what "Restore the OpenAI account's public access as it was" did. */
export interface PublicAccessRestored {
  /** The value provisioning recorded before it locked the account, or absent when nothing was recorded. */
  recorded?: 'Enabled' | 'Disabled';
  publicNetworkAccess: string;
  restored: boolean;
  /** What was done, or why nothing was (no record, no account), in plain words. */
  note?: string;
}

/** The Azure and AWS removal actions, by function, with their inputs and outputs. */
export interface TeardownActions {
  'remove-azure': {
    restorePublicAccess: { input: InventoriedState; output: PublicAccessRestored };
    removeSecurityRules: { input: RemovalInput; output: RemovalOutcome };
    removeZoneGroup: { input: RemovalInput; output: RemovalOutcome };
    removePrivateEndpoint: { input: RemovalInput; output: RemovalOutcome };
    removeZoneLink: { input: RemovalInput; output: RemovalOutcome };
    removeZone: { input: RemovalInput; output: RemovalOutcome };
    removeInboundEndpoint: { input: RemovalInput; output: RemovalOutcome };
    removeResolver: { input: RemovalInput; output: RemovalOutcome };
    removeSubnet: { input: RemovalInput & { subnet: RemovableSubnet }; output: RemovalOutcome };
    removeNetworkSecurityGroup: { input: RemovalInput & { nsg: RemovableNsg }; output: RemovalOutcome };
    removeConnections: { input: RemovalInput; output: TunnelRemovals };
    removeLocalNetworkGateways: { input: RemovalInput; output: TunnelRemovals };
    removeVpnGateway: { input: RemovalInput; output: RemovalOutcome };
    removePublicIp: { input: RemovalInput; output: RemovalOutcome };
  };
  'remove-aws-vpn': {
    removeVpnConnection: { input: RemovalInput; output: RemovalOutcome };
    detachVpnGateway: { input: RemovalInput; output: RemovalOutcome };
    removeVpnGateway: { input: RemovalInput; output: RemovalOutcome };
    removeCustomerGateway: { input: RemovalInput; output: RemovalOutcome };
    scheduleTunnelKeyDeletion: { input: RemovalInput; output: { secrets: RemovalOutcome[]; recoveryWindowInDays: number } };
  };
  'remove-aws-dns': {
    removeRuleAssociation: { input: RemovalInput; output: RemovalOutcome };
    removeForwardingRule: { input: RemovalInput; output: RemovalOutcome };
    removeOutboundEndpoint: { input: RemovalInput; output: RemovalOutcome };
    removeDnsSecurityGroup: { input: RemovalInput; output: RemovalOutcome };
  };
  'remove-probe': {
    removeProbeFunction: { input: RemovalInput; output: RemovalOutcome };
    removeProbeSecurityGroup: { input: RemovalInput; output: RemovalOutcome };
  };
}

/**
 * Every field a teardown task reads from or writes into the state; test/commons/workflow-data.test.ts checks
 * each Parameters path against it and each ResultPath's output into it.
 */
export interface TeardownStateFields extends InventoriedState {
  publicAccess: PublicAccessRestored;
}

/** The input of "Summarise the teardown": the whole state at the end. */
export interface FinishedTeardown extends InventoriedState {
  publicAccess?: PublicAccessRestored;
}

export interface TeardownSummaryEvent {
  state: FinishedTeardown;
  executionName?: string;
}

/** The teardown's output: what a change board reads. */
export interface TeardownSummary {
  environmentId: string;
  /** "Removed 30 resources; left 1 that is not ours." or "Nothing of environment X exists: nothing to remove." */
  message: string;
  removed: InventoryEntry[];
  left: LeftEntry[];
  /** The hub's resources the product built that other environments still use: they stay for them. */
  kept: LeftEntry[];
  tunnelKeySecrets: { recoveryWindowInDays: number; note: string };
  openAiAccount: { publicNetworkAccess: 'kept as it is' | 'restored'; value?: string; note?: string };
}
