/**
 * What the audit reports, per Encounter and in total. Money is kept in whole cents while adding
 * up (no floating-point drift over a million lines) and shown in dollars.
 */
import type { GapCode } from '../domain/gaps.ts';

/** Figures for one HCPCS code (in one encounter, or summed). */
export interface CodeFigures {
  /** Units the documentation supports, without the JW line. */
  derivedUnits: number;
  /** JW units the documentation supports. */
  jwUnits: number;
  derivedCents: number;
  missedJwUnits: number;
  missedJwCents: number;
  underUnits: number;
  underCents: number;
  overUnits: number;
  overCents: number;
  /** Posted lines that bill another code for this drug. */
  wrongCodes: number;
  missingJz: number;
}

export function emptyCodeFigures(): CodeFigures {
  return {
    derivedUnits: 0,
    jwUnits: 0,
    derivedCents: 0,
    missedJwUnits: 0,
    missedJwCents: 0,
    underUnits: 0,
    underCents: 0,
    overUnits: 0,
    overCents: 0,
    wrongCodes: 0,
    missingJz: 0,
  };
}

export function addCodeFigures(into: CodeFigures, from: CodeFigures): void {
  for (const k of Object.keys(into) as (keyof CodeFigures)[]) into[k] += from[k];
}

/** Where the posted side of the comparison came from. */
export type PostedSource = 'claim' | 'charges' | 'none';

export interface AuditedGap {
  readonly code: GapCode;
  readonly cents: number;
  /** Date of service the gap is about (the encounter's first audited date when it is not about one). */
  readonly date: string;
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
  readonly lines: number;
  readonly figures: CodeFigures;
  readonly byCode: ReadonlyMap<string, CodeFigures>;
  readonly wrongCodeUnits: number;
  /** `posted>expected` code pairs of wrong-code charges. */
  readonly wrongCodePairs: readonly string[];
  readonly gaps: readonly AuditedGap[];
  readonly atRiskCents: number;
  /** Units in a finding (missed, under, over) that no payment limit could value. */
  readonly unpricedUnits: number;
  readonly pricesIllustrative: boolean;
}

/** Value recoverable in an encounter: JW not billed plus units not billed. */
export function recoverableCents(f: CodeFigures): number {
  return f.missedJwCents + f.underCents;
}

export function hasFindings(e: EncounterAudit): boolean {
  const f = e.figures;
  return f.missedJwUnits + f.underUnits + f.overUnits + f.wrongCodes + f.missingJz + e.gaps.length > 0;
}

export function dollars(cents: number): number {
  return Math.round(cents) / 100;
}

export function toCents(value: number): number {
  return Math.round(value * 100);
}
