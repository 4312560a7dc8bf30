/**
 * Disk partitions for the NDJSON audit: every resource line goes to one of N bucket files chosen
 * by its patient (or its encounter's patient), so that each bucket holds whole encounters with
 * everything they need and can be audited alone, in memory bounded by the bucket size.
 */
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
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
    for (let i = 0; i < a.length; i++) if (used[i]) this.put(a[i] as number, b[i] as number, values[i] as number);
  }
}

const FLUSH_BYTES = 64 * 1024;

/** N append-only bucket files, written through small per-bucket buffers. */
export class BucketFiles {
  readonly count: number;
  private readonly dir: string;
  private readonly fds: (number | undefined)[];
  private readonly parts: string[][];
  private readonly sizes: number[];
  readonly lines: number[];

  constructor(dir: string, count: number) {
    this.dir = dir;
    this.count = count;
    this.fds = new Array<number | undefined>(count).fill(undefined);
    this.parts = Array.from({ length: count }, () => []);
    this.sizes = new Array<number>(count).fill(0);
    this.lines = new Array<number>(count).fill(0);
  }

  bucketOf(key: string): number {
    return fnv1a(key) % this.count;
  }

  path(bucket: number): string {
    return join(this.dir, `bucket-${String(bucket).padStart(4, '0')}.ndjson`);
  }

  write(bucket: number, line: string): void {
    const parts = this.parts[bucket] as string[];
    parts.push(line, '\n');
    this.lines[bucket] = (this.lines[bucket] as number) + 1;
    const size = (this.sizes[bucket] as number) + line.length + 1;
    if (size >= FLUSH_BYTES) this.flush(bucket);
    else this.sizes[bucket] = size;
  }

  private flush(bucket: number): void {
    const parts = this.parts[bucket] as string[];
    if (!parts.length) return;
    let fd = this.fds[bucket];
    if (fd === undefined) this.fds[bucket] = fd = openSync(this.path(bucket), 'w');
    writeSync(fd, parts.join(''));
    this.parts[bucket] = [];
    this.sizes[bucket] = 0;
  }

  /** Flushes and closes every bucket; returns whether each one has a file. */
  close(): boolean[] {
    const present: boolean[] = [];
    for (let i = 0; i < this.count; i++) {
      this.flush(i);
      const fd = this.fds[i];
      if (fd !== undefined) closeSync(fd);
      this.fds[i] = undefined;
      present.push(fd !== undefined);
    }
    return present;
  }

  remove(bucket: number): void {
    rmSync(this.path(bucket), { force: true });
  }
}
