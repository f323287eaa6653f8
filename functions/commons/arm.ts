/**
 * Azure Resource Manager, the way a Step Functions task needs it: start a PUT and return at once (the state
 * machine does the waiting), read a resource's state, and stay idempotent: a PUT is only sent from a terminal
 * state, so a retry or a redrive never collides with an operation in flight.
 */
import type { ResourceManagementClient } from '@azure/arm-resources';
import { createHttpHeaders, createPipelineRequest } from '@azure/core-rest-pipeline';
import { armEndpoint } from './clients/azure';
import { ResourceFailed, ResourceNotReady } from './errors';
import { cloudErrorCode, isNotFound } from './cloud-errors';
import { invocationLog } from './logger';

/** api-versions: stable ones the SDK and the docs agree on (see the README on why not the newest). */
export const API_VERSIONS = {
  network: '2024-05-01',
  privateDns: '2024-06-01',
  dnsResolver: '2022-07-01',
  cognitiveServices: '2024-10-01',
} as const;

export interface ArmBody {
  location?: string;
  tags?: Record<string, string>;
  sku?: Record<string, unknown>;
  kind?: string;
  zones?: string[];
  properties?: Record<string, any>;
}

export interface ArmResourceView extends ArmBody {
  id: string;
  name?: string;
  type?: string;
  properties: Record<string, any>;
}

const TERMINAL = new Set(['Succeeded', 'Failed', 'Canceled']);

export function provisioningStateOf(resource: ArmResourceView | undefined): string {
  return resource?.properties?.provisioningState ?? 'Succeeded';
}

export async function getArmResource(arm: ResourceManagementClient, id: string, apiVersion: string): Promise<ArmResourceView | undefined> {
  try {
    return (await arm.resources.getById(id, apiVersion)) as ArmResourceView;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/**
 * A raw JSON request through the client's own pipeline (auth, retries, TLS), for what the generic resource
 * model cannot carry: the public IP's top-level `zones`, a connection's `sharedkey`, an account's deployments list.
 * Answers the parsed body; an error status throws with ARM's error code.
 */
export async function armRequest(
  arm: ResourceManagementClient,
  method: 'GET' | 'PUT' | 'POST',
  path: string,
  apiVersion: string,
  body?: unknown,
): Promise<any> {
  const response = await arm.sendRequest(
    createPipelineRequest({
      url: `${armEndpoint()}${path}?api-version=${apiVersion}`,
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: createHttpHeaders({ 'content-type': 'application/json' }),
    }),
  );
  let parsed: any = {};
  try {
    parsed = JSON.parse(response.bodyAsText || '{}');
  } catch {
    parsed = { text: response.bodyAsText };
  }
  if (response.status >= 400) {
    // Only ARM's code and message: the request (which may hold a key) stays behind.
    throw Object.assign(new Error(parsed.error?.message ?? `HTTP ${response.status}`), {
      code: parsed.error?.code ?? 'ArmError',
      statusCode: response.status,
    });
  }
  return parsed;
}

/** How long an action's answer is waited for inside one task, at most: past that a later look asks again. */
const ACTION_POLLS = 10;
const ACTION_LONGEST_PAUSE_MS = 2000;

/**
 * A long-running ARM action (a POST such as a gateway's getBgpPeerStatus): 200 is the answer; 202 points at
 * where the answer will be (Location), which is followed on the ARM endpoint only, honouring Retry-After up to
 * a short pause. Undefined when Azure is still working after a few looks.
 */
export async function armAction(arm: ResourceManagementClient, path: string, apiVersion: string): Promise<unknown | undefined> {
  const send = (url: string, method: 'GET' | 'POST') =>
    arm.sendRequest(createPipelineRequest({ url, method, body: method === 'POST' ? '{}' : undefined, headers: createHttpHeaders({ 'content-type': 'application/json' }) }));
  let response = await send(`${armEndpoint()}${path}?api-version=${apiVersion}`, 'POST');
  for (let poll = 0; response.status === 202 && poll < ACTION_POLLS; poll++) {
    const location = response.headers.get('location');
    if (!location) return undefined;
    if (new URL(location).origin !== new URL(armEndpoint()).origin) throw new Error(`ARM pointed an action's answer outside ${new URL(armEndpoint()).origin}`);
    const seconds = Number(response.headers.get('retry-after') ?? '1');
    await new Promise((resolve) => setTimeout(resolve, Math.min(Number.isFinite(seconds) ? seconds * 1000 : 1000, ACTION_LONGEST_PAUSE_MS)));
    response = await send(location, 'GET');
  }
  if (response.status === 202) return undefined;
  const parsed = JSON.parse(response.bodyAsText || '{}');
  if (response.status >= 400) {
    throw Object.assign(new Error(parsed.error?.message ?? `HTTP ${response.status}`), { code: parsed.error?.code ?? 'ArmError', statusCode: response.status });
  }
  return parsed;
}

export interface EnsureOptions {
  /** Send the body as raw JSON (fields the generic model does not know, such as `zones`). */
  raw?: boolean;
  /** A Succeeded resource is re-PUT only when this says its configuration differs from the body. */
  needsUpdate?: (current: ArmResourceView) => boolean;
  /** What holds the resource's writes now (an operation ARM would refuse the PUT beside): a needed PUT is not sent. */
  waitFor?: string;
}

export interface EnsureResult {
  provisioningState: string;
  /** True when this call sent a PUT. */
  wrote: boolean;
  /** The PUT this resource needs waits for this (EnsureOptions.waitFor). */
  waitingFor?: string;
}

/**
 * Makes the resource exist with this body. Absent, Failed or Canceled, or Succeeded but different: PUT
 * (without waiting). In progress: leave it alone. Returns the state it is in now.
 */
export async function ensureArmResource(
  arm: ResourceManagementClient,
  id: string,
  apiVersion: string,
  body: ArmBody,
  options: EnsureOptions = {},
): Promise<EnsureResult> {
  const current = await getArmResource(arm, id, apiVersion);
  const log = invocationLog();
  if (current) {
    const state = provisioningStateOf(current);
    if (!TERMINAL.has(state) || (state === 'Succeeded' && !(options.needsUpdate?.(current) ?? false))) {
      log.info('found', { resource: id, provisioningState: state });
      return { provisioningState: state, wrote: false };
    }
    if (options.waitFor) {
      log.info('waiting', { resource: id, provisioningState: state, for: options.waitFor });
      return { provisioningState: state, wrote: false, waitingFor: options.waitFor };
    }
    // Failed or Canceled: the same body again; Succeeded but not as desired: the desired body.
    log.info(state === 'Succeeded' ? 'updated' : 'repaired', { resource: id, provisioningState: state });
  } else if (options.waitFor) {
    log.info('waiting', { resource: id, for: options.waitFor });
    return { provisioningState: 'NotFound', wrote: false, waitingFor: options.waitFor };
  } else {
    log.info('created', { resource: id });
  }
  return putArmResource(arm, id, apiVersion, body, options);
}

/** Sends the PUT (without waiting for the operation) and answers the state ARM reports right after. */
async function putArmResource(arm: ResourceManagementClient, id: string, apiVersion: string, body: ArmBody, options: EnsureOptions): Promise<EnsureResult> {
  try {
    if (options.raw) {
      await armRequest(arm, 'PUT', id, apiVersion, body);
    } else {
      await arm.resources.beginCreateOrUpdateById(id, apiVersion, body as any);
    }
  } catch (error) {
    // A PUT whose answer was lost, retried by the SDK, meets its own operation in flight: that is success.
    // By ARM's code only: another 409 (a Conflict) refused this body, and the resource still has its old one.
    // So does an AnotherOperationInProgress while the resource itself rests: what it belongs to was busy (a
    // sibling connection on the gateway), and the refusal stands for the caller to wait on.
    if (cloudErrorCode(error) === 'AnotherOperationInProgress') {
      const after = await getArmResource(arm, id, apiVersion);
      if (after && !TERMINAL.has(provisioningStateOf(after))) return { provisioningState: provisioningStateOf(after), wrote: true };
    }
    throw error;
  }
  const after = await getArmResource(arm, id, apiVersion);
  return { provisioningState: provisioningStateOf(after), wrote: true };
}

/** What a check re-sends when a resource it depends on was left Failed: the body its create step sends. */
export interface DesiredResource {
  body: ArmBody;
  options?: EnsureOptions;
}

/**
 * Counts, on the resource itself, the repairs sent since its create step last wrote it. The create step's PUT
 * carries no such tag, so each run (or redrive) starts the count again while retries within a run add to it.
 */
export const REPAIR_TAG = 'aoai-link-repairs';

/** Re-PUTs of a Failed resource within one run before the run ends on it. */
export const MAX_REPAIRS = 3;

/**
 * A resource ARM left Failed or Canceled (a write can fail after it was accepted): PUT the desired body again
 * and say it is not ready, so the state's Retry comes back to it. Taggable resources count the repairs in
 * REPAIR_TAG and, past the bound, end the run with ResourceFailed naming the resource and its state;
 * untaggable ones (subnets, zone groups) are bounded by the state's Retry alone.
 */
export async function repairFailedResource(
  arm: ResourceManagementClient,
  current: ArmResourceView,
  apiVersion: string,
  what: string,
  desired: DesiredResource,
  maxRepairs = MAX_REPAIRS,
): Promise<{ repair: number }> {
  const state = provisioningStateOf(current);
  const counted = desired.body.tags !== undefined;
  const repairs = Number(current.tags?.[REPAIR_TAG] ?? 0) || 0;
  if (counted && repairs >= maxRepairs) {
    throw new ResourceFailed(
      `${what} ${current.id} ended in provisioningState ${state} again after ${repairs} repair${repairs === 1 ? '' : 's'} in this run ` +
        `(ARM reports provisioningState ${state}); see its activity log. Re-running the request sends its PUT again.`,
    );
  }
  const body = counted ? { ...desired.body, tags: { ...desired.body.tags, [REPAIR_TAG]: String(repairs + 1) } } : desired.body;
  invocationLog().info('repaired', { resource: current.id, provisioningState: state, repair: repairs + 1 });
  await putArmResource(arm, current.id, apiVersion, body, desired.options ?? {});
  return { repair: repairs + 1 };
}

/**
 * Reads the resource and demands it be Succeeded: not yet → ResourceNotReady (the state retries). Failed or
 * Canceled → repaired from `desired` (bounded, then ResourceFailed), or ResourceFailed when there is none.
 */
export async function requireSucceeded(
  arm: ResourceManagementClient,
  id: string,
  apiVersion: string,
  what: string,
  desired?: DesiredResource,
): Promise<ArmResourceView> {
  const resource = await getArmResource(arm, id, apiVersion);
  const name = id.split('/').pop();
  if (!resource) throw new ResourceNotReady(`${what} ${name} does not exist yet`);
  const state = provisioningStateOf(resource);
  if (state === 'Succeeded') return resource;
  if (state === 'Failed' || state === 'Canceled') {
    // The full id, so the engineer finds it in the portal.
    if (!desired) throw new ResourceFailed(`${what} ${id} ended in provisioningState ${state}`);
    const { repair } = await repairFailedResource(arm, { ...resource, id: resource.id ?? id }, apiVersion, what, desired);
    throw new ResourceNotReady(`${what} ${id} ended in provisioningState ${state}; its PUT was sent again (repair ${repair})`);
  }
  throw new ResourceNotReady(`${what} ${name} is still ${state}`);
}
