/**
 * The audit's workers (src/audit/pool.ts): with one worker the tasks run on the main thread
 * (`InlinePool`), one after the other, their errors answered as a worker thread's would be; with
 * more, the main thread works beside worker threads (`HybridPool`), which are given their tasks
 * first and two at a time and still run them one after the other; the reports are the same,
 * byte for byte, whatever the number of workers.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { HybridPool, InlinePool, WorkerError, WorkerPool } from '../../src/audit/pool.ts';
import { runAudit } from '../../src/audit/run.ts';
import { AuditTasks, type TaskMessage } from '../../src/audit/worker-tasks.ts';
import { generated, tempDir } from './support.ts';

describe('InlinePool', () => {
  it('runs tasks one at a time in the order given, and carries on after one fails', async () => {
    const log: string[] = [];
    const pool = new InlinePool(async (m) => {
      const { kind } = m as unknown as { kind: string };
      log.push(`start ${kind}`);
      await new Promise((r) => setTimeout(r, kind === 'slow' ? 30 : 1));
      log.push(`end ${kind}`);
      if (kind === 'bad')
        throw Object.assign(new Error('the catalog is broken'), { code: 'catalog-invalid' });
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- a task that throws a non-Error
      if (kind === 'odd') throw 'not an Error';
      return { result: `${kind} done (id ${m.id})` };
    });
    const slow = pool.run<string>({ kind: 'slow' });
    const bad = pool.run<string>({ kind: 'bad' });
    const odd = pool.run<string>({ kind: 'odd' });
    const fast = pool.run<string>({ kind: 'fast' });
    expect(await slow).toBe('slow done (id 1)');
    const err = await bad.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WorkerError);
    expect(err).toMatchObject({ message: 'the catalog is broken', code: 'catalog-invalid' });
    expect(await odd.catch((e: unknown) => e)).toMatchObject({ message: 'not an Error', code: undefined });
    expect(await fast).toBe('fast done (id 4)');
    expect(await pool.broadcast({ kind: 'all' })).toEqual(['all done (id 5)']);
    await pool.close();
    expect(pool.size).toBe(1);
    // Never two at once: each task ended before the next started.
    expect(log).toEqual([
      'start slow',
      'end slow',
      'start bad',
      'end bad',
      'start odd',
      'end odd',
      'start fast',
      'end fast',
      'start all',
      'end all',
    ]);
  });
});

const TASK_WORKER = new URL('./task-worker.ts', import.meta.url);

describe('WorkerPool', () => {
  it('a thread given several tasks at once runs them one after the other, in order', async () => {
    const pool = new WorkerPool(1, TASK_WORKER, () => undefined, undefined, 3);
    try {
      // The first sleeps longest: had the thread started the others meanwhile, they would end first.
      const answers = await Promise.all([
        pool.run<string>({ kind: 'a', ms: 60 }),
        pool.run<string>({ kind: 'b', ms: 1 }),
        pool.run<string>({ kind: 'c', ms: 1 }),
      ]);
      expect(answers).toEqual(['thread a', 'thread b', 'thread c']);
      const [log] = await pool.broadcast<string[]>({ kind: 'log' });
      expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    } finally {
      await pool.close();
    }
  });

  it("answers a task's error, and a result that cannot be posted, as errors, and carries on", async () => {
    const pool = new WorkerPool(1, TASK_WORKER, () => undefined, undefined, 2);
    try {
      const [bad, odd, fine] = await Promise.allSettled([
        pool.run<string>({ kind: 'bad' }),
        pool.run<string>({ kind: 'uncloneable' }),
        pool.run<string>({ kind: 'fine' }),
      ]);
      expect(bad).toMatchObject({
        status: 'rejected',
        reason: { message: 'no such partition file', code: 'ENOENT' },
      });
      expect(bad.status === 'rejected' && bad.reason).toBeInstanceOf(WorkerError);
      expect(odd).toMatchObject({
        status: 'rejected',
        reason: { message: expect.stringMatching(/could not be cloned/) },
      });
      expect(fine).toEqual({ status: 'fulfilled', value: 'thread fine' });
    } finally {
      await pool.close();
    }
  });
});

describe('HybridPool', () => {
  function hybrid(mainLog: string[]) {
    const inline = new InlinePool(async (m) => {
      const { kind, ms } = m as unknown as { kind: string; ms?: number };
      mainLog.push(kind);
      await sleep(ms ?? 1);
      return { result: `main ${kind}` };
    });
    return new HybridPool(inline, new WorkerPool(1, TASK_WORKER, () => undefined, undefined, 2));
  }

  it('gives the thread its tasks first, two at a time, the main thread the next, and answers each', async () => {
    const mainLog: string[] = [];
    const pool = hybrid(mainLog);
    try {
      expect(pool.size).toBe(2);
      expect(pool.capacity).toBe(3);
      const kinds = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
      const answers = await Promise.all(kinds.map((kind) => pool.run<string>({ kind, ms: 20 })));
      // Each task answered once, by whoever ran it.
      expect(answers.map((a) => a.split(' ')[1])).toEqual(kinds);
      expect(answers.slice(0, 3)).toEqual(['thread a', 'thread b', 'main c']);
      const byMain = answers.filter((a) => a.startsWith('main ')).map((a) => a.slice(5));
      expect(byMain).toEqual(mainLog);
      expect(byMain.length).toBeGreaterThan(0);
      expect(byMain.length).toBeLessThan(kinds.length);
      // The thread never ran two at once, though it was given two.
      const [, threadLog] = await pool.broadcast<string[]>({ kind: 'log' });
      const ran = answers.filter((a) => a.startsWith('thread ')).map((a) => a.slice(7));
      expect(threadLog).toEqual(ran.flatMap((k) => [`start ${k}`, `end ${k}`]));
    } finally {
      await pool.close();
    }
  });

  it('refuses every task and broadcast once a thread has died, rather than wait for it', async () => {
    const pool = hybrid([]);
    try {
      await expect(pool.run({ kind: 'die' })).rejects.toThrow('a worker stopped (exit code 3)');
      // Neither moved quietly onto the main thread nor posted to the dead thread.
      await expect(pool.run({ kind: 'later' })).rejects.toThrow('a worker stopped (exit code 3)');
      await expect(pool.broadcast({ kind: 'log' })).rejects.toThrow('a worker stopped (exit code 3)');
    } finally {
      await pool.close();
    }
  });

  it("passes a thread's error on and carries on; once closed, what was still queued is refused", async () => {
    const pool = hybrid([]);
    const bad = pool.run<string>({ kind: 'bad' });
    expect(await bad.catch((e: unknown) => e)).toMatchObject({ code: 'ENOENT' });
    expect(await pool.run<string>({ kind: 'next' })).toBe('thread next');
    const many = ['a', 'b', 'c', 'd', 'e', 'f'].map((kind) => pool.run<string>({ kind, ms: 50 }));
    const settling = Promise.allSettled(many);
    await pool.close();
    const settled = await settling;
    // Nothing is left waiting: the last tasks were never started and say why.
    expect(settled.at(-1)).toMatchObject({ status: 'rejected', reason: { message: 'the pool is closed' } });
    await expect(pool.run({ kind: 'late' })).rejects.toThrow('the pool is closed');
  });
});

describe('a worker whose route task failed', () => {
  const dir = tempDir();
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const worker = () =>
    new AuditTasks({
      catalogDir: undefined,
      priceFiles: [],
      payerRulesFile: undefined,
      facilitiesFile: undefined,
      facilityTimeZone: undefined,
      now: '2026-12-02T12:00:00Z',
      range: { since: '2026-01-01', until: '2026-03-31' },
      layout: { lo: 0, hi: 65536, files: 4 },
      dir,
      segment: 0,
      targets: { csv: false, json: false },
      illustrative: false,
    });
  const route = (file: string): TaskMessage => ({
    id: 1,
    kind: 'route',
    task: {
      input: 0,
      range: 0,
      file: join(dir, file),
      start: 0,
      end: 1 << 20,
      phase: 'rest',
      reportBroken: true,
    },
  });

  it("refuses its later route tasks: none may report partition lengths that hold the failed one's lines", async () => {
    writeFileSync(join(dir, 'ok.ndjson'), '{"resourceType":"Patient","id":"p1"}\n');
    const failed = worker();
    await expect(failed.handle(route('missing.ndjson'))).rejects.toThrow(/ENOENT/);
    await expect(failed.handle(route('ok.ndjson'))).rejects.toThrow(/ENOENT/);
    // The same task on a worker that has not failed is routed.
    expect((await worker().handle(route('ok.ndjson'))).result).toMatchObject({ lines: 1 });
  });
});

describe('the audit on the main thread, beside threads or not', () => {
  const fixture = generated(150, 23);
  const work = tempDir();
  afterAll(() => {
    rmSync(work, { recursive: true, force: true });
    rmSync(fixture.dir, { recursive: true, force: true });
  });

  async function auditWith(workers: number) {
    const started: number[] = [];
    const onWorker = () => started.push(workers);
    process.on('worker', onWorker);
    try {
      const out = join(work, `w${workers}`);
      const r = await runAudit({
        since: fixture.answers.range.since,
        until: fixture.answers.range.until,
        ndjsonDir: fixture.dir,
        priceFiles: fixture.prices,
        env: {},
        workers,
        // Small partition files: several audit tasks, so that the threads share them out.
        fileBytes: 64 * 1024,
        csv: `${out}.csv`,
        json: `${out}.json`,
        clock: () => new Date('2026-12-02T12:00:00Z'),
        stdout: () => undefined,
        stderr: () => undefined,
      });
      expect(r.exitCode).toBe(0);
      const read = (f: string) => readFileSync(f, 'utf8');
      return {
        threads: started.length,
        csv: read(`${out}.csv`),
        lines: read(`${out}.lines.csv`),
        json: read(`${out}.json`),
      };
    } finally {
      process.off('worker', onWorker);
    }
  }

  it('starts one thread fewer than the workers, and writes the same reports with 1, 2 or 3', async () => {
    const inline = await auditWith(1);
    const two = await auditWith(2);
    const three = await auditWith(3);
    expect([inline.threads, two.threads, three.threads]).toEqual([0, 1, 2]);
    expect(inline.csv.split('\n').length).toBeGreaterThan(100);
    for (const other of [two, three]) {
      expect(other.csv).toBe(inline.csv);
      expect(other.lines).toBe(inline.lines);
      expect(other.json).toBe(inline.json);
    }
  });
});
