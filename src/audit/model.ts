/**
 * What the audit reports, per Encounter and in total.
 *
 * Money is kept in whole mills (thousandths of a dollar) while adding up: CMS payment limits
 * have three decimals (asp-pricing-2026q1.csv: J1745 $32.423 per 10 mg), so units x limit is an
 * exact number of mills and a million lines add up with no rounding at all. Dollars are shown
 * rounded to cents only at the end.
 */
import type { GapCode } from '../domain/gaps.ts';

/**
 * Figures for one HCPCS code (in one encounter, or summed).
 *
 * The four parts of what is recoverable never count the same unit twice: a code and date posted
 * under another code is only a wrong code; a posted line missing JZ counts its posted units
 * (Medicare returns the claim unpaid until JZ is added), the units not posted at all count as
 * under-billed; JW units are their own part.
 */
export interface CodeFigures {
  /** Units the documentation supports, without the JW line. */
  derivedUnits: number;
  /** JW units the documentation supports. */
  jwUnits: number;
  derivedMills: number;
  missedJwUnits: number;
  missedJwMills: number;
  underUnits: number;
  underMills: number;
  /** Documented units (JW included) of a code and date posted under another code. */
  wrongCodeUnits: number;
  wrongCodeMills: number;
  /** Posted units, on lines that need JZ and lack it, up to the documented units. */
  missingJzUnits: number;
  missingJzMills: number;
  /** Billed, not documented (a compliance risk, not recoverable). */
  overUnits: number;
  overMills: number;
  /** Posted lines that bill another code for this drug. */
  wrongCodes: number;
  /** Codes and dates whose posted lines lack a JZ the documentation calls for. */
  missingJz: number;
}

export const CODE_FIGURES: readonly (keyof CodeFigures)[] = [
  'derivedUnits',
  'jwUnits',
  'derivedMills',
  'missedJwUnits',
  'missedJwMills',
  'underUnits',
  'underMills',
  'wrongCodeUnits',
  'wrongCodeMills',
  'missingJzUnits',
  'missingJzMills',
  'overUnits',
  'overMills',
  'wrongCodes',
  'missingJz',
];

/** All zero (a literal: one object shape for every CodeFigures, which keeps the adds fast). */
export function emptyCodeFigures(): CodeFigures {
  return {
    derivedUnits: 0,
    jwUnits: 0,
    derivedMills: 0,
    missedJwUnits: 0,
    missedJwMills: 0,
    underUnits: 0,
    underMills: 0,
    wrongCodeUnits: 0,
    wrongCodeMills: 0,
    missingJzUnits: 0,
    missingJzMills: 0,
    overUnits: 0,
    overMills: 0,
    wrongCodes: 0,
    missingJz: 0,
  };
}

export function addCodeFigures(into: CodeFigures, from: Readonly<CodeFigures>): void {
  into.derivedUnits += from.derivedUnits;
  into.jwUnits += from.jwUnits;
  into.derivedMills += from.derivedMills;
  into.missedJwUnits += from.missedJwUnits;
  into.missedJwMills += from.missedJwMills;
  into.underUnits += from.underUnits;
  into.underMills += from.underMills;
  into.wrongCodeUnits += from.wrongCodeUnits;
  into.wrongCodeMills += from.wrongCodeMills;
  into.missingJzUnits += from.missingJzUnits;
  into.missingJzMills += from.missingJzMills;
  into.overUnits += from.overUnits;
  into.overMills += from.overMills;
  into.wrongCodes += from.wrongCodes;
  into.missingJz += from.missingJz;
}

/** Recoverable: missed JW + under-billed + wrong codes + missing JZ (disjoint by construction). */
export function recoverableMills(f: Readonly<CodeFigures>): number {
  return f.missedJwMills + f.underMills + f.wrongCodeMills + f.missingJzMills;
}

/** Where the posted side of the comparison came from. */
export type PostedSource = 'claim' | 'charges' | 'none';

export interface AuditedGap {
  readonly code: GapCode;
  readonly mills: number;
  /** Date of service the gap is about (the encounter's first audited date when it is not about one). */
  readonly date: string;
  /** What to document, as the engine words it for the clinician. */
  readonly text: string;
  /** `CODE:DATE` of the line the gap is about, when it is about one. */
  readonly line?: string;
}

/** What a line-level row found. */
export type LineFinding =
  'ok' | 'missed-jw' | 'under-billed' | 'over-billed' | 'missing-jz' | 'wrong-code' | 'not-posted' | 'gap';

/**
 * One row of the line-level report: a code and date of service, split into the JW line and
 * the rest, documented against posted. A row with `finding: 'gap'` carries a documentation gap
 * that is about no billable line (the drug could not be billed at all).
 */
export interface AuditLine {
  readonly date: string;
  /** HCPCS code the documentation bills ('' for a gap about no line). */
  readonly code: string;
  /** Modifiers of the documented line (`JW`, `JZ`, or none). */
  readonly modifiers: string;
  readonly unitsDocumented: number;
  readonly unitsPosted: number;
  /** Modifiers seen on the posted lines, space separated. */
  readonly postedModifiers: string;
  /** The code that was posted instead, for a wrong code. */
  readonly postedCode: string;
  readonly findings: readonly LineFinding[];
  /** Units recoverable on this row (missed JW, under-billed, wrong code, missing JZ). */
  readonly unitsRecoverable: number;
  readonly recoverableMills: number;
  /** Over-billed units (a compliance risk). */
  readonly unitsOver: number;
  readonly overMills: number;
  /** Payment limit per unit in mills, and the quarter whose limits priced it ('' when none). */
  readonly priceMills: number | undefined;
  readonly priceQuarter: string;
  /** The limit is from another quarter than the date of service's (the latest loaded). */
  readonly priceLaterQuarter: boolean;
  readonly priceIllustrative: boolean;
  /**
   * Paid apart from the visit or stay where it was given: false for a drug packaged into the
   * hospital outpatient visit (OPPS status N), one of an inpatient stay (Part A) or of an RHC/FQHC
   * visit. Such a row counts units and no dollars.
   */
  readonly separatelyPaid: boolean;
  readonly gaps: readonly GapCode[];
  readonly gapText: readonly string[];
}

/**
 * How an encounter's figures were priced: the quarter of the dates of service and the quarter
 * whose limits priced them (every valuation adds a row), with the recoverable units and value.
 */
export interface PricingRow {
  /** Quarter of the dates of service, e.g. `2026Q1`. */
  readonly dosQuarter: string;
  /** Quarter of the payment limits used ('' when no limit was found: units counted, not valued). */
  readonly priceQuarter: string;
  readonly illustrative: boolean;
  /** Recoverable mills priced this way. */
  mills: number;
  /** Recoverable units priced this way (or left unvalued when priceQuarter is ''). */
  units: number;
}

export interface EncounterAudit {
  /** `Encounter/<id>`, or `MedicationAdministration/<id>` for an administration without an encounter. */
  readonly subject: string;
  readonly unlinked: boolean;
  /** First date of service in the audited range. */
  readonly dateOfService: string;
  readonly payerCategory: string;
  readonly encounterClass: string;
  /** Administrations of the encounter (all of them: the engine evaluates the whole encounter). */
  readonly administrations: number;
  readonly postedSource: PostedSource;
  /** Billing lines the engine derives (the service's Claim lines). */
  readonly lines: number;
  readonly figures: CodeFigures;
  readonly byCode: ReadonlyMap<string, CodeFigures>;
  /** `posted>expected` code pairs of wrong-code charges. */
  readonly wrongCodePairs: readonly string[];
  readonly gaps: readonly AuditedGap[];
  readonly atRiskMills: number;
  /** Units in a finding (recoverable or over-billed) that no payment limit could value. */
  readonly unpricedUnits: number;
  readonly pricesIllustrative: boolean;
  readonly pricing: readonly PricingRow[];
  readonly auditLines: readonly AuditLine[];
}

export function hasFindings(e: EncounterAudit): boolean {
  const f = e.figures;
  return (
    f.missedJwUnits + f.underUnits + f.overUnits + f.wrongCodes + f.missingJz + e.gaps.length > 0 ||
    (e.postedSource === 'none' && e.lines > 0)
  );
}

/** Dollars, exact to the mill (what the JSON report carries). */
export function dollarsExact(mills: number): number {
  return mills / 1000;
}

/** Dollars rounded to cents, half away from zero (what people read). */
export function dollars(mills: number): number {
  const cents = Math.sign(mills) * Math.floor((Math.abs(mills) + 5) / 10);
  return cents / 100;
}

/** Mills of a dollar value that is exact to the mill (a payment limit, an engine estimate). */
export function toMills(value: number): number {
  return Math.round(value * 1000);
}
