/**
 * Faults the emulated clouds inject, parsed from `--faults SPEC` (contract: local-cloud.md).
 * Every decision draws from a seeded generator, so a run with the same seed injects the same faults.
 */

export interface FaultSpec {
  /** Operation names (an AWS action such as `CreateVpnGateway`, or `PUT <ARM resource type>`) whose first answer is dropped after the operation is committed. */
  dropResponse: string[];
  /** Share (0..1) of calls answered with the service's throttling error. */
  throttleRate: number;
  /** Share (0..1) of calls answered with a 5xx error. */
  error5xxRate: number;
  /** The Azure VPN gateway build ends `Failed`. */
  gatewayFailed: boolean;
  /** The Azure side stores a different key than it was sent, so the tunnel never comes up. */
  wrongPsk: boolean;
  /** Share (0..1) of accepted ARM writes whose operation then ends `Failed`, leaving the resource `Failed`. */
  asyncFailRate: number;
  /** The probe function idles into `Inactive` before it is invoked, as a VPC function left for weeks does. */
  probeInactive: boolean;
  /** Azure VPN gateway instances (0 or 1, in ipConfigurations order) that stop answering: their tunnels go down. */
  instanceDown: number[];
}

export const NO_FAULTS: FaultSpec = {
  dropResponse: [],
  throttleRate: 0,
  error5xxRate: 0,
  gatewayFailed: false,
  wrongPsk: false,
  asyncFailRate: 0,
  probeInactive: false,
  instanceDown: [],
};

/** Every fault `--faults` knows, in the form it is written (NAME and RATE are placeholders). */
export const KNOWN_FAULTS = [
  'drop-response:NAME',
  'throttle:RATE',
  'error5xx:RATE',
  'async-fail:RATE',
  'gateway-failed',
  'wrong-psk',
  'probe-inactive',
  'instance-down:N',
] as const;

export class FaultSpecError extends Error {
  override name = 'FaultSpecError';
}

function parseRate(kind: string, value: string | undefined): number {
  const rate = Number(value);
  if (value === undefined || value === '' || !Number.isFinite(rate) || rate < 0 || rate > 1) {
    throw new FaultSpecError(`${kind} needs a rate between 0 and 1, e.g. ${kind}:0.1 (got "${value ?? ''}")`);
  }
  return rate;
}

/** Parses `drop-response:CreateVpnGateway,throttle:0.1,error5xx:0.05,async-fail:0.1,gateway-failed,wrong-psk,probe-inactive,instance-down:0`. */
export function parseFaults(spec: string | undefined): FaultSpec {
  const faults: FaultSpec = { ...NO_FAULTS, dropResponse: [], instanceDown: [] };
  if (!spec) return faults;
  for (const item of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const colon = item.indexOf(':');
    const kind = colon < 0 ? item : item.slice(0, colon);
    const value = colon < 0 ? undefined : item.slice(colon + 1);
    switch (kind) {
      case 'drop-response':
        if (!value) throw new FaultSpecError('drop-response needs an operation name, e.g. drop-response:CreateVpnGateway');
        faults.dropResponse.push(value);
        break;
      case 'throttle':
        faults.throttleRate = parseRate(kind, value);
        break;
      case 'error5xx':
        faults.error5xxRate = parseRate(kind, value);
        break;
      case 'gateway-failed':
        faults.gatewayFailed = true;
        break;
      case 'wrong-psk':
        faults.wrongPsk = true;
        break;
      case 'async-fail':
        faults.asyncFailRate = parseRate(kind, value);
        break;
      case 'probe-inactive':
        faults.probeInactive = true;
        break;
      case 'instance-down':
        if (value !== '0' && value !== '1') throw new FaultSpecError(`instance-down needs an Azure gateway instance, 0 or 1, e.g. instance-down:0 (got "${value ?? ''}")`);
        if (!faults.instanceDown.includes(Number(value))) faults.instanceDown.push(Number(value));
        break;
      default:
        throw new FaultSpecError(`unknown fault "${kind}"; known: ${KNOWN_FAULTS.join(', ')}`);
    }
  }
  return faults;
}

/** mulberry32: small, fast, good enough for deterministic simulation draws. */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** A number in [0, 1) fixed by the seed and the key: the same draw whatever order parallel calls arrive in. */
export function seededDraw(seed: number, key: string): number {
  let hash = 0x811c9dc5 ^ seed;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return new SeededRandom(hash).next();
}

/**
 * Decides, call by call, which fault (if any) an emulated service injects.
 * `drop-response` fires once per named operation. Rate draws are keyed by the call (operation, target and
 * how many times that same call was made), so parallel branches racing in real time do not change them.
 */
export class FaultInjector {
  private readonly dropsLeft: Set<string>;
  private readonly callCounts = new Map<string, number>();

  constructor(
    readonly spec: FaultSpec = NO_FAULTS,
    private readonly seed = 1,
  ) {
    this.dropsLeft = new Set(spec.dropResponse);
  }

  /** Before the operation runs: should the call be refused with a throttling or 5xx error? `callKey` names the operation and its target. */
  beforeCall(callKey: string): 'throttle' | 'error5xx' | undefined {
    const count = (this.callCounts.get(callKey) ?? 0) + 1;
    this.callCounts.set(callKey, count);
    const draw = seededDraw(this.seed, `${callKey}#${count}`);
    if (draw < this.spec.throttleRate) return 'throttle';
    if (draw < this.spec.throttleRate + this.spec.error5xxRate) return 'error5xx';
    return undefined;
  }

  /** An accepted ARM write: should its operation end `Failed` (the async-fail fault)? Drawn per call, like beforeCall. */
  asyncFails(callKey: string): boolean {
    if (this.spec.asyncFailRate <= 0) return false;
    const key = `async-fail ${callKey}`;
    const count = (this.callCounts.get(key) ?? 0) + 1;
    this.callCounts.set(key, count);
    return seededDraw(this.seed, `${key}#${count}`) < this.spec.asyncFailRate;
  }

  /** After the operation was committed: should its answer be dropped? True once per named operation. */
  dropAfterCommit(operation: string): boolean {
    if (!this.dropsLeft.has(operation)) return false;
    this.dropsLeft.delete(operation);
    return true;
  }
}
