/**
 * The charges on a draft Claim and their price-basis tags (src/fhir/codec/claim-pricing.ts,
 * docs/chargemaster.md "On the Claim"). Payment limits from the shipped catalog, built from the
 * CMS ASP pricing files (the quarter and row of each is named); gross charges from the demo
 * hospital's chargemaster excerpt (test/fixtures/chargemaster/README.md).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadChargemaster } from '../../src/catalog/load-chargemaster.ts';
import type { BillingLine } from '../../src/domain/types.ts';
import { buildClaim, buildDetectedIssue, priceBasisOf } from '../../src/fhir/codec/index.ts';
import { centsOf, lineMoney, priceLine } from '../../src/fhir/codec/claim-pricing.ts';
import { admin, catalogWithPrices, encounter, evaluate, NDC, reference, scenario } from '../support/build.ts';

const CHARGEMASTER = loadChargemaster(
  path.resolve(import.meta.dirname, '../fixtures/chargemaster/vialwise-demo-hospital_standardcharges.csv'),
);

function line(
  code: string,
  units: number,
  dateOfService: string,
  extra: Partial<BillingLine> = {},
): BillingLine {
  return {
    key: `${code}||${dateOfService}|`,
    code,
    modifiers: [],
    units,
    dateOfService,
    sourceAdministrations: [],
    ...extra,
  };
}

describe('rounding: the unit price to the cent, net = unit price x units exactly', () => {
  it.each([
    // [what, unit price in dollars, units, unitPrice written, net written]
    ['J2919 2025Q1 limit $0.268 per 5 mg (asp-pricing-2025q1.csv)', 0.268, 25, 0.27, 6.75],
    ['J1745 2025Q1 limit $30.525 per 10 mg: half a cent rounds up', 30.525, 35, 30.53, 1068.55],
    ['J1642 2025Q1 limit $0.018 per 10 units of heparin', 0.018, 50, 0.02, 1],
    ['Hikma 40 mg/mL at $31.00 per mL: $3.875 per J2919 unit (chargemaster README)', 3.875, 8, 3.88, 31.04],
    ['Depo-Medrol at $189.00 per 5 mL: $0.4725 per J1010 mg (chargemaster README)', 0.4725, 80, 0.47, 37.6],
    ['Remicade at $1,650.00 per vial: $165.00 per J1745 unit', 165, 35, 165, 5775],
    ['binary noise: 1.005 is 100.5 cents, rounded up', 1.005, 3, 1.01, 3.03],
  ])('%s', (_what, dollars, units, unitPrice, net) => {
    const m = lineMoney(dollars, units);
    expect(m).toEqual({
      unitPrice: { value: unitPrice, currency: 'USD' },
      net: { value: net, currency: 'USD' },
    });
    expect(centsOf(m!.unitPrice.value) * units).toBe(centsOf(m!.net.value));
  });

  it('a unit price under half a cent is not a charge (J2002 2025Q1 limit $0.003)', () => {
    expect(lineMoney(0.003, 100)).toBeUndefined();
  });
});

describe('what prices a line', () => {
  const catalog = reference().catalog;

  it('the chargemaster by NDC, in the claim setting: Fresenius 125 mg vial $58.00 outpatient, $52.00 inpatient', () => {
    const l = line('J2919', 25, '2025-03-10', { ndc: { ndc: NDC.solumedrol125, quantity: 2, unit: 'ML' } });
    expect(priceLine(l, 'outpatient', { catalog, chargemaster: CHARGEMASTER })).toEqual({
      unitPrice: { value: 2.32, currency: 'USD' },
      net: { value: 58, currency: 'USD' },
      tags: ['chargemaster'],
    });
    expect(priceLine(l, 'inpatient', { catalog, chargemaster: CHARGEMASTER })?.net.value).toBe(52);
  });

  it('the chargemaster by HCPCS when the NDC is not listed: J2919 "per 5 mg" row at $2.60', () => {
    // Hikma's 40 mg vial under another NDC the excerpt does not list (00143-9753-25, the carton).
    const l = line('J2919', 8, '2025-03-10', { ndc: { ndc: '00143975325', quantity: 1, unit: 'ML' } });
    expect(priceLine(l, 'outpatient', { catalog, chargemaster: CHARGEMASTER })).toMatchObject({
      unitPrice: { value: 2.6 },
      net: { value: 20.8 },
      tags: ['chargemaster'],
    });
  });

  it('not in the chargemaster: the payment limit, tagged as an estimate (J9355 2025Q1 $77.051)', () => {
    const l = line('J9355', 30, '2025-03-10', { ndc: { ndc: '50242013201', quantity: 2, unit: 'UN' } });
    expect(priceLine(l, 'outpatient', { catalog, chargemaster: CHARGEMASTER })).toEqual({
      unitPrice: { value: 77.05, currency: 'USD' },
      net: { value: 2311.5, currency: 'USD' },
      tags: ['payment-limit-estimate'],
    });
  });

  it('a claim the chargemaster does not price (a physician office): the estimate even for a listed drug', () => {
    const l = line('J1745', 40, '2025-03-10', { ndc: { ndc: NDC.remicade, quantity: 4, unit: 'UN' } });
    expect(priceLine(l, undefined, { catalog, chargemaster: CHARGEMASTER })?.tags).toEqual([
      'payment-limit-estimate',
    ]);
  });

  it('a date after the last loaded quarter: the latest limit, tagged earlier-quarter', () => {
    // 2026Q1 is the last quarter of the CMS files; 2026-08-03 is in 2026Q3.
    const p = priceLine(line('J2919', 25, '2026-08-03'), 'outpatient', { catalog });
    expect(p?.tags).toEqual(['payment-limit-estimate', 'earlier-quarter']);
    expect(p?.unitPrice.value).toBe(centsOf(catalog.priceOn('J2919', '2026-03-01')!.paymentLimit) / 100);
  });

  it("the catalog's suspect limit (J2724 2025Q3, $1.503 between $15.024 and $15.041) is tagged suspect", () => {
    expect(priceLine(line('J2724', 1, '2025-08-01'), 'outpatient', { catalog })?.tags).toEqual([
      'payment-limit-estimate',
      'suspect',
    ]);
  });

  it('an illustrative price is tagged illustrative', () => {
    const demo = catalogWithPrices([
      { code: 'J1745', quarter: '2025Q1', paymentLimit: 7.5, source: 'test price file', illustrative: true },
    ]);
    expect(priceLine(line('J1745', 10, '2025-03-10'), 'outpatient', { catalog: demo })?.tags).toEqual([
      'payment-limit-estimate',
      'illustrative',
    ]);
  });
});

describe('tags on the written resources', () => {
  const catalog = reference().catalog;
  const ctx = { now: '2026-09-01T12:00:00Z', billingProvider: 'Organization/org1', pricing: { catalog } };

  it('a Claim and the revenue at risk of its gap after the last loaded quarter say earlier-quarter', () => {
    // Remicade 350 mg from four 100 mg vials, the 50 mg left over not documented: the waste gap
    // carries the JW units at risk at the latest (2026Q1) limit.
    const input = scenario({
      encounter: encounter({ start: '2026-08-03', conditions: ['c1'] }),
      administrations: [
        admin({ ndc: NDC.remicade, dose: { value: 350, unit: 'mg' }, opened: 4, at: '2026-08-03T15:00:00Z' }),
      ],
    });
    const ev = evaluate(input, {}, ctx.now);
    const claim = buildClaim(ev, input, ctx);
    expect(priceBasisOf(claim)).toEqual(['payment-limit-estimate', 'earlier-quarter']);
    const atRisk = ev.gaps.filter((g) => g.revenueAtRisk);
    expect(atRisk.length).toBeGreaterThan(0);
    for (const gap of atRisk) {
      // Revenue at risk is a payment limit by design (not a charge): only how old it is is said.
      expect(priceBasisOf(buildDetectedIssue(gap, ev, 'e1', ctx, undefined))).toEqual(['earlier-quarter']);
    }
  });

  it('a gap priced with a limit of its own quarter carries no tag', () => {
    const input = scenario({
      administrations: [admin({ ndc: NDC.remicade, dose: { value: 350, unit: 'mg' }, opened: 4 })],
    });
    const ev = evaluate(input);
    const gap = ev.gaps.find((g) => g.revenueAtRisk);
    expect(gap).toBeDefined();
    expect(buildDetectedIssue(gap!, ev, 'e1', ctx, undefined).meta).toBeUndefined();
  });
});
