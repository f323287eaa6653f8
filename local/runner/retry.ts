/**
 * Retry intervals on the simulated clock.
 *
 * The interpreter is told to retry with no real delay; the task wrapper asks this policy, before rethrowing
 * a handler's error, whether the state's Retry will retry it and how long to sleep on the simulated clock.
 * The decision mirrors the interpreter's (and Step Functions'): the first retrier whose ErrorEquals matches
 * decides; once its MaxAttempts are used, the error is not retried, whatever later retriers say.
 */
import { seededDraw } from '../faults';
import type { Retrier } from './definition';

const DEFAULT_MAX_ATTEMPTS = 3;
const DEFAULT_INTERVAL_SECONDS = 1;
const DEFAULT_BACKOFF_RATE = 2;

function matches(pattern: string, errorName: string): boolean {
  // States.TaskFailed matches any error a task raises except States.Timeout.
  return pattern === errorName || pattern === 'States.ALL' || (pattern === 'States.TaskFailed' && errorName !== 'States.Timeout');
}

export class RetryPolicy {
  /** Attempts used per state and retrier, for the current entry into the state. */
  private readonly attempts = new Map<string, number[]>();

  constructor(private readonly jitterSeed = 1) {}

  /**
   * A handler of `stateName` failed with `errorName`. Returns the simulated seconds to wait before the
   * interpreter retries it, or undefined when the error will not be retried (the state then fails or is caught).
   */
  onFailure(stateName: string, retriers: Retrier[], errorName: string): number | undefined {
    const used = this.attempts.get(stateName) ?? new Array<number>(retriers.length).fill(0);
    for (let i = 0; i < retriers.length; i++) {
      const retrier = retriers[i];
      if (!retrier.ErrorEquals.some((pattern) => matches(pattern, errorName))) continue;
      const maxAttempts = retrier.MaxAttempts ?? DEFAULT_MAX_ATTEMPTS;
      if (used[i] >= maxAttempts) break;
      const interval = this.interval(stateName, i, retrier, used[i]);
      used[i]++;
      this.attempts.set(stateName, used);
      return interval;
    }
    // The state leaves (failed or caught): a later entry starts with fresh attempts, as in the interpreter.
    this.attempts.delete(stateName);
    return undefined;
  }

  /** The state's task succeeded: the entry is over. */
  onSuccess(stateName: string): void {
    this.attempts.delete(stateName);
  }

  private interval(stateName: string, index: number, retrier: Retrier, attempt: number): number {
    const base = (retrier.IntervalSeconds ?? DEFAULT_INTERVAL_SECONDS) * Math.pow(retrier.BackoffRate ?? DEFAULT_BACKOFF_RATE, attempt);
    const capped = retrier.MaxDelaySeconds !== undefined ? Math.min(base, retrier.MaxDelaySeconds) : base;
    if (retrier.JitterStrategy !== 'FULL') return capped;
    // FULL jitter draws in [0, interval]; keyed by state, retrier and attempt so the draw is reproducible.
    // Whole milliseconds, so histories read cleanly.
    return Math.round(capped * seededDraw(this.jitterSeed, `retry|${stateName}|${index}|${attempt}`) * 1000) / 1000;
  }
}
