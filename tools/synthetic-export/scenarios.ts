/**
 * What each scenario of the synthetic export must produce in the audit, computed by hand (never
 * from engine output) from the units and modifier rules (CMS Claims Processing Manual ch.17
 * sections 40 and 70, the JW/JZ policy) and a payment limit per unit.
 *
 * The codes are those of the catalog built from the CMS files: methylprednisolone sodium
 * succinate bills as J2919 per 5 mg from 2024-04-01 (asp-pricing-2024q2.csv, "Added April 2024";
 * J2920 and J2930 left the files after 2024q1). Prices are the 2026Q1 payment limits of
 * asp-pricing-2026q1.csv: J1745 $32.423 per 10 mg, J2919 $0.264 per 5 mg, J1250 $8.024 per
 * 250 mg, J1010 $0.120 per mg. Amounts avoid half cents, so that the engine's per-gap estimates
 * (rounded to cents) are not ambiguous.
 *
 * Money is in mills (thousandths of a dollar), as the audit adds it up.
 */
import type { GapCode } from '../../src/domain/gaps.ts';

export interface Expected {
  readonly audited: boolean;
  readonly administrations: number;
  readonly lines: number;
  readonly units: number;
  readonly jwUnits: number;
  readonly derivedMills: number;
  readonly missedJwUnits?: number;
  readonly missedJwMills?: number;
  readonly underUnits?: number;
  readonly underMills?: number;
  readonly wrongCodes?: number;
  readonly wrongCodeUnits?: number;
  readonly wrongCodeMills?: number;
  readonly missingJz?: number;
  readonly missingJzUnits?: number;
  readonly missingJzMills?: number;
  readonly overUnits?: number;
  readonly overMills?: number;
  readonly nothingPosted?: boolean;
  readonly postedSource: 'claim' | 'charges' | 'none';
  readonly gaps?: Partial<Record<GapCode, { readonly count: number; readonly mills: number }>>;
}

/** Payment limit per unit in mills: asp-pricing-2026q1.csv, column "Payment Limit". */
export const PRICE_MILLS: Readonly<Record<string, number>> = {
  J1745: 32_423,
  J2919: 264,
  J1250: 8_024,
  J1010: 120,
};

const cms = (code: string, units: number) => units * (PRICE_MILLS[code] as number);
/** The engine rounds its per-gap estimate to cents (domain/money.ts). */
const cents = (mills: number) => Math.round(mills / 10) * 10;

const NONE = { audited: true, administrations: 1, lines: 1, postedSource: 'charges' } as const;

/**
 * The scenarios, at the default facility (a hospital outpatient department: OPPS status K drugs
 * are paid apart from the visit, and carry JW/JZ). Infliximab (J1745, 10 mg) from Remicade 100 mg
 * single-dose vials; methylprednisolone sodium succinate from 125 mg and 40 mg single-dose vials;
 * methylprednisolone acetate (J1010 per 1 mg) from a multi-dose vial. Medicare requires JW and JZ,
 * Medicaid JW and the NDC (catalog/payer-rules.json).
 */
export const SCENARIOS = {
  // 360 mg from 4 x 100 mg, 40 mg discarded: ceil(360/10) = 36; JW floor(400/10) - 36 = 4. Posted 36 + JW 4.
  'clean-jw': {
    weight: 14,
    expect: { ...NONE, lines: 2, units: 36, jwUnits: 4, derivedMills: cms('J1745', 40) },
  },
  // Same documentation, only the units posted: the JW units are missed.
  'jw-not-posted': {
    weight: 9,
    expect: {
      ...NONE,
      lines: 2,
      units: 36,
      jwUnits: 4,
      derivedMills: cms('J1745', 40),
      missedJwUnits: 4,
      missedJwMills: cms('J1745', 4),
      gaps: { 'charge-modifier-missing': { count: 1, mills: cents(cms('J1745', 4)) } },
    },
  },
  // 125 mg from a 125 mg vial, nothing discarded: J2919-JZ x25; posted without JZ:
  // Medicare returns the line, its posted units are at stake.
  'jz-missing': {
    weight: 7,
    expect: {
      ...NONE,
      units: 25,
      jwUnits: 0,
      derivedMills: cms('J2919', 25),
      missingJz: 1,
      missingJzUnits: 25,
      missingJzMills: cms('J2919', 25),
      gaps: { 'charge-modifier-missing': { count: 1, mills: 0 } },
    },
  },
  // The same, posted as J1250 (dobutamine): a wrong code; the right line is what correcting it recovers.
  'wrong-code-j1250': {
    weight: 4,
    expect: {
      ...NONE,
      units: 25,
      jwUnits: 0,
      derivedMills: cms('J2919', 25),
      wrongCodes: 1,
      wrongCodeUnits: 25,
      wrongCodeMills: cms('J2919', 25),
      gaps: { 'charge-code-mismatch': { count: 1, mills: cents(cms('J2919', 25)) } },
    },
  },
  // Infliximab 400 mg from 4 vials, nothing discarded: J1745-JZ x40; 30 posted: 10 under.
  'under-billed': {
    weight: 6,
    expect: {
      ...NONE,
      units: 40,
      jwUnits: 0,
      derivedMills: cms('J1745', 40),
      underUnits: 10,
      underMills: cms('J1745', 10),
      gaps: { 'charge-units-mismatch': { count: 1, mills: cents(cms('J1745', 10)) } },
    },
  },
  // 80 mg given, 45 mg discarded from one 125 mg vial: J2919 x16 + JW x9, posted as the whole vial
  // (x25) plus JW x9: 9 units over.
  'over-billed': {
    weight: 4,
    expect: {
      ...NONE,
      lines: 2,
      units: 16,
      jwUnits: 9,
      derivedMills: cms('J2919', 25),
      overUnits: 9,
      overMills: cms('J2919', 9),
      gaps: { 'charge-units-mismatch': { count: 1, mills: 0 } },
    },
  },
  // 125 mg, posted right, but no diagnosis anywhere: the line is at risk.
  'missing-diagnosis': {
    weight: 5,
    expect: {
      ...NONE,
      units: 25,
      jwUnits: 0,
      derivedMills: cms('J2919', 25),
      gaps: { 'missing-diagnosis': { count: 1, mills: cents(cms('J2919', 25)) } },
    },
  },
  // Infliximab, nothing about waste, from 3 vials (300 mg): 260 mg = J1745 x26, floor(300/10) - 26 = 4
  // JW units at risk.
  'waste-undocumented': {
    weight: 7,
    expect: {
      ...NONE,
      units: 26,
      jwUnits: 0,
      derivedMills: cms('J1745', 26),
      gaps: { 'wastage-undocumented': { count: 1, mills: cents(cms('J1745', 4)) } },
    },
  },
  // Infliximab 360 mg + 40 mg discarded (J1745 x36 + JW x4) with nothing posted: all of it is not billed.
  'nothing-posted': {
    weight: 6,
    expect: {
      ...NONE,
      lines: 2,
      units: 36,
      jwUnits: 4,
      derivedMills: cms('J1745', 40),
      postedSource: 'none',
      nothingPosted: true,
      underUnits: 36,
      underMills: cms('J1745', 36),
      missedJwUnits: 4,
      missedJwMills: cms('J1745', 4),
    },
  },
  // As clean-jw, but a Claim already submitted without the JW line: compared with the Claim.
  'claim-submitted-without-jw': {
    weight: 3,
    expect: {
      ...NONE,
      lines: 2,
      units: 36,
      jwUnits: 4,
      derivedMills: cms('J1745', 40),
      postedSource: 'claim',
      missedJwUnits: 4,
      missedJwMills: cms('J1745', 4),
      gaps: { 'claim-already-submitted': { count: 1, mills: 0 } },
    },
  },
  // As jw-not-posted, but given before the range: not audited at all.
  'before-range': {
    weight: 5,
    expect: { ...NONE, audited: false, lines: 0, units: 0, jwUnits: 0, derivedMills: 0 },
  },
  // Sodium bicarbonate (not a catalog drug: skipped) and a not-done methylprednisolone: no line, nothing to say.
  'not-billable': {
    weight: 6,
    expect: {
      ...NONE,
      administrations: 2,
      lines: 0,
      units: 0,
      jwUnits: 0,
      derivedMills: 0,
      postedSource: 'none',
    },
  },
  // Two 40 mg doses from two 40 mg vials on one day: 80 mg, J2919-JZ x16, posted right.
  'two-doses-one-day': {
    weight: 8,
    expect: { ...NONE, administrations: 2, units: 16, jwUnits: 0, derivedMills: cms('J2919', 16) },
  },
  // Medicaid, no NDC (the drug named in text, with its strength and container): 125 mg, no JZ for
  // Medicaid, posted right; the NDC the payer requires is missing.
  'medicaid-ndc-missing': {
    weight: 4,
    expect: {
      ...NONE,
      units: 25,
      jwUnits: 0,
      derivedMills: cms('J2919', 25),
      gaps: { 'ndc-missing': { count: 1, mills: cents(cms('J2919', 25)) } },
    },
  },
  // Infliximab 400 mg, nothing discarded (J1745-JZ x40), posted J1745 x40 without JZ plus an undocumented JW x5.
  'jw-over-billed': {
    weight: 2,
    expect: {
      ...NONE,
      units: 40,
      jwUnits: 0,
      derivedMills: cms('J1745', 40),
      overUnits: 5,
      overMills: cms('J1745', 5),
      missingJz: 1,
      missingJzUnits: 40,
      missingJzMills: cms('J1745', 40),
      gaps: {
        'charge-modifier-missing': { count: 1, mills: 0 },
        'charge-units-mismatch': { count: 1, mills: 0 },
      },
    },
  },
  // Inpatient: 40 mg every 8 h for 3 days from 125 mg vials, no JW/JZ (IMP): 120 mg a day = J2919 x24
  // per day; posted per day. Part A pays the drugs of a stay with it (IPPS): no separate payment, so
  // the units count and no dollars do.
  'inpatient-daily': {
    weight: 5,
    expect: { ...NONE, administrations: 9, lines: 3, units: 72, jwUnits: 0, derivedMills: 0 },
  },
  // The same stay posted per dose, the whole 125 mg vial each time (J2919 x25): 75 a day for 24,
  // 153 units over (no dollars: Part A). One gap per day.
  'inpatient-per-dose': {
    weight: 2,
    expect: {
      ...NONE,
      administrations: 9,
      lines: 3,
      units: 72,
      jwUnits: 0,
      derivedMills: 0,
      overUnits: 153,
      overMills: 0,
      gaps: { 'charge-units-mismatch': { count: 3, mills: 0 } },
    },
  },
  // Depo-Medrol 1 mL (80 mg/mL) from the multi-dose vial: J1010 x80, no JW/JZ, posted right.
  'depo-medrol-multi-dose': {
    weight: 3,
    expect: { ...NONE, units: 80, jwUnits: 0, derivedMills: cms('J1010', 80) },
  },
} as const satisfies Record<string, { weight: number; expect: Expected }>;

export type ScenarioName = keyof typeof SCENARIOS;
export const NAMES = Object.keys(SCENARIOS) as ScenarioName[];
