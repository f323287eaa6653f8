/**
 * The named retry policies of the state machines (provisioning and teardown): the one place their numbers live.
 * `statemachine/build.ts` writes each Task's Retry from the policy its source names (`"RetryPolicy"`), so
 * the deployed definition repeats these blocks but nobody edits them by hand.
 *
 * Every policy has the same frame, because every task is idempotent: cloud faults are retried with jittered
 * backoff, errors no retry can fix fail at once, anything unexpected gets a short second chance. A policy
 * differs only in how long it waits for a resource the task depends on (`ResourceNotReady`), and the probe
 * also waits for the path to settle (`ProbeFailed`).
 */
import { TERMINAL_ERRORS } from '../functions/commons/errors';

/** A retrier as ASL writes it (keys in the order the console shows them). */
export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface RetryPolicy {
  /** What the policy is for, in a sentence. */
  purpose: string;
  retriers: Retrier[];
}

/** Throttling, 5xx and dropped connections, from the task itself or from the Lambda service invoking it. */
const CLOUD_FAULTS: Retrier = {
  ErrorEquals: [
    'TransientCloudError',
    'Lambda.ServiceException',
    'Lambda.AWSLambdaException',
    'Lambda.SdkClientException',
    'Lambda.TooManyRequestsException',
  ],
  IntervalSeconds: 2,
  MaxAttempts: 6,
  BackoffRate: 2,
  MaxDelaySeconds: 30,
  JitterStrategy: 'FULL',
};

/** Named errors no retry can fix: the execution fails at once, naming the step and the cause. */
const NEVER_RETRIED: Retrier = { ErrorEquals: [...TERMINAL_ERRORS], MaxAttempts: 0 };

/** Anything unexpected (a bug, a timeout of the task itself): a short second chance, then the failure shows. */
const ANYTHING_ELSE: Retrier = {
  ErrorEquals: ['States.ALL'],
  IntervalSeconds: 5,
  MaxAttempts: 2,
  BackoffRate: 2,
  JitterStrategy: 'FULL',
};

/** Polls at a fixed pace while a dependency is still being built: its build time is known, backoff would only add to it. */
function waitingFor(intervalSeconds: number, maxAttempts: number): Retrier {
  return { ErrorEquals: ['ResourceNotReady'], IntervalSeconds: intervalSeconds, MaxAttempts: maxAttempts, BackoffRate: 1 };
}

function policy(purpose: string, ...waits: Retrier[]): RetryPolicy {
  return { purpose, retriers: [CLOUD_FAULTS, ...waits, NEVER_RETRIED, ANYTHING_ELSE] };
}

export const RETRY_POLICIES = {
  cloudFaultsOnly: policy('For a task whose dependencies are all done before it runs: only cloud faults and the unexpected are retried.'),
  waitForAnAzureWrite: policy(
    'For a task that follows an Azure write of seconds (a public IP, a subnet operation on the same VNet, an A record), longer when a failed write is rebuilt.',
    waitingFor(5, 24),
  ),
  waitForWhatItBuildsOn: policy(
    'For a task whose parent resource (a gateway, a subnet) may still be provisioning when it starts.',
    waitingFor(10, 12),
  ),
  waitForTheConnectionsOneAtATime: policy(
    'For joining the tunnels: Azure writes one connection at a time per VPN gateway, so each connection waits about a minute for the one before it, and as long again for each rebuild after a failed write; on a shared hub it also waits its turn behind the other environments starting at the same time.',
    waitingFor(5, 480),
  ),
  waitForTheGatewayAttachment: policy('For route propagation, which needs the virtual private gateway attached to the VPC.', waitingFor(15, 12)),
  waitForTheVpnConnection: policy('For a task that needs the VPN connection out of pending, which takes several minutes.', waitingFor(30, 20)),
  waitForAMinuteLongChange: policy(
    'For a task that waits for a change of about a minute (a zone link, a rule association, a function in a VPC), or its rebuild.',
    waitingFor(10, 18),
  ),
  waitForTheEndpointAndZoneLink: policy(
    'For the zone registration, which needs the private endpoint and the zone link; each rebuild after a failed write takes as long again.',
    waitingFor(10, 48),
  ),
  waitForTheResolverAndItsSubnet: policy(
    "For the resolver's inbound endpoint, which needs the resolver and its delegated subnet; each rebuild after a failed write takes as long again.",
    waitingFor(10, 54),
  ),
  waitForTheInboundEndpoint: policy(
    'For reading the inbound endpoint, which takes a few minutes, and as long again for each rebuild after a failed write.',
    waitingFor(15, 52),
  ),
  waitForAnOperationalOutboundEndpoint: policy('For the forwarding rule, which needs an OPERATIONAL outbound endpoint.', waitingFor(15, 16)),
  waitForTheAccountNetworkSettings: policy(
    "For the check of the OpenAI account's network settings, which take about a minute, and as long again when a failed update is sent again.",
    waitingFor(10, 30),
  ),
  // Teardown: a deletion is waited for by looking again until the resource is gone.
  waitForADeletionOfAMinute: policy('For a deletion of about a minute or less (a rule association, a zone link, a subnet), or one refused while what uses it is still going.', waitingFor(10, 24)),
  waitForADeletionOfMinutes: policy(
    'For a deletion of a few minutes (a VPN connection, a resolver endpoint, a private endpoint, an Azure connection), or one refused while what uses it is still going.',
    waitingFor(15, 40),
  ),
  waitForTheGatewayToGo: policy(
    "For the Azure VPN gateway's deletion, which takes about a quarter of an hour, after the rest of its build when a teardown starts while the gateway is still being built.",
    waitingFor(60, 60),
  ),
  waitForTheProbeInterfacesToBeReleased: policy(
    "For the probe's security group, which EC2 refuses to delete until Lambda has released the deleted probe's network interfaces (up to about twenty minutes).",
    waitingFor(60, 45),
  ),
  probeUntilThePathSettles: policy(
    'For the probe: an idle (Inactive) probe function is waited for while Lambda restores it, and a failed probe is tried again after a pause, as forwarders and tunnels can take a moment to settle.',
    waitingFor(15, 8),
    { ErrorEquals: ['ProbeFailed'], IntervalSeconds: 30, MaxAttempts: 2, BackoffRate: 1 },
  ),
} satisfies Record<string, RetryPolicy>;

export type RetryPolicyName = keyof typeof RETRY_POLICIES;

export function isRetryPolicyName(name: unknown): name is RetryPolicyName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(RETRY_POLICIES, name);
}
