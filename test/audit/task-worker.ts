/**
 * A worker thread for test/audit/pool.test.ts: `serveTasks` with a handler that keeps a log of
 * when each task starts and ends, so that a test can see whether two tasks overlapped.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parentPort } from 'node:worker_threads';
import { serveTasks } from '../../src/audit/pool.ts';

interface TestTask {
  readonly id: number;
  readonly kind: string;
  readonly ms?: number;
}

const log: string[] = [];

if (parentPort)
  serveTasks(parentPort, async (message) => {
    const { id, kind, ms } = message as TestTask;
    if (kind === 'log') return { result: log.splice(0) };
    // In a worker thread, process.exit ends the thread (exit code 3), not the process.
    if (kind === 'die') process.exit(3);
    log.push(`start ${kind}`);
    await sleep(ms ?? 1);
    log.push(`end ${kind}`);
    if (kind === 'bad') throw Object.assign(new Error('no such partition file'), { code: 'ENOENT' });
    // A function cannot be posted: the pool must hear an error, not wait for ever.
    if (kind === 'uncloneable') return { result: () => id };
    return { result: `thread ${kind}` };
  });
