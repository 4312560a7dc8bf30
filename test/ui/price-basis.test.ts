/**
 * Every amount the UI shows says how it was priced: the quarter of the CMS payment limit (the
 * one the engine uses, from the shipped catalog built from the CMS files), and whether it is an
 * estimate, an earlier quarter's limit, a suspect limit, the hospital's charge or illustrative.
 * Limits cited from /work/shared/cms (asp-pricing-<quarter>.csv, column Payment Limit).
 */
import type { Claim } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.ts';
import { catalogPrices } from '../../src/ui/mount.ts';
import {
  atRiskBasis,
  basisCsv,
  combineBasis,
  gapCodeHints,
  lineBasis,
  PRICE_BASIS_SYSTEM,
  priceBasisTags,
  quarterBasis,
  type PriceInfo,
} from '../../src/ui/price-basis.ts';
import { buildDashboard } from '../../src/ui/views/dashboard.ts';
import { dashboardCsv } from '../../src/ui/views/dashboard-csv.ts';
import { encounterView } from '../../src/ui/views/encounter.ts';
import { buildWorklist } from '../../src/ui/views/worklist.ts';
import {
  claim,
  claimItem,
  dashboardResources,
  encounter,
  gapResources,
  issue,
  ma,
  patient,
} from './builders.ts';

let cms: PriceInfo;
let withDemo: PriceInfo;

beforeAll(() => {
  cms = catalogPrices(loadCatalog());
  // An illustrative price for a code and quarter CMS does price: the demo's kind.
  withDemo = catalogPrices(
    loadCatalog(
      undefined,
      [],
      [{ code: 'J1745', quarter: '2025Q2', paymentLimit: 50, source: 'demo', illustrative: true }],
    ),
  );
});

const tagged = (...codes: string[]): Pick<Claim, 'meta'> => ({
  meta: { tag: codes.map((code) => ({ system: PRICE_BASIS_SYSTEM, code })) },
});

describe('the basis of a line', () => {
  it('names the quarter of the CMS limit for the date of service, as an estimate', () => {
    // asp-pricing-2025q2.csv: J1745 (infliximab, 10 mg) 30.523.
    const b = lineBasis('J1745', '2025-05-14', 30.523, cms);
    expect(b).toMatchObject({
      sources: ['payment-limit'],
      quarters: ['2025Q2'],
      earlierFor: [],
      suspect: [],
      estimate: true,
      illustrative: false,
      label: 'CMS 2025Q2 payment limit',
      flags: ['estimate'],
    });
  });

  it('says when an earlier quarter stands in for a date after the last loaded quarter', () => {
    // 2026-11-17 is in 2026Q4; asp-pricing-2026q1.csv is the latest file: J1745 32.423.
    const b = lineBasis('J1745', '2026-11-17', 32.423, cms);
    expect(b).toMatchObject({
      quarters: ['2026Q1'],
      earlierFor: ['2026Q4'],
      label: 'CMS 2026Q1 payment limit for 2026Q4 dates',
      flags: ['estimate', 'earlier quarter'],
    });
    expect(basisCsv(b)).toBe('CMS 2026Q1 payment limit for 2026Q4 dates; estimate; earlier quarter');
  });

  it('flags the suspect limit of J2724 in 2025Q3 with its code', () => {
    // asp-pricing-2025q3.csv: J2724 1.503, against 15.024 (2025Q2) and 15.041 (2025Q4).
    const b = lineBasis('J2724', '2025-08-20', 1.503, cms);
    expect(b.quarters).toEqual(['2025Q3']);
    expect(b.suspect).toEqual(['J2724 2025Q3']);
    expect(b.flags).toContain('suspect limit: J2724 2025Q3');
    // The neighbouring quarter is not suspect.
    expect(lineBasis('J2724', '2025-11-20', 15.041, cms).suspect).toEqual([]);
  });

  it("tells the hospital's charge from a CMS limit standing in on a chargemaster-priced Claim", () => {
    const tags = priceBasisTags(tagged('chargemaster', 'payment-limit-estimate'));
    expect([...tags].sort()).toEqual(['chargemaster', 'payment-limit-estimate']);
    const charge = lineBasis('J1745', '2025-05-14', 189, cms, tags);
    expect(charge).toMatchObject({ sources: ['chargemaster'], estimate: false, quarters: [] });
    expect(charge.label).toBe('hospital charges (chargemaster)');
    const standIn = lineBasis('J1745', '2025-05-14', 30.523, cms, tags);
    expect(standIn).toMatchObject({ sources: ['payment-limit'], quarters: ['2025Q2'], estimate: true });
  });

  it('never lets an illustrative price read as real money', () => {
    const b = lineBasis('J1745', '2025-05-14', 50, withDemo);
    expect(b).toMatchObject({ sources: ['illustrative'], illustrative: true, quarters: [] });
    expect(b.label).toMatch(/^ILLUSTRATIVE/);
    expect(basisCsv(b)).toBe('ILLUSTRATIVE');
    // A Claim tagged illustrative is illustrative whatever its price.
    const t = lineBasis('J1745', '2025-05-14', 30.523, cms, priceBasisTags(tagged('illustrative')));
    expect(t.illustrative).toBe(true);
    // Tags of other systems are not read.
    expect(priceBasisTags({ meta: { tag: [{ system: 'urn:other', code: 'chargemaster' }] } }).size).toBe(0);
  });

  it('reads a CMS limit the Claim rounded to the cent as that limit, not as a charge', () => {
    // The Claim builder writes the unit price to the cent (docs/chargemaster.md): 32.423 -> 32.42.
    const tags = priceBasisTags(tagged('chargemaster', 'payment-limit-estimate'));
    expect(lineBasis('J1745', '2026-01-20', 32.42, cms, tags).sources).toEqual(['payment-limit']);
    expect(lineBasis('J1745', '2026-01-20', 32.41, cms, tags).sources).toEqual(['chargemaster']);
  });

  it('has no basis without an amount', () => {
    expect(lineBasis('J1745', '2025-05-14', undefined, cms).sources).toEqual([]);
  });
});

describe('the basis of revenue at risk', () => {
  it("prices with the code the gap names, else its date's quarter", () => {
    expect(gapCodeHints('J1745:2026-11-17', 'The waste of J1745 …', ['J1250'])).toEqual(['J1745', 'J1250']);
    // The code the drug bills as comes after the wrongly posted one in the sentence.
    expect(
      gapCodeHints('ci-1', 'The posted charge bills J1250 (…), but the drug documented bills as J2919', []),
    ).toEqual(['J2919', 'J1250']);
    expect(atRiskBasis('2025-08-20', ['J2724'], cms).suspect).toEqual(['J2724 2025Q3']);
    const byDate = atRiskBasis('2026-11-17', [], cms);
    expect(byDate).toMatchObject({ quarters: ['2026Q1'], earlierFor: ['2026Q4'], estimate: true });
    expect(quarterBasis('2025-02-01', cms).quarters).toEqual(['2025Q1']);
  });

  it("says suspect when the DetectedIssue's tag does, even without the code", () => {
    const tags = priceBasisTags(tagged('suspect'));
    expect(atRiskBasis('2025-08-20', [], cms, tags).suspect).toEqual(['a 2025Q3 limit']);
    expect(atRiskBasis('2025-08-20', [], cms).suspect).toEqual([]);
  });

  it('adds bases up for totals: every quarter, every suspect limit, illustrative if any is', () => {
    const total = combineBasis([
      lineBasis('J1745', '2025-12-01', 31.09, cms),
      lineBasis('J2724', '2025-08-20', 1.503, cms),
      lineBasis('J1745', '2026-11-17', 32.423, cms),
    ]);
    expect(total).toMatchObject({
      quarters: ['2025Q3', '2025Q4', '2026Q1'],
      earlierFor: ['2026Q4'],
      suspect: ['J2724 2025Q3'],
      label: 'CMS 2025Q3 to 2026Q1 (3 quarters) payment limits for 2026Q4 dates',
    });
    expect(combineBasis([total, lineBasis('J1745', '2025-05-14', 50, withDemo)]).illustrative).toBe(true);
  });
});

describe('the dashboard values JW waste at the CMS limit, whatever the Claim charges', () => {
  it("bills the hospital's charges and counts JW captured at the payment limit", () => {
    // A chargemaster-priced Claim: J1745 at a gross charge of $189.00 per 10 mg.
    const c = {
      ...claim('enc-1', [
        { ...claimItem('J1745', 35, '2026-01-20', { net: 6615 }), unitPrice: { value: 189 } },
        {
          ...claimItem('J1745', 5, '2026-01-20', { mods: ['JW'], net: 945 }),
          unitPrice: { value: 189 },
        },
      ]),
      ...tagged('chargemaster'),
    };
    const d = buildDashboard(dashboardResources([c]), {}, cms);
    expect(d.billedValue).toBe(7560);
    expect(d.basis.billed).toMatchObject({ sources: ['chargemaster'], estimate: false });
    // asp-pricing-2026q1.csv: J1745 32.423 x 5 = 162.115, 162.12 to the cent.
    expect(d.jwValue).toBe(162.12);
    expect(d.basis.jw).toMatchObject({ sources: ['payment-limit'], quarters: ['2026Q1'], earlierFor: [] });
  });
});

describe('the views carry the basis of each amount', () => {
  it('worklist rows and their total, encounter lines and gaps, dashboard figures and CSV', () => {
    const gap = issue('g1', 'charge-modifier-missing', { enc: 'enc-1', ma: ['ma-1'], risk: 162.12 });
    const withKey = {
      ...gap,
      identifier: [{ ...gap.identifier![0]!, value: 'enc-1:charge-modifier-missing:J1745:2026-11-17' }],
    };
    const ma1 = ma('ma-1', { effectiveDateTime: '2026-11-17T09:15:00-05:00' });
    const enc = encounter('enc-1', '2026-11-17T08:30:00-05:00');
    const w = buildWorklist(
      gapResources([withKey, ma1, enc, patient('pat-1', 'Test Patient')]),
      {
        filter: {},
        sort: { key: 'severity', dir: 'asc' },
        page: 1,
        pageSize: 50,
        asOf: '2026-12-01',
      },
      cms,
    );
    expect(w.rows[0]?.atRiskBasis).toMatchObject({ quarters: ['2026Q1'], earlierFor: ['2026Q4'] });
    expect(w.atRiskBasis.label).toBe('CMS 2026Q1 payment limit for 2026Q4 dates');

    const c = claim('enc-1', [
      { ...claimItem('J1745', 35, '2026-11-17', { net: 1134.81 }), unitPrice: { value: 32.423 } },
    ]);
    const v = encounterView(
      {
        encounter: enc,
        administrations: [ma1],
        medications: [],
        conditions: [],
        chargeItems: [],
        claims: [c],
        issues: [withKey],
      },
      cms,
    );
    expect(v.claim?.lines[0]?.basis.label).toBe('CMS 2026Q1 payment limit for 2026Q4 dates');
    expect(v.claim?.totalBasis.quarters).toEqual(['2026Q1']);
    expect(v.gaps[0]?.atRiskBasis?.flags).toEqual(['estimate', 'earlier quarter']);
    expect(v.basis.earlierFor).toEqual(['2026Q4']);

    const d = buildDashboard(dashboardResources([c, withKey, ma1, enc]), {}, cms);
    expect(d.basis.billed.quarters).toEqual(['2026Q1']);
    expect(d.basis.atRisk.earlierFor).toEqual(['2026Q4']);
    expect(d.topCodes[0]?.basis.label).toBe('CMS 2026Q1 payment limit for 2026Q4 dates');
    expect(dashboardCsv(d)).toContain(
      'summary,lines,,,1,35,1134.81,CMS 2026Q1 payment limit for 2026Q4 dates; estimate; earlier quarter\r\n',
    );
  });
});
