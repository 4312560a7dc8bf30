/**
 * Disk partitions for the NDJSON audit. Every resource line is copied, as bytes, into the file
 * that holds its logical partition (the patient's: shard.ts), so that each file holds whole
 * encounters with everything they need and can be audited alone, in memory bounded by its size.
 *
 * Files cover contiguous blocks of logical partitions (`fileOf`), so that auditing the files in
 * order audits the partitions in order. Each worker of the partition pass writes its own set of
 * files (a segment); a file of the audit pass is the same-numbered file of every segment. A
 * record is a 16-byte header (length, logical partition, where the line came from: file, range
 * and line number) and the line's bytes, less its top-level `meta` and `text`.
 */
import { isUtf8 } from 'node:buffer';
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

export const HEADER_BYTES = 16;
const BUFFER_BYTES = 32 * 1024;
const SPACE = 0x20;

/** Logical partitions `[lo, hi)` spread over `files` files. */
export interface Layout {
  readonly lo: number;
  readonly hi: number;
  readonly files: number;
}

export function fileOf(layout: Layout, partition: number): number {
  return Math.floor(((partition - layout.lo) * layout.files) / (layout.hi - layout.lo));
}

export function segmentFile(dir: string, segment: number, file: number): string {
  return join(dir, `segment-${segment}`, `${String(file).padStart(4, '0')}.bin`);
}

const OPEN_APPEND = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NOFOLLOW;

/** One worker's partition files, appended synchronously (the worker is its own thread). */
export class SegmentWriter {
  private readonly dir: string;
  private readonly segment: number;
  private readonly layout: Layout;
  private readonly fds: (number | undefined)[];
  private readonly buffers: (Buffer | undefined)[];
  private readonly used: number[];
  private readonly written: number[];

  constructor(dir: string, segment: number, layout: Layout) {
    this.dir = dir;
    this.segment = segment;
    this.layout = layout;
    this.fds = new Array<number | undefined>(layout.files).fill(undefined);
    this.buffers = new Array<Buffer | undefined>(layout.files).fill(undefined);
    this.used = new Array<number>(layout.files).fill(0);
    this.written = new Array<number>(layout.files).fill(0);
    mkdirSync(join(dir, `segment-${segment}`), { recursive: true, mode: 0o700 });
  }

  /**
   * Appends the bytes `src[start, end)`, less the `skip` ranges (ordered, inside it), as a record
   * of logical partition `partition`, from line `line` of range `range` of input file `input`.
   */
  write(
    partition: number,
    input: number,
    range: number,
    line: number,
    src: Buffer,
    start: number,
    end: number,
    skip: readonly (readonly [number, number])[] | undefined,
  ): void {
    const file = fileOf(this.layout, partition);
    let length = end - start;
    if (skip) for (const [a, b] of skip) length -= b - a;
    const size = HEADER_BYTES + length;
    if ((this.used[file] as number) + size > BUFFER_BYTES) this.flushFile(file);
    if (size > BUFFER_BYTES) {
      const header = Buffer.allocUnsafe(HEADER_BYTES);
      writeHeader(header, 0, length, partition, input, range, line);
      const parts: Uint8Array[] = [header];
      let from = start;
      for (const [a, b] of skip ?? []) {
        parts.push(src.subarray(from, a));
        from = b;
      }
      parts.push(src.subarray(from, end));
      this.append(file, Buffer.concat(parts));
      return;
    }
    let buffer = this.buffers[file];
    if (!buffer) this.buffers[file] = buffer = Buffer.allocUnsafe(BUFFER_BYTES);
    let at = this.used[file] as number;
    writeHeader(buffer, at, length, partition, input, range, line);
    at += HEADER_BYTES;
    let from = start;
    for (const [a, b] of skip ?? []) {
      at += src.copy(buffer, at, from, a);
      from = b;
    }
    at += src.copy(buffer, at, from, end);
    this.used[file] = at;
  }

  private append(file: number, bytes: Uint8Array): void {
    let fd = this.fds[file];
    if (fd === undefined)
      this.fds[file] = fd = openSync(segmentFile(this.dir, this.segment, file), OPEN_APPEND, 0o600);
    for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
    this.written[file] = (this.written[file] as number) + bytes.length;
  }

  private flushFile(file: number): void {
    const used = this.used[file] as number;
    const buffer = this.buffers[file];
    if (!used || !buffer) return;
    this.append(file, buffer.subarray(0, used));
    this.used[file] = 0;
  }

  /** Writes every buffer out; returns each file's length (for the checkpoint). */
  flush(): number[] {
    for (let f = 0; f < this.layout.files; f++) this.flushFile(f);
    return [...this.written];
  }

  close(): void {
    this.flush();
    for (const fd of this.fds) if (fd !== undefined) closeSync(fd);
    this.fds.fill(undefined);
    this.buffers.fill(undefined);
  }
}

function writeHeader(
  b: Buffer,
  at: number,
  length: number,
  partition: number,
  input: number,
  range: number,
  line: number,
): void {
  b.writeUInt32LE(length, at);
  b.writeUInt16LE(partition, at + 4);
  b.writeUInt16LE(input, at + 6);
  b.writeUInt32LE(range, at + 8);
  b.writeUInt32LE(line, at + 12);
}

/**
 * Cuts a segment's files back to their lengths at the last checkpoint (a resumed run); files
 * before `from` were audited and removed.
 */
export function truncateSegment(dir: string, segment: number, lengths: readonly number[], from = 0): void {
  for (const [file, length] of lengths.entries()) {
    if (file < from) continue;
    const path = segmentFile(dir, segment, file);
    if (!existsSync(path)) {
      if (length > 0)
        throw new Error(`a checkpointed partition file is missing (${path}): run again with --restart`);
      continue;
    }
    const fd = openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW);
    try {
      if (fstatSync(fd).size < length)
        throw new Error(
          `a checkpointed partition file is shorter than recorded (${path}): run again with --restart`,
        );
      ftruncateSync(fd, length);
    } finally {
      closeSync(fd);
    }
  }
}

/** The records of one partition file, in partition and input order. */
export interface PartitionRecords {
  readonly bytes: Buffer;
  /** Record indexes in order: partition, then input file, range and line. */
  readonly order: Uint32Array;
  readonly start: Uint32Array;
  readonly end: Uint32Array;
  readonly partition: Uint16Array;
  readonly input: Uint16Array;
  readonly range: Uint32Array;
  readonly line: Uint32Array;
  /** Every record is valid UTF-8 (checked once for the whole file; else record by record). */
  readonly utf8: boolean;
}

/** Reads file `file` of every segment into `buffer` (grown when needed) and orders its records. */
export function readPartitionFile(
  dir: string,
  segments: readonly number[],
  file: number,
  reuse: { buffer: Buffer },
): PartitionRecords {
  const fds: [number, number][] = [];
  let total = 0;
  try {
    for (const s of segments) {
      const path = segmentFile(dir, s, file);
      if (!existsSync(path)) continue;
      const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
      const size = fstatSync(fd).size;
      fds.push([fd, size]);
      total += size;
    }
    if (reuse.buffer.length < total)
      reuse.buffer = Buffer.allocUnsafeSlow(Math.max(total, reuse.buffer.length * 2));
    let at = 0;
    for (const [fd, size] of fds) {
      let done = 0;
      while (done < size) {
        const n = readSync(fd, reuse.buffer, at + done, size - done, done);
        if (n === 0) break;
        done += n;
      }
      at += done;
    }
    total = at;
  } finally {
    for (const [fd] of fds) closeSync(fd);
  }
  const bytes = reuse.buffer.subarray(0, total);
  let count = 0;
  for (let at = 0; at + HEADER_BYTES <= total; at += HEADER_BYTES + bytes.readUInt32LE(at)) count++;
  const start = new Uint32Array(count);
  const end = new Uint32Array(count);
  const partition = new Uint16Array(count);
  const input = new Uint16Array(count);
  const range = new Uint32Array(count);
  const line = new Uint32Array(count);
  let i = 0;
  for (let at = 0; at + HEADER_BYTES <= total && i < count; i++) {
    const length = bytes.readUInt32LE(at);
    partition[i] = bytes.readUInt16LE(at + 4);
    input[i] = bytes.readUInt16LE(at + 6);
    range[i] = bytes.readUInt32LE(at + 8);
    line[i] = bytes.readUInt32LE(at + 12);
    start[i] = at + HEADER_BYTES;
    end[i] = at + HEADER_BYTES + length;
    at = end[i] as number;
  }
  // The headers blanked out (their fields are read): if the whole file is then valid UTF-8, so is
  // every record, as each lies between ASCII spaces (always whole characters) or the file's ends.
  // One check of the file instead of one per record.
  for (let k = 0; k < count; k++) bytes.fill(SPACE, (start[k] as number) - HEADER_BYTES, start[k] as number);
  const utf8 = isUtf8(bytes);
  const order = new Uint32Array(count);
  for (let k = 0; k < count; k++) order[k] = k;
  order.sort(
    (x, y) =>
      (partition[x] as number) - (partition[y] as number) ||
      (input[x] as number) - (input[y] as number) ||
      (range[x] as number) - (range[y] as number) ||
      (line[x] as number) - (line[y] as number),
  );
  return { bytes, order, start, end, partition, input, range, line, utf8 };
}

/** Deletes file `file` of every segment (audited: its disk space is given back at once). */
export function removePartitionFile(dir: string, segments: readonly number[], file: number): void {
  for (const s of segments) rmSync(segmentFile(dir, s, file), { force: true });
}
