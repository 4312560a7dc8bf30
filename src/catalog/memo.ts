/**
 * A bounded memo for the catalog's look-ups. The catalog is loaded once and never changes, so a
 * look-up's answer for the same question is always the same; the engine asks the same few
 * questions (a code's status in a quarter, a family's codes in a quarter, an NDC as scanned) for
 * every administration. The bound keeps questions built from outside input (any NDC text, any
 * year) from growing it without limit: when full it starts again. Pure (no clock, no I/O).
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
