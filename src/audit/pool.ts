/**
 * The workers of the NDJSON audit. Each keeps its own state (the engine's reference data, its
 * partition files), runs its tasks one at a time in the order given, and answers each with a
 * result or an error. A thread that dies fails the run (its task cannot be known to be done).
 *
 * - `WorkerPool`: worker threads (`serveTasks` is the thread's side).
 * - `InlinePool`: the main thread as the one worker: no thread to start (its modules and catalog
 *   cost about a second of CPU), no copies between threads; a shard on a one-CPU pod uses its CPU
 *   for the audit.
 * - `HybridPool`: the main thread beside worker threads, for two workers or more.
 *
 * The reports are the same byte for byte whichever runs the tasks.
 */
import { Worker, type MessagePort, type TransferListItem } from 'node:worker_threads';

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
  /** Tasks that can be in progress at once (more are queued). */
  readonly capacity: number;
  /** Runs a task on the next free worker. */
  run<T>(message: object): Promise<T>;
  /** Sends the same message to every worker and waits for all of them. */
  broadcast<T>(message: object): Promise<T[]>;
  close(): Promise<void>;
}

type Handler = (message: { readonly id: number }) => Promise<{ readonly result: unknown }>;

/** What a task's error says, as a thread posts it and as a `WorkerError` carries it. */
function describeError(err: unknown): { message: string; code?: string } {
  const code = (err as { code?: unknown } | null)?.code;
  return {
    message: err instanceof Error ? err.message : String(err),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

/**
 * The thread's side of a `WorkerPool`: answers each message from `port` with `handle`'s result or
 * error, one task at a time in the order they came. The pool may send a task before the current
 * one ends, and a task that awaits (a route task reads its range in chunks) must not interleave
 * with the next one on the same partition files.
 */
export function serveTasks(
  port: MessagePort,
  handle: (message: {
    readonly id: number;
  }) => Promise<{ readonly result: unknown; readonly transfer?: ArrayBuffer[] }>,
): void {
  let tail: Promise<unknown> = Promise.resolve();
  // A handler that throws at once, or a result that cannot be posted, is answered as an error.
  const answer = (m: { readonly id: number }) =>
    Promise.resolve()
      .then(() => handle(m))
      .then(({ result, transfer }) => port.postMessage({ id: m.id, ok: true, result }, transfer ?? []))
      .catch((err: unknown) => port.postMessage({ id: m.id, ok: false, error: describeError(err) }));
  port.on('message', (m: { readonly id: number }) => {
    tail = tail.then(() => answer(m)).catch(() => undefined);
  });
}

/**
 * One worker on the main thread: tasks run one after the other, in the order given, and a task
 * that throws is answered as a worker's error would be (a `WorkerError` with its code).
 */
export class InlinePool implements TaskPool {
  private readonly handle: Handler;
  private tail: Promise<unknown> = Promise.resolve();
  private nextId = 1;
  readonly size = 1;
  readonly capacity = 1;

  constructor(handle: Handler) {
    this.handle = handle;
  }

  run<T>(message: object): Promise<T> {
    const id = this.nextId++;
    const answer = this.tail.then(() =>
      this.handle({ id, ...message }).then(
        ({ result }) => result as T,
        (err: unknown) => {
          const { message, code } = describeError(err);
          throw new WorkerError(message, code);
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
  /** Tasks given to each worker and not yet answered. */
  private readonly load = new Map<Worker, number>();
  private readonly queue: { message: unknown; transfer: TransferListItem[]; pending: Pending }[] = [];
  private readonly inFlight = new Map<Worker, Map<number, Pending>>();
  private readonly depth: number;
  private nextId = 1;
  private failure: Error | undefined;

  /**
   * Starts `size` workers of `url`, each given `init(i)` as its workerData. A worker is given up
   * to `depth` tasks at once (it runs them one after the other, worker.ts): with 2, the next task
   * is already there when one ends, even while the main thread is busy with its own.
   */
  constructor(
    size: number,
    url: URL,
    init: (i: number) => unknown,
    resourceLimits?: Worker['resourceLimits'],
    depth = 1,
  ) {
    this.depth = Math.max(1, depth);
    for (let i = 0; i < size; i++) {
      const worker = new Worker(url, { workerData: init(i), ...(resourceLimits ? { resourceLimits } : {}) });
      this.inFlight.set(worker, new Map());
      this.load.set(worker, 0);
      worker.on('message', (reply: Reply) => this.settle(worker, reply));
      worker.on('error', (err) => this.fail(worker, err instanceof Error ? err : new Error(String(err))));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(worker, new WorkerError(`a worker stopped (exit code ${code})`));
      });
      this.workers.push(worker);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  get capacity(): number {
    return this.workers.length * this.depth;
  }

  /** Why the pool stopped (a thread died), if it did. */
  get failed(): Error | undefined {
    return this.failure;
  }

  /** Whether a task given now would start on a thread rather than wait in the queue. */
  hasRoom(): boolean {
    return !this.failure && this.queue.length === 0 && this.freest() !== undefined;
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
    // A dead thread would never answer.
    if (this.failure) return Promise.reject(this.failure);
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

  /** The worker with the fewest tasks, if it has room for one more. */
  private freest(): Worker | undefined {
    let best: Worker | undefined;
    let least = this.depth;
    for (const worker of this.workers) {
      const n = this.load.get(worker) ?? 0;
      if (n < least) {
        least = n;
        best = worker;
      }
    }
    return best;
  }

  private dispatch(): void {
    if (this.failure) return;
    for (let worker = this.freest(); worker && this.queue.length; worker = this.freest()) {
      const job = this.queue.shift() as (typeof this.queue)[number];
      const id = this.nextId++;
      const w = worker;
      this.load.set(w, (this.load.get(w) ?? 0) + 1);
      const done = () => {
        this.load.set(w, (this.load.get(w) ?? 1) - 1);
        this.dispatch();
      };
      this.inFlight.get(w)?.set(id, {
        resolve: (v) => {
          done();
          job.pending.resolve(v);
        },
        reject: (e) => {
          done();
          job.pending.reject(e);
        },
      });
      w.postMessage({ id, ...(job.message as object) }, job.transfer);
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

/**
 * The main thread as one worker beside worker threads: on two cores, the main thread and one
 * thread rather than two threads and an idle main thread (one thread start fewer, and the main
 * thread's share of the results is not copied between threads; measured in docs/audit.md).
 *
 * Tasks go to the threads first, two to a thread (while the main thread runs a task it answers
 * no message, and a thread with its next task at hand does not wait for it), then to the main
 * thread when it is free. In the audit pass, which hands out only as many files as can run, the
 * main thread so gets about one file in three. Giving it a file before a thread's second kept
 * both cores busier (95% against 85%) for no measurable gain in time, and its heap, which has no
 * cap, peaked at 434 MB on a million administrations (docs/audit.md). Once a thread has died,
 * every task queued or given later is refused with its error.
 */
export class HybridPool implements TaskPool {
  private readonly inline: InlinePool;
  private readonly threads: WorkerPool;
  private readonly queue: { message: object; pending: Pending }[] = [];
  private inlineBusy = false;
  private closed = false;

  constructor(inline: InlinePool, threads: WorkerPool) {
    this.inline = inline;
    this.threads = threads;
  }

  get size(): number {
    return this.inline.size + this.threads.size;
  }

  get capacity(): number {
    return this.inline.capacity + this.threads.capacity;
  }

  run<T>(message: object): Promise<T> {
    if (this.closed) return Promise.reject(new WorkerError('the pool is closed'));
    const failed = this.threads.failed;
    if (failed) return Promise.reject(failed);
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ message, pending: { resolve, reject } });
      this.pump();
    });
  }

  /** Hands out queued tasks (see the class comment for the order). */
  private pump(): void {
    const failed = this.threads.failed;
    if (failed) {
      for (const job of this.queue.splice(0)) job.pending.reject(failed);
      return;
    }
    this.toThreads();
    if (this.queue.length && !this.inlineBusy) {
      const job = this.queue.shift() as (typeof this.queue)[number];
      this.inlineBusy = true;
      const done = () => {
        this.inlineBusy = false;
        if (!this.closed) this.pump();
      };
      // Runs in a later microtask, once this returns.
      settle(job.pending, this.inline.run(job.message), done);
    }
  }

  /** Gives queued tasks to threads with room for them. */
  private toThreads(): void {
    while (this.queue.length && this.threads.hasRoom()) {
      const job = this.queue.shift() as (typeof this.queue)[number];
      settle(job.pending, this.threads.run(job.message), () => this.pump());
    }
  }

  async broadcast<T>(message: object): Promise<T[]> {
    const [mine, theirs] = await Promise.all([
      this.inline.broadcast<T>(message),
      this.threads.broadcast<T>(message),
    ]);
    return [...mine, ...theirs];
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.pending.reject(new WorkerError('the pool is closed'));
    await Promise.all([this.inline.close(), this.threads.close()]);
  }
}

/** Passes a task's outcome on to whoever queued it, then calls `after`. */
function settle(pending: Pending, outcome: Promise<unknown>, after: () => void): void {
  outcome.then(
    (v) => {
      pending.resolve(v);
      after();
    },
    (e: unknown) => {
      pending.reject(e instanceof Error ? e : new Error(String(e)));
      after();
    },
  );
}
