/**
 * Disk partitions for the NDJSON audit: every resource line goes to one of N partitions chosen
 * by its patient (or its encounter's patient), so that each partition holds whole encounters
 * with everything they need and can be audited alone, in memory bounded by the partition size.
 */
import { closeSync, fstatSync, openSync, readSync, rm, write } from 'node:fs';
import { join } from 'node:path';

/** FNV-1a, 32 bits. */
export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A second, independent 32-bit hash (murmur3 finaliser over FNV with another seed). */
function hash2(s: string): number {
  let h = fnv1a(s, 0x9747b28c);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * String -> small integer map in typed arrays, keyed by two 32-bit hashes of the string (about
 * 11 bytes per entry instead of ~70 for a Map of strings). A false match needs both hashes to
 * collide: with a million keys, odds of about 1 in 10^7 over the whole run.
 */
export class CompactIndex {
  private a: Uint32Array;
  private b: Uint32Array;
  private values: Uint16Array;
  private used: Uint8Array;
  private count = 0;

  constructor(capacity = 1 << 16) {
    this.a = new Uint32Array(capacity);
    this.b = new Uint32Array(capacity);
    this.values = new Uint16Array(capacity);
    this.used = new Uint8Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  set(key: string, value: number): void {
    if ((this.count + 1) * 10 > this.a.length * 7) this.grow();
    this.put(fnv1a(key), hash2(key), value);
  }

  get(key: string): number | undefined {
    const h1 = fnv1a(key);
    const h2 = hash2(key);
    const mask = this.a.length - 1;
    for (let i = h1 & mask; this.used[i]; i = (i + 1) & mask) {
      if (this.a[i] === h1 && this.b[i] === h2) return this.values[i];
    }
    return undefined;
  }

  private put(h1: number, h2: number, value: number): void {
    const mask = this.a.length - 1;
    let i = h1 & mask;
    for (; this.used[i]; i = (i + 1) & mask) {
      if (this.a[i] === h1 && this.b[i] === h2) {
        this.values[i] = value;
        return;
      }
    }
    this.used[i] = 1;
    this.a[i] = h1;
    this.b[i] = h2;
    this.values[i] = value;
    this.count++;
  }

  private grow(): void {
    const { a, b, values, used } = this;
    const capacity = a.length * 2;
    this.a = new Uint32Array(capacity);
    this.b = new Uint32Array(capacity);
    this.values = new Uint16Array(capacity);
    this.used = new Uint8Array(capacity);
    this.count = 0;
    for (let i = 0; i < a.length; i++)
      if (used[i]) this.put(a[i] as number, b[i] as number, values[i] as number);
  }
}

const BUFFER_BYTES = 64 * 1024;
/** Background writes allowed to wait before the scan pauses (64 KB each). */
const MAX_IN_FLIGHT = 64;

function writeAll(fd: number, bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (offset: number) =>
      write(fd, bytes, offset, bytes.length - offset, null, (err, n) => {
        if (err) reject(err);
        else if (offset + n < bytes.length) step(offset + n);
        else resolve();
      });
    step(0);
  });
}

/** A resource line in a partition file: `[start, end)` bytes, and where its origin is noted. */
export interface PartitionLine {
  readonly start: number;
  readonly end: number;
  readonly originStart: number;
}

/**
 * Partitions on disk: `total` partitions stored in `files` files (partition p in file
 * p % files), each line prefixed with its partition and its origin ("<p> <origin>\t"). A file
 * is read whole and split by partition in memory, so partitions can be small (cheap to audit,
 * short-lived in the heap) while the number of open files stays small. Lines are copied into a
 * byte buffer per file at once (keeping the line strings instead would keep alive the whole read
 * chunks they are slices of), and full buffers are written in the background, in order per file,
 * while the next input is scanned.
 */
export class Partitions {
  readonly files: number;
  readonly total: number;
  private readonly dir: string;
  private readonly fds: (number | undefined)[];
  private readonly buffers: (Buffer | undefined)[];
  private readonly used: number[];
  /** The background writes of each file, chained so that they land in order. */
  private readonly chains: (Promise<void> | undefined)[];
  private readonly spare: Buffer[] = [];
  private inFlight = 0;
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  /** One read buffer, reused for every file: allocating a large buffer per file fragments the native heap. */
  private readBuffer: Buffer | undefined;

  constructor(dir: string, files: number, perFile: number) {
    if (files * perFile > 65_535) throw new Error('too many partitions');
    this.dir = dir;
    this.files = files;
    this.total = files * perFile;
    this.fds = new Array<number | undefined>(files).fill(undefined);
    this.buffers = new Array<Buffer | undefined>(files).fill(undefined);
    this.used = new Array<number>(files).fill(0);
    this.chains = new Array<Promise<void> | undefined>(files).fill(undefined);
  }

  partitionOf(key: string): number {
    return fnv1a(key) % this.total;
  }

  path(file: number): string {
    return join(this.dir, `partition-${String(file).padStart(4, '0')}.ndjson`);
  }

  /**
   * Appends the bytes `src[start, end)`, less the `skip` ranges (ordered, inside it), as a line
   * of `partition`, noting `origin` (ASCII, no space or tab).
   */
  write(
    partition: number,
    origin: string,
    src: Buffer,
    start: number,
    end: number,
    skip: readonly (readonly [number, number])[] = [],
  ): void {
    const file = partition % this.files;
    const prefix = `${partition} ${origin}\t`;
    const pieces: [number, number][] = [];
    let from = start;
    for (const [a, b] of skip) {
      pieces.push([from, a]);
      from = b;
    }
    pieces.push([from, end]);
    let size = prefix.length + 1;
    for (const [a, b] of pieces) size += b - a;
    if ((this.used[file] as number) + size > BUFFER_BYTES) this.flush(file);
    // After the flush: a flushed buffer belongs to its background write until it completes.
    let buffer = this.buffers[file];
    if (!buffer) this.buffers[file] = buffer = this.spare.pop() ?? Buffer.allocUnsafe(BUFFER_BYTES);
    if (size > BUFFER_BYTES) {
      const parts = [
        Buffer.from(prefix, 'latin1'),
        ...pieces.map(([a, b]) => src.subarray(a, b)),
        Buffer.from('\n'),
      ];
      this.append(file, Buffer.concat(parts));
      return;
    }
    let at = this.used[file] as number;
    at += buffer.write(prefix, at, 'latin1');
    for (const [a, b] of pieces) at += src.copy(buffer, at, a, b);
    buffer[at++] = 10;
    this.used[file] = at;
  }

  private append(file: number, bytes: Buffer, recycle?: Buffer): void {
    let fd = this.fds[file];
    if (fd === undefined) this.fds[file] = fd = openSync(this.path(file), 'w');
    const target = fd;
    this.inFlight++;
    const done = () => {
      this.inFlight--;
      this.wake?.();
    };
    this.chains[file] = (this.chains[file] ?? Promise.resolve()).then(() =>
      writeAll(target, bytes).then(
        () => {
          if (recycle) this.spare.push(recycle);
          done();
        },
        (err: unknown) => {
          this.failure ??= err instanceof Error ? err : new Error(String(err));
          done();
        },
      ),
    );
  }

  private flush(file: number): void {
    const used = this.used[file] as number;
    const buffer = this.buffers[file];
    if (!used || !buffer) return;
    this.append(file, buffer.subarray(0, used), buffer);
    this.buffers[file] = undefined;
    this.used[file] = 0;
  }

  /** Waits while too many background writes are queued (between input chunks). */
  async drain(): Promise<void> {
    while (this.inFlight > MAX_IN_FLIGHT && !this.failure) {
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    this.wake = undefined;
    if (this.failure) throw this.failure;
  }

  /** Flushes, waits for every write and closes every file; returns whether each one exists. */
  async close(): Promise<boolean[]> {
    for (let i = 0; i < this.files; i++) this.flush(i);
    await Promise.all(this.chains.filter((c): c is Promise<void> => c !== undefined));
    const present: boolean[] = [];
    for (let i = 0; i < this.files; i++) {
      const fd = this.fds[i];
      if (fd !== undefined) closeSync(fd);
      this.fds[i] = undefined;
      this.buffers[i] = undefined;
      present.push(fd !== undefined);
    }
    this.spare.length = 0;
    if (this.failure) throw this.failure;
    return present;
  }

  /**
   * The lines of one file grouped by partition, in partition order: each group lists
   * `[start, end)` byte ranges of the resources in `bytes`, with their origins.
   */
  read(file: number): { bytes: Buffer; groups: { partition: number; lines: PartitionLine[] }[] } {
    const bytes = this.readWhole(this.path(file));
    const byPartition = new Map<number, PartitionLine[]>();
    for (let at = 0; at < bytes.length;) {
      let nl = bytes.indexOf(10, at);
      if (nl < 0) nl = bytes.length;
      // "<partition> <origin>\t<resource>": the number by hand, the origin only if ever needed.
      let partition = 0;
      let i = at;
      for (let c = bytes[i] as number; c !== 32; c = bytes[++i] as number)
        partition = partition * 10 + (c - 48);
      const tab = bytes.indexOf(9, i);
      const line: PartitionLine = { start: tab + 1, end: nl, originStart: i + 1 };
      const list = byPartition.get(partition);
      if (list) list.push(line);
      else byPartition.set(partition, [line]);
      at = nl + 1;
    }
    const groups = [...byPartition.entries()]
      .sort(([a], [b]) => a - b)
      .map(([partition, lines]) => ({ partition, lines }));
    return { bytes, groups };
  }

  /** The origin noted for a line (in `bytes`, as returned by `read`). */
  static origin(bytes: Buffer, line: PartitionLine): string {
    return bytes.toString('latin1', line.originStart, line.start - 1);
  }

  private readWhole(path: string): Buffer {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      if (!this.readBuffer || this.readBuffer.length < size)
        this.readBuffer = Buffer.allocUnsafeSlow(Math.max(size, 1 << 20));
      let read = 0;
      while (read < size) {
        const n = readSync(fd, this.readBuffer, read, size - read, read);
        if (n === 0) break;
        read += n;
      }
      return this.readBuffer.subarray(0, read);
    } finally {
      closeSync(fd);
    }
  }

  /** Deletes a file in the background (the audit need not wait for the disk). */
  remove(file: number): void {
    rm(this.path(file), { force: true }, () => undefined);
  }
}
