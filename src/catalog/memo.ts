/**
 * Bounded memos for the catalog's look-ups. The catalog is loaded once and never changes, so a
 * look-up's answer for the same question is always the same; the engine asks the same few
 * questions (a code's status in a quarter, a family's codes in a quarter, an NDC as scanned) for
 * every administration. The bound keeps questions built from outside input (any NDC text, any
 * year) from growing a memo without limit: when full it starts again. Pure (no clock, no I/O).
 */
export class Memo<V> {
  private readonly map = new Map<string, V>();
  private readonly max: number;

  constructor(max = 20_000) {
    this.max = max;
  }

  get(key: string, compute: () => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined || this.map.has(key)) return hit as V;
    const value = compute();
    if (this.map.size >= this.max) this.map.clear();
    this.map.set(key, value);
    return value;
  }
}

/** A memo of two keys (a code, then a quarter), without building a key string per question. */
export class Memo2<V> {
  private readonly outer = new Map<string, Map<string, V>>();
  private readonly maxInner: number;
  private readonly maxOuter: number;

  constructor(maxOuter = 5_000, maxInner = 200) {
    this.maxOuter = maxOuter;
    this.maxInner = maxInner;
  }

  get(a: string, b: string, compute: () => V): V {
    let inner = this.outer.get(a);
    if (!inner) {
      if (this.outer.size >= this.maxOuter) this.outer.clear();
      inner = new Map();
      this.outer.set(a, inner);
    }
    const hit = inner.get(b);
    if (hit !== undefined || inner.has(b)) return hit as V;
    const value = compute();
    if (inner.size >= this.maxInner) inner.clear();
    inner.set(b, value);
    return value;
  }
}
