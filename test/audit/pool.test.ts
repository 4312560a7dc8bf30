/**
 * The audit's workers (src/audit/pool.ts): with one worker the tasks run on the main thread
 * (`InlinePool`), one after the other, their errors answered as a worker thread's would be; the
 * reports are those of worker threads, byte for byte.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InlinePool, WorkerError } from '../../src/audit/pool.ts';
import { runAudit } from '../../src/audit/run.ts';
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

describe('one worker audits on the main thread', () => {
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

  it('starts no thread with one worker, and writes the reports two threads write', async () => {
    const inline = await auditWith(1);
    const threads = await auditWith(2);
    expect(inline.threads).toBe(0);
    expect(threads.threads).toBe(2);
    expect(inline.csv.split('\n').length).toBeGreaterThan(100);
    expect(inline.csv).toBe(threads.csv);
    expect(inline.lines).toBe(threads.lines);
    expect(inline.json).toBe(threads.json);
  });
});
