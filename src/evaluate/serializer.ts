/**
 * Evaluations one at a time per Encounter within this process, with a burst of notifications for
 * the same Encounter folded into one pending re-run. Across replicas, `If-Match` and conditional
 * creates keep the writes consistent (docs/writes.md).
 */
export class EncounterSerializer<R> {
  private readonly running = new Map<string, Promise<unknown>>();
  private readonly queued = new Map<string, Promise<R>>();
  private inFlight = 0;

  get active(): number {
    return this.inFlight;
  }

  run(encounterId: string, task: () => Promise<R>): Promise<R> {
    const current = this.running.get(encounterId);
    if (!current) return this.start(encounterId, task);
    const waiting = this.queued.get(encounterId);
    if (waiting) return waiting;
    const next = current
      .catch(() => undefined)
      .then(() => {
        this.queued.delete(encounterId);
        return this.start(encounterId, task);
      });
    this.queued.set(encounterId, next);
    return next;
  }

  private start(encounterId: string, task: () => Promise<R>): Promise<R> {
    this.inFlight++;
    const p = task().finally(() => {
      this.inFlight--;
      if (this.running.get(encounterId) === p) this.running.delete(encounterId);
    });
    this.running.set(encounterId, p);
    return p;
  }

  /** Resolves when nothing is running (for graceful shutdown). */
  async idle(): Promise<void> {
    while (this.running.size || this.queued.size) {
      await Promise.allSettled([...this.running.values(), ...this.queued.values()]);
    }
  }
}
