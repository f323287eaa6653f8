/**
 * The request's schema: the one static validator every entry point uses (webhook, command line,
 * StartExecution), with its plain-words messages, and the one collector through which every refusal text passes.
 *
 * Hand-rolled rather than a schema library: the product wants every problem at once, each with its field path
 * and a plain-words message ("did you mean …?", "the network address is …"), and no runtime dependencies.
 */
import { callbackHostProblem, type CallbackAllowance } from '../callback-url';
import { bgpOptionProblems, type BgpOptions } from '../bgp';
import { cidrOverlaps, formatCidr, parseCidr } from '../cidr';
import {
  DEFAULT_GATEWAY_SKU,
  DEFAULT_OPTIONS,
  DOCUMENT_PATH,
  ENVIRONMENT_ID_PATTERN,
  GATEWAY_SKUS,
  MAX_REQUEST_BYTES,
  OPENAI_PRIVATE_LINK_ZONE_NAME,
  PUBLIC_NETWORK_ACCESS_OPTIONS,
  REQUEST_VERSION,
  ROUTING_OPTIONS,
  SUBNET_PREFIX_FIELDS,
  TUNNELS_OPTIONS,
  TEARDOWN_PUBLIC_NETWORK_ACCESS_OPTIONS,
  type EnvironmentRequest,
  type RequestProblem,
  type RequestValidation,
  type RoutingOption,
  type SubnetPrefixField,
} from './contract';

// ---------------------------------------------------------------------------------------------------------
// Field syntax. Each check returns a plain-words message, or undefined when the value is fine.
// ---------------------------------------------------------------------------------------------------------

type Check = (value: string) => string | undefined;

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
// Partition prefix (aws, gov, iso*) + geography + direction + number: ap-northeast-1, us-gov-west-1,
// cn-north-1, us-isob-east-1. Listing the directions catches typos such as "ap-northest-1".
const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-(north|south|east|west|central|northeast|northwest|southeast|southwest)-[1-9][0-9]?$/;

const checkEnvironmentId: Check = (value) => {
  if (!ENVIRONMENT_ID_PATTERN.test(value)) {
    return 'must be 3 to 31 characters: a lowercase letter first, then lowercase letters, digits or hyphens';
  }
  if (value.endsWith('-')) return 'must not end with a hyphen';
  return undefined;
};

const checkTicketId: Check = (value) =>
  value.length >= 1 && value.length <= 128 && !/[\u0000-\u001f\u007f]/.test(value)
    ? undefined
    : 'must be 1 to 128 characters without control characters';

/** `allowance`: the networks the operator allows a callback to reach although not public (CALLBACK_ALLOWED_NETWORKS, callback-url.ts). */
function callbackUrlCheck(allowance?: CallbackAllowance): Check {
  return (value) => {
    if (value.length > 2048) return 'must be at most 2048 characters';
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return `must be an absolute https URL; "${value}" is not a URL`;
    }
    if (url.protocol !== 'https:') return `must be an https URL; got ${url.protocol.replace(':', '')}`;
    // Credentials in the URL would end up in logs and execution history.
    if (url.username || url.password) return 'must not contain a user name or password';
    return callbackHostProblem(url, allowance);
  };
}

const checkRegion: Check = (value) =>
  AWS_REGION.test(value) ? undefined : `must be an AWS region name such as ap-northeast-1 or us-gov-west-1; got "${value}"`;

/** AWS resource ids: a type prefix and 8 (older) or 17 lowercase hex digits. */
function awsIdCheck(prefix: string): Check {
  const pattern = new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`);
  return (value) =>
    pattern.test(value) ? undefined : `must be an id like ${prefix}-0a1b2c3d4e5f60001 ("${prefix}-" and 8 or 17 hex digits); got "${value}"`;
}

const checkGuid: Check = (value) =>
  GUID.test(value) ? undefined : `must be a GUID like 11111111-2222-3333-4444-555555555555; got "${value}"`;

const checkResourceGroup: Check = (value) => {
  if (value.length < 1 || value.length > 90) return 'must be 1 to 90 characters';
  if (!/^[\p{L}\p{N}_\-.()]+$/u.test(value)) return 'may contain only letters, digits, underscores, hyphens, periods and parentheses';
  if (value.endsWith('.')) return 'must not end with a period';
  return undefined;
};

const checkVirtualNetworkName: Check = (value) => {
  if (value.length < 2 || value.length > 64) return 'must be 2 to 64 characters';
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9_]$/.test(value)) {
    return 'must start with a letter or digit, end with a letter, digit or underscore, and contain only letters, digits, underscores, periods and hyphens';
  }
  return undefined;
};

// A deployment name is a path segment of the data-plane URL: "." and ".." would be collapsed by URL
// normalisation into another path, so the name must start and end with a letter or digit.
const checkDeployment: Check = (value) =>
  /^[A-Za-z0-9]([A-Za-z0-9_.-]{0,62}[A-Za-z0-9])?$/.test(value)
    ? undefined
    : `must be 1 to 64 letters, digits, hyphens, underscores and periods, starting and ending with a letter or digit; got "${value}"`;

const checkGatewaySku: Check = (value) => {
  if ((GATEWAY_SKUS as readonly string[]).includes(value)) return undefined;
  const sameIgnoringCase = GATEWAY_SKUS.find((sku) => sku.toLowerCase() === value.toLowerCase());
  if (sameIgnoringCase) return `must be spelled "${sameIgnoringCase}"`;
  const nonAz = /^VpnGw([1-5])$/i.exec(value);
  if (nonAz) {
    return `${value} is a non-AZ SKU, and Azure refuses non-AZ SKUs for new VPN gateways (NonAzSkusNotAllowedForVPNGateway); use VpnGw${nonAz[1]}AZ`;
  }
  if (/^(Basic|Standard|HighPerformance|UltraPerformance)$/i.test(value)) {
    return `${value} is a legacy SKU that Azure no longer creates; use one of ${GATEWAY_SKUS.join(', ')}`;
  }
  return `must be one of ${GATEWAY_SKUS.join(', ')}; got "${value}"`;
};

export interface OpenAiAccountRef {
  subscriptionId: string;
  resourceGroup: string;
  accountName: string;
}

/** Splits an ARM id of a Microsoft.CognitiveServices account; undefined when it is not one. */
export function parseOpenAiAccountId(id: string): OpenAiAccountRef | undefined {
  return checkOpenAiAccountId(id) === undefined ? splitAccountId(id) : undefined;
}

function splitAccountId(id: string): OpenAiAccountRef {
  const parts = id.split('/');
  return { subscriptionId: parts[2], resourceGroup: parts[4], accountName: parts[8] };
}

/**
 * A top-level ARM id of one resource type, segment by segment: what is wrong with it in plain words, or its
 * segments. ARM ids start with "/" (so parts[0] is empty) and have exactly 9 parts for a top-level resource.
 */
function topLevelArmIdProblem(value: string, namespace: string, type: string, example: string): string | { subscription: string; group: string; name: string } {
  const parts = value.split('/');
  const shapeOk =
    parts.length === 9 &&
    parts[0] === '' &&
    parts[1].toLowerCase() === 'subscriptions' &&
    parts[3].toLowerCase() === 'resourcegroups' &&
    parts[5].toLowerCase() === 'providers';
  if (!shapeOk) return `must be an Azure resource id of the form ${example}`;
  const [, , subscription, , group, , givenNamespace, givenType, name] = parts;
  if (givenNamespace.toLowerCase() !== namespace.toLowerCase() || givenType.toLowerCase() !== type.toLowerCase()) {
    return `must be the id of a ${namespace}/${type} resource; this is a ${givenNamespace}/${givenType} id`;
  }
  if (!GUID.test(subscription)) return `the subscription segment must be a GUID; got "${subscription}"`;
  const groupProblem = checkResourceGroup(group);
  if (groupProblem) return `the resource group segment ${groupProblem}`;
  return { subscription, group, name };
}

const checkOpenAiAccountId: Check = (value) => {
  const checked = topLevelArmIdProblem(value, 'Microsoft.CognitiveServices', 'accounts', '/subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.CognitiveServices/accounts/<name>');
  if (typeof checked === 'string') return checked;
  if (!/^[A-Za-z0-9][A-Za-z0-9-]{1,63}$/.test(checked.name)) {
    return 'the account name segment must be 2 to 64 letters, digits or hyphens, starting with a letter or digit';
  }
  return undefined;
};

/** Splits an ARM id of a Microsoft.Network/privateDnsZones zone; undefined when it is not one. */
export function parsePrivateDnsZoneId(id: string): { subscriptionId: string; resourceGroup: string; zoneName: string } | undefined {
  return checkPrivateDnsZoneId(id) === undefined ? { subscriptionId: id.split('/')[2], resourceGroup: id.split('/')[4], zoneName: id.split('/')[8] } : undefined;
}

const checkPrivateDnsZoneId: Check = (value) => {
  const example = `/subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.Network/privateDnsZones/${OPENAI_PRIVATE_LINK_ZONE_NAME}`;
  const checked = topLevelArmIdProblem(value, 'Microsoft.Network', 'privateDnsZones', example);
  if (typeof checked === 'string') return checked;
  // DNS names compare without case; the OpenAI endpoint's private link record lives only in this zone.
  if (checked.name.toLowerCase() !== OPENAI_PRIVATE_LINK_ZONE_NAME) {
    return `must name the zone ${OPENAI_PRIVATE_LINK_ZONE_NAME} (where Azure OpenAI's private endpoint records live); this id names "${checked.name}"`;
  }
  return undefined;
};

/** Size rules per subnet (shared/reference/cloud-apis.md §4). */
const SUBNET_RULES: Record<SubnetPrefixField, { label: string; sizeProblem: (prefixLength: number) => string | undefined }> = {
  gatewaySubnetPrefix: {
    label: 'GatewaySubnet',
    sizeProblem: (n) => (n <= 27 ? undefined : `GatewaySubnet must be /27 or larger (a prefix length of 27 or less); /${n} is too small`),
  },
  privateEndpointSubnetPrefix: {
    label: 'private endpoint subnet',
    sizeProblem: (n) => (n <= 29 ? undefined : `the private endpoint subnet must be /29 or larger (a prefix length of 29 or less); /${n} is too small`),
  },
  dnsResolverSubnetPrefix: {
    label: 'DNS resolver inbound subnet',
    sizeProblem: (n) =>
      n >= 24 && n <= 28 ? undefined : `the DNS resolver inbound subnet must be from /28 to /24 (Azure DNS Private Resolver's limits); got /${n}`,
  },
};

function subnetPrefixCheck(field: SubnetPrefixField): Check {
  return (value) => {
    const cidr = parseCidr(value);
    if (!cidr) return `must be an IPv4 CIDR block like 192.168.1.0/27; got "${value}"`;
    if (cidr.address !== cidr.network) {
      return `host bits are set in ${value}; the network address for /${cidr.prefixLength} is ${formatCidr(cidr)}`;
    }
    return SUBNET_RULES[field].sizeProblem(cidr.prefixLength);
  };
}

// ---------------------------------------------------------------------------------------------------------
// The walker: records every problem and keeps going.
// ---------------------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

const KNOWN_FIELDS = {
  '': ['version', 'environmentId', 'ticket', 'aws', 'azure', 'options'],
  ticket: ['id', 'callbackUrl'],
  aws: ['region', 'vpcId', 'routeTableIds', 'resolverSubnetIds', 'probeSubnetIds'],
  azure: [
    'subscriptionId',
    'resourceGroup',
    'virtualNetworkName',
    'gatewaySubnetPrefix',
    'privateEndpointSubnetPrefix',
    'dnsResolverSubnetPrefix',
    'gatewaySku',
    'openAiAccountId',
    'openAiDeployment',
    'privateDnsZoneId',
  ],
  options: ['publicNetworkAccess', 'tunnels', 'publicNetworkAccessOnTeardown', 'routing', 'bgp'],
  'options.bgp': ['azureAsn', 'awsAsn', 'tunnelInsideCidrs'],
} as const;

// ---------------------------------------------------------------------------------------------------------
// Refusal text: the one place where what the requester sent is echoed back.
// ---------------------------------------------------------------------------------------------------------

/** Longest echo of a submitted value inside a message, and of a whole message and path. */
export const MAX_ECHOED_VALUE = 80;
export const MAX_PROBLEM_MESSAGE = 600;
export const MAX_PROBLEM_PATH = 160;

// C0 and C1 controls, DEL, and the invisible characters that reorder or hide text in a terminal or a ticket
// (bidirectional overrides and isolates, zero-width characters, line and paragraph separators, BOM).
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;

/** Escapes control and invisible characters as \uXXXX, then cuts to `max` characters, saying how long it was. */
export function displayText(text: string, max: number): string {
  const escaped = text.replace(UNSAFE_CHARACTERS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const characters = Array.from(escaped); // code points: never cut a surrogate pair in half
  if (characters.length <= max) return escaped;
  return `${characters.slice(0, max).join('')}… (${Array.from(text).length} characters)`;
}

class Collector {
  readonly problems: RequestProblem[] = [];
  /** `echoed`: the submitted value the message quotes, shown escaped and shortened. */
  add(path: string, message: string, echoed?: string): void {
    let text = message;
    if (echoed && echoed.length > 0) text = text.split(echoed).join(displayText(echoed, MAX_ECHOED_VALUE));
    this.problems.push({ path: displayText(path, MAX_PROBLEM_PATH), message: displayText(text, MAX_PROBLEM_MESSAGE) });
  }
}

function join(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

function has(object: Json, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/** "a string", "null", "an array"… for "expected X, got Y" messages. */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number') return Number.isInteger(value) ? `the number ${value}` : 'a number';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return `${value}`;
  return typeof value;
}

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks that `value` is an object and reports fields that are not in `known`, with a suggestion when one is close. */
function objectAt(value: unknown, path: string, section: keyof typeof KNOWN_FIELDS, out: Collector): Json | undefined {
  if (!isPlainObject(value)) {
    out.add(path || DOCUMENT_PATH, `expected ${path ? 'an object' : 'a JSON object'}, got ${describeJsonType(value)}`);
    return undefined;
  }
  const known: readonly string[] = KNOWN_FIELDS[section];
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) out.add(join(path, key), unknownFieldMessage(key, section));
  }
  return value;
}

function unknownFieldMessage(key: string, section: keyof typeof KNOWN_FIELDS): string {
  const close = closestName(key, KNOWN_FIELDS[section]);
  if (close) return `unknown field; did you mean "${close}"?`;
  // A field put in the wrong section (say azure.region) is a common slip: point at where it belongs.
  for (const [other, fields] of Object.entries(KNOWN_FIELDS)) {
    if (other !== section && (fields as readonly string[]).includes(key)) {
      return `unknown field here; did you mean ${join(other, key)}?`;
    }
  }
  const where = section === '' ? 'at the top level' : `in ${section}`;
  return `unknown field; the fields allowed ${where} are ${KNOWN_FIELDS[section].join(', ')}`;
}

/** The known name closest to `key` (case-insensitive Levenshtein distance of at most 2), if any. */
export function closestName(key: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const name of names) {
    const distance = levenshtein(key.toLowerCase(), name.toLowerCase());
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  return best;
}

export function levenshtein(a: string, b: string): number {
  // One row of the classic dynamic-programming table is enough.
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/** A required (or, with `fallback`, optional) string field. Returns the value only when it passed `check`. */
function stringField(
  object: Json,
  key: string,
  path: string,
  out: Collector,
  check: Check,
  options: { optional?: boolean } = {},
): string | undefined {
  const fieldPath = join(path, key);
  if (!has(object, key)) {
    if (!options.optional) out.add(fieldPath, 'required field is missing (expected a string)');
    return undefined;
  }
  const value = object[key];
  if (typeof value !== 'string') {
    out.add(fieldPath, `expected a string, got ${describeJsonType(value)}`);
    return undefined;
  }
  const problem = value === '' ? 'must not be empty' : check(value);
  if (problem) {
    out.add(fieldPath, problem, value);
    return undefined;
  }
  return value;
}

/** A required, non-empty array of distinct strings, each passing `check`. */
function stringArrayField(
  object: Json,
  key: string,
  path: string,
  out: Collector,
  check: Check,
  minItems: number,
  minReason: string,
): string[] | undefined {
  const fieldPath = join(path, key);
  if (!has(object, key)) {
    out.add(fieldPath, 'required field is missing (expected an array of strings)');
    return undefined;
  }
  const value = object[key];
  if (!Array.isArray(value)) {
    out.add(fieldPath, `expected an array of strings, got ${describeJsonType(value)}`);
    return undefined;
  }
  const before = out.problems.length;
  if (value.length < minItems) out.add(fieldPath, minReason);
  const seen = new Map<string, number>();
  value.forEach((item, index) => {
    const itemPath = `${fieldPath}[${index}]`;
    if (typeof item !== 'string') {
      out.add(itemPath, `expected a string, got ${describeJsonType(item)}`);
      return;
    }
    const problem = check(item);
    if (problem) out.add(itemPath, problem, item);
    const first = seen.get(item);
    if (first !== undefined) out.add(itemPath, `duplicate of ${fieldPath}[${first}] (${item})`, item);
    else seen.set(item, index);
  });
  return out.problems.length === before ? (value as string[]) : undefined;
}

function enumField<T extends string>(object: Json, key: string, path: string, out: Collector, allowed: readonly T[], fallback: T): T | undefined {
  const check: Check = (value) => {
    if ((allowed as readonly string[]).includes(value)) return undefined;
    const close = closestName(value, allowed);
    return `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}; got "${value}"${close ? ` (did you mean "${close}"?)` : ''}`;
  };
  if (!has(object, key)) return fallback;
  return stringField(object, key, path, out, check) as T | undefined;
}

/** An optional object section: absent is fine, anything but an object is a problem. */
function optionalSection(document: Json, key: keyof typeof KNOWN_FIELDS & string, out: Collector): Json | undefined | null {
  if (!has(document, key)) return null;
  return objectAt(document[key], key, key, out);
}

// ---------------------------------------------------------------------------------------------------------
// Static validation
// ---------------------------------------------------------------------------------------------------------

export interface ValidationOptions {
  /** The operator's allowed networks for ticket.callbackUrl (CALLBACK_ALLOWED_NETWORKS, callback-url.ts). */
  callbackAllowance?: CallbackAllowance;
}

/** Static validation (no cloud reads): types, syntax, every rule of the contract checkable offline, defaults applied. */
export function validateRequestDocument(document: unknown, validation: ValidationOptions = {}): RequestValidation {
  const out = new Collector();
  const root = objectAt(document, '', '', out);
  if (!root) return { ok: false, problems: out.problems };

  const version = validateVersion(root, out);
  const environmentId = stringField(root, 'environmentId', '', out, checkEnvironmentId);
  const ticket = validateTicket(root, out, validation);
  const aws = validateAws(root, out);
  const azure = validateAzure(root, out);
  const options = validateOptions(root, out, aws?.region);

  if (out.problems.length > 0 || version === undefined || !environmentId || ticket === undefined || !aws || !azure || !options) {
    return { ok: false, problems: out.problems };
  }
  const request: EnvironmentRequest = { version, environmentId, aws, azure, options };
  if (ticket !== null) request.ticket = ticket;
  return { ok: true, request };
}

function validateVersion(root: Json, out: Collector): 1 | undefined {
  if (!has(root, 'version')) {
    out.add('version', `required field is missing (expected the number ${REQUEST_VERSION})`);
    return undefined;
  }
  const value = root.version;
  if (value === REQUEST_VERSION) return REQUEST_VERSION;
  if (typeof value === 'number') {
    out.add('version', `unsupported version ${value}; this service understands version ${REQUEST_VERSION}`);
  } else {
    out.add('version', `expected the number ${REQUEST_VERSION}, got ${describeJsonType(value)}`);
  }
  return undefined;
}

/** null = no ticket (fine); undefined = a broken ticket (already reported). */
function validateTicket(root: Json, out: Collector, options: ValidationOptions): EnvironmentRequest['ticket'] | null | undefined {
  const section = optionalSection(root, 'ticket', out);
  if (section === null || section === undefined) return section;
  const before = out.problems.length;
  const id = stringField(section, 'id', 'ticket', out, checkTicketId, { optional: true });
  const callbackUrl = stringField(section, 'callbackUrl', 'ticket', out, callbackUrlCheck(options.callbackAllowance), { optional: true });
  if (out.problems.length > before) return undefined;
  const ticket: NonNullable<EnvironmentRequest['ticket']> = {};
  if (id !== undefined) ticket.id = id;
  if (callbackUrl !== undefined) ticket.callbackUrl = callbackUrl;
  return ticket;
}

function requiredSection(root: Json, key: 'aws' | 'azure', out: Collector): Json | undefined {
  if (!has(root, key)) {
    out.add(key, 'required field is missing (expected an object)');
    return undefined;
  }
  return objectAt(root[key], key, key, out);
}

function validateAws(root: Json, out: Collector): EnvironmentRequest['aws'] | undefined {
  const aws = requiredSection(root, 'aws', out);
  if (!aws) return undefined;
  const region = stringField(aws, 'region', 'aws', out, checkRegion);
  const vpcId = stringField(aws, 'vpcId', 'aws', out, awsIdCheck('vpc'));
  const routeTableIds = stringArrayField(aws, 'routeTableIds', 'aws', out, awsIdCheck('rtb'), 1, 'must list at least one route table');
  const resolverSubnetIds = stringArrayField(
    aws,
    'resolverSubnetIds',
    'aws',
    out,
    awsIdCheck('subnet'),
    2,
    'must list at least 2 subnets (in 2 different availability zones) for the Route 53 Resolver outbound endpoint',
  );
  const probeSubnetIds = stringArrayField(aws, 'probeSubnetIds', 'aws', out, awsIdCheck('subnet'), 1, 'must list at least one subnet');
  if (!region || !vpcId || !routeTableIds || !resolverSubnetIds || !probeSubnetIds) return undefined;
  return { region, vpcId, routeTableIds, resolverSubnetIds, probeSubnetIds };
}

function validateAzure(root: Json, out: Collector): EnvironmentRequest['azure'] | undefined {
  const azure = requiredSection(root, 'azure', out);
  if (!azure) return undefined;
  const subscriptionId = stringField(azure, 'subscriptionId', 'azure', out, checkGuid);
  const resourceGroup = stringField(azure, 'resourceGroup', 'azure', out, checkResourceGroup);
  const virtualNetworkName = stringField(azure, 'virtualNetworkName', 'azure', out, checkVirtualNetworkName);
  const prefixes: Partial<Record<SubnetPrefixField, string>> = {};
  // Each may be left out when the VNet already has what it is for: discovery decides, and refuses what it must build without one.
  const brokenPrefixes = new Set<SubnetPrefixField>();
  for (const field of SUBNET_PREFIX_FIELDS) {
    const before = out.problems.length;
    prefixes[field] = stringField(azure, field, 'azure', out, subnetPrefixCheck(field), { optional: true });
    if (out.problems.length > before) brokenPrefixes.add(field);
  }
  checkPrefixesApart(prefixes, out);
  const gatewaySku = has(azure, 'gatewaySku') ? stringField(azure, 'gatewaySku', 'azure', out, checkGatewaySku) : DEFAULT_GATEWAY_SKU;
  const openAiAccountId = stringField(azure, 'openAiAccountId', 'azure', out, checkOpenAiAccountId);
  const openAiDeployment = stringField(azure, 'openAiDeployment', 'azure', out, checkDeployment);
  const zoneGiven = has(azure, 'privateDnsZoneId');
  const privateDnsZoneId = stringField(azure, 'privateDnsZoneId', 'azure', out, checkPrivateDnsZoneId, { optional: true });
  if (
    !subscriptionId ||
    !resourceGroup ||
    !virtualNetworkName ||
    brokenPrefixes.size > 0 ||
    !gatewaySku ||
    !openAiAccountId ||
    !openAiDeployment ||
    (zoneGiven && !privateDnsZoneId)
  ) {
    return undefined;
  }
  // Absent optional fields stay absent, so a request without them normalises (and hashes) as it always did.
  const { gatewaySubnetPrefix, privateEndpointSubnetPrefix, dnsResolverSubnetPrefix } = prefixes;
  return {
    subscriptionId,
    resourceGroup,
    virtualNetworkName,
    ...(gatewaySubnetPrefix !== undefined ? { gatewaySubnetPrefix } : {}),
    ...(privateEndpointSubnetPrefix !== undefined ? { privateEndpointSubnetPrefix } : {}),
    ...(dnsResolverSubnetPrefix !== undefined ? { dnsResolverSubnetPrefix } : {}),
    gatewaySku,
    openAiAccountId,
    openAiDeployment,
    ...(privateDnsZoneId !== undefined ? { privateDnsZoneId } : {}),
  };
}

/** The three new subnets must not overlap each other; reported on the later field, naming the earlier one. */
function checkPrefixesApart(prefixes: Partial<Record<SubnetPrefixField, string>>, out: Collector): void {
  const valid = SUBNET_PREFIX_FIELDS.filter((field) => prefixes[field] !== undefined);
  valid.forEach((field, i) => {
    for (const earlier of valid.slice(0, i)) {
      if (cidrOverlaps(prefixes[field]!, prefixes[earlier]!)) {
        out.add(`azure.${field}`, `${prefixes[field]} overlaps azure.${earlier} (${prefixes[earlier]}); the three subnets must not overlap`);
      }
    }
  });
}

function validateOptions(root: Json, out: Collector, region: string | undefined): EnvironmentRequest['options'] | undefined {
  const section = optionalSection(root, 'options', out);
  if (section === undefined) return undefined;
  if (section === null) return { ...DEFAULT_OPTIONS };
  const publicNetworkAccess = enumField(section, 'publicNetworkAccess', 'options', out, PUBLIC_NETWORK_ACCESS_OPTIONS, DEFAULT_OPTIONS.publicNetworkAccess);
  const tunnels = enumField(section, 'tunnels', 'options', out, TUNNELS_OPTIONS, DEFAULT_OPTIONS.tunnels);
  // Absent unless given, so a request without them normalises (and hashes) as it always did.
  const onTeardown = section.publicNetworkAccessOnTeardown === undefined
    ? undefined
    : enumField(section, 'publicNetworkAccessOnTeardown', 'options', out, TEARDOWN_PUBLIC_NETWORK_ACCESS_OPTIONS, 'keep');
  const routing = section.routing === undefined ? undefined : enumField(section, 'routing', 'options', out, ROUTING_OPTIONS, 'static');
  const bgp = validateBgp(section, routing, tunnels, region, out);
  if (!publicNetworkAccess || !tunnels) return undefined;
  if (section.publicNetworkAccessOnTeardown !== undefined && !onTeardown) return undefined;
  if ((section.routing !== undefined && !routing) || bgp === false) return undefined;
  const options: EnvironmentRequest['options'] = { publicNetworkAccess, tunnels };
  if (onTeardown) options.publicNetworkAccessOnTeardown = onTeardown;
  if (routing) options.routing = routing;
  if (bgp) options.bgp = bgp;
  return options;
}

/** `options.bgp`: only with BGP routing, and every static rule of the mapping (bgp.ts); false when broken. */
function validateBgp(
  section: Json,
  routing: RoutingOption | undefined,
  tunnels: string | undefined,
  region: string | undefined,
  out: Collector,
): BgpOptions | undefined | false {
  const before = out.problems.length;
  if (routing === 'bgp' && tunnels === 'one') {
    out.add('options.tunnels', 'must be "both" with options.routing "bgp": active-active BGP uses all four tunnels, two per VPN connection');
  }
  if (!has(section, 'bgp')) return out.problems.length === before ? undefined : false;
  if (routing !== 'bgp') {
    out.add('options.bgp', 'is only read with options.routing "bgp"; remove it, or set options.routing to "bgp"');
    return false;
  }
  const bgp = objectAt(section.bgp, 'options.bgp', 'options.bgp', out);
  if (!bgp) return false;
  const given: BgpOptions = {};
  if (has(bgp, 'azureAsn')) given.azureAsn = bgp.azureAsn as number;
  if (has(bgp, 'awsAsn')) given.awsAsn = bgp.awsAsn as number;
  if (has(bgp, 'tunnelInsideCidrs')) given.tunnelInsideCidrs = bgp.tunnelInsideCidrs as string[];
  for (const problem of bgpOptionProblems(given, region ?? '')) out.add(problem.path, problem.message);
  return out.problems.length === before ? given : false;
}

/** Parses raw text (bytes or a string): size limit 16 KiB, UTF-8, JSON syntax, then validateRequestDocument. */
export function parseRequestText(text: string | Buffer, options: ValidationOptions = {}): RequestValidation {
  const size = typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : text.length;
  if (size > MAX_REQUEST_BYTES) {
    return refuse(`the request is ${size} bytes; the limit is ${MAX_REQUEST_BYTES} bytes (16 KiB)`);
  }
  let source: string;
  if (typeof text === 'string') {
    source = text;
  } else {
    try {
      source = new TextDecoder('utf-8', { fatal: true }).decode(text);
    } catch {
      return refuse('the request is not valid UTF-8 text');
    }
  }
  // A byte-order mark is invisible in editors; JSON.parse would refuse it with a confusing message.
  if (source.charCodeAt(0) === 0xfeff) source = source.slice(1);
  if (source.trim() === '') return refuse('the request is empty; expected a JSON object');
  let document: unknown;
  try {
    document = JSON.parse(source);
  } catch (error) {
    return refuse(`the request is not valid JSON: ${(error as Error).message}`);
  }
  return validateRequestDocument(document, options);
}

function refuse(message: string): RequestValidation {
  const out = new Collector();
  out.add(DOCUMENT_PATH, message);
  return { ok: false, problems: out.problems };
}

/** Problems built outside the walker (cloud facts, resolution), escaped and shortened like every other. */
export function shownProblems(problems: RequestProblem[]): RequestProblem[] {
  const out = new Collector();
  for (const problem of problems) out.add(problem.path, problem.message);
  return out.problems;
}

/**
 * The prefix of a subnet the product is to build. The first step refuses a request that leaves it out when the
 * subnet must be built (commons/hub-discovery.ts), so its absence here is a fault of the workflow, not of the request.
 */
export function subnetPrefixToBuild(request: EnvironmentRequest, field: SubnetPrefixField): string {
  const prefix = request.azure[field];
  if (prefix === undefined) throw new Error(`azure.${field} is not in the request, yet the workflow is building its subnet; the first step should have refused it`);
  return prefix;
}

/** One line per problem: "path: message". */
export function formatProblems(problems: RequestProblem[]): string {
  return problems.map((problem) => `${problem.path}: ${problem.message}`).join('\n');
}
