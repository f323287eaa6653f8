/**
 * Deterministic identifiers and times. Ids come from per-prefix counters kept in `state.aws.idCounters`, so a
 * run is reproducible and a reloaded state file keeps counting where it stopped; the counter is hashed so ids
 * look like real ones (17 hex digits) without colliding with hand-written world ids such as `vpc-0a1b...0001`.
 */
import { createHash } from 'node:crypto';
import type { AwsState } from '../cloud/state';

/** Simulated second 0 as a wall-clock instant, so timestamps are the same on every run and machine. */
export const SIMULATED_EPOCH_MS = Date.UTC(2025, 0, 1, 0, 0, 0);

export function nextCounter(aws: AwsState, key: string): number {
  const value = (aws.idCounters[key] ?? 0) + 1;
  aws.idCounters[key] = value;
  return value;
}

export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** `prefix-` followed by `length` hex digits, e.g. `vpn-0f3a...` (17 digits as EC2 uses today). */
export function newId(aws: AwsState, prefix: string, length = 17): string {
  const n = nextCounter(aws, prefix);
  return `${prefix}-${digest(`${prefix}#${n}`).slice(0, length)}`;
}

/** A UUID-shaped deterministic value (Secrets Manager version ids, request ids). */
export function uuidFrom(seed: string): string {
  const h = digest(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Simulated seconds as an ISO-8601 instant (EC2 XML timestamps, Route 53 Resolver times). */
export function isoTime(seconds: number): string {
  return new Date(SIMULATED_EPOCH_MS + seconds * 1000).toISOString();
}

/** Simulated seconds as epoch seconds (JSON 1.1 timestamps). */
export function epochSeconds(seconds: number): number {
  return SIMULATED_EPOCH_MS / 1000 + seconds;
}

/** IPv4 helpers for subnet allocation and CIDR checks. */
export function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return NaN;
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): { base: number; prefix: number } | undefined {
  const match = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(cidr);
  if (!match) return undefined;
  const prefix = Number(match[2]);
  const ip = ipToInt(match[1]);
  if (Number.isNaN(ip) || prefix > 32) return undefined;
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (ip & mask) >>> 0, prefix };
}

export function cidrContains(cidr: string, ip: string): boolean {
  const range = parseCidr(cidr);
  const n = ipToInt(ip);
  if (!range || Number.isNaN(n)) return false;
  const size = 2 ** (32 - range.prefix);
  return n >= range.base && n < range.base + size;
}
