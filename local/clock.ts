/**
 * The simulated clock of local mode.
 *
 * Cloud operations, Wait states and retry intervals take simulated seconds; handler compute time does not.
 * Work in flight (a task handler, an HTTP request to an emulated cloud) holds the clock still. When nothing
 * is in flight and the event loop has settled, the clock jumps to the earliest sleeper and wakes it, so
 * parallel waits overlap exactly as they would in the cloud, in a few real milliseconds.
 */

interface Sleeper {
  wakeAt: number;
  order: number;
  wake: () => void;
}

/** How many macrotask turns with no activity count as "settled". */
const SETTLE_TURNS = 6;

export class SimulatedClock {
  private seconds = 0;
  private busy = 0;
  private sleepers: Sleeper[] = [];
  private order = 0;
  private activity = 0;
  private advancing = false;
  private stopped = false;

  constructor(startAt = 0) {
    this.seconds = startAt;
  }

  /** Simulated seconds since the clock started. */
  now(): number {
    return this.seconds;
  }

  /** Sleeps for simulated seconds; resolves once the clock has reached now + seconds. */
  sleep(seconds: number): Promise<void> {
    const wakeAt = this.seconds + Math.max(0, seconds);
    return new Promise<void>((wake) => {
      this.sleepers.push({ wakeAt, order: this.order++, wake });
      this.touch();
    });
  }

  /** Runs work that holds the clock still until it finishes (a handler, a request to an emulated cloud). */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    this.busy++;
    this.touch();
    try {
      return await work();
    } finally {
      this.busy--;
      this.touch();
    }
  }

  /** Stops advancing; pending sleepers stay asleep. */
  stop(): void {
    this.stopped = true;
  }

  get pendingSleepers(): number {
    return this.sleepers.length;
  }

  private touch(): void {
    this.activity++;
    if (!this.advancing && !this.stopped) {
      this.advancing = true;
      setImmediate(() => void this.advanceWhenSettled());
    }
  }

  private async advanceWhenSettled(): Promise<void> {
    try {
      while (!this.stopped && this.sleepers.length > 0) {
        const seen = this.activity;
        for (let turn = 0; turn < SETTLE_TURNS; turn++) {
          await new Promise<void>((resolve) => setTimeout(resolve, 0));
        }
        if (this.busy > 0 || seen !== this.activity) {
          if (this.busy > 0) return; // the work in flight touches the clock again when it ends
          continue;
        }
        this.wakeEarliest();
      }
    } finally {
      this.advancing = false;
    }
  }

  private wakeEarliest(): void {
    this.sleepers.sort((a, b) => a.wakeAt - b.wakeAt || a.order - b.order);
    const wakeAt = this.sleepers[0].wakeAt;
    this.seconds = Math.max(this.seconds, wakeAt);
    const due = this.sleepers.filter((s) => s.wakeAt <= wakeAt);
    this.sleepers = this.sleepers.filter((s) => s.wakeAt > wakeAt);
    this.activity++;
    for (const sleeper of due) sleeper.wake();
  }
}
