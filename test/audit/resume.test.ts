/**
 * Resumable: a run killed mid-way (SIGKILL: no handler runs, nothing is cleaned up) continues from
 * its checkpoint when the same command runs again, and ends with the reports an uninterrupted run
 * writes, byte for byte. Killed once during the partition pass, once during the audit pass.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

/**
 * The command's options. The killed children run two worker threads (a work folder as a threaded
 * run leaves it: a segment per worker, ranges finished out of order); the runs in this process
 * (the uninterrupted one, the resumed ones) run one worker on the main thread: the checkpoint does
 * not depend on the number of workers (it is not part of the work folder's fingerprint, and every
 * run takes segments of its own), and starting threads is not what is tested here.
 */
function options(prefix: string, scratch: string, workers = 1): AuditRunOptions {
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
    workers,
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

/**
 * A work folder as a child SIGKILLed once `when` held left it, kept aside untouched: each test
 * that starts from that state copies it into its own work folder. The work folder's name comes
 * from the command (the report paths are not part of it, only which reports are wanted) and the
 * checkpoint holds no path of the work folder, so a copy is the state the same command leaves.
 * Killing a child is most of a test's cost: one kill serves every test that needs that state.
 */
interface Killed {
  /** The killed child's work folder. */
  readonly kept: string;
  /** The killed child's report. */
  readonly json: string;
  readonly at: NdjsonCheckpoint;
}
const killed = new Map<string, Promise<Killed>>();

/** The killed state `name` copied into a new work folder `scratch`. */
async function startFrom(
  name: string,
  when: (cp: NdjsonCheckpoint) => boolean,
  scratch: string,
): Promise<Killed> {
  let state = killed.get(name);
  if (!state) {
    const kept = join(work, `killed-${name}`);
    mkdirSync(kept);
    const opts = options(`killed-${name}`, kept, 2);
    state = killWhen(opts, kept, when).then((at) => ({ kept, json: opts.json as string, at }));
    killed.set(name, state);
  }
  const k = await state;
  mkdirSync(scratch);
  cpSync(k.kept, scratch, { recursive: true });
  return k;
}

describe('an interrupted audit resumes to the same result', () => {
  // The uninterrupted run both resumed runs must equal, byte for byte (the same options but the
  // report names, which are not in the reports).
  beforeAll(async () => {
    const clean = await runAudit({
      ...options('clean', join(work)),
      clock: () => new Date(NOW),
      stdout: () => undefined,
    });
    expect(clean.exitCode).toBe(0);
  });

  const inAuditPass = (cp: NdjsonCheckpoint) => (cp.audit?.nextFile ?? 0) >= 3;

  it.each([
    ['during the partition pass', (cp: NdjsonCheckpoint) => !cp.pass1 && Object.keys(cp.done).length >= 3],
    ['during the audit pass', inAuditPass],
  ])('killed %s', async (what, when) => {
    const tag = what.replace(/\W+/g, '-');
    const scratch = join(work, `scratch-${tag}`);
    const opts = options(`resumed-${tag}`, scratch);
    const { at, json, kept } = await startFrom(tag, when, scratch);
    const files = at.layout.files;
    if (at.audit) expect(at.audit.nextFile).toBeLessThan(files);
    else expect(at.pass1).toBe(false);
    // Killed: no report, the work folder stays.
    expect(existsSync(json)).toBe(false);
    expect(readdirSync(kept)).toHaveLength(1);
    expect(readdirSync(scratch)).toEqual(readdirSync(kept));

    const err: string[] = [];
    const resumed = await runAudit({
      ...opts,
      clock: () => new Date(NOW),
      stdout: () => undefined,
      stderr: (t) => void err.push(t),
    });
    expect(err.join('')).toBe('');
    expect(resumed.exitCode).toBe(0);
    expect(read(opts.json as string)).toBe(read(join(work, 'clean.json')));
    expect(read(opts.csv as string)).toBe(read(join(work, 'clean.csv')));
    expect(read(join(work, `resumed-${tag}.lines.csv`))).toBe(read(join(work, 'clean.lines.csv')));
    expect(JSON.parse(read(opts.json as string)).totals.recoverableValue).toBe(
      fixture.answers.totals.recoverableValue,
    );
    expect(readdirSync(scratch)).toEqual([]);
  });

  it('--restart discards a checkpoint and starts over', async () => {
    const scratch = join(work, 'scratch-restart');
    const opts = options('restarted', scratch);
    // Killed in the audit pass (at its third partition file or later).
    await startFrom('during-the-audit-pass', inAuditPass, scratch);
    const before = checkpoint(scratch);
    expect(before?.audit?.nextFile).toBeGreaterThanOrEqual(2);
    const r = await runAudit({ ...opts, restart: true, clock: () => new Date(NOW), stdout: () => undefined });
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(read(opts.json as string)).totals.recoverableValue).toBe(
      fixture.answers.totals.recoverableValue,
    );
    // The run used that work folder (the same command's) and removed it when done.
    expect(readdirSync(scratch)).toEqual([]);
  });
});
