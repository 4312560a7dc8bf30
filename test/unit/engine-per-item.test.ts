/**
 * Codes that do not bill by amount, the code for ESRD on dialysis, and the engine's revenue figures
 * at CMS's 3-decimal payment limits (docs/billing-rules.md, "Codes the engine cannot compute units
 * for", "ESRD on dialysis" and "Revenue figures").
 * Every expectation quotes the CMS file row it comes from.
 */
import { describe, expect, it } from 'vitest';
import { paymentFor } from '../../src/domain/money.ts';
import {
  admin,
  chargeItem,
  DOS,
  evaluate,
  gapSummary,
  lineSummary,
  NDC,
  scenario,
} from '../support/build.ts';

const mg = (value: number) => ({ value, unit: 'mg' });
/** DigiFab, BTG: asp-crosswalk-2025q1.csv `J1162,...,50633-0120-11,Digifab,PER VIAL,1,1,1,1`. */
const DIGIFAB = '50633012011';
/** Celestone Soluspan, Organon: asp-crosswalk-2025q1.csv `J0702,...,78206-0118-01,Celestone Soluspan,3 MG & 3 MG,5,1,5,5`. */
const CELESTONE = '78206011801';

describe('a code billed per vial', () => {
  it('bills one unit per vial documented as opened, JZ: each vial is billed whole', () => {
    // J1162 "Injection, digoxin immune fab (ovine), per vial" (HCPCS long descriptor), dosage
    // "PER VIAL" and limit 5069.980 in asp-pricing-2025q1.csv; opps-addendum-b-2025q1.csv J1162 SI K,
    // APC 1687: separately payable in a hospital outpatient department, JW/JZ apply (Medicare).
    // 2 vials opened: 2 units; the units cover both vials, nothing is left to bill as JW: JZ.
    const ev = evaluate(
      scenario({
        administrations: [admin({ ndc: DIGIFAB, dose: mg(80), opened: 2, containerUse: 'single-dose' })],
      }),
    );
    expect(lineSummary(ev)).toEqual([`J1162|JZ|2|${DOS}`]);
    expect(ev.lines[0]?.ndc).toEqual({ ndc: DIGIFAB, quantity: 2, unit: 'UN' });
    expect(gapSummary(ev)).toEqual([]);
  });

  it('without the number of vials asks for it, naming the code and its unit, not "no billing code"', () => {
    const ev = evaluate(scenario({ administrations: [admin({ ndc: DIGIFAB, dose: mg(80) })] }));
    expect(lineSummary(ev)).toEqual([]);
    expect(gapSummary(ev)).toEqual(['units-not-computable@ma1']);
    const detail = ev.gaps[0]?.detail ?? '';
    expect(detail).toContain('J1162 (per vial)');
    expect(detail).toContain('document the number of vials opened, or enter the charge by hand');
    expect(detail).not.toContain('No billing code');
  });
});

describe('a code whose billing unit CMS writes as no single amount', () => {
  it('J0702 "3 MG & 3 MG": the gap says the unit cannot be computed and to bill by hand', () => {
    // asp-pricing-2025q1.csv `J0702,Betamethasone acet&sod phosp,3 MG & 3 MG,7.510,...`: the
    // build report lists the dosage as not parsed (a combination of several amounts).
    const ev = evaluate(scenario({ administrations: [admin({ ndc: CELESTONE, dose: mg(6) })] }));
    expect(lineSummary(ev)).toEqual([]);
    expect(gapSummary(ev)).toEqual(['units-not-computable@ma1']);
    const gap = ev.gaps[0];
    expect(gap?.severity).toBe('high');
    expect(gap?.detail).toContain('J0702 ("3 MG & 3 MG")');
    expect(gap?.detail).toContain('Enter the charge by hand');
  });
});

describe('revenue figures: the full payment limit times the units, rounded once', () => {
  it('paymentFor: 5 x $31.671 is $158.36 (binary floating point makes 5 * 31.671 round to $158.35)', () => {
    // asp-pricing-2024q2.csv `J1745,Infliximab not biosimil 10mg,10 MG,31.671,...`
    expect(Math.round(5 * 31.671 * 100) / 100).toBe(158.35);
    expect(paymentFor(5, 31.671)).toEqual({ value: 158.36, currency: 'USD' });
    // asp-pricing-2025q1.csv J1162 PER VIAL 5069.980: 2 vials.
    expect(paymentFor(2, 5069.98)).toEqual({ value: 10139.96, currency: 'USD' });
    // asp-pricing-2026q1.csv J2919 0.264 per 5 mg: 9 units = 2.376 -> 2.38 (not 9 x 0.26 = 2.34).
    expect(paymentFor(9, 0.264)).toEqual({ value: 2.38, currency: 'USD' });
  });

  it('undocumented waste at risk: 5 JW units of J1745 at the 2024Q2 limit are $158.36', () => {
    // Infliximab 350 mg from 4 Remicade 100 mg vials (J1745 BILLUNITS 10, single-dose), discarded
    // amount not documented, 2024-05-14: units ceil(350/10) = 35; floor(400/10) - 35 = 5 JW units
    // unbilled. asp-pricing-2024q2.csv J1745 31.671; opps-addendum-b-2024q1.csv (the release in
    // force for 2024Q2) J1745 SI K, APC 7043: separately payable, JW/JZ apply. 5 x 31.671 = 158.355.
    const ev = evaluate(
      scenario({
        administrations: [admin({ ndc: NDC.remicade, dose: mg(350), opened: 4, at: '2024-05-14T14:00:00Z' })],
      }),
      {},
      '2024-05-20T12:00:00Z',
    );
    expect(lineSummary(ev)).toEqual(['J1745||35|2024-05-14']);
    const gap = ev.gaps.find((g) => g.code === 'wastage-undocumented');
    expect(gap?.revenueAtRisk).toEqual({ value: 158.36, currency: 'USD' });
  });

  it('a JW line not posted: the 5 units of waste at risk are $158.36', () => {
    // The same infliximab with 50 mg discarded documented: J1745 x35 and J1745-JW x5 (Noridian JE
    // "Drug Wastage - JW and JZ Modifiers" example); the charge posted J1745 x35 only.
    const ev = evaluate(
      scenario({
        administrations: [
          admin({
            ndc: NDC.remicade,
            dose: mg(350),
            discarded: mg(50),
            opened: 4,
            at: '2024-05-14T14:00:00Z',
          }),
        ],
        chargeItems: [chargeItem({ code: 'J1745', units: 35, date: '2024-05-14' })],
      }),
      {},
      '2024-05-20T12:00:00Z',
    );
    expect(lineSummary(ev)).toEqual(['J1745|JW|5|2024-05-14', 'J1745||35|2024-05-14']);
    const gap = ev.gaps.find((g) => g.code === 'charge-modifier-missing');
    expect(gap?.revenueAtRisk).toEqual({ value: 158.36, currency: 'USD' });
  });
});

describe('ESRD on dialysis chooses the code for that use (docs/billing-rules.md, "ESRD on dialysis")', () => {
  // Epogen 10,000 units/mL (55513-0144-10): asp-crosswalk-2025q1.csv lists it under J0885 ("Epoetin
  // alfa, non-esrd", 1000 UNITS, BILLUNITS 10) and Q4081 ("Epoetin alfa, 100 units esrd", 100 UNITS,
  // BILLUNITS 100). opps-addendum-b-2025q1.csv: J0885 SI K, Q4081 SI N.
  const EPOGEN = { ndc: '55513014410', dose: { value: 10000, unit: 'units' } };

  it('N18.6 and Z99.2 as reason codes, written without the dot: Q4081 x100 (SI N, packaged: no modifier)', () => {
    const ev = evaluate(scenario({ administrations: [admin({ ...EPOGEN, reasonCode: ['N186', 'Z992'] })] }));
    expect(lineSummary(ev)).toEqual([`Q4081||100|${DOS}`]);
  });

  it('Z99.2 without N18.6 (dialysis for acute kidney injury): the non-ESRD code, J0885 x10', () => {
    const ev = evaluate(
      scenario({ administrations: [admin({ ...EPOGEN, reasonCode: ['N17.9', 'Z99.2'] })] }),
    );
    expect(lineSummary(ev).map((l) => l.split('|')[0])).toEqual(['J0885']);
    expect(ev.lines[0]?.units).toBe(10);
  });
});

describe('posted charges of a per-vial code', () => {
  it('an unlinked J1162 x1 posted for two vials is compared: charge-units-mismatch, 1 unit at risk', () => {
    // As in "a code billed per vial": J1162 x2 JZ; asp-pricing-2025q1.csv J1162 PER VIAL 5069.980.
    const ev = evaluate(
      scenario({
        administrations: [admin({ ndc: DIGIFAB, dose: mg(80), opened: 2, containerUse: 'single-dose' })],
        chargeItems: [chargeItem({ code: 'J1162', modifiers: ['JZ'], units: 1 })],
      }),
    );
    expect(lineSummary(ev)).toEqual([`J1162|JZ|2|${DOS}`]);
    expect(gapSummary(ev)).toEqual([`charge-units-mismatch@J1162:${DOS}`]);
    expect(ev.gaps[0]?.revenueAtRisk).toEqual({ value: 5069.98, currency: 'USD' });
  });
});
