/**
 * The emulated Azure Resource Manager, without the HTTP plumbing: one request in, one ARM answer out.
 *
 * Long-running behaviour follows ARM (cloud-apis.md 1.3): a write answers at once with the resource in
 * Creating/Updating (or Accepted for Cognitive Services) plus an `Azure-AsyncOperation` URL, and the
 * resource reaches its outcome when the simulated clock passes the operation's readyAt. Nothing is
 * scheduled: every read derives the state from the clock.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorContext } from '../cloud/context';
import { armKey, normaliseArmId, type ArmOperation, type ArmResource } from '../cloud/state';
import { ArmBadRequestError, ArmConflictError, ArmError, ArmNotFoundError } from './errors';
import { InvalidArmIdError, normaliseLocation, parseArmId, sameType, type ParsedArmId } from './ids';
import { seededDraw } from '../faults';
import { canonicalType, refuseConflictingPriorities, refuseWhileTheGatewayIsBusy, resourceFromWrite, ruleFor, securityRuleEntry, storeSharedKey, supportedApiVersions, type Body, type TypeRule, type WriteInput } from './resources';
import { nestedResourcesExist } from './resources/shared';
import { ArmStore } from './store';

export interface ArmRequest {
  method: string;
  /** The request path as received (may start with `//`, the SDK's `/{resourceId}` template). */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body, or undefined when there was none. */
  body: unknown;
}

export interface ArmResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  /** Drop the connection without answering (the drop-response fault, after the write was committed). */
  dropConnection?: boolean;
}

/** Unknown types: stored as sent, no rules, done at once. */
const GENERIC_RULE: TypeRule = {};

const OPERATION_PATH = /^\/subscriptions\/([^/]+)\/providers\/([^/]+)\/locations\/([^/]+)\/(operationStatuses|operationResults)\/([^/]+)$/i;

/** A top-level collection: `/subscriptions/{s}[/resourceGroups/{g}]/providers/{Namespace}/{type}`. */
const COLLECTION_PATH = /^\/subscriptions\/([^/]+)(?:\/resourceGroups\/([^/]+))?\/providers\/([^/]+)\/([^/]+)$/i;

/**
 * The top-level lists the specs define, by scope (List/ListAll at the subscription, List/ListByResourceGroup in a
 * group): a scope the spec has no operation for is refused, as ARM routes only what the provider registered.
 */
const COLLECTIONS: Record<string, { subscription: boolean; resourceGroup: boolean }> = {
  'microsoft.network/privatednszones': { subscription: true, resourceGroup: true }, // PrivateZones_List, PrivateZones_ListByResourceGroup
  'microsoft.network/dnsresolvers': { subscription: true, resourceGroup: true }, // DnsResolvers_List, DnsResolvers_ListByResourceGroup
  'microsoft.network/connections': { subscription: false, resourceGroup: true }, // VirtualNetworkGatewayConnections_List
  'microsoft.network/virtualnetworkgateways': { subscription: false, resourceGroup: true }, // VirtualNetworkGateways_List
  'microsoft.network/localnetworkgateways': { subscription: false, resourceGroup: true }, // LocalNetworkGateways_List
  'microsoft.network/virtualnetworks': { subscription: true, resourceGroup: true },
  'microsoft.network/networksecuritygroups': { subscription: true, resourceGroup: true },
  'microsoft.network/privateendpoints': { subscription: true, resourceGroup: true },
};

function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

export class ArmEmulator {
  readonly store: ArmStore;
  /** Operations whose resource is gone (deletes): the status URL still answers. */
  private readonly finished = new Map<string, 'Succeeded'>(); // keyed by lower-cased operation id
  /** Results of long-running POST actions (getBgpPeerStatus), keyed by lower-cased operation id. */
  private readonly actionResults = new Map<string, unknown>();

  constructor(
    private readonly ctx: EmulatorContext,
    /** `https://127.0.0.1:PORT`: async-operation URLs point back here. */
    private readonly baseUrl: string,
  ) {
    this.store = new ArmStore(ctx.state.azure, ctx.clock);
  }

  handle(req: ArmRequest): ArmResponse {
    try {
      return this.dispatch(req);
    } catch (err) {
      if (err instanceof ArmError) return { status: err.status, headers: { ...err.headers }, body: err.toBody() };
      throw err;
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // routing

  private dispatch(req: ArmRequest): ArmResponse {
    this.settleFinishedDeletions();
    const method = req.method.toUpperCase();
    const auth = req.headers.authorization;
    if (!auth) throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing.");
    if (!/^Bearer\s+\S+/i.test(auth)) {
      throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is provided in an invalid format.");
    }
    const path = normaliseArmId(req.path);
    const apiVersion = req.query.get('api-version');
    if (!apiVersion) {
      throw new ArmBadRequestError('MissingApiVersionParameter', 'The api-version query parameter (?api-version=) is required for all requests.');
    }
    if (!/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(apiVersion)) {
      throw new ArmBadRequestError('InvalidApiVersionParameter', `The api-version '${apiVersion}' is invalid. The supported versions are date strings such as '2025-05-01'.`);
    }

    const op = OPERATION_PATH.exec(path);
    if (op) {
      this.ctx.recorder.call('azure', `${method} ${op[2]}/locations/${op[4]}`);
      this.injectFaults(method, path);
      return this.operationStatus(op[5], op[4].toLowerCase() === 'operationresults', apiVersion);
    }

    const collection = COLLECTION_PATH.exec(path);
    if (collection) {
      if (method !== 'GET') throw new ArmError(405, 'MethodNotAllowed', `The requested method '${method}' is not allowed on '${path}'.`);
      return this.listCollection(collection[1], collection[2], `${collection[3]}/${collection[4]}`, apiVersion);
    }

    let target: ParsedArmId;
    try {
      target = parseArmId(path);
    } catch (err) {
      if (err instanceof InvalidArmIdError) throw new ArmNotFoundError('NotFound', `No route for path '${path}'.`);
      throw err;
    }
    const callName = target.action ? `${method} ${canonicalType(target.type)}/${target.action}` : `${method} ${canonicalType(target.type)}`;
    this.ctx.recorder.call('azure', callName);
    this.injectFaults(method, target.id);
    this.checkSubscription(target.subscriptionId);

    this.checkApiVersion(target, apiVersion, req.body);
    if (method !== 'GET' && method !== 'DELETE' && req.body !== undefined) {
      this.ctx.recorder.armRequest({ method, id: target.id, type: canonicalType(target.type), apiVersion, body: redactKeys(req.body) });
    }
    if (target.action) return this.action(method, target, req.body, apiVersion, req.query);
    switch (method) {
      case 'GET':
        return { status: 200, headers: {}, body: this.view(this.mustGet(target)) };
      case 'PUT':
      case 'PATCH':
        return this.write(method, target, requireBody(req.body), apiVersion);
      case 'DELETE':
        return this.remove(target, apiVersion);
      default:
        throw new ArmError(405, 'MethodNotAllowed', `The requested method '${method}' is not allowed on '${target.id}'.`);
    }
  }

  /**
   * ARM routes a request only for an api-version the type's provider registered: anything else is 400
   * NoRegisteredProviderFound, with the type's short name and the versions it does serve.
   */
  private checkApiVersion(target: ParsedArmId, apiVersion: string, body: unknown): void {
    // DnsResolvers_ListByVirtualNetwork is served by the DNS resolver provider, on a VNet's id.
    const versionType = target.action?.toLowerCase() === 'listdnsresolvers' ? 'Microsoft.Network/dnsResolvers' : target.type;
    const supported = supportedApiVersions(versionType);
    if (!supported || supported.includes(apiVersion)) return;
    const existing = this.store.get(target.actionTargetId ?? target.id);
    const sent = body && typeof body === 'object' ? normaliseLocation((body as { location?: unknown }).location) : undefined;
    const location = existing?.body.location ?? sent ?? (existing ? this.locationOf(existing) : undefined) ?? 'global';
    const shortType = versionType.split('/').slice(1).join('/');
    throw new ArmBadRequestError(
      'NoRegisteredProviderFound',
      `No registered resource provider found for location '${location}' and API version '${apiVersion}' for type '${shortType}'. ` +
        `The supported api-versions are '${supported.join(', ')}'. The supported locations are '${location}'.`,
    );
  }

  /** Throttling and 5xx faults, decided before the call does anything. */
  private injectFaults(method: string, id: string): void {
    const fault = this.ctx.faults.beforeCall(`${method} ${id}`);
    if (fault === 'throttle') {
      throw new ArmError(429, 'TooManyRequests', 'The request is being throttled as the limit has been reached for operation type. Please retry after 1 second.', {
        'Retry-After': '1',
      });
    }
    if (fault === 'error5xx') {
      throw new ArmError(500, 'InternalServerError', 'Encountered internal server error. Please try again.');
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // reads

  private checkSubscription(subscriptionId: string): void {
    if (!this.store.subscriptionExists(subscriptionId)) {
      throw new ArmNotFoundError('SubscriptionNotFound', `The subscription '${subscriptionId}' could not be found.`);
    }
  }

  /** A top-level list, one page (the emulator never pages): every resource of the type in the subscription or group. */
  private listCollection(subscriptionId: string, resourceGroup: string | undefined, type: string, apiVersion: string): ArmResponse {
    const canonical = canonicalType(type);
    this.ctx.recorder.call('azure', `GET ${canonical}`);
    this.injectFaults('GET', `/subscriptions/${subscriptionId}${resourceGroup ? `/resourceGroups/${resourceGroup}` : ''}/providers/${type}`);
    this.checkSubscription(subscriptionId);
    const scope = COLLECTIONS[type.toLowerCase()];
    if (!scope || !(resourceGroup ? scope.resourceGroup : scope.subscription)) {
      const [namespace, ...rest] = type.split('/');
      throw new ArmBadRequestError('InvalidResourceType', `The resource type '${rest.join('/')}' could not be found in the namespace '${namespace}' for api version '${apiVersion}'.`);
    }
    const prefix = resourceGroup ? `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}` : `/subscriptions/${subscriptionId}`;
    if (resourceGroup && !this.store.resourceGroupExists(prefix)) throw new ArmNotFoundError('ResourceGroupNotFound', `Resource group '${resourceGroup}' could not be found.`);
    const supported = supportedApiVersions(type);
    if (supported && !supported.includes(apiVersion)) {
      throw new ArmBadRequestError(
        'NoRegisteredProviderFound',
        `No registered resource provider found for location 'global' and API version '${apiVersion}' for type '${type.split('/').slice(1).join('/')}'. The supported api-versions are '${supported.join(', ')}'.`,
      );
    }
    const wanted = armKey(prefix) + '/';
    const value = this.store
      .ofType(canonical)
      .filter((r) => armKey(r.id).startsWith(wanted))
      .map((r) => this.view(r));
    return { status: 200, headers: {}, body: { value } };
  }

  private checkResourceGroup(target: ParsedArmId): void {
    if (target.resourceGroupId && !sameType(target.type, 'Microsoft.Resources/resourceGroups') && !this.store.resourceGroupExists(target.resourceGroupId)) {
      throw new ArmNotFoundError('ResourceGroupNotFound', `Resource group '${target.resourceGroup}' could not be found.`);
    }
  }

  private notFound(target: ParsedArmId): ArmNotFoundError {
    const typeAndNames = target.id.split(/\/providers\//i)[1] ?? target.id;
    return new ArmNotFoundError(
      'ResourceNotFound',
      `The Resource '${typeAndNames}' under resource group '${target.resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
  }

  private mustGet(target: ParsedArmId): ArmResource {
    this.checkResourceGroup(target);
    if (sameType(target.type, 'Microsoft.Resources/resourceGroups')) {
      const group = this.store.get(target.id);
      if (group) return group;
      if (!this.store.resourceGroupExists(target.id)) throw new ArmNotFoundError('ResourceGroupNotFound', `Resource group '${target.name}' could not be found.`);
      return { id: target.id, type: 'Microsoft.Resources/resourceGroups', name: target.name, apiVersion: '2021-04-01', body: { properties: {} } };
    }
    if (sameType(target.type, 'Microsoft.Network/networkSecurityGroups/securityRules')) return this.securityRule(target);
    const found = this.store.get(target.id);
    if (!found) {
      const parent = target.parentId ? this.store.get(target.parentId) : undefined;
      throw this.notFound(target.parentId && !parent ? parseArmId(target.parentId) : target);
    }
    return found;
  }

  /** The response body: ARM's envelope around the stored body, with state derived from the clock. */
  view(resource: ArmResource): Record<string, unknown> {
    const stored = clone(resource.body);
    const rule = ruleFor(resource.type) ?? GENERIC_RULE;
    let state = this.store.provisioningState(resource);
    if (rule.inProgressState && this.store.inProgress(resource) && resource.operation?.kind !== 'delete') state = rule.inProgressState;
    const body: Body = { ...stored, properties: { ...stored.properties, provisioningState: state } };
    rule.view?.(this.ctx, this.store, resource, body);
    const out: Record<string, unknown> = { id: resource.id, name: resource.name, type: resource.type };
    for (const key of ['etag', 'location', 'tags', 'sku', 'kind', 'zones'] as const) {
      if (body[key] !== undefined) out[key] = body[key];
    }
    for (const [key, value] of Object.entries(body)) {
      if (!(key in out) && key !== 'properties') out[key] = value;
    }
    out.properties = body.properties;
    return out;
  }

  // -------------------------------------------------------------------------------------------------------
  // writes

  private write(method: 'PUT' | 'PATCH', target: ParsedArmId, request: Record<string, any>, apiVersion: string): ArmResponse {
    if (sameType(target.type, 'Microsoft.Resources/resourceGroups')) return this.writeResourceGroup(target, request, apiVersion);
    this.checkResourceGroup(target);
    if (target.parentId) {
      const parent = this.store.get(target.parentId);
      if (!parent) throw this.notFound(parseArmId(target.parentId));
      if (this.store.inProgress(parent)) throw this.anotherOperation(parent);
    }
    if (sameType(target.type, 'Microsoft.Network/networkSecurityGroups/securityRules')) return this.writeSecurityRule(target, request, apiVersion);

    const existing = this.store.get(target.id);
    if (method === 'PATCH' && !existing) throw this.notFound(target);
    if (existing && this.store.inProgress(existing)) throw this.anotherOperation(existing);

    const rule = ruleFor(target.type) ?? GENERIC_RULE;
    const input: WriteInput = { ctx: this.ctx, store: this.store, target, existing, request, method };
    const body = rule.write ? rule.write(input) : genericBody(request, existing);

    const kind = existing ? 'update' : 'create';
    // A PUT over a Failed resource is a full rebuild, as long as the create it repairs.
    const rebuild = !!existing && this.store.provisioningState(existing) !== 'Succeeded';
    const latencyKey = rule.latency?.[kind] ?? (rebuild ? rule.latency?.create : undefined);
    const seconds = latencyKey ? this.ctx.latencies.of(latencyKey, target.id) : 0;
    const now = this.ctx.clock.now();
    // An accepted long-running write may still end Failed (the async-fail fault): only ARM's operation says so.
    const accepted = rule.outcome?.(this.ctx) ?? 'Succeeded';
    const asyncFailed = seconds > 0 && accepted === 'Succeeded' && this.ctx.faults.asyncFails(`${method} ${armKey(target.id)}`);
    const operation: ArmOperation = {
      kind,
      startedAt: now,
      readyAt: now + seconds,
      outcome: asyncFailed ? 'Failed' : accepted,
      operationId: this.store.newOperationId(),
      ...(kind === 'update' && !rebuild && seconds > 0 ? { inService: true } : {}),
    };
    const resource: ArmResource = { ...resourceFromWrite(this.store, rule, target, existing, body, apiVersion), operation };
    if (existing?.preExisting) resource.preExisting = true;
    this.store.put(resource);
    rule.afterWrite?.(input, resource);
    this.ctx.recorder.operation({ cloud: 'azure', resource: resource.id, operation: kind, startedAt: operation.startedAt, readyAt: operation.readyAt });

    const headers: Record<string, string> = {};
    if (seconds > 0) {
      headers['Azure-AsyncOperation'] = this.operationUrl(resource, 'operationStatuses', apiVersion);
      if (method === 'PATCH' || sameType(parseArmId(resource.id).type.split('/')[0], 'Microsoft.CognitiveServices')) {
        headers['Location'] = this.operationUrl(resource, 'operationResults', apiVersion);
      }
      if (rule.retryAfterSeconds) headers['Retry-After'] = String(rule.retryAfterSeconds);
    }
    const dropConnection = method === 'PUT' && this.ctx.faults.dropAfterCommit(`PUT ${resource.type}`);
    return { status: existing || method === 'PATCH' ? 200 : 201, headers, body: this.view(resource), dropConnection };
  }

  private writeResourceGroup(target: ParsedArmId, request: Record<string, any>, apiVersion: string): ArmResponse {
    const existing = this.store.get(target.id);
    const location = normaliseLocation(request.location);
    if (!location) throw new ArmBadRequestError('LocationRequired', 'The location property is required for this definition.');
    const resource: ArmResource = {
      id: existing?.id ?? target.id,
      type: 'Microsoft.Resources/resourceGroups',
      name: existing?.name ?? target.name,
      apiVersion,
      body: { location, ...(request.tags ? { tags: request.tags } : {}), properties: {} },
    };
    this.store.put(resource);
    this.ctx.recorder.operation({ cloud: 'azure', resource: resource.id, operation: existing ? 'update' : 'create', startedAt: this.ctx.clock.now(), readyAt: this.ctx.clock.now() });
    return { status: existing ? 200 : 201, headers: {}, body: this.view(resource) };
  }

  /** NSG rules live inside the NSG's `securityRules`; the child id reads and writes that entry. */
  private securityRule(target: ParsedArmId): ArmResource {
    const nsg = this.store.get(target.parentId!);
    if (!nsg) throw this.notFound(parseArmId(target.parentId!));
    const rule = (nsg.body.properties.securityRules ?? []).find((r: { name: string }) => r.name.toLowerCase() === target.name.toLowerCase());
    if (!rule) throw this.notFound(target);
    return {
      id: rule.id,
      type: 'Microsoft.Network/networkSecurityGroups/securityRules',
      name: rule.name,
      apiVersion: nsg.apiVersion,
      body: { etag: nsg.body.etag, properties: clone(rule.properties) },
      operation: nsg.operation,
    };
  }

  private writeSecurityRule(target: ParsedArmId, request: Record<string, any>, apiVersion: string): ArmResponse {
    const nsg = this.store.get(target.parentId!)!;
    const rules: Record<string, any>[] = nsg.body.properties.securityRules ?? [];
    const index = rules.findIndex((r) => r.name.toLowerCase() === target.name.toLowerCase());
    const entry = securityRuleEntry(nsg.id, { name: index >= 0 ? rules[index].name : target.name, properties: clone(request.properties ?? {}) });
    delete entry.properties.provisioningState;
    entry.properties.provisioningState = 'Succeeded';
    const updated = rules.slice();
    if (index >= 0) updated[index] = entry;
    else updated.push(entry);
    refuseConflictingPriorities(updated, entry.name);
    nsg.body.properties.securityRules = updated;
    nsg.body.etag = this.store.newEtag(nsg.id);
    const now = this.ctx.clock.now();
    this.ctx.recorder.operation({ cloud: 'azure', resource: entry.id, operation: index >= 0 ? 'update' : 'create', startedAt: now, readyAt: now });
    const dropConnection = this.ctx.faults.dropAfterCommit('PUT Microsoft.Network/networkSecurityGroups/securityRules');
    void apiVersion;
    return { status: index >= 0 ? 200 : 201, headers: {}, body: this.view(this.securityRule(target)), dropConnection };
  }

  /** A rule goes at once (no delete latency for rules); the NSG must not be busy; an absent rule is 204, as ARM deletes are idempotent. */
  private removeSecurityRule(target: ParsedArmId): ArmResponse {
    const nsg = this.store.get(target.parentId!);
    if (!nsg) return { status: 204, headers: {} };
    if (this.store.inProgress(nsg)) throw this.anotherOperation(nsg);
    const rules: { name: string }[] = nsg.body.properties.securityRules ?? [];
    const kept = rules.filter((r) => r.name.toLowerCase() !== target.name.toLowerCase());
    if (kept.length === rules.length) return { status: 204, headers: {} };
    nsg.body.properties.securityRules = kept;
    nsg.body.etag = this.store.newEtag(nsg.id);
    const now = this.ctx.clock.now();
    this.ctx.recorder.operation({ cloud: 'azure', resource: target.id, operation: 'delete', startedAt: now, readyAt: now });
    return { status: 200, headers: {} };
  }

  private anotherOperation(resource: ArmResource): ArmConflictError {
    const url = resource.operation ? this.operationUrl(resource, 'operationStatuses', resource.apiVersion) : '';
    return new ArmConflictError(
      'AnotherOperationInProgress',
      `Another operation on this or dependent resource is in progress. To retrieve status of the operation use uri: ${url}.`,
    );
  }

  // -------------------------------------------------------------------------------------------------------
  // deletes

  /**
   * An ARM DELETE is long-running, as the real types are: the resource (and what goes with it: its children, a
   * private endpoint's NIC) reads Deleting until the type's delete latency has passed on the simulated clock,
   * then it is gone (404) and its operation reads Succeeded. Refusals come first, with the codes the RPs use.
   */
  private remove(target: ParsedArmId, apiVersion: string): ArmResponse {
    this.checkResourceGroup(target);
    if (sameType(target.type, 'Microsoft.Network/networkSecurityGroups/securityRules')) return this.removeSecurityRule(target);
    const resource = this.store.get(target.id);
    if (!resource) return { status: 204, headers: {} }; // ARM deletes are idempotent
    const rule = ruleFor(resource.type) ?? GENERIC_RULE;
    if (this.store.inProgress(resource)) {
      // A repeated DELETE joins the delete already running (gateways and connections refuse it); any other
      // operation in flight refuses it.
      if (resource.operation!.kind !== 'delete' || rule.conflictOnRepeatedDelete) throw this.anotherOperation(resource);
      return this.deleteAccepted(resource, apiVersion, rule);
    }
    if (target.parentId && this.store.inProgress(this.store.get(target.parentId))) throw this.anotherOperation(this.store.get(target.parentId)!);
    rule.beforeDelete?.(this.store, resource);

    const blocking = (rule.deleteBlockedByChildren ?? []).flatMap((type) => this.store.children(resource.id, type));
    if (blocking.length) throw nestedResourcesExist(resource, blocking);

    const removed = [resource, ...this.store.descendants(resource.id)];
    // The endpoint's NIC goes with the endpoint.
    const removedKeys = new Set(removed.map((r) => armKey(r.id)));
    for (const nic of this.store.ofType('Microsoft.Network/networkInterfaces')) {
      const owner = nic.body.properties.privateEndpoint?.id;
      if (owner && removedKeys.has(armKey(owner))) {
        removed.push(nic);
        removedKeys.add(armKey(nic.id));
      }
    }
    this.refuseIfInUse(resource, rule, removedKeys);

    const latencyKey = rule.latency?.delete;
    const seconds = latencyKey ? this.ctx.latencies.of(latencyKey, target.id) : 0;
    const now = this.ctx.clock.now();
    this.ctx.recorder.operation({ cloud: 'azure', resource: resource.id, operation: 'delete', startedAt: now, readyAt: now + seconds });
    const dropConnection = this.ctx.faults.dropAfterCommit(`DELETE ${resource.type}`);
    if (seconds === 0) {
      // Types without a long-running delete (record sets, NICs, unknown types) are gone when ARM answers.
      this.completeDeletion(removed);
      return { status: 200, headers: {}, dropConnection };
    }
    // An accepted delete may still fail (async-fail): the resource then stays, Failed, with everything under it.
    const failed = this.ctx.faults.asyncFails(`DELETE ${armKey(target.id)}`);
    const operation: ArmOperation = { kind: 'delete', startedAt: now, readyAt: now + seconds, outcome: failed ? 'Failed' : 'Succeeded', operationId: this.store.newOperationId() };
    resource.operation = operation;
    if (!failed) {
      for (const other of removed.slice(1)) other.operation = { ...operation, operationId: this.store.newOperationId() };
    }
    return { ...this.deleteAccepted(resource, apiVersion, rule), dropConnection };
  }

  /** 202 with the running delete's operation URLs, as the Microsoft.Network RP answers a DELETE. */
  private deleteAccepted(resource: ArmResource, apiVersion: string, rule: TypeRule): ArmResponse {
    const headers: Record<string, string> = {
      'Azure-AsyncOperation': this.operationUrl(resource, 'operationStatuses', apiVersion),
      Location: this.operationUrl(resource, 'operationResults', apiVersion),
    };
    if (rule.retryAfterSeconds) headers['Retry-After'] = String(rule.retryAfterSeconds);
    return { status: 202, headers };
  }

  /** Runs each removed resource's side effects (children first) and forgets them. */
  private completeDeletion(removed: ArmResource[]): void {
    const childrenFirst = removed.slice().sort((a, b) => b.id.length - a.id.length);
    for (const r of childrenFirst) (ruleFor(r.type) ?? GENERIC_RULE).onDelete?.(this.store, r);
    for (const r of childrenFirst) {
      if (r.operation) this.finished.set(r.operation.operationId.toLowerCase(), 'Succeeded');
      this.store.remove(r.id);
    }
  }

  /**
   * Deletes whose time has come are gone: nothing is scheduled, so every request first forgets the resources
   * whose delete operation succeeded before now. Public so a runner can settle the state before it reports it.
   */
  settleFinishedDeletions(): void {
    const now = this.ctx.clock.now();
    const done = this.store.all().filter((r) => r.operation?.kind === 'delete' && r.operation.outcome === 'Succeeded' && now >= r.operation.readyAt);
    if (done.length) this.completeDeletion(done);
  }

  /** ARM refuses to delete what another resource still references (InUseSubnetCannotBeDeleted, ...). */
  private refuseIfInUse(resource: ArmResource, rule: TypeRule, removedKeys: Set<string>): void {
    const needles = [...removedKeys].map((k) => `"${k}`);
    for (const other of this.store.all()) {
      if (removedKeys.has(armKey(other.id))) continue;
      // Back-references the server itself maintains do not pin the referenced resource.
      if (sameType(other.type, 'Microsoft.Network/publicIPAddresses')) continue;
      const text = JSON.stringify(other.body.properties).toLowerCase();
      const hit = needles.find((n) => text.includes(`${n}"`) || text.includes(`${n}/`));
      if (hit) {
        if (rule.inUseError) throw rule.inUseError(resource, other);
        const short = resource.type.split('/').pop()!;
        const noun = short.charAt(0).toUpperCase() + short.slice(1).replace(/sses$/, 'ss').replace(/([^s])s$/, '$1');
        throw new ArmBadRequestError(`InUse${noun}CannotBeDeleted`, `${noun} ${resource.id} is in use by ${other.id} and cannot be deleted.`);
      }
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // actions and sub-paths: listKeys, sharedkey, child collections

  private action(method: string, target: ParsedArmId, body: unknown, apiVersion: string, query?: URLSearchParams): ArmResponse {
    const parentTarget = parseArmId(target.actionTargetId!);
    const owner = this.mustGet(parentTarget);
    const action = target.action!.toLowerCase();

    if (action === 'getbgppeerstatus' && method === 'POST' && sameType(owner.type, 'Microsoft.Network/virtualNetworkGateways')) {
      // VirtualNetworkGateways_GetBgpPeerStatus: long-running (202 + Location); the result waits at the Location.
      const peer = query?.get('peer') ?? undefined;
      const value = (this.ctx.network.azureBgpPeerStatus?.(owner.id) ?? []).filter((p) => peer === undefined || p.neighbor === peer);
      const operationId = this.store.guid(`getBgpPeerStatus:${owner.id}:${this.store.next('getBgpPeerStatus')}`);
      this.actionResults.set(operationId.toLowerCase(), { value });
      return { status: 202, headers: { Location: this.operationUrlFor(owner, operationId, 'operationResults', apiVersion), 'Retry-After': '10' }, body: undefined };
    }

    if (action === 'listkeys' && method === 'POST' && sameType(owner.type, 'Microsoft.CognitiveServices/accounts')) {
      const keys = this.store.accountKeys(owner.id);
      if (!keys) throw this.notFound(parentTarget);
      return { status: 200, headers: {}, body: { key1: keys.key1, key2: keys.key2 } };
    }

    if (action === 'sharedkey' && sameType(owner.type, 'Microsoft.Network/connections')) {
      if (method === 'GET') return { status: 200, headers: {}, body: { id: '', value: owner.body.properties.sharedKey } };
      if (method === 'PUT') {
        if (this.store.inProgress(owner)) throw this.anotherOperation(owner);
        const value = (requireBody(body) as { value?: unknown }).value;
        if (typeof value !== 'string' || !value) throw new ArmBadRequestError('InvalidRequestFormat', 'Cannot parse the request: value is required.');
        const stored = storeSharedKey(this.ctx, value);
        // A new key is a connection operation on the gateway; the key it already has is not.
        const gatewayId = owner.body.properties.virtualNetworkGateway1?.id;
        refuseWhileTheGatewayIsBusy(this.store, gatewayId, owner.id, stored !== owner.body.properties.sharedKey);
        owner.body.properties.sharedKey = stored;
        owner.body.etag = this.store.newEtag(owner.id);
        const now = this.ctx.clock.now();
        this.ctx.recorder.operation({ cloud: 'azure', resource: owner.id, operation: 'update', startedAt: now, readyAt: now });
        return { status: 200, headers: {}, body: { id: '', value } };
      }
    }

    if (action === 'listdnsresolvers' && method === 'POST' && sameType(owner.type, 'Microsoft.Network/virtualNetworks')) {
      // DnsResolvers_ListByVirtualNetwork: a SubResourceListResult, ids only.
      const value = this.store
        .ofType('Microsoft.Network/dnsResolvers')
        .filter((r) => armKey(String(r.body.properties.virtualNetwork?.id ?? '')) === armKey(owner.id))
        .map((r) => ({ id: r.id }));
      return { status: 200, headers: {}, body: { value } };
    }

    if (action === 'connections' && method === 'GET' && sameType(owner.type, 'Microsoft.Network/virtualNetworkGateways')) {
      // VirtualNetworkGateways_ListConnections: every connection that names the gateway, wherever it lives.
      const value = this.store
        .ofType('Microsoft.Network/connections')
        .filter((c) => armKey(String(c.body.properties.virtualNetworkGateway1?.id ?? '')) === armKey(owner.id))
        .map((c) => {
          const entity = this.view(c) as { properties: Record<string, any> };
          for (const ref of ['virtualNetworkGateway1', 'localNetworkGateway2']) {
            if (entity.properties[ref]) entity.properties[ref] = { id: entity.properties[ref].id };
          }
          return entity;
        });
      return { status: 200, headers: {}, body: { value } };
    }

    if (action === 'privateendpointconnections' && method === 'GET' && sameType(owner.type, 'Microsoft.CognitiveServices/accounts')) {
      // PrivateEndpointConnections_List: the same derived connections the account's GET carries.
      const account = this.view(owner) as { properties: { privateEndpointConnections?: unknown[] } };
      return { status: 200, headers: {}, body: { value: account.properties.privateEndpointConnections ?? [] } };
    }

    if (action === 'all' && method === 'GET' && sameType(owner.type, 'Microsoft.Network/privateDnsZones')) {
      // RecordSets_List (`{zone}/ALL`): the zone's SOA record set, then its A record sets.
      const soa = {
        id: `${owner.id}/SOA/@`,
        name: '@',
        type: 'Microsoft.Network/privateDnsZones/SOA',
        properties: {
          fqdn: `${owner.name}.`,
          ttl: 3600,
          soaRecord: { email: 'azureprivatedns-host.microsoft.com', expireTime: 2419200, host: 'azureprivatedns.net', minimumTtl: 10, refreshTime: 3600, retryTime: 300, serialNumber: 1 },
          isAutoRegistered: false,
        },
      };
      return { status: 200, headers: {}, body: { value: [soa, ...this.store.children(owner.id, 'Microsoft.Network/privateDnsZones/A').map((r) => this.view(r))] } };
    }

    if (method === 'GET') {
      // A child collection: GET …/virtualNetworks/{vnet}/subnets, …/accounts/{a}/deployments.
      const childType = `${owner.type}/${target.action}`;
      const children = sameType(childType, 'Microsoft.Network/networkSecurityGroups/securityRules')
        ? (owner.body.properties.securityRules ?? []).map((r: { name: string }) => this.securityRule(parseArmId(`${owner.id}/securityRules/${r.name}`)))
        : this.store.children(owner.id, childType);
      return { status: 200, headers: {}, body: { value: children.map((c: ArmResource) => this.view(c)) } };
    }
    void apiVersion;
    throw new ArmBadRequestError('InvalidResourceType', `The resource type '${target.action}' could not be found for '${owner.type}'.`);
  }

  // -------------------------------------------------------------------------------------------------------
  // async operations

  private operationUrl(resource: ArmResource, kind: 'operationStatuses' | 'operationResults', apiVersion: string): string {
    return this.operationUrlFor(resource, resource.operation!.operationId, kind, apiVersion);
  }

  private operationUrlFor(resource: ArmResource, operationId: string, kind: string, apiVersion: string): string {
    const parsed = parseArmId(resource.id);
    const namespace = parsed.type.split('/')[0];
    const location = resource.body.location ?? this.locationOf(resource) ?? 'global';
    return `${this.baseUrl}/subscriptions/${parsed.subscriptionId}/providers/${namespace}/locations/${location}/${kind}/${operationId}?api-version=${apiVersion}`;
  }

  /** Resources without a location (subnets, zone groups) report the enclosing resource's. */
  private locationOf(resource: ArmResource): string | undefined {
    let id: string | undefined = parseArmId(resource.id).parentId;
    while (id) {
      const parent = this.store.get(id);
      if (parent?.body.location) return parent.body.location;
      id = parseArmId(id).parentId;
    }
    return undefined;
  }

  private operationStatus(operationId: string, asLocation: boolean, apiVersion: string): ArmResponse {
    const actionResult = this.actionResults.get(operationId.toLowerCase());
    if (actionResult !== undefined) return asLocation ? { status: 200, headers: {}, body: actionResult } : { status: 200, headers: {}, body: { name: operationId, status: 'Succeeded' } };
    const resource = this.store.all().find((r) => r.operation?.operationId.toLowerCase() === operationId.toLowerCase());
    if (!resource) {
      if (this.finished.has(operationId.toLowerCase())) {
        return asLocation ? { status: 204, headers: {} } : { status: 200, headers: {}, body: { name: operationId, status: 'Succeeded' } };
      }
      throw new ArmNotFoundError('OperationNotFound', `The operation '${operationId}' could not be found.`);
    }
    const op = resource.operation!;
    const running = this.store.inProgress(resource);
    if (asLocation) {
      if (running) return { status: 202, headers: { Location: this.operationUrl(resource, 'operationResults', apiVersion) } };
      if (op.outcome === 'Failed') return { status: 200, headers: {}, body: { name: operationId, status: 'Failed', error: failure(resource, this.ctx) } };
      return { status: 200, headers: {}, body: this.view(resource) };
    }
    const status = running ? 'InProgress' : op.outcome;
    return { status: 200, headers: {}, body: { name: operationId, status, ...(status === 'Failed' ? { error: failure(resource, this.ctx) } : {}) } };
  }
}

/**
 * The error a Failed operation reports. Transient failures (async-fail) carry one of the two codes ARM uses for
 * them, chosen from the operation id so every read of the same operation answers the same.
 */
function failure(resource: ArmResource, ctx: EmulatorContext): { code: string; message: string } {
  if (ctx.faults.spec.gatewayFailed && sameType(resource.type, 'Microsoft.Network/virtualNetworkGateways')) {
    return { code: 'ProvisioningFailed', message: `The operation on ${resource.id} failed: the resource's provisioning ended in state Failed.` };
  }
  if (seededDraw(0, resource.operation?.operationId ?? resource.id) < 0.5) {
    return {
      code: 'AnotherOperationInProgress',
      message: `Operation on ${resource.id} failed because another operation on this or a dependent resource was in progress. Retry the request.`,
    };
  }
  return { code: 'InternalServerError', message: `An internal server error occurred while processing the operation on ${resource.id}. Please try again.` };
}

/** A copy with tunnel keys replaced: the recorder never holds a secret. */
function redactKeys(body: unknown): unknown {
  return JSON.parse(JSON.stringify(body), (key, value) => (key === 'sharedKey' || key === 'value') && typeof value === 'string' ? '[redacted]' : value);
}

function requireBody(body: unknown): Record<string, any> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new ArmBadRequestError('InvalidRequestContent', 'The request content was invalid and could not be deserialized: a JSON object is required.');
  }
  return body as Record<string, any>;
}

/** Unknown types: stored as sent, done at once. */
function genericBody(request: Record<string, any>, existing?: ArmResource): Body {
  const body: Body = { properties: clone(request.properties ?? {}) };
  const location = normaliseLocation(request.location) ?? existing?.body.location;
  if (location) body.location = location;
  for (const key of ['tags', 'sku', 'kind', 'zones'] as const) if (request[key] !== undefined) (body as any)[key] = clone(request[key]);
  return body;
}
