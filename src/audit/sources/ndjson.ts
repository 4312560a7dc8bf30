/**
 * The audit over NDJSON files (a Bulk Data export, or a folder from an earlier one), on every
 * core, in two passes so that memory stays flat however many administrations there are:
 *
 * 1. Partition (route.ts, in the workers): every file is cut into byte ranges; Encounter files
 *    first (every Encounter indexed: id -> partition), then the rest; each line is copied to its
 *    patient's partition file.
 * 2. Audit (group.ts, in the workers): one partition file per task; the main thread appends the
 *    rows in file order and adds up the totals.
 *
 * The checkpoint (checkpoint.ts) is saved after every range and every partition file, so that
 * an interrupted run carries on where it stopped.
 */
import {
  appendFileSync,
  closeSync,
  constants,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { emptyTotals, mergeTotals, type TotalsState } from '../accumulate.ts';
import { saveCheckpoint, CHECKPOINT_VERSION } from '../checkpoint.ts';
import { HybridPool, InlinePool, WorkerError, WorkerPool, type TaskPool } from '../pool.ts';
import { AUDIT_EXIT, AuditError } from '../errors.ts';
import type { Progress } from '../progress.ts';
import type { RowFiles, RowLengths } from '../report/files.ts';
import { logicalPartition, shardOf, shardRange, type Shard } from '../shard.ts';
import { addBrokenLineSample, addStats, emptyStats, type InputStats } from '../stats.ts';
import type { AuditReply, RouteReply, WorkerInit } from '../worker-tasks.ts';
import { HashIndex } from './hash-index.ts';
import { fileSize, readLineRange, typeFromFileName } from './lines.ts';
import { removePartitionFile, truncateSegment, type Layout } from './partition-store.ts';
import { USED, type RangeTask } from './route.ts';
import { scanLine } from './scan.ts';

/** Raw NDJSON per byte range of the partition pass (one worker task). */
export const DEFAULT_RANGE_BYTES = 32 * 1024 * 1024;
/** Raw NDJSON per partition file (one audit task, read whole). */
export const DEFAULT_FILE_BYTES = 8 * 1024 * 1024;
const MAX_FILES = 1024;
const WORKER_OLD_GENERATION_MB = 256;
const WORKER_YOUNG_GENERATION_MB = 16;

export interface NdjsonOptions {
  readonly files: readonly string[];
  /** The run's private work folder. */
  readonly dir: string;
  readonly shard: Shard;
  readonly workers: number;
  readonly init: Omit<WorkerInit, 'layout' | 'dir' | 'segment'>;
  readonly rows: RowFiles;
  readonly progress: Progress;
  /** A broken line this shard reports (`file:line: reason`). */
  readonly onBrokenLine: (where: string) => void;
  readonly rangeBytes?: number;
  readonly fileBytes?: number;
  readonly checkpointMs?: number;
  readonly fingerprint: string;
}

interface InputFile {
  readonly path: string;
  readonly type: string | undefined;
  /** Named after a type the audit does not use, and holding it: not read. */
  readonly skipped: boolean;
  readonly ranges: number;
}

interface DoneRange {
  readonly lines: number;
  /** Unreadable lines: how many, and the first ones. */
  readonly broken: number;
  readonly firstBroken: [number, string][];
  readonly administrations: number;
  readonly chargeItems: number;
  readonly claims: number;
}

export interface NdjsonCheckpoint {
  version: number;
  fingerprint: string;
  layout: Layout;
  inputs: InputFile[];
  rangeBytes: number;
  done: Record<string, DoneRange>;
  segments: Record<string, number[]>;
  nextSegment: number;
  indexBytes: { encounters: number; patients: number };
  pass1: boolean;
  audit?: {
    nextFile: number;
    rows: RowLengths;
    totals: TotalsState;
    stats: InputStats;
    descriptors: Record<string, string>;
  };
}

const FIRST_BROKEN_KEPT = 50;
/** How often the audit pass saves its checkpoint: the work redone after a stop is about this. */
export const DEFAULT_CHECKPOINT_MS = 1000;
const taskKey = (t: { phase: string; input: number; range: number }) => `${t.phase}:${t.input}:${t.range}`;

/** Encounter files first, so that every later line can find its encounter's partition. */
export function readingOrder(files: readonly string[]): string[] {
  const rank = (f: string) => (typeFromFileName(f) === 'Encounter' ? 0 : 1);
  return [...files].sort(
    (a, b) => rank(a) - rank(b) || (basename(a) < basename(b) ? -1 : basename(a) > basename(b) ? 1 : 0),
  );
}

async function firstType(file: string): Promise<string | undefined> {
  let type: string | undefined;
  await readLineRange(
    file,
    { start: 0, end: Infinity, maxLines: 1 },
    {
      line: (buf, s, e) => {
        const r = scanLine(buf, s, e);
        if (r.ok) type = r.value.resourceType;
      },
      tooLong: () => undefined,
    },
  );
  return type;
}

export async function plan(
  files: readonly string[],
  shard: Shard,
  rangeBytes: number,
  fileBytes: number,
): Promise<{ inputs: InputFile[]; layout: Layout }> {
  const inputs: InputFile[] = [];
  let total = 0;
  for (const path of readingOrder(files)) {
    const type = typeFromFileName(path);
    const size = fileSize(path);
    // A file named after a type the audit does not use (Patient.ndjson) is skipped unread once
    // its first line confirms the name.
    const skipped = type !== undefined && !USED.has(type) && (await firstType(path)) === type;
    const gz = path.endsWith('.gz');
    if (!skipped) total += size * (gz ? 8 : 1);
    inputs.push({
      path,
      type,
      skipped,
      ranges: skipped ? 0 : gz ? 1 : Math.max(1, Math.ceil(size / rangeBytes)),
    });
  }
  const { lo, hi } = shardRange(shard);
  const wanted = Math.ceil(total / shard.count / fileBytes);
  return { inputs, layout: { lo, hi, files: Math.max(1, Math.min(MAX_FILES, hi - lo, wanted)) } };
}

function tasksOf(
  inputs: readonly InputFile[],
  rangeBytes: number,
  phase: 'encounters' | 'rest',
): RangeTask[] {
  const tasks: RangeTask[] = [];
  for (const [input, f] of inputs.entries()) {
    if (f.skipped) continue;
    const isEncounters = f.type === 'Encounter';
    const mixed = f.type === undefined;
    if (phase === 'encounters' ? !(isEncounters || mixed) : isEncounters) continue;
    for (let range = 0; range < f.ranges; range++) {
      const start = range * rangeBytes;
      tasks.push({
        input,
        range,
        file: f.path,
        start,
        end: f.path.endsWith('.gz') ? Infinity : start + rangeBytes,
        phase,
        reportBroken: !(phase === 'encounters' && mixed),
      });
    }
  }
  return tasks;
}

function resetFile(path: string, length: number): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  try {
    ftruncateSync(fd, length);
  } finally {
    closeSync(fd);
  }
}

export async function runNdjson(
  opts: NdjsonOptions,
  resumed: NdjsonCheckpoint | undefined,
): Promise<{ totals: TotalsState; stats: InputStats; descriptors: Map<string, string> }> {
  const { dir, progress, shard } = opts;
  const rangeBytes = opts.rangeBytes ?? DEFAULT_RANGE_BYTES;
  let cp: NdjsonCheckpoint;
  if (resumed) {
    cp = resumed;
    // Cut every partition file back to the checkpoint (those already audited are gone).
    for (const [segment, lengths] of Object.entries(cp.segments))
      truncateSegment(dir, Number(segment), lengths, cp.audit?.nextFile ?? 0);
  } else {
    const { inputs, layout } = await plan(
      opts.files,
      shard,
      rangeBytes,
      opts.fileBytes ?? DEFAULT_FILE_BYTES,
    );
    cp = {
      version: CHECKPOINT_VERSION,
      fingerprint: opts.fingerprint,
      layout,
      inputs,
      rangeBytes,
      done: {},
      segments: {},
      nextSegment: 0,
      indexBytes: { encounters: 0, patients: 0 },
      pass1: false,
    };
  }
  const encountersIdx = join(dir, 'encounters.idx');
  const patientsIdx = join(dir, 'patients.idx');
  const medsDir = join(dir, 'medications');
  mkdirSync(medsDir, { recursive: true, mode: 0o700 });
  resetFile(encountersIdx, cp.indexBytes.encounters);
  resetFile(patientsIdx, cp.indexBytes.patients);

  const workers = Math.max(1, opts.workers);
  const first = cp.nextSegment;
  cp.nextSegment += workers;
  saveCheckpoint(dir, cp);
  const initOf = (i: number): WorkerInit => ({ ...opts.init, layout: cp.layout, dir, segment: first + i });
  // The main thread is one of the workers (HybridPool), so the engine is loaded here as in every
  // thread, and `--workers N` starts N - 1 threads.
  const { AuditTasks } = await import('../worker-tasks.ts');
  const tasks = new AuditTasks(initOf(0));
  const inline = new InlinePool((m) => tasks.handle(m as Parameters<typeof tasks.handle>[0]));
  const pool: TaskPool =
    workers === 1
      ? inline
      : new HybridPool(
          inline,
          new WorkerPool(
            workers - 1,
            new URL('../worker.ts', import.meta.url),
            (i) => initOf(i + 1),
            // Heap limits for the threads: without them, V8 sizes a thread's young generation and
            // lets its old generation grow as for a main thread, and two threads' heaps passed
            // 400 MB of RSS on a million administrations. The live set of a thread is the catalog
            // and one group of partitions.
            {
              maxOldGenerationSizeMb: WORKER_OLD_GENERATION_MB,
              maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB,
            },
            // Two tasks at a time: the next is at hand while the main thread, busy with its own
            // task, answers no message.
            2,
          ),
        );
  try {
    await pool.broadcast({ kind: 'ready' });
  } catch (err) {
    await pool.close();
    // The catalog or the price files could not be loaded: a configuration error.
    if (err instanceof WorkerError && err.code === 'catalog-invalid')
      throw new AuditError(err.message, 'audit-usage', AUDIT_EXIT.usage);
    throw err;
  }
  const segmentsOf = () =>
    Object.keys(cp.segments)
      .map(Number)
      .sort((a, b) => a - b);

  try {
    if (!cp.pass1) {
      const totalBytes = cp.inputs.reduce((s, f) => s + (f.skipped ? 0 : fileSize(f.path)), 0);
      progress.phase('reading', Math.max(1, Math.round(totalBytes / 1e6)), 'MB');
      let bytesDone = 0;
      const routeAll = async (phase: 'encounters' | 'rest') => {
        const todo = tasksOf(cp.inputs, cp.rangeBytes, phase).filter((t) => !cp.done[taskKey(t)]);
        await Promise.all(
          todo.map(async (task) => {
            const r = await pool.run<RouteReply>({ kind: 'route', task });
            if (phase === 'encounters') {
              if (r.encounterEntries.length) appendFileSync(encountersIdx, bytesOf(r.encounterEntries));
              if (r.patientEntries.length) appendFileSync(patientsIdx, bytesOf(r.patientEntries));
            }
            if (r.medications.length)
              writeFileSync(
                join(medsDir, `${task.input}-${task.range}.ndjson`),
                `${r.medications.join('\n')}\n`,
                { mode: 0o600 },
              );
            cp.done[taskKey(task)] = {
              lines: r.lines,
              broken: r.broken.length,
              firstBroken: r.broken.slice(0, FIRST_BROKEN_KEPT).map((b) => [b.line, b.reason]),
              administrations: r.administrations,
              chargeItems: r.chargeItems,
              claims: r.claims,
            };
            cp.segments[String(r.segment)] = r.segmentLengths;
            cp.indexBytes = { encounters: sizeOf(encountersIdx), patients: sizeOf(patientsIdx) };
            saveCheckpoint(dir, cp);
            bytesDone += Math.min(cp.rangeBytes, Math.max(0, fileSize(task.file) - task.start));
            progress.update(Math.round(bytesDone / 1e6), basename(task.file));
          }),
        );
      };
      await routeAll('encounters');

      // Built in shared memory: one copy for the main thread and every worker.
      await pool.broadcast({
        kind: 'index',
        encounters: HashIndex.sharedWith(readEntries(encountersIdx)).share(),
        patients: HashIndex.sharedWith(readEntries(patientsIdx)).share(),
      });
      await routeAll('rest');

      cp.pass1 = true;
      saveCheckpoint(dir, cp);
    }
    await pool.broadcast({ kind: 'close' });

    // Medications in input order (the last of an id wins, as it would reading the files in order).
    const meds: string[] = [];
    for (const [input, f] of cp.inputs.entries())
      for (let range = 0; range < f.ranges; range++) {
        const path = join(medsDir, `${input}-${range}.ndjson`);
        if (existsSync(path)) meds.push(readFileSync(path, 'utf8'));
      }
    const medications = join(dir, 'medications.ndjson');
    writeFileSync(medications, meds.join(''), { mode: 0o600 });
    await pool.broadcast({ kind: 'medications', file: medications });

    const stats = passOneStats(cp, opts);
    const audit = cp.audit ?? {
      nextFile: 0,
      rows: opts.rows.lengths(),
      totals: emptyTotals(),
      stats: emptyStats(),
      descriptors: {},
    };
    const segments = segmentsOf();
    const files = cp.layout.files;
    progress.phase('auditing', files, 'files');
    // Files are audited in parallel and appended in order; a result may wait its turn. No more
    // files are handed out past the first one not yet appended than can run at once: the waiting
    // results are held on the main thread, whose heap has no cap (twice as many pushed the peak
    // RSS on a million administrations from 369-391 MB to 383-446 MB, for no clear gain in time).
    const window = pool.capacity;
    const results = new Map<number, AuditReply>();
    let next = audit.nextFile;
    let launched = audit.nextFile;
    let failure: unknown;
    await new Promise<void>((resolve, reject) => {
      const launch = () => {
        while (!failure && launched < files && launched - next < window) {
          const file = launched++;
          pool.run<AuditReply>({ kind: 'audit', file, segments }).then(
            (r) => {
              results.set(file, r);
              try {
                drain();
              } catch (err) {
                failure ??= err;
                reject(err instanceof Error ? err : new Error(String(err)));
                return;
              }
              if (next >= files) resolve();
              else launch();
            },
            (err: unknown) => {
              failure ??= err;
              reject(err instanceof Error ? err : new Error('an audit task failed'));
            },
          );
        }
        if (next >= files) resolve();
      };
      // The checkpoint is saved at most every checkpointMs (and after the last file); audited
      // partition files are removed once a checkpoint no longer needs them.
      let unsaved: number[] = [];
      let savedAt = performance.now();
      const checkpoint = () => {
        audit.nextFile = next;
        audit.rows = opts.rows.lengths();
        cp.audit = audit;
        saveCheckpoint(dir, cp);
        savedAt = performance.now();
        for (const f of unsaved) removePartitionFile(dir, segments, f);
        unsaved = [];
      };
      const drain = () => {
        for (let r = results.get(next); r; r = results.get(next)) {
          results.delete(next);
          opts.rows.append(r.rows);
          mergeTotals(audit.totals, r.totals);
          Object.assign(audit.descriptors, r.descriptors);
          audit.stats.administrationsWithoutEncounter += r.withoutEncounter;
          for (const b of r.broken) {
            const where = `${cp.inputs[b.input]?.path ?? '?'}:${lineNumber(cp, b.input, b.range, b.line)}: ${b.reason}`;
            audit.stats.brokenLines++;
            addBrokenLineSample(audit.stats, where);
            opts.onBrokenLine(where);
          }
          unsaved.push(next);
          next++;
          if (next >= files || performance.now() - savedAt >= (opts.checkpointMs ?? DEFAULT_CHECKPOINT_MS))
            checkpoint();
          progress.update(next, `${audit.totals.encounters.toLocaleString('en-US')} encounters`);
        }
      };
      launch();
    });

    addStats(stats, audit.stats);
    return { totals: audit.totals, stats, descriptors: new Map(Object.entries(audit.descriptors)) };
  } finally {
    await pool.close();
  }
}

function sizeOf(path: string): number {
  return fileSize(path);
}

const bytesOf = (a: Uint32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** `[h1, h2, value]` triples written by this run (little-endian, as the workers sent them). */
function readEntries(path: string): Uint32Array {
  const bytes = readFileSync(path);
  const entries = new Uint32Array(Math.floor(bytes.length / 4));
  Buffer.from(entries.buffer).set(bytes.subarray(0, entries.length * 4));
  return entries;
}

/** The line number in the file of line `line` of range `range` (ranges before it add theirs). */
function lineNumber(cp: NdjsonCheckpoint, input: number, range: number, line: number): number {
  const f = cp.inputs[input];
  const phase = f?.type === 'Encounter' ? 'encounters' : 'rest';
  let before = 0;
  for (let r = 0; r < range; r++) before += cp.done[taskKey({ phase, input, range: r })]?.lines ?? 0;
  return before + line;
}

/** What pass 1 read, with its unreadable lines attributed to shards by range. */
function passOneStats(cp: NdjsonCheckpoint, opts: NdjsonOptions): InputStats {
  const stats = emptyStats();
  stats.files = cp.inputs.length;
  for (const [input, f] of cp.inputs.entries()) {
    if (f.skipped) continue;
    stats.bytes += fileSize(f.path);
    const phase = f.type === 'Encounter' ? 'encounters' : 'rest';
    for (let range = 0; range < f.ranges; range++) {
      const d = cp.done[taskKey({ phase, input, range })];
      if (!d) continue;
      stats.lines += d.lines;
      if (phase === 'rest') {
        stats.administrations += d.administrations;
        stats.chargeItems += d.chargeItems;
        stats.claims += d.claims;
      }
      if (!d.broken) continue;
      // Every shard reads every line: a range's unreadable lines are counted by one shard only.
      if (shardOf(logicalPartition(`${basename(f.path)}#${range}`), opts.shard.count) !== opts.shard.index)
        continue;
      stats.brokenLines += d.broken;
      for (const [line, reason] of d.firstBroken) {
        const where = `${f.path}:${lineNumber(cp, input, range, line)}: ${reason}`;
        addBrokenLineSample(stats, where);
        opts.onBrokenLine(where);
      }
    }
  }
  return stats;
}
