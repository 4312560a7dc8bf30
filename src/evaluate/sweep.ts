/**
 * The catch-up sweep's rate limit (docs/notifications.md). An empty notification means "something
 * changed" and asks for a sweep, and its signature never changes (the HMAC of an empty body), so
 * anyone who captured one can replay it. At most one sweep runs and at most one more waits; a
 * requested sweep starts no sooner than `minIntervalMs` after the previous one started. A request
 * made while a sweep runs queues one more, because the running one may already have searched past
 * the change. The periodic timer keeps its own interval (`tick`): it never waits and never queues.
 */
export interface SweepRequest {
  /** Resolves with the number of Encounters evaluated by the sweep this request joined. */
  readonly done: Promise<number>;
  /** True when the sweep waits for the running one or for the minimum interval. */
  readonly queued: boolean;
}

export class SweepLimiter {
  private running: Promise<number> | undefined;
  private queued: Promise<number> | undefined;
  private lastStart = Number.NEGATIVE_INFINITY;
  private stopped = false;
  private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private readonly run: () => Promise<number>;
  private readonly minIntervalMs: number;
  private readonly now: () => number;

  constructor(
    run: () => Promise<number>,
    minIntervalMs: number,
    now: () => number = () => performance.now(),
  ) {
    this.run = run;
    this.minIntervalMs = minIntervalMs;
    this.now = now;
  }

  request(): SweepRequest {
    if (this.stopped) return { done: Promise.resolve(0), queued: false };
    if (this.queued) return { done: this.queued, queued: true };
    const wait = this.lastStart + this.minIntervalMs - this.now();
    if (!this.running && wait <= 0) return { done: this.start(), queued: false };
    const after = this.running?.catch(() => 0) ?? Promise.resolve(0);
    const queued = after
      .then(() => this.delay(this.lastStart + this.minIntervalMs - this.now()))
      .then(() => {
        this.queued = undefined;
        return this.stopped ? 0 : this.start();
      });
    this.queued = queued;
    return { done: queued, queued: true };
  }

  /** The periodic timer's sweep: starts now unless one runs or waits (then that one covers it). */
  tick(): Promise<number> | undefined {
    if (this.stopped || this.running || this.queued) return undefined;
    return this.start();
  }

  /** Resolves once the sweeps running or waiting now are done. */
  async idle(): Promise<void> {
    await Promise.allSettled([this.running, this.queued]);
  }

  /** Drops a queued sweep and starts no more. */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.timers.clear();
  }

  private start(): Promise<number> {
    this.lastStart = this.now();
    const p = this.run().finally(() => {
      if (this.running === p) this.running = undefined;
    });
    this.running = p;
    return p;
  }

  private delay(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      entry.timer.unref();
      this.timers.add(entry);
    });
  }
}
