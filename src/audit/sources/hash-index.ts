/**
 * String -> small integer map in typed arrays, keyed by two independent 32-bit hashes of the
 * string (about 11 bytes per entry instead of ~70 for a Map of strings). A false match needs both
 * hashes to collide: with a million keys, odds of about 1 in 10^7 over the whole run.
 *
 * Built on the main thread from the entries workers send (`[h1, h2, value]` triples), then shared
 * read-only with the workers through SharedArrayBuffers (no copy per worker).
 */
import { fnv1a, mix32 } from '../shard.ts';

export function hashPair(key: string): [number, number] {
  return [fnv1a(key), mix32(fnv1a(key, 0x9747b28c))];
}

export interface SharedIndex {
  readonly a: SharedArrayBuffer;
  readonly b: SharedArrayBuffer;
  readonly values: SharedArrayBuffer;
  readonly used: SharedArrayBuffer;
}

export class HashIndex {
  private a: Uint32Array;
  private b: Uint32Array;
  private values: Uint16Array;
  private used: Uint8Array;
  private count = 0;
  private readonly shared: boolean;

  /** `shared`: allocated in shared memory, so that `share()` hands it to workers without a copy. */
  constructor(capacity = 1 << 12, shared = false) {
    this.shared = shared;
    this.a = new Uint32Array(this.buffer(capacity * 4));
    this.b = new Uint32Array(this.buffer(capacity * 4));
    this.values = new Uint16Array(this.buffer(capacity * 2));
    this.used = new Uint8Array(this.buffer(capacity));
  }

  /** An index sized for `entries` (`[h1, h2, value]` triples), in shared memory, holding them. */
  static sharedWith(entries: Uint32Array): HashIndex {
    let capacity = 1 << 12;
    while (capacity * 7 < (entries.length / 3 + 1) * 10) capacity *= 2;
    const index = new HashIndex(capacity, true);
    index.addEntries(entries);
    return index;
  }

  private buffer(bytes: number): ArrayBuffer | SharedArrayBuffer {
    return this.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  }

  /** A read-only view of an index shared by the main thread. */
  static fromShared(s: SharedIndex): HashIndex {
    const index = new HashIndex(1);
    index.a = new Uint32Array(s.a);
    index.b = new Uint32Array(s.b);
    index.values = new Uint16Array(s.values);
    index.used = new Uint8Array(s.used);
    return index;
  }

  get size(): number {
    return this.count;
  }

  set(key: string, value: number): void {
    const [h1, h2] = hashPair(key);
    this.setHashed(h1, h2, value);
  }

  setHashed(h1: number, h2: number, value: number): void {
    if ((this.count + 1) * 10 > this.a.length * 7) this.grow();
    this.put(h1, h2, value);
  }

  /** Adds `[h1, h2, value]` triples. */
  addEntries(entries: Uint32Array): void {
    for (let i = 0; i + 2 < entries.length; i += 3)
      this.setHashed(entries[i] as number, entries[i + 1] as number, entries[i + 2] as number);
  }

  get(key: string): number | undefined {
    const [h1, h2] = hashPair(key);
    const mask = this.a.length - 1;
    for (let i = h1 & mask; this.used[i]; i = (i + 1) & mask) {
      if (this.a[i] === h1 && this.b[i] === h2) return this.values[i];
    }
    return undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** The index in shared memory for the workers (a copy unless it was built there). */
  share(): SharedIndex {
    if (this.shared)
      return {
        a: this.a.buffer as SharedArrayBuffer,
        b: this.b.buffer as SharedArrayBuffer,
        values: this.values.buffer as SharedArrayBuffer,
        used: this.used.buffer as SharedArrayBuffer,
      };
    const copy = <T extends Uint32Array | Uint16Array | Uint8Array>(
      src: T,
      make: (b: SharedArrayBuffer) => T,
    ) => {
      const buffer = new SharedArrayBuffer(src.byteLength);
      make(buffer).set(src);
      return buffer;
    };
    return {
      a: copy(this.a, (b) => new Uint32Array(b)),
      b: copy(this.b, (b) => new Uint32Array(b)),
      values: copy(this.values, (b) => new Uint16Array(b)),
      used: copy(this.used, (b) => new Uint8Array(b)),
    };
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
    this.a = new Uint32Array(this.buffer(capacity * 4));
    this.b = new Uint32Array(this.buffer(capacity * 4));
    this.values = new Uint16Array(this.buffer(capacity * 2));
    this.used = new Uint8Array(this.buffer(capacity));
    this.count = 0;
    for (let i = 0; i < a.length; i++)
      if (used[i]) this.put(a[i] as number, b[i] as number, values[i] as number);
  }
}
