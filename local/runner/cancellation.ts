/**
 * Which parts of the execution are cancelled. The interpreter aborts the branches of a Parallel (or the
 * iterations of a Map) that failed, but an aborted branch still retries a failed task, running handlers and
 * sleeping on the simulated clock after its Parallel is gone; and when the execution ends, sleepers left
 * behind would keep the interpreter's real-time task timers (and so the process) alive. Task wrappers and
 * Waits ask here whether their scope is cancelled, and race their sleeps against its cancellation.
 */

interface Signal {
  promise: Promise<void>;
  fire: () => void;
  fired: boolean;
}

function signal(): Signal {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  const s: Signal = { promise, fire: () => ((s.fired = true), fire()), fired: false };
  return s;
}

export class Cancellation {
  private readonly ended = signal();
  /** The current generation of each Parallel/Map scope: a new entry into the state starts a fresh one. */
  private readonly scopes = new Map<string, Signal>();

  /** The execution ended: everything still running is left over. */
  end(): void {
    this.ended.fire();
  }

  get hasEnded(): boolean {
    return this.ended.fired;
  }

  /** The Parallel/Map state failed: its branches are cancelled. */
  cancel(scope: string): void {
    this.current(scope).fire();
  }

  /** The Parallel/Map state is entered (or retried): its new branches run. */
  reopen(scope: string): void {
    if (this.scopes.get(scope)?.fired) this.scopes.set(scope, signal());
  }

  /** True when the execution ended or one of the enclosing scopes (current generation) is cancelled. */
  isCancelled(enclosing: string[]): boolean {
    return this.ended.fired || enclosing.some((scope) => this.current(scope).fired);
  }

  /**
   * Resolves when the execution ends or an enclosing scope's current generation is cancelled. Taken when a
   * sleep starts, so a later reopening does not wake it.
   */
  whenCancelled(enclosing: string[]): Promise<void> {
    return Promise.race([this.ended.promise, ...enclosing.map((scope) => this.current(scope).promise)]);
  }

  private current(scope: string): Signal {
    let s = this.scopes.get(scope);
    if (!s) {
      s = signal();
      this.scopes.set(scope, s);
    }
    return s;
  }
}
