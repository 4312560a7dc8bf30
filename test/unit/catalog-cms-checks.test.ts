/**
 * Where the CMS files disagree with each other or with themselves, and what the build does about
 * it (docs/catalog.md): families the crosswalk keeps apart, a pricing dosage that contradicts the
 * crosswalk and the descriptor, end dates no Addendum B release confirms, a limit ten times off,
 * clotting-factor vials, a count with a stray character, vaccine dates. Every expectation traces to
 * a row of test/fixtures/cms/excerpt (named); the last block checks the committed catalog.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFromFolder, writeBuild } from '../../src/catalog/build/run.ts';
import type { BuildResult } from '../../src/catalog/build/run.ts';
import type { DrugCatalog } from '../../src/catalog/catalog.ts';
import { stemOf } from '../../src/catalog/families.ts';
import { loadCatalog, SHIPPED_CATALOG_DIR } from '../../src/catalog/load.ts';
import { quarterStart } from '../../src/catalog/quarters.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EXCERPT = join(ROOT, 'test/fixtures/cms/excerpt');

const temps: string[] = [];
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** The catalog of a folder of CMS files (with the shipped curated.json), and the build's result. */
function built(folder: string): { catalog: DrugCatalog; result: BuildResult } {
  const dir = mkdtempSync(join(tmpdir(), 'vialwise-catalog-'));
  temps.push(dir);
  const result = buildFromFolder(folder);
  writeBuild(dir, result);
  copyFileSync(join(SHIPPED_CATALOG_DIR, 'curated.json'), join(dir, 'curated.json'));
  return { catalog: loadCatalog(dir), result };
}

/** A copy of the excerpt without some files, or with one file's text changed. */
function excerptCopy(opts: { without?: (name: string) => boolean; edit?: [string, string, string] }): string {
  const dir = mkdtempSync(join(tmpdir(), 'vialwise-cms-'));
  temps.push(dir);
  for (const name of readdirSync(EXCERPT).filter((n) => n.endsWith('.csv') && !opts.without?.(n)))
    copyFileSync(join(EXCERPT, name), join(dir, name));
  if (opts.edit) {
    const [name, from, to] = opts.edit;
    const text = readFileSync(join(dir, name), 'latin1');
    expect(text.includes(from), `${name} holds ${from}`).toBe(true);
    writeFileSync(join(dir, name), text.replace(from, to), 'latin1');
  }
  return dir;
}

let catalog: DrugCatalog;
let report: string;
beforeAll(() => {
  const b = built(EXCERPT);
  catalog = b.catalog;
  report = b.result.report;
});

const codes = (list: readonly { code: string }[]) => list.map((c) => c.code);

describe('drug families: descriptors that differ in more than the amount', () => {
  it('Lupron Depot-Ped (00074-2108-03), crosswalked under J1950 only, bills J1950 (3.75 mg), never J9217 (7.5 mg)', () => {
    // hcpcs-2025q3-long-descriptors.csv: J1950 "Injection, leuprolide acetate (for depot suspension),
    // per 3.75 mg", J9217 "Leuprolide acetate (for depot suspension), 7.5 mg"; every crosswalk lists
    // 00074-2108-03 under J1950 and 00074-3642-03 (Lupron Depot 7.5 mg) under J9217, none under both.
    expect(catalog.allCodes.get('J1950')?.ingredient).not.toBe(catalog.allCodes.get('J9217')?.ingredient);
    const ped = catalog.productByNdc('00074-2108-03');
    expect(codes(catalog.candidateCodes('x', ped, '2025-05-15'))).toEqual(['J1950']);
    const depot = catalog.productByNdc('00074-3642-03');
    expect(codes(catalog.candidateCodes('x', depot, '2025-05-15'))).toEqual(['J9217']);
    expect(report).toContain('| leuprolide-acetate-for-depot-suspension | J1950 / J9217 |');
  });

  it('the by-amount rule stays: Depo-Medrol, crosswalked under J1040 in 2024Q1, is offered J1020 and J1030 too', () => {
    const depo = catalog.productByNdc('00009-0306-02');
    expect(catalog.listedCodesOn(depo ?? fail(), '2024-03-15')).toEqual(['J1040']);
    expect(codes(catalog.candidateCodes('x', depo, '2024-03-15'))).toEqual(['J1020', 'J1030', 'J1040']);
    expect(report).toMatch(
      /\| methylprednisolone-acetate \| J1010, J1020, J1030, J1040 \| \d+ \| J1040 \| J1020, J1030 \| 2024Q1 \|/,
    );
  });

  it('no product of the excerpt is offered a code the crosswalk does not list it under, but by the by-amount rule', () => {
    expect(offeredBeyondTheRule(catalog)).toEqual([]);
  });
});

/**
 * Every product, every quarter the crosswalk lists it in: the codes offered beyond the quarter's
 * listing, unless the code's descriptor differs from a listed code's only in the amount.
 */
function offeredBeyondTheRule(c: DrugCatalog): string[] {
  const bad: string[] = [];
  const stem = (code: string) => stemOf(c.allCodes.get(code)?.descriptor ?? code);
  for (const p of c.products.values()) {
    const quarters = new Set((p.listings ?? []).flatMap((l) => [l.from, l.to]));
    for (const q of quarters) {
      const dos = quarterStart(q);
      const listed = c.listedCodesOn(p, dos);
      for (const code of codes(c.candidateCodes(p.ingredient, p, dos))) {
        if (listed.includes(code)) continue;
        if (!listed.some((l) => stem(l) === stem(code) || sharesNdc(c, l, code)))
          bad.push(`${p.ndc} ${q}: ${code}`);
      }
    }
  }
  return bad;
}

/** The crosswalk lists some NDC under both codes (CMS bills the same products with either). */
function sharesNdc(c: DrugCatalog, a: string, b: string): boolean {
  for (const p of c.products.values()) if (p.hcpcs.includes(a) && p.hcpcs.includes(b)) return true;
  return false;
}

function fail(): never {
  throw new Error('expected a product');
}

describe('a pricing dosage that contradicts the crosswalk and the long descriptor', () => {
  it('J2277 (motixafortide) bills per 0.25 mg in 2024Q3 although asp-pricing-2024q3.csv writes "1 MG"', () => {
    // asp-pricing-2024q3.csv: J2277,"Inj, motixafortide, 0.25 mg",1 MG,25.218; asp-crosswalk-2024q3.csv:
    // "0.25 MG"; asp-pricing-2024q4.csv: 0.25 MG, 25.218 (the limit did not move); descriptor "..., 0.25 mg".
    expect(catalog.codeOn('J2277', '2024-08-01')?.unit).toEqual({ amount: 0.25, measure: 'mg' });
    expect(catalog.priceOn('J2277', '2024-08-01')?.paymentLimit).toBe(25.218);
    expect(report).toContain(
      '| J2277 | 2024Q3 | 1 MG | 0.25 MG | 0.25 mg | 2024Q3 25.218, 2024Q4 25.218 (0.25 MG) | billed per 0.25 MG: the limit did not move |',
    );
    expect(report).not.toMatch(/\| J2277 \| 2024Q4 \| 1 MG \| 0\.25 MG \|/);
  });

  it('a limit that moves with the unit is a unit change: the pricing dosage stands', () => {
    // The same files with J2277's 2024Q4 limit at a quarter of 25.218 (as a real change from 1 mg
    // to 0.25 mg would price it): 2024Q3 keeps "1 MG".
    const folder = excerptCopy({ edit: ['asp-pricing-2024q4.csv', '0.25 MG,25.218', '0.25 MG,6.305'] });
    const { catalog: c, result } = built(folder);
    expect(c.codeOn('J2277', '2024-08-01')?.unit).toEqual({ amount: 1, measure: 'mg' });
    expect(c.codeOn('J2277', '2024-11-01')?.unit).toEqual({ amount: 0.25, measure: 'mg' });
    expect(result.report).toContain(
      '| J2277 | 2024Q3 | 1 MG | 0.25 MG | 0.25 mg | 2024Q3 25.218, 2024Q4 6.305 (0.25 MG) | pricing dosage kept: the limit moved |',
    );
  });
});

describe('dates of validity', () => {
  it('J0287 has no end: asp-crosswalk-2026q1.csv lists it (57665-0101-41 Abelcet) though asp-pricing-2026q1.csv does not', () => {
    expect(catalog.allCodes.get('J0287')?.terminated).toBeUndefined();
    const abelcet = catalog.productByNdc('57665-0101-41');
    expect(codes(catalog.candidateCodes('x', abelcet, '2026-02-10'))).toEqual(['J0287']);
  });

  it('missing from the last pricing file alone is no end date when no later Addendum B release confirms it', () => {
    // Without the 2026Q1 crosswalk J0287 is last in 2025Q4 (pricing, Addendum B) and the files of
    // 2026Q1 hold no Addendum B release: it stays open, and the report says why.
    const { catalog: c, result } = built(excerptCopy({ without: (n) => n === 'asp-crosswalk-2026q1.csv' }));
    expect(c.allCodes.get('J0287')?.terminated).toBeUndefined();
    expect(result.report).toContain(
      '| J0287 | last listed in asp-pricing-2025q4.csv; no Addendum B release after 2025Q4 confirms that it ended: no end date |',
    );
    // An end that a later release confirms stays: J2930 is in no Addendum B after 2024Q1.
    expect(c.allCodes.get('J2930')).toMatchObject({ terminated: '2024-03-31' });
    expect(c.allCodes.get('J2930')?.validitySource).toMatch(
      /opps-addendum-b-2025q1\.csv \(Addendum B\) included/,
    );
  });

  it('vaccine CPT codes get no dates from their presence in the ASP files', () => {
    // 90672 (LAIV4) is priced 2024Q1-2024Q3 only; 90653's "Added October 2024 - see the Seasonal
    // Influenza Vaccines Pricing webpage for current payment limits and effective dates" defers the date.
    for (const code of ['90672', '90653', '90371']) {
      expect(catalog.allCodes.get(code)?.effective, code).toBeUndefined();
      expect(catalog.allCodes.get(code)?.terminated, code).toBeUndefined();
    }
    expect(catalog.priceOn('90672', '2024-08-01')?.paymentLimit).toBe(27.788);
  });
});

describe('a payment limit about ten times off its neighbours', () => {
  it('J2724 2025Q3 (1.503 between 15.024 and 15.041, unit 10 units) is kept, marked suspect with a note', () => {
    const p = catalog.priceOn('J2724', '2025-08-01');
    expect(p).toMatchObject({ quarter: '2025Q3', paymentLimit: 1.503, suspect: true });
    expect(p?.note).toMatch(
      /^2025Q3 limit 1\.503 is about 1\/10 of 2025Q2 \(15\.024\) and 2025Q4 \(15\.041\)/,
    );
    expect(catalog.priceOn('J2724', '2025-05-01')).not.toHaveProperty('suspect');
    expect(catalog.priceOn('J2724', '2025-11-01')).not.toHaveProperty('suspect');
    expect(report).toMatch(/\| J2724 \| 2025Q3 \| 2025Q3 limit 1\.503 is about 1\/10 of/);
  });
});

describe('clotting factors: BILLUNITS 1 is not what a vial holds', () => {
  it('Kogenate FS (J7192) and RiaSTAP (J7178) get no amount per vial; Hemlibra 30 mg (J7170 BILLUNITS 60) keeps its', () => {
    // asp-crosswalk-2026q1.csv: J7192 ... 00026-3785-55,Kogenate Fs,1 IU,1,1,1,1; J7178 ...
    // 63833-0891-51,Riastap,1 MG,1,1,1,1; J7170 ... 50242-0920-01,Hemlibra,0.5 MG,1,1,60,60.
    expect(catalog.productByNdc('00026-3785-55')?.amount).toBeUndefined();
    expect(catalog.productByNdc('63833-0891-51')?.amount).toBeUndefined();
    expect(catalog.productByNdc('50242-0920-01')?.amount).toEqual({ value: 30, measure: 'mg' });
    expect(report).toMatch(
      /\| 00026378555 \| a clotting factor listed with BILLUNITS 1, which is not the vial's assay/,
    );
  });
});

describe('a count with a stray character that the other counts confirm', () => {
  it('Provocholine 64281-0110-06 is listed in 2024Q2 with BILLUNITS 21.3125 ("21.3125?" = 127.875 / 6)', () => {
    const p = catalog.productByNdc('64281-0110-06');
    const q2 = p?.listings?.find((l) => l.from <= '2024Q2' && '2024Q2' <= l.to);
    expect(q2).toMatchObject({ code: 'J7674', billUnits: 21.3125, billUnitsPkg: 127.875, pkgQty: 6 });
    expect(report).toContain(
      'asp-crosswalk-2024q2.csv:37: J7674 64281-0110-06: BILLUNITS "21.3125?" read as 21.3125 (BILLUNITSPKG 127.875 / PKG QTY 6)',
    );
  });
});

describe('the committed catalog (built from every CMS file)', () => {
  const shipped = loadCatalog();

  it('in every family of several codes, no product is offered a code its crosswalk never lists it under but by the by-amount rule', () => {
    const multi = [...shipped.ingredients.values()].filter((f) => (f.codes?.length ?? 0) > 1);
    expect(multi.length).toBe(13);
    expect(offeredBeyondTheRule(shipped)).toEqual([]);
  });

  it('Lupron Depot-Ped (00074-2108-03, -2440-03, -9694-03, -3575-01) bills J1950 at its limit, not J9217', () => {
    for (const ndc of ['00074-2108-03', '00074-2440-03', '00074-9694-03', '00074-3575-01']) {
      const p = shipped.productByNdc(ndc);
      expect(codes(shipped.candidateCodes('x', p, '2025-05-15')), ndc).toEqual(['J1950']);
    }
    // asp-pricing-2025q2.csv: J1950 1670.296 per 3.75 mg (J9217 172.288 per 7.5 mg).
    expect(shipped.priceOn('J1950', '2025-05-15')?.paymentLimit).toBe(1670.296);
  });
});
