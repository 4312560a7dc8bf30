/** The catalog's memos: the same answer as computing, computed once, and bounded (src/catalog/memo.ts). */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CatalogError } from '../../src/catalog/catalog.ts';
import { Memo, Memo2 } from '../../src/catalog/memo.ts';
import { loadCatalog, SHIPPED_CATALOG_DIR } from '../../src/catalog/load.ts';

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

describe('a catalog is assembled once per process for the same sources (src/catalog/load.ts)', () => {
  const work = mkdtempSync(join(tmpdir(), 'vialwise-catalog-once-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  const prices = (limit: number) =>
    JSON.stringify({
      prices: [{ code: 'J2919', quarter: '2026Q3', paymentLimit: limit, source: 'test', illustrative: true }],
    });

  it('gives the same catalog for the same folder and price files, and a new one when any changes', () => {
    expect(loadCatalog()).toBe(loadCatalog());
    const file = join(work, 'prices.json');
    writeFileSync(file, prices(1.5));
    const first = loadCatalog(undefined, [file]);
    expect(first).not.toBe(loadCatalog());
    expect(loadCatalog(undefined, [file])).toBe(first);
    expect(first.priceOn('J2919', '2026-08-01')?.paymentLimit).toBe(1.5);
    // The same path with other content (and size): assembled again, with the new price.
    writeFileSync(file, prices(12.25));
    const second = loadCatalog(undefined, [file]);
    expect(second).not.toBe(first);
    expect(second.priceOn('J2919', '2026-08-01')?.paymentLimit).toBe(12.25);
    // Other extra prices, another folder: other catalogs.
    const extra = [{ code: 'J2919', quarter: '2026Q3', paymentLimit: 3, source: 'test' }];
    expect(loadCatalog(undefined, [], extra)).not.toBe(loadCatalog());
    expect(loadCatalog(undefined, [], extra).priceOn('J2919', '2026-08-01')?.paymentLimit).toBe(3);
    const copy = join(work, 'copy');
    cpSync(SHIPPED_CATALOG_DIR, copy, { recursive: true });
    expect(loadCatalog(copy)).not.toBe(loadCatalog());
    // A file of the folder that goes missing is reported, not served from memory.
    rmSync(join(copy, 'families.json'));
    expect(() => loadCatalog(copy)).toThrow(CatalogError);
  });
});
