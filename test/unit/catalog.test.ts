/**
 * The catalog built from real excerpts of the CMS files (test/fixtures/cms/excerpt) with the
 * shipped curated list: every expectation below traces to a row of those files (named).
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFromFolder, writeBuild } from '../../src/catalog/build/run.ts';
import type { DrugCatalog } from '../../src/catalog/catalog.ts';
import { describeUnit, parseBillingUnit } from '../../src/catalog/import/dosage.ts';
import { loadCatalog, SHIPPED_CATALOG_DIR } from '../../src/catalog/load.ts';
import { buildTermIndex } from '../../src/catalog/terms.ts';
import { stemOf } from '../../src/catalog/families.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EXCERPT = join(ROOT, 'test/fixtures/cms/excerpt');

let dir: string;
let catalog: DrugCatalog;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vialwise-catalog-'));
  writeBuild(dir, buildFromFolder(EXCERPT));
  copyFileSync(join(SHIPPED_CATALOG_DIR, 'curated.json'), join(dir, 'curated.json'));
  catalog = loadCatalog(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const codes = (list: readonly { code: string }[]) => list.map((c) => c.code);

describe('billing units from HCPCS Code Dosage', () => {
  it.each([
    ['5 MG', '5 mg'],
    ['UP TO 1 GM', 'up to 1 g'],
    ['100,000 UNITS', '100000 units'],
    ['1 I.U. VWF:RCO', '1 units'],
    ['PER FACTOR VIII IU', '1 units'],
    ['50 MCG (250 IU)', '50 ug'],
    ['1000 CC', '1000 mL'],
    ['.625 GM', '0.625 g'],
    ['PER VIAL', 'per vial'],
    ['1 EA', 'per each'],
    ['per dose', 'per dose'],
    ['1 SQ CM', '1 sq cm'],
    ['1 microCurie', '1 uCi'],
  ])('%s is %s', (dosage, unit) => {
    expect(describeUnit(parseBillingUnit(dosage))).toBe(unit);
  });

  it.each([
    '3 MG & 3 MG',
    '200 mg/300 mg',
    '75mg (50mg cft/25mg taz)',
    'Less than or equal to 100 MG',
    'UP TO 200 MILLION CAR T CELLS',
  ])('%s is not parsed (reported, never guessed)', (dosage) => {
    expect(parseBillingUnit(dosage).kind).toBe('unparsed');
  });

  it('a code billed per vial is in the catalog but not among the codes billed by amount', () => {
    // asp-pricing-2025q4.csv: J0850 "PER VIAL".
    expect(catalog.allCodes.get('J0850')).toMatchObject({ per: 'vial' });
    expect(catalog.codes.has('J0850')).toBe(false);
  });

  it('J7178 (fibrinogen) bills per 1 mg in every quarter: the pricing file\'s "1 IU" of 2024Q1-Q3 is not a unit change', () => {
    // asp-pricing-2024q3.csv: J7178 "1 IU" 1.444; asp-pricing-2024q4.csv: "1 MG" 1.446 (the limit did not
    // move); every crosswalk from 2024q1 on writes "1 MG"; the long descriptor ends "..., 1 mg".
    for (const dos of ['2024-02-01', '2024-05-01', '2024-08-01', '2025-05-01', '2026-02-01'])
      expect(catalog.codeOn('J7178', dos)?.unit, dos).toEqual({ amount: 1, measure: 'mg' });
    expect(catalog.priceOn('J7178', '2024-08-01')?.paymentLimit).toBe(1.444);
  });
});

describe('dates of validity', () => {
  it('J2919 and J1010 from 2024-04-01 ("Added April 2024", asp-pricing-2024q2.csv)', () => {
    expect(catalog.allCodes.get('J2919')).toMatchObject({ effective: '2024-04-01' });
    expect(catalog.allCodes.get('J2919')?.terminated).toBeUndefined();
    expect(catalog.allCodes.get('J1010')).toMatchObject({ effective: '2024-04-01' });
  });

  it('J2920, J2930 and J1020-J1040 until 2024-03-31 (in asp-pricing-2024q1.csv only, in no later Addendum B)', () => {
    for (const code of ['J2920', 'J2930', 'J1020', 'J1030', 'J1040']) {
      expect(catalog.allCodes.get(code), code).toMatchObject({ terminated: '2024-03-31' });
      expect(catalog.allCodes.get(code)?.effective, code).toBeUndefined();
    }
  });

  it('a code first seen in 2024Q1 has no known start; one in the last quarter has no end', () => {
    expect(catalog.allCodes.get('J1100')?.effective).toBeUndefined();
    expect(catalog.allCodes.get('J1100')?.terminated).toBeUndefined();
  });

  it('Addendum B extends dates the pricing files are silent on (J0287 is in the 2024 Addendum B, first priced 2025Q2)', () => {
    expect(catalog.allCodes.get('J0287')?.effective).toBeUndefined();
    expect(catalog.allCodes.get('J0287')?.prices?.[0]?.quarter).toBe('2025Q2');
  });
});

describe('drug families and the codes valid on a date', () => {
  it('codes whose descriptors differ only in the amount are one family', () => {
    expect(stemOf('Injection, methylprednisolone acetate, 80 mg')).toBe(
      'injection, methylprednisolone acetate',
    );
    expect(catalog.ingredients.get('methylprednisolone-acetate')?.codes).toEqual([
      'J1010',
      'J1020',
      'J1030',
      'J1040',
    ]);
    expect(catalog.ingredients.get('methylprednisolone-sodium-succinate')?.codes).toEqual([
      'J2919',
      'J2920',
      'J2930',
    ]);
  });

  it('a biosimilar is its own family: Q5146 (trastuzumab-strf) never shares with J9355', () => {
    expect(catalog.allCodes.get('Q5146')?.ingredient).not.toBe(catalog.allCodes.get('J9355')?.ingredient);
  });

  it('Depo-Medrol 80 mg/mL (crosswalked to J1040 in 2024Q1): the acetate family valid that day', () => {
    const depo = catalog.productByNdc('00009-0306-02');
    expect(codes(catalog.candidateCodes('x', depo, '2024-03-15'))).toEqual(['J1020', 'J1030', 'J1040']);
    expect(codes(catalog.candidateCodes('x', depo, '2024-04-15'))).toEqual(['J1010']);
  });

  it('Solu-Medrol 125 mg: J2920/J2930 on 2024-03-20, J2919 alone on 2025-06-10', () => {
    const solu = catalog.productByNdc('00009-0047-22');
    expect(codes(catalog.candidateCodes('x', solu, '2024-03-20'))).toEqual(['J2920', 'J2930']);
    expect(codes(catalog.candidateCodes('x', solu, '2025-06-10'))).toEqual(['J2919']);
  });

  it('an NDC under a non-ESRD and an ESRD code (Aranesp 55513-0002-04: J0881, J0882) is offered the code of the use', () => {
    // Both 1 mcg at one limit: a tie the engine used to break by code order. J0881 "(non-ESRD use)"
    // unless the patient is known to be on dialysis (docs/catalog.md "One NDC, two uses").
    const aranesp = catalog.productByNdc('55513-0002-04');
    expect(aranesp?.hcpcs).toEqual(['J0881', 'J0882']);
    expect(codes(catalog.candidateCodes('x', aranesp, '2025-06-10'))).toEqual(['J0881']);
    expect(codes(catalog.candidateCodes('x', aranesp, '2025-06-10', { esrdOnDialysis: true }))).toEqual([
      'J0882',
    ]);
    expect(catalog.allCodes.get('J0881')?.use).toBe('non-esrd');
    expect(catalog.allCodes.get('J0882')?.use).toBe('esrd-on-dialysis');
  });
});

describe('OPPS status for the quarter of a date of service', () => {
  it('J1100 is N (packaged) in 2025Q4, from opps-addendum-b-2025q4.csv', () => {
    expect(catalog.statusOn('J1100', '2025-11-10')).toEqual({
      indicator: 'N',
      quarter: '2025Q4',
      source: 'CMS OPPS Addendum B opps-addendum-b-2025q4.csv',
    });
  });

  it('a quarter without a release uses the latest earlier one (2025Q2 -> 2025Q1)', () => {
    expect(catalog.statusOn('J9355', '2025-05-05')).toMatchObject({
      indicator: 'K',
      apc: '1613',
      quarter: '2025Q1',
      forQuarter: '2025Q2',
    });
  });

  it('J2919 in 2024Q2-Q4: the 2024Q1 release does not list it, so the earliest later one does, marked inferred', () => {
    expect(catalog.statusOn('J2919', '2024-06-10')).toMatchObject({
      indicator: 'K',
      quarter: '2025Q1',
      forQuarter: '2024Q2',
      inferred: true,
    });
  });

  it('the 2025Q3 release in force is the corrected one, not the June release (Q5146: K, not E2)', () => {
    expect(catalog.statusOn('Q5146', '2025-08-01')).toMatchObject({
      indicator: 'K',
      apc: '0865',
      quarter: '2025Q3',
    });
  });

  it('after the last release, the latest, saying so', () => {
    expect(catalog.statusOn('J2919', '2026-02-10')).toMatchObject({
      indicator: 'K',
      quarter: '2025Q4',
      forQuarter: '2026Q1',
      note: '2025Q4 Addendum B is the latest release at or before 2026Q1 (no later release loaded)',
    });
  });
});

describe('payment limits', () => {
  it('the quarter of the date of service (asp-pricing-2025q4.csv: J9355 75.025 per 10 mg)', () => {
    expect(catalog.priceOn('J9355', '2025-11-10')).toEqual({
      quarter: '2025Q4',
      paymentLimit: 75.025,
      source: 'CMS ASP pricing file asp-pricing-2025q4.csv',
    });
  });

  it('after the last loaded quarter: the latest limit, saying so (2026Q1: J2919 0.264)', () => {
    expect(catalog.priceOn('J2919', '2026-08-10')).toMatchObject({
      quarter: '2026Q1',
      paymentLimit: 0.264,
      forQuarter: '2026Q3',
      note: 'priced with 2026Q1 limits (the latest loaded) for 2026Q3',
    });
  });

  it('N/A is no price (A9606 every quarter, J0739 in 2024Q4); before the first file, none either', () => {
    expect(catalog.priceOn('A9606', '2025-08-10')).toBeUndefined();
    expect(catalog.priceOn('J0739', '2024-11-10')).toBeUndefined();
    expect(catalog.priceOn('J1745', '2023-12-10')).toBeUndefined();
  });
});

describe('products and NDC look-up', () => {
  it('the vial scanned (63323-0258-01) inside the tray CMS lists (-03): same labeler+product, its own NDC kept', () => {
    const hit = catalog.lookupNdc('63323-0258-01');
    expect(hit?.match).toBe('labeler-product');
    expect(hit?.product).toMatchObject({
      ndc: '63323025801',
      outerNdcs: ['63323025803'],
      amount: { value: 125, measure: 'mg' },
      volumeMl: 2,
      containerUse: 'single-dose',
    });
    // 10-digit unhyphenated: one of its three 11-digit readings is in the catalog.
    expect(catalog.productByNdc('6332325801')?.ndc).toBe('63323025801');
    expect(catalog.lookupNdc('63323025803')?.match).toBe('package');
  });

  it('what one item holds: BILLUNITS x the unit (Herceptin 15 x 10 mg; Depo-Medrol 400 x 1 mg in PKG SIZE 5 mL)', () => {
    expect(catalog.productByNdc('50242-0132-01')).toMatchObject({
      amount: { value: 150, measure: 'mg' },
      containerUse: 'single-dose',
    });
    expect(catalog.productByNdc('50242-0132-01')?.volumeMl).toBeUndefined();
    expect(catalog.productByNdc('00009-0306-02')).toMatchObject({
      amount: { value: 400, measure: 'mg' },
      volumeMl: 5,
      containerUse: 'multi-dose',
    });
    // Baxter dobutamine: 4 x 250 mg in a 250 mL bag.
    expect(catalog.productByNdc('00338-1077-02')).toMatchObject({
      amount: { value: 1000, measure: 'mg' },
      volumeMl: 250,
    });
  });

  it('packages of one product code holding different amounts stand for no scanned vial (63323-0165: 4 mg and 20 mg)', () => {
    expect(catalog.productByNdc('63323-0165-01')?.amount).toEqual({ value: 4, measure: 'mg' });
    expect(catalog.productByNdc('63323-0165-99')).toBeUndefined();
  });
});

describe('identification without an NDC', () => {
  it('by name: unambiguous matches only, never inside another word', () => {
    const fam = (t: string) => catalog.ingredientsInText(t);
    expect(fam('methylPREDNISolone sodium succinate 125 mg IV')).toEqual([
      'methylprednisolone-sodium-succinate',
    ]);
    expect(fam('SOLU-MEDROL 125 mg')).toEqual(['methylprednisolone-sodium-succinate']);
    expect(fam('methylprednisolone 125 mg').length).toBeGreaterThan(1);
    expect(fam('Herceptin 150 mg')).toEqual([catalog.allCodes.get('J9355')?.ingredient]);
    expect(fam('Hercessi (trastuzumab-strf) 150 mg')).toEqual([catalog.allCodes.get('Q5146')?.ingredient]);
    expect(fam('trastuzumab-strf')).not.toContain(catalog.allCodes.get('J9355')?.ingredient);
    expect(fam('sodium chloride 0.9% flush')).toEqual([]);
  });

  it('the longest name wins over the words inside it', () => {
    const index = buildTermIndex(
      new Map([
        ['methylprednisolone', ['a', 'b']],
        ['methylprednisolone acetate', ['a']],
      ]),
    );
    expect(index.find('Methylprednisolone acetate 40 mg/mL')).toEqual(['a']);
    expect(index.find('methylprednisolone')).toEqual(['a', 'b']);
    expect(index.find('methylprednisolones')).toEqual([]);
  });

  it('by RxNorm: ingredient codes name families, clinical-drug codes name products', () => {
    expect(catalog.ingredientsByRxnormCode('203189')).toEqual(['methylprednisolone-sodium-succinate']);
    expect(catalog.ingredientsByRxnormCode('6902')).toEqual([
      'methylprednisolone-acetate',
      'methylprednisolone-sodium-succinate',
    ]);
    expect(catalog.productsByRxnormCode('1743704').map((p) => p.ndc)).toEqual([
      '00009004722',
      '43598012925',
      '63323025803',
    ]);
  });
});
