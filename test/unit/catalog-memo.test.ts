/** The catalog's memos: the same answer as computing, computed once, and bounded (src/catalog/memo.ts). */
import { describe, expect, it } from 'vitest';
import { Memo, Memo2 } from '../../src/catalog/memo.ts';
import { loadCatalog } from '../../src/catalog/load.ts';

describe('Memo', () => {
  it('computes each key once, remembers undefined too, and starts again when full', () => {
    const memo = new Memo<number | undefined>(2);
    let calls = 0;
    const f = (v: number | undefined) => () => {
      calls++;
      return v;
    };
    expect(memo.get('a', f(1))).toBe(1);
    expect(memo.get('a', f(9))).toBe(1);
    expect(memo.get('u', f(undefined))).toBeUndefined();
    expect(memo.get('u', f(9))).toBeUndefined();
    expect(calls).toBe(2);
    // Full (2 keys): the third key clears it, so 'a' is computed again.
    expect(memo.get('b', f(2))).toBe(2);
    expect(memo.get('a', f(3))).toBe(3);
    expect(calls).toBe(4);
  });

  it('Memo2 keys by two strings and bounds both levels', () => {
    const memo = new Memo2<string>(2, 2);
    let calls = 0;
    const f = (v: string) => () => {
      calls++;
      return v;
    };
    expect(memo.get('J1745', '2025Q1', f('x'))).toBe('x');
    expect(memo.get('J1745', '2025Q1', f('y'))).toBe('x');
    expect(memo.get('J1745', '2025Q2', f('z'))).toBe('z');
    expect(memo.get('J1745', '2025Q3', f('w'))).toBe('w'); // inner full: cleared
    expect(memo.get('J1745', '2025Q1', f('v'))).toBe('v');
    expect(calls).toBe(4);
  });
});

describe('the catalog answers the same with its memos', () => {
  it('a scanned vial, a status and a price asked twice and for another day of the quarter', () => {
    const catalog = loadCatalog();
    // A bedside scan of the Fresenius 125 mg vial (63323-0258-01) inside tray 63323-0258-03.
    const first = catalog.lookupNdc('63323-0258-01');
    expect(first?.match).toBe('labeler-product');
    expect(catalog.lookupNdc('63323-0258-01')).toBe(first);
    // opps-addendum-b-2025q1.csv J2919 SI K; asp-pricing-2025q1.csv J2919 limit per 5 mg.
    expect(catalog.statusOn('J2919', '2025-02-03')?.indicator).toBe('K');
    expect(catalog.statusOn('J2919', '2025-03-31')).toBe(catalog.statusOn('J2919', '2025-02-03'));
    expect(catalog.priceOn('J2919', '2025-01-01')).toBe(catalog.priceOn('J2919', '2025-03-31'));
    // Validity stays per day inside the memoised quarter: J2919 starts 2024-04-01, J2930 ends 2024-03-31.
    expect(catalog.statusOn('J2919', '2024-03-31')).toBeUndefined();
    const product = first?.product;
    const codes = (d: string) =>
      catalog.candidateCodes(product?.ingredient ?? '', product, d).map((c) => c.code);
    expect(codes('2024-04-01')).toEqual(['J2919']);
    expect(codes('2024-03-31')).toEqual(['J2920', 'J2930']);
  });
});
