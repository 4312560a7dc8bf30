/**
 * NDJSON lines as bytes, in linear time and bounded memory, from a byte range of a file (so that
 * several workers read one large file at once) or from a whole gzipped file.
 *
 * A range `[start, end)` owns the lines that begin inside it: it skips the tail of the line it
 * starts in (the previous range owns it) and reads past `end` to finish its last line. Line
 * numbers count from the range's first line (1); the caller adds the lines of the ranges before.
 * A line longer than `maxLineBytes` is not kept: its bytes are skipped up to the next newline and
 * it is reported once, so one runaway line can neither exhaust memory nor stall the run.
 */
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';

/** Default cap on one NDJSON line (a FHIR resource of the types the audit reads is a few KB). */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;
const CHUNK = 1 << 20;

export interface LineSink {
  /** A non-empty line `buf[start, end)` (no newline, no CR), valid only during the call. */
  line(buf: Buffer, start: number, end: number, lineNo: number): void;
  /** Line `lineNo` is longer than the cap and was skipped. */
  tooLong(lineNo: number): void;
}

export interface LineRange {
  readonly start: number;
  /** Exclusive; Infinity for the whole file. */
  readonly end: number;
  readonly maxLineBytes?: number;
  /** Stop reading after this many lines (reading a file's first line only). */
  readonly maxLines?: number;
}

export async function readLineRange(
  file: string,
  range: LineRange,
  sink: LineSink,
  /** Awaited after each chunk's lines (lets progress and signals through). */
  afterChunk?: (bytesRead: number) => Promise<void> | void,
): Promise<{ lines: number; bytes: number }> {
  const gz = file.endsWith('.gz');
  if (gz && range.start !== 0) throw new Error('a gzipped file is read whole');
  const max = range.maxLineBytes ?? MAX_LINE_BYTES;
  // Start one byte early, to see whether `start` begins a line.
  const from = range.start > 0 ? range.start - 1 : 0;
  const raw = createReadStream(file, { highWaterMark: CHUNK, start: from });
  const stream = gz ? raw.pipe(createGunzip({ chunkSize: CHUNK })) : raw;

  /** Absolute position (in the decompressed stream) of the byte about to be read. */
  let pos = from;
  let skipping = range.start > 0;
  let lineNo = 0;
  let pieces: Buffer[] = [];
  let pending = 0;
  let tooLong = false;
  let bytes = 0;
  let done = false;

  const finish = (buf: Buffer, s: number, e: number) => {
    lineNo++;
    if (tooLong) sink.tooLong(lineNo);
    else {
      let line = buf;
      let a = s;
      let b = e;
      if (pieces.length) {
        line = Buffer.concat([...pieces, buf.subarray(s, e)]);
        a = 0;
        b = line.length;
      }
      if (b > a && line[b - 1] === 13) b--;
      if (b > a) sink.line(line, a, b, lineNo);
    }
    pieces = [];
    pending = 0;
    tooLong = false;
    if (range.maxLines !== undefined && lineNo >= range.maxLines) done = true;
  };

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      let at = 0;
      while (at < chunk.length && !done) {
        const nl = chunk.indexOf(10, at);
        const stop = nl < 0 ? chunk.length : nl;
        if (skipping) {
          // The tail of a line that began before this range.
          if (nl < 0) {
            at = chunk.length;
            break;
          }
          skipping = false;
          at = nl + 1;
          // The next line begins at pos + at: past the range, it belongs to the next one.
          if (pos + at >= range.end) done = true;
          continue;
        }
        if (nl < 0) {
          const n = chunk.length - at;
          if (!tooLong && pending + n > max) {
            tooLong = true;
            pieces = [];
          }
          if (!tooLong) pieces.push(Buffer.from(chunk.subarray(at)));
          pending += n;
          at = chunk.length;
          break;
        }
        if (!tooLong && pending + (stop - at) > max) tooLong = true;
        finish(chunk, at, stop);
        at = nl + 1;
        if (pos + at >= range.end) done = true;
      }
      pos += chunk.length;
      if (afterChunk) await afterChunk(chunk.length);
      if (done) break;
    }
    if (!done && !skipping && (pending > 0 || tooLong)) finish(Buffer.alloc(0), 0, 0);
  } finally {
    raw.destroy();
    if (gz) (stream as ReturnType<typeof createGunzip>).destroy();
  }
  return { lines: lineNo, bytes };
}

/** Size on disk, for progress and for sizing the partitions. */
export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * The resource type a file name announces, Bulk Data style (`Encounter.ndjson`,
 * `Encounter.2.ndjson`, `003.Encounter.ndjson`, `.gz` too); undefined for a mixed file.
 */
export function typeFromFileName(file: string): string | undefined {
  const parts = basename(file)
    .replace(/\.gz$/, '')
    .replace(/\.(ndjson|jsonl)$/, '')
    .split(/[.\-_]/);
  return parts.find((p) => /^[A-Z][a-z]+(?:[A-Z][a-z]+)*$/.test(p));
}

/**
 * JSON.parse's complaint without the excerpt of the line V8 quotes in it: the line may hold
 * patient data, and warnings go to stderr and into the reports.
 */
export function jsonErrorReason(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  const at = /at position (\d+)/.exec(message)?.[1];
  if (at !== undefined) return `not valid JSON (error at character ${Number(at) + 1})`;
  if (/end of JSON input/.test(message)) return 'not valid JSON (the line ends too early)';
  return 'not valid JSON';
}
