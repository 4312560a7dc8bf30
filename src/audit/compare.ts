/**
 * The audit's comparison (pure): what the engine derives for an Encounter against what was
 * posted for it, as unit and dollar figures per HCPCS code and date of service.
 *
 * "Posted" is the Claim that has left draft when there is one (what the payer received), else
 * the billable ChargeItems. Posted lines are matched to derived lines the way the engine matches
 * them for the `charge-*` gaps (rules/checks/charges.ts): a line linked to administrations must bill
 * the code derived for them, an unlinked one a code derived for its date; a wrong-code line is
 * counted as such and its code and date are left out of the unit comparison.
 */
import type { Claim } from '@medplum/fhirtypes';
import type { DrugCatalog } from '../catalog/catalog.ts';
import type { EncounterInput } from '../domain/input.ts';
import type { BillingLine, Evaluation } from '../domain/types.ts';
import { matchCharge, readCharge } from '../rules/checks/charges.ts';
import { isSubmitted, readClaimLines } from '../fhir/codec/index.ts';
import type { DateRange } from './range.ts';
import { inRange } from './range.ts';
import {
  addCodeFigures,
  emptyCodeFigures,
  toCents,
  type AuditedGap,
  type CodeFigures,
  type EncounterAudit,
  type PostedSource,
} from './model.ts';
import { encounterClassOf } from '../domain/encounter.ts';
import { calendarDate, localRef } from '../domain/fhir-values.ts';

export interface PostedLine {
  readonly ref: string;
  readonly code: string;
  readonly modifiers: readonly string[];
  readonly units: number;
  readonly dos: string | undefined;
  readonly administrations: readonly string[];
}

const LINE_KEY = /^[A-Z]\d{4}:(\d{4}-\d{2}-\d{2})$/;

/** The Claim that has left draft, most recent first by `created`. */
export function submittedClaim(claims: readonly Claim[]): Claim | undefined {
  return claims
    .filter((c) => c?.id && isSubmitted(c))
    .sort(
      (a, b) => (b.created ?? '').localeCompare(a.created ?? '') || (b.id ?? '').localeCompare(a.id ?? ''),
    )[0];
}

export function postedFromClaim(claim: Claim): PostedLine[] {
  return readClaimLines(claim).flatMap((line) =>
    line.code
      ? [
          {
            ref: `Claim/${claim.id ?? ''}`,
            code: line.code,
            modifiers: line.modifiers,
            units: line.units ?? 1,
            dos: line.dateOfService,
            administrations: line.administrations,
          },
        ]
      : [],
  );
}

export function postedFromCharges(input: EncounterInput): PostedLine[] {
  const encounterRef = `Encounter/${input.encounter.id ?? ''}`;
  const out: PostedLine[] = [];
  for (const ci of input.chargeItems) {
    if (ci?.context && localRef(ci.context) !== encounterRef) continue;
    const c = readCharge(ci);
    if (c) out.push(c);
  }
  return out;
}

/** Start date of each of the encounter's administrations, by reference. */
export function administrationDates(input: EncounterInput): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const a of input.administrations) {
    if (!a?.id) continue;
    out.set(
      `MedicationAdministration/${a.id}`,
      calendarDate(a.effectiveDateTime ?? a.effectivePeriod?.start),
    );
  }
  return out;
}

/**
 * The first date of service of the encounter inside the range, or undefined when nothing of it
 * falls inside (then it is not audited). An administration without a usable time counts on the
 * encounter's start date.
 */
export function auditedDate(input: EncounterInput, range: DateRange): string | undefined {
  const fallback = calendarDate(input.encounter.period?.start);
  let first: string | undefined;
  for (const a of input.administrations) {
    const d = calendarDate(a?.effectiveDateTime ?? a?.effectivePeriod?.start) ?? fallback;
    if (inRange(d, range) && (first === undefined || (d as string) < first)) first = d;
  }
  return first;
}

interface Key {
  derived: BillingLine[];
  posted: PostedLine[];
}

export interface AuditInput {
  readonly input: EncounterInput;
  /** Every Claim found for the encounter, whoever wrote it. */
  readonly claims: readonly Claim[];
  readonly evaluation: Evaluation;
  /** Set for an administration evaluated without an encounter. */
  readonly unlinkedAdministration?: string;
}

export function auditEncounter(
  { input, claims, evaluation, unlinkedAdministration }: AuditInput,
  catalog: DrugCatalog,
  range: DateRange,
): EncounterAudit {
  const dates = administrationDates(input);
  const dateOfService = auditedDate(input, range) ?? range.since;
  const lines = evaluation.lines;

  const claim = submittedClaim(claims);
  const posted = claim ? postedFromClaim(claim) : postedFromCharges(input);
  const postedSource: PostedSource = claim ? 'claim' : posted.length ? 'charges' : 'none';

  const codeByAdmin = new Map<string, string>();
  for (const l of lines) for (const r of l.sourceAdministrations) codeByAdmin.set(r, l.code);
  const drugLines = posted.filter(
    (p) => catalog.codes.has(p.code) || p.administrations.some((a) => codeByAdmin.has(a)),
  );

  const byCode = new Map<string, CodeFigures>();
  const figuresOf = (code: string): CodeFigures => {
    let f = byCode.get(code);
    if (!f) byCode.set(code, (f = emptyCodeFigures()));
    return f;
  };
  let illustrative = false;
  let unpricedUnits = 0;
  /** Value in cents at the payment limit of the code's quarter; undefined when there is none. */
  const valueOf = (code: string, dos: string, units: number): number | undefined => {
    if (units === 0) return 0;
    const price = catalog.priceOn(code, dos);
    if (!price) return undefined;
    if (price.illustrative) illustrative = true;
    return toCents(units * price.paymentLimit);
  };
  const findingCents = (code: string, dos: string, units: number): number => {
    const cents = valueOf(code, dos, units);
    if (cents === undefined) unpricedUnits += units;
    return cents ?? 0;
  };

  // Wrong codes first: their code and date leave the unit comparison (as in the engine).
  const skip = new Set<string>();
  const wrongCodePairs: string[] = [];
  let wrongCodeUnits = 0;
  const matched: PostedLine[] = [];
  for (const p of drugLines) {
    const { dos, wrongCode: wrong, expected } = matchCharge(p, lines);
    if (wrong) {
      const first = expected[0] as string;
      figuresOf(first).wrongCodes++;
      wrongCodeUnits += p.units;
      wrongCodePairs.push(`${p.code}>${expected.join('/')}`);
      for (const e of expected) if (dos) skip.add(`${e}:${dos}`);
      continue;
    }
    matched.push({ ...p, dos });
  }

  const keys = new Map<string, Key>();
  const keyOf = (k: string): Key => {
    let v = keys.get(k);
    if (!v) keys.set(k, (v = { derived: [], posted: [] }));
    return v;
  };
  for (const l of lines) keyOf(`${l.code}:${l.dateOfService}`).derived.push(l);
  for (const p of matched) if (p.dos) keyOf(`${p.code}:${p.dos}`).posted.push(p);

  for (const [k, { derived, posted: postedHere }] of keys) {
    const [code, dos] = k.split(':') as [string, string];
    const f = figuresOf(code);
    const isJw = (mods: readonly string[]) => mods.includes('JW');
    const d = sum(derived.filter((l) => !isJw(l.modifiers)).map((l) => l.units));
    const dj = sum(derived.filter((l) => isJw(l.modifiers)).map((l) => l.units));
    f.derivedUnits += d;
    f.jwUnits += dj;
    f.derivedCents += valueOf(code, dos, d + dj) ?? 0;
    if (skip.has(k)) continue;
    const p = sum(postedHere.filter((c) => !isJw(c.modifiers)).map((c) => c.units));
    const pj = sum(postedHere.filter((c) => isJw(c.modifiers)).map((c) => c.units));
    const missedJw = Math.max(0, dj - pj);
    const under = Math.max(0, d - p);
    const over = Math.max(0, p - d) + Math.max(0, pj - dj);
    f.missedJwUnits += missedJw;
    f.missedJwCents += findingCents(code, dos, missedJw);
    f.underUnits += under;
    f.underCents += findingCents(code, dos, under);
    f.overUnits += over;
    f.overCents += findingCents(code, dos, over);
    const needsJz = derived.some((l) => l.modifiers.includes('JZ'));
    if (needsJz && postedHere.some((c) => !c.modifiers.includes('JZ') && !isJw(c.modifiers))) f.missingJz++;
  }
  const total = emptyCodeFigures();
  for (const f of byCode.values()) addCodeFigures(total, f);

  const gaps: AuditedGap[] = evaluation.gaps.map((g) => {
    const adminDate = dates.get(`MedicationAdministration/${g.subjectKey}`);
    const lineDate = LINE_KEY.exec(g.subjectKey)?.[1];
    const date = [adminDate, lineDate].find((d) => inRange(d, range)) ?? dateOfService;
    return { code: g.code, cents: g.revenueAtRisk ? toCents(g.revenueAtRisk.value) : 0, date };
  });
  if (lines.some((l) => l.priceIllustrative)) illustrative = true;

  return {
    subject: unlinkedAdministration ?? evaluation.encounter,
    unlinked: unlinkedAdministration !== undefined,
    dateOfService,
    payerCategory: evaluation.payerCategory ?? 'other',
    encounterClass: unlinkedAdministration ? '' : (encounterClassOf(input.encounter) ?? ''),
    administrations: input.administrations.length,
    postedSource,
    lines: lines.length,
    figures: total,
    byCode,
    wrongCodeUnits,
    wrongCodePairs,
    gaps,
    atRiskCents: sum(gaps.map((g) => g.cents)),
    unpricedUnits,
    pricesIllustrative: illustrative,
  };
}

function sum(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return s;
}
