/**
 * A worker thread of the NDJSON audit: runs the tasks of worker-tasks.ts that the main thread
 * sends (pool.ts), one at a time in the order they came, and answers each with its result or its
 * error.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveTasks } from './pool.ts';
import { AuditTasks, type TaskMessage, type WorkerInit } from './worker-tasks.ts';

const tasks = new AuditTasks(workerData as WorkerInit);

if (parentPort) serveTasks(parentPort, (m) => tasks.handle(m as TaskMessage));
