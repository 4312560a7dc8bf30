/**
 * A small pool of worker threads for the NDJSON audit: each worker keeps its own state (the
 * engine's reference data, its partition files), takes one task at a time, and answers with a
 * result or an error. A worker that dies fails the run (its task cannot be known to be done).
 *
 * With one worker, `InlinePool` runs the same tasks on the main thread instead: no thread to
 * start (its modules and catalog cost about a second of CPU), no copies between threads, and a
 * shard on a one-CPU pod uses its CPU for the audit. The reports are the same byte for byte.
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

/** What the NDJSON audit asks of its workers, threads or not. */
export interface TaskPool {
  readonly size: number;
  /** Runs a task on the next free worker. */
  run<T>(message: object): Promise<T>;
  /** Sends the same message to every worker and waits for all of them. */
  broadcast<T>(message: object): Promise<T[]>;
  close(): Promise<void>;
}

type Handler = (message: { readonly id: number }) => Promise<{ readonly result: unknown }>;

/**
 * One worker on the main thread: tasks run one after the other, in the order given, and a task
 * that throws is answered as a worker's error would be (a `WorkerError` with its code).
 */
export class InlinePool implements TaskPool {
  private readonly handle: Handler;
  private tail: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  readonly size = 1;

  constructor(handle: Handler) {
    this.handle = handle;
  }

  run<T>(message: object): Promise<T> {
    const id = this.nextId++;
    const answer = this.tail.then(() =>
      this.handle({ id, ...message }).then(
        ({ result }) => result as T,
        (err: unknown) => {
          const code = (err as { code?: unknown } | null)?.code;
          throw new WorkerError(
            err instanceof Error ? err.message : String(err),
            typeof code === 'string' ? code : undefined,
          );
        },
      ),
    );
    // The next task waits for this one, whether it succeeds or not.
    this.tail = answer.catch(() => undefined);
    return answer;
  }

  async broadcast<T>(message: object): Promise<T[]> {
    return [await this.run<T>(message)];
  }

  async close(): Promise<void> {
    await this.tail;
  }
}

export class WorkerPool implements TaskPool {
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
