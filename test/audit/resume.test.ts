/**
 * Resumable: a run killed mid-way (SIGKILL: no handler runs, nothing is cleaned up) continues from
 * its checkpoint when the same command runs again, and ends with the reports an uninterrupted run
 * writes, byte for byte. Killed once during the partition pass, once during the audit pass.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAudit, type AuditRunOptions } from '../../src/audit/run.ts';
import type { NdjsonCheckpoint } from '../../src/audit/sources/ndjson.ts';
import { generated, tempDir } from './support.ts';

const CHILD = new URL('./audit-child.ts', import.meta.url).pathname;
const fixture = generated(3000, 17);
const work = tempDir();
const NOW = '2026-04-15T08:00:00.000Z';
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(fixture.dir, { recursive: true, force: true });
});

function options(prefix: string, scratch: string): AuditRunOptions {
  return {
    since: fixture.answers.range.since,
    until: fixture.answers.range.until,
    ndjsonDir: fixture.dir,
    priceFiles: fixture.prices,
    json: join(work, `${prefix}.json`),
    csv: join(work, `${prefix}.csv`),
    env: {},
    workDir: scratch,
    // Small ranges and partition files: many checkpoints to stop between.
    rangeBytes: 256 * 1024,
    fileBytes: 48 * 1024,
    workers: 2,
    checkpointMs: 0,
  };
}

function checkpoint(scratch: string): NdjsonCheckpoint | undefined {
  const [folder] = existsSync(scratch) ? readdirSync(scratch) : [];
  const path = folder ? join(scratch, folder, 'checkpoint.json') : undefined;
  if (!path || !existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as NdjsonCheckpoint;
  } catch {
    return undefined; // being replaced
  }
}

/** Starts the audit in a child and kills it (SIGKILL) once `when` holds for its checkpoint. */
async function killWhen(
  opts: AuditRunOptions,
  scratch: string,
  when: (cp: NdjsonCheckpoint) => boolean,
): Promise<NdjsonCheckpoint> {
  const child = spawn(process.execPath, [CHILD, JSON.stringify({ ...opts, now: NOW })], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let seen: NdjsonCheckpoint | undefined;
  for (let i = 0; i < 3000; i++) {
    const cp = checkpoint(scratch);
    if (cp && when(cp)) {
      child.kill('SIGKILL');
      seen = cp;
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  await exited;
  if (!seen) throw new Error('the child finished before it could be interrupted');
  return seen;
}

const read = (f: string) => readFileSync(f, 'utf8');

describe('an interrupted audit resumes to the same result', () => {
  it.each([
    ['during the partition pass', (cp: NdjsonCheckpoint) => !cp.pass1 && Object.keys(cp.done).length >= 3],
    ['during the audit pass', (cp: NdjsonCheckpoint) => (cp.audit?.nextFile ?? 0) >= 3],
  ])('killed %s', async (what, when) => {
    const tag = what.replace(/\W+/g, '-');
    const scratch = join(work, `scratch-${tag}`);
    mkdirSync(scratch);
    const clean = await runAudit({
      ...options(`clean-${tag}`, join(work)),
      clock: () => new Date(NOW),
      stdout: () => undefined,
    });
    expect(clean.exitCode).toBe(0);

    const opts = options(`resumed-${tag}`, scratch);
    const at = await killWhen(opts, scratch, when);
    const files = at.layout.files;
    if (at.audit) expect(at.audit.nextFile).toBeLessThan(files);
    else expect(at.pass1).toBe(false);
    // Killed: no report, the work folder stays.
    expect(existsSync(opts.json as string)).toBe(false);
    expect(readdirSync(scratch)).toHaveLength(1);

    const err: string[] = [];
    const resumed = await runAudit({
      ...opts,
      clock: () => new Date(NOW),
      stdout: () => undefined,
      stderr: (t) => void err.push(t),
    });
    expect(err.join('')).toBe('');
    expect(resumed.exitCode).toBe(0);
    expect(read(opts.json as string)).toBe(read(join(work, `clean-${tag}.json`)));
    expect(read(opts.csv as string)).toBe(read(join(work, `clean-${tag}.csv`)));
    expect(read(join(work, `resumed-${tag}.lines.csv`))).toBe(read(join(work, `clean-${tag}.lines.csv`)));
    expect(JSON.parse(read(opts.json as string)).totals.recoverableValue).toBe(
      fixture.answers.totals.recoverableValue,
    );
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('--restart discards a checkpoint and starts over', async () => {
    const scratch = join(work, 'scratch-restart');
    mkdirSync(scratch);
    const opts = options('restarted', scratch);
    await killWhen(opts, scratch, (cp) => (cp.audit?.nextFile ?? 0) >= 2);
    const before = checkpoint(scratch);
    expect(before?.audit?.nextFile).toBeGreaterThanOrEqual(2);
    const r = await runAudit({ ...opts, restart: true, clock: () => new Date(NOW), stdout: () => undefined });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(read(opts.json as string)).totals.recoverableValue).toBe(
      fixture.answers.totals.recoverableValue,
    );
  });
});
