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
