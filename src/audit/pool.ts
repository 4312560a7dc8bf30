/**
 * A small pool of worker threads for the NDJSON audit: each worker keeps its own state (the
 * engine's reference data, its partition files), takes one task at a time, and answers with a
 * result or an error. A worker that dies fails the run (its task cannot be known to be done).
 */
import { Worker, type TransferListItem } from 'node:worker_threads';

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

interface Reply {
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: { readonly message: string; readonly code?: string };
}

export class WorkerError extends Error {
  readonly code: string | undefined;
  constructor(message: string, code?: string) {
    super(message);
    this.name = 'WorkerError';
    this.code = code;
  }
}

export class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { message: unknown; transfer: TransferListItem[]; pending: Pending }[] = [];
  private readonly inFlight = new Map<Worker, Map<number, Pending>>();
  private nextId = 1;
  private failure: Error | undefined;

  /** Starts `size` workers of `url`, each given `init(i)` as its workerData. */
  constructor(
    size: number,
    url: URL,
    init: (i: number) => unknown,
    resourceLimits?: Worker['resourceLimits'],
  ) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(url, { workerData: init(i), ...(resourceLimits ? { resourceLimits } : {}) });
      this.inFlight.set(worker, new Map());
      worker.on('message', (reply: Reply) => this.settle(worker, reply));
      worker.on('error', (err) => this.fail(worker, err instanceof Error ? err : new Error(String(err))));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(worker, new WorkerError(`a worker stopped (exit code ${code})`));
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Runs a task on the next free worker. */
  run<T>(message: object, transfer: TransferListItem[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ message, transfer, pending: { resolve: resolve, reject } });
      this.dispatch();
    });
  }

  /** Sends the same message to every worker and waits for all of them. */
  broadcast<T>(message: object): Promise<T[]> {
    return Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<T>((resolve, reject) => {
            const id = this.nextId++;
            this.inFlight.get(worker)?.set(id, { resolve: resolve, reject });
            worker.postMessage({ id, ...message });
          }),
      ),
    );
  }

  private dispatch(): void {
    while (this.idle.length && this.queue.length) {
      const worker = this.idle.shift() as Worker;
      const job = this.queue.shift() as (typeof this.queue)[number];
      const id = this.nextId++;
      this.inFlight.get(worker)?.set(id, {
        resolve: (v) => {
          this.idle.push(worker);
          job.pending.resolve(v);
          this.dispatch();
        },
        reject: (e) => {
          this.idle.push(worker);
          job.pending.reject(e);
          this.dispatch();
        },
      });
      worker.postMessage({ id, ...(job.message as object) }, job.transfer);
    }
  }

  private settle(worker: Worker, reply: Reply): void {
    const tasks = this.inFlight.get(worker);
    const pending = tasks?.get(reply.id);
    if (!pending) return;
    tasks?.delete(reply.id);
    if (reply.ok) pending.resolve(reply.result);
    else pending.reject(new WorkerError(reply.error?.message ?? 'a worker failed', reply.error?.code));
  }

  private fail(worker: Worker, err: Error): void {
    this.failure ??= err;
    for (const p of this.inFlight.get(worker)?.values() ?? []) p.reject(err);
    this.inFlight.get(worker)?.clear();
    for (const job of this.queue.splice(0)) job.pending.reject(err);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
