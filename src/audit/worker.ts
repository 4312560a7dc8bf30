/**
 * A worker thread of the NDJSON audit: runs the tasks of worker-tasks.ts that the main thread
 * sends (pool.ts), one at a time, and answers each with its result or its error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { AuditTasks, type TaskMessage, type WorkerInit } from './worker-tasks.ts';

const tasks = new AuditTasks(workerData as WorkerInit);

parentPort?.on('message', (m: TaskMessage & { readonly id: number }) => {
  tasks.handle(m).then(
    ({ result, transfer }) => parentPort?.postMessage({ id: m.id, ok: true, result }, transfer ?? []),
    (err: unknown) =>
      parentPort?.postMessage({
        id: m.id,
        ok: false,
        error: {
          message: err instanceof Error ? err.message : String(err),
          ...(typeof (err as { code?: unknown })?.code === 'string'
            ? { code: (err as { code: string }).code }
            : {}),
        },
      }),
  );
});
