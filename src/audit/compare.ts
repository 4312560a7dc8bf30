/**
 * The audit's comparison (pure): what the engine derives for an Encounter against what was
 * posted for it, as unit and dollar figures per HCPCS code and date of service, and one
 * line-level row per code, date and JW/non-JW line.
 *
 * "Posted" is the Claim that has left draft when there is one (what the payer received), else
 * the billable ChargeItems. Posted lines are matched to derived lines the way the engine matches
 * them for the `charge-*` gaps (`matchCharge` in rules/charges.ts): a line linked to
 * administrations must bill the code derived for them, an unlinked one a code derived for its
 * date; a wrong-code line is counted as such and its code and date leave the unit comparison.
 */
import type { DrugCatalog } from '../catalog/catalog.ts';
import type { EncounterInput } from '../domain/input.ts';
import type { BillingLine, Evaluation, Gap } from '../domain/types.ts';
import { matchCharge } from '../rules/checks/charges.ts';
import { separatelyPayable } from '../rules/lines/modifiers.ts';
import { evaluateEncounter, type EngineReference } from '../rules/index.ts';
import { quarterOf } from '../catalog/catalog.ts';
import { inRange, type DateRange } from './range.ts';
import {
  addCodeFigures,
  emptyCodeFigures,
  toMills,
  type AuditedGap,
  type AuditLine,
  type CodeFigures,
  type EncounterAudit,
  type LineFinding,
  type PostedSource,
  type PricingRow,
} from './model.ts';
import { postedFromCharges, postedFromClaim, submittedClaim, type PostedLine } from './item.ts';
import type { AuditItem } from './item.ts';
import { encounterClassOf } from '../domain/encounter.ts';
import { billingSetting, DEFAULT_FACILITY, type FacilityResolver } from '../domain/facility.ts';

const ONE_FACILITY: FacilityResolver = () => DEFAULT_FACILITY;
import { localDate } from '../domain/time-zone.ts';

const LINE_KEY = /^([A-Z]\d{4}):(\d{4}-\d{2}-\d{2})$/;

/**
 * The calendar date of a dateTime as the engine reads it for this encounter: in its billing
 * facility's time zone (FACILITIES_FILE, FACILITY_TIME_ZONE), as written without one.
 */
export function dateRule(
  input: EncounterInput,
  facilities: FacilityResolver | undefined,
): (dateTime: string | undefined) => string | undefined {
  const timeZone = billingSetting(input.encounter, facilities ?? ONE_FACILITY).timeZone;
  return (dateTime) => localDate(dateTime, timeZone);
}

/**
 * The first date of service of the encounter inside the range, or undefined when nothing of it
 * falls inside (then it is not audited). An administration without a usable time counts on the
 * encounter's start date. Dates are the engine's (the facility's time zone).
 */
export function auditedDate(
  input: EncounterInput,
  range: DateRange,
  facilities?: FacilityResolver,
): string | undefined {
  return auditedDateBy(input, range, dateRule(input, facilities));
}

function auditedDateBy(
  input: EncounterInput,
  range: DateRange,
  dateOf: (dateTime: string | undefined) => string | undefined,
): string | undefined {
  const fallback = dateOf(input.encounter.period?.start);
  let first: string | undefined;
  for (const a of input.administrations) {
    const d = dateOf(a?.effectiveDateTime ?? a?.effectivePeriod?.start) ?? fallback;
    if (inRange(d, range) && (first === undefined || (d as string) < first)) first = d;
  }
  return first;
}

interface Key {
  readonly code: string;
  readonly dos: string;
  readonly derived: BillingLine[];
  readonly posted: PostedLine[];
  readonly wrong: PostedLine[];
  readonly gaps: Gap[];
}

interface Priced {
  readonly unitMills: number;
  readonly quarter: string;
  readonly later: boolean;
  readonly illustrative: boolean;
}

function sortedUnique<T extends string>(xs: readonly T[]): T[] {
  return xs.length < 2 ? [...xs] : [...new Set(xs)].sort();
}

/** One line-level row of a code and date. */
function auditLine(
  k: Key,
  paid: boolean,
  price: Priced | undefined,
  modifiers: string,
  unitsDocumented: number,
  postedHere: readonly PostedLine[],
  findings: LineFinding[],
  recoverableUnits: number,
  recoverable: number,
  over: number,
  overMills: number,
  gapsHere: readonly Gap[],
): AuditLine {
  let unitsPosted = 0;
  const postedModifiers: string[] = [];
  for (const c of postedHere) {
    unitsPosted += c.units;
    for (const m of c.modifiers) postedModifiers.push(m);
  }
  return {
    date: k.dos,
    code: k.code,
    modifiers,
    unitsDocumented,
    unitsPosted,
    postedModifiers: sortedUnique(postedModifiers).join(' '),
    postedCode: sortedUnique(k.wrong.map((w) => w.code)).join(' '),
    findings: findings.length ? findings : ['ok'],
    unitsRecoverable: recoverableUnits,
    recoverableMills: recoverable,
    unitsOver: over,
    overMills,
    priceMills: price?.unitMills,
    priceQuarter: price?.quarter ?? '',
    priceLaterQuarter: price?.later ?? false,
    priceIllustrative: price?.illustrative ?? false,
    separatelyPaid: paid,
    gaps: gapsHere.length ? sortedUnique(gapsHere.map((g) => g.code)) : [],
    gapText: gapsHere.length ? [...new Set(gapsHere.map((g) => g.detail))] : [],
  };
}

export function auditEncounter(
  item: AuditItem & { readonly evaluation: Evaluation },
  catalog: DrugCatalog,
  range: DateRange,
  facilities?: FacilityResolver,
): EncounterAudit {
  const { input, claims, evaluation, unlinkedAdministration } = item;
  // The billing setting once per encounter: its time zone dates everything below.
  const setting = billingSetting(input.encounter, facilities ?? ONE_FACILITY);
  const timeZone = setting.timeZone;
  const dateOf = (dateTime: string | undefined) => localDate(dateTime, timeZone);
  const dateOfService = item.auditedDate ?? auditedDateBy(input, range, dateOf) ?? range.since;
  const lines = evaluation.lines;

  const claim = submittedClaim(claims);
  const posted = claim ? postedFromClaim(claim) : postedFromCharges(input);
  const postedSource: PostedSource = claim ? 'claim' : posted.length ? 'charges' : 'none';

  // Administrations with a line (asked only of a posted line whose code the catalog does not know).
  let billedAdmins: Set<string> | undefined;
  const drugLines = posted.filter((p) => {
    if (catalog.codes.has(p.code)) return true;
    if (!p.administrations.length) return false;
    if (!billedAdmins) {
      billedAdmins = new Set();
      for (const l of lines) for (const r of l.sourceAdministrations) billedAdmins.add(r);
    }
    return p.administrations.some((a) => (billedAdmins as Set<string>).has(a));
  });

  const keys = new Map<string, Key>();
  const keyOf = (code: string, dos: string): Key => {
    const k = `${code}:${dos}`;
    let v = keys.get(k);
    if (!v) keys.set(k, (v = { code, dos, derived: [], posted: [], wrong: [], gaps: [] }));
    return v;
  };
  for (const l of lines) keyOf(l.code, l.dateOfService).derived.push(l);

  // Wrong codes first: their code and date leave the unit comparison (as in the engine).
  const wrongCodePairs: string[] = [];
  const wrongCodeCount = new Map<string, number>();
  for (const p of drugLines) {
    const { dos, wrongCode, expected } = matchCharge(p, lines);
    if (wrongCode) {
      wrongCodePairs.push(`${p.code}>${expected.join('/')}`);
      const first = expected[0] as string;
      wrongCodeCount.set(first, (wrongCodeCount.get(first) ?? 0) + 1);
      if (dos) for (const e of expected) keyOf(e, dos).wrong.push(p);
      continue;
    }
    if (dos) keyOf(p.code, dos).posted.push({ ...p, dos });
  }

  // Gaps: attached to the code and date they are about, when they are about a billed line.
  const unattached: Gap[] = [];
  const gaps: AuditedGap[] = [];
  if (evaluation.gaps.length) {
    const lineKeysByAdmin = new Map<string, string[]>();
    for (const l of lines)
      for (const r of l.sourceAdministrations) {
        const list = lineKeysByAdmin.get(r) ?? [];
        const k = `${l.code}:${l.dateOfService}`;
        if (!list.includes(k)) list.push(k);
        lineKeysByAdmin.set(r, list);
      }
    const adminDates = new Map<string, string | undefined>();
    for (const a of input.administrations)
      if (a?.id)
        adminDates.set(
          `MedicationAdministration/${a.id}`,
          dateOf(a.effectiveDateTime ?? a.effectivePeriod?.start),
        );
    for (const g of evaluation.gaps) {
      const direct = LINE_KEY.exec(g.subjectKey);
      const attachedTo = direct
        ? [`${direct[1]}:${direct[2]}`]
        : [...new Set(g.implicated.flatMap((r) => lineKeysByAdmin.get(r) ?? []))].sort();
      const existing = attachedTo.filter((k) => keys.has(k));
      for (const k of existing) keys.get(k)?.gaps.push(g);
      if (!existing.length) unattached.push(g);
      const dates = [
        ...existing.map((k) => k.slice(-10)),
        ...g.implicated.map((r) => adminDates.get(r)),
        adminDates.get(`MedicationAdministration/${g.subjectKey}`),
      ];
      const date = dates.find((d) => inRange(d, range)) ?? dateOfService;
      gaps.push({
        code: g.code,
        mills: g.revenueAtRisk ? toMills(g.revenueAtRisk.value) : 0,
        date,
        text: g.detail,
        ...(existing[0] ? { line: existing[0] } : {}),
      });
    }
  }

  let illustrative = lines.some((l) => l.priceIllustrative);
  let unpricedUnits = 0;
  const pricing = new Map<string, PricingRow>();

  const byCode = new Map<string, CodeFigures>();
  const figuresOf = (code: string): CodeFigures => {
    let f = byCode.get(code);
    if (!f) byCode.set(code, (f = emptyCodeFigures()));
    return f;
  };
  for (const [code, n] of wrongCodeCount) figuresOf(code).wrongCodes += n;

  const auditLines: AuditLine[] = [];
  const sortedKeys = [...keys.values()].sort((a, b) =>
    a.dos < b.dos ? -1 : a.dos > b.dos ? 1 : a.code < b.code ? -1 : a.code > b.code ? 1 : 0,
  );
  for (const k of sortedKeys) {
    // A line the setting does not pay apart from the visit or stay (OPPS status N packaged in a
    // hospital outpatient department, an inpatient stay under Part A, an RHC/FQHC visit) recovers
    // nothing by being posted: its figures count units and no dollars (docs/audit.md).
    const paid = unlinkedAdministration !== undefined || separatelyPayable(k.code, k.dos, setting, catalog);
    // The payment limit once per code and date, and how it prices: its quarter, or none.
    const limit = paid ? catalog.priceOn(k.code, k.dos) : undefined;
    if (limit?.illustrative) illustrative = true;
    const price: Priced | undefined = limit && {
      unitMills: toMills(limit.paymentLimit),
      quarter: limit.quarter,
      later: limit.quarter !== quarterOf(k.dos),
      illustrative: limit.illustrative === true,
    };
    const dosQuarter = quarterOf(k.dos);
    const pricingKey = `${dosQuarter}|${price?.quarter ?? ''}|${price?.illustrative ? 1 : 0}`;
    let pricingRow = pricing.get(pricingKey);
    /** Mills of `units`; records how the recoverable part was priced (every valuation names its quarter). */
    const value = (units: number, recoverable: boolean): number => {
      if (units === 0 || !paid) return 0;
      if (!price) unpricedUnits += units;
      if (!pricingRow)
        pricing.set(
          pricingKey,
          (pricingRow = {
            dosQuarter,
            priceQuarter: price?.quarter ?? '',
            illustrative: price?.illustrative ?? false,
            mills: 0,
            units: 0,
          }),
        );
      const mills = price ? units * price.unitMills : 0;
      if (recoverable) {
        pricingRow.units += units;
        pricingRow.mills += mills;
      }
      return mills;
    };

    // One pass over the documented lines and one over the posted ones.
    let d = 0;
    let dj = 0;
    let hasMain = false;
    let needsJz = false;
    let plain = 0;
    for (const l of k.derived) {
      if (l.modifiers.includes('JW')) dj += l.units;
      else {
        d += l.units;
        hasMain = true;
        if (l.modifiers.includes('JZ')) needsJz = true;
        else plain += l.units; // a multi-dose vial's units beside JZ units (engine's dayLines)
      }
    }
    // The engine's modifiers are JW and JZ only: the line without JW carries JZ or nothing.
    const mainMods = needsJz ? 'JZ' : '';
    let p = 0;
    let pj = 0;
    let lacking = 0;
    let lackingLines = 0;
    const pMain: PostedLine[] = [];
    const pJw: PostedLine[] = [];
    for (const c of k.posted) {
      if (c.modifiers.includes('JW')) {
        pj += c.units;
        pJw.push(c);
      } else {
        p += c.units;
        pMain.push(c);
        if (!c.modifiers.includes('JZ')) {
          lacking += c.units;
          lackingLines++;
        }
      }
    }
    const f = figuresOf(k.code);
    f.derivedUnits += d;
    f.jwUnits += dj;
    f.derivedMills += value(d + dj, false);
    const line = (
      modifiers: string,
      unitsDocumented: number,
      postedHere: readonly PostedLine[],
      findings: LineFinding[],
      recoverableUnits: number,
      recoverable: number,
      over: number,
      overMills: number,
      gapsHere: readonly Gap[],
    ) =>
      auditLine(
        k,
        paid,
        price,
        modifiers,
        unitsDocumented,
        postedHere,
        findings,
        recoverableUnits,
        recoverable,
        over,
        overMills,
        gapsHere,
      );

    if (k.wrong.length) {
      // The documented lines were posted under another code: all of their value is recoverable
      // by correcting the code (and the wrong line will not stand).
      const mills = value(d + dj, true);
      f.wrongCodeUnits += d + dj;
      f.wrongCodeMills += mills;
      const share = d + dj ? Math.round((mills * d) / (d + dj)) : 0;
      auditLines.push(line(mainMods, d, k.wrong, ['wrong-code'], d, share, 0, 0, k.gaps));
      if (dj) auditLines.push(line('JW', dj, [], ['wrong-code'], dj, mills - share, 0, 0, []));
      continue;
    }

    const missedJw = Math.max(0, dj - pj);
    const under = Math.max(0, d - p);
    const overMain = Math.max(0, p - d);
    const overJw = Math.max(0, pj - dj);
    const missingJz = needsJz && lackingLines > 0 && (plain === 0 || lacking > plain);
    const jzUnits = missingJz ? Math.min(d - plain, lacking - plain) : 0;

    const missedJwMills = value(missedJw, true);
    const underMills = value(under, true);
    const jzMills = value(jzUnits, true);
    const overMainMills = value(overMain, false);
    const overJwMills = value(overJw, false);
    f.missedJwUnits += missedJw;
    f.missedJwMills += missedJwMills;
    f.underUnits += under;
    f.underMills += underMills;
    f.overUnits += overMain + overJw;
    f.overMills += overMainMills + overJwMills;
    if (missingJz) {
      f.missingJz++;
      f.missingJzUnits += jzUnits;
      f.missingJzMills += jzMills;
    }

    if (hasMain || pMain.length) {
      const findings: LineFinding[] = [];
      if (under) findings.push('under-billed');
      if (missingJz) findings.push('missing-jz');
      if (overMain) findings.push('over-billed');
      auditLines.push(
        line(
          mainMods,
          d,
          pMain,
          findings,
          under + jzUnits,
          underMills + jzMills,
          overMain,
          overMainMills,
          k.gaps,
        ),
      );
    }
    if (dj || pJw.length) {
      const findings: LineFinding[] = [];
      if (missedJw) findings.push('missed-jw');
      if (overJw) findings.push('over-billed');
      const gapsHere = hasMain || pMain.length ? [] : k.gaps;
      auditLines.push(line('JW', dj, pJw, findings, missedJw, missedJwMills, overJw, overJwMills, gapsHere));
    }
  }
  for (const g of unattached) {
    const date = gaps.find((a) => a.text === g.detail && a.code === g.code)?.date ?? dateOfService;
    auditLines.push({
      date,
      code: '',
      modifiers: '',
      unitsDocumented: 0,
      unitsPosted: 0,
      postedModifiers: '',
      postedCode: '',
      findings: ['gap'],
      unitsRecoverable: 0,
      recoverableMills: 0,
      unitsOver: 0,
      overMills: 0,
      priceMills: undefined,
      priceQuarter: '',
      priceLaterQuarter: false,
      priceIllustrative: false,
      separatelyPaid: true,
      gaps: [g.code],
      gapText: [g.detail],
    });
  }

  const total = emptyCodeFigures();
  for (const f of byCode.values()) addCodeFigures(total, f);
  let atRisk = 0;
  for (const g of gaps) atRisk += g.mills;

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
    wrongCodePairs,
    gaps,
    atRiskMills: atRisk,
    unpricedUnits,
    pricesIllustrative: illustrative,
    pricing: [...pricing.values()].sort((a, b) =>
      (a.dosQuarter + a.priceQuarter).localeCompare(b.dosQuarter + b.priceQuarter),
    ),
    auditLines,
  };
}

/** Evaluates an encounter with the engine (unless already evaluated) and compares it. */
export function auditItem(
  item: AuditItem,
  reference: EngineReference,
  now: string,
  range: DateRange,
): EncounterAudit {
  const evaluation = item.evaluation ?? evaluateEncounter(item.input, reference, now);
  // What auditEncounter reads of the item, without a spread of it (one per encounter).
  const { input, claims, unlinkedAdministration, auditedDate: date } = item;
  const evaluated = { input, claims, evaluation, unlinkedAdministration, auditedDate: date };
  return auditEncounter(
    evaluated as AuditItem & { evaluation: Evaluation },
    reference.catalog,
    range,
    reference.facilities,
  );
}
