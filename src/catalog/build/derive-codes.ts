/**
 * Codes and drug families from the raw CMS facts: the long descriptor (else the short description,
 * marked), the billing unit parsed from `HCPCS Code Dosage`, the dates of validity from the
 * quarters listing the code and its "Added <Month> <Year>" note, and the family from the
 * descriptor without its amount. Pure and deterministic (everything sorted).
 */
import { familyKey, familyName, isBiosimilar, singletonKey, stemOf } from '../families.ts';
import type { CodeRecord, UnitRecord } from '../files.ts';
import { describeUnit, parseBillingUnit, sameUnit } from '../import/dosage.ts';
import type { BillingUnit } from '../import/dosage.ts';
import { addedDate, quarterEnd, quarterStart } from '../quarters.ts';
import type { RawCatalog, RawCode } from './raw.ts';
import type { Findings } from './findings.ts';

export interface DerivedCode {
  readonly record: CodeRecord;
  /** Family stem (descriptor without amount) or the singleton key. */
  readonly stem: string;
  readonly hasLong: boolean;
}

function fileOf(list: readonly { quarter: string; file: string }[], quarter: string): string {
  return list.find((s) => s.quarter === quarter)?.file ?? quarter;
}

/** Change points: the first value, then each quarter where it differs from the previous one. */
export function changePoints<T>(entries: readonly { quarter: string; value: T }[]): [string, T][] {
  const out: [string, T][] = [];
  for (const e of entries) {
    const last = out.at(-1);
    if (!last || last[1] !== e.value) out.push([e.quarter, e.value]);
  }
  return out;
}

function unitFields(unit: BillingUnit, long: string | undefined): Partial<CodeRecord> {
  switch (unit.kind) {
    case 'amount': {
      const upTo = unit.upTo || /\bup to\b/i.test(long ?? '');
      const u: UnitRecord = { amount: unit.amount, measure: unit.measure, ...(upTo ? { upTo: true } : {}) };
      return { unit: u };
    }
    case 'item':
      return { per: unit.per, unitNote: `billed per ${unit.per}, not by amount` };
    case 'other':
      return {
        unitNote: `billed per ${unit.amount} ${unit.measure}, a measure doses are not converted into`,
      };
    case 'unparsed':
      return { unitNote: `dosage not parsed: ${unit.reason}` };
  }
}

/**
 * Dates of validity. A code is known valid in a quarter whose ASP pricing file lists it, or whose
 * own Addendum B release lists it with a status other than D (discontinued): the pricing file
 * drops a code that has no ASP data that quarter while the code stays valid (J0287 is in the 2024
 * Addendum B, first priced in 2025Q2). The code is valid from the first such quarter (no known
 * start when that is the first loaded quarter, unless an "Added <Month> <Year>" note dates it)
 * until the last one (no end when that is the last loaded quarter).
 */
function validity(raw: RawCatalog, c: RawCode, findings: Findings): Partial<CodeRecord> {
  const pricing = raw.sources.pricing;
  const loaded = [...pricing, ...raw.sources.opps].map((s) => s.quarter).sort();
  const firstLoaded = loaded[0] ?? '';
  const lastLoaded = loaded.at(-1) ?? '';
  const asp = c.pricing.map((p) => p.quarter);
  const opps = c.opps.filter((o) => o.si !== 'D').map((o) => o.quarter);
  const evidence = [...new Set([...asp, ...opps])].sort();
  const first = evidence[0] ?? '';
  const last = evidence.at(-1) ?? '';
  const where = (q: string) =>
    asp.includes(q) ? fileOf(pricing, q) : `${fileOf(raw.sources.opps, q)} (Addendum B)`;
  const out: { -readonly [K in keyof CodeRecord]?: CodeRecord[K] } = {};
  const added = c.pricing
    .map((p) => ({ q: p.quarter, note: p.note, date: addedDate(p.note) }))
    .find((a) => a.date);
  if (first !== firstLoaded) {
    out.effective = quarterStart(first);
    out.effectiveBasis =
      `first listed in ${where(first)}` + (added && added.q === first ? ` ("${added.note}")` : '');
  } else if (added?.date && added.q === first && added.date >= quarterStart(first)) {
    out.effective = added.date;
    out.effectiveBasis = `${fileOf(pricing, added.q)}: "${added.note}"`;
  }
  if (last !== lastLoaded) {
    out.terminated = quarterEnd(last);
    out.terminatedBasis = `last listed in ${where(last)}; absent from every later file`;
  }
  if (asp[0] !== first)
    findings.oppsDates.push({
      code: c.code,
      what: `valid from ${out.effective ?? 'before ' + firstLoaded} by ${where(first)}; first priced ${asp[0]}`,
    });
  if (asp.at(-1) !== last)
    findings.oppsDates.push({
      code: c.code,
      what: `valid until ${out.terminated ?? 'the last quarter'} by ${where(last)}; last priced ${asp.at(-1)}`,
    });
  return out;
}

export function deriveCodes(raw: RawCatalog, findings: Findings): DerivedCode[] {
  const out: DerivedCode[] = [];
  for (const c of [...raw.codes.values()].sort((a, b) => a.code.localeCompare(b.code))) {
    const latest = c.pricing.at(-1);
    if (!latest) continue;
    const dosages = changePoints(c.pricing.map((p) => ({ quarter: p.quarter, value: p.dosage })));
    const notes = changePoints(c.pricing.map((p) => ({ quarter: p.quarter, value: p.note })));
    const unit = parseBillingUnit(latest.dosage);
    if (unit.kind === 'unparsed')
      findings.unparsed.push({ code: c.code, dosage: latest.dosage, why: unit.reason });
    else if (unit.kind !== 'amount')
      findings.notByAmount.push({ code: c.code, dosage: latest.dosage, unit: describeUnit(unit) });
    const parsedDosages = dosages.map(([q, d]) => [q, parseBillingUnit(d)] as const);
    for (let i = 1; i < parsedDosages.length; i++) {
      const [q, u] = parsedDosages[i] ?? ['', unit];
      const [, before] = parsedDosages[i - 1] ?? ['', unit];
      if (!sameUnit(u, before)) {
        findings.unitChanges.push({
          code: c.code,
          quarter: q,
          from: dosages[i - 1]?.[1] ?? '',
          to: dosages[i]?.[1] ?? '',
        });
      }
    }
    if (c.long) checkDescriptorAmount(c.code, c.long, unit, findings);
    else findings.noLong.push(c.code);
    const stem = c.long ? stemOf(c.long) : singletonKey(c.code, latest.shortDescription);
    const v = validity(raw, c, findings);
    const record: CodeRecord = {
      code: c.code,
      ...(c.long ? { long: c.long } : {}),
      short: latest.shortDescription,
      dosages,
      prices: c.pricing.map((p) => [p.quarter, p.paymentLimit] as const),
      ...(notes.length > 1 || notes[0]?.[1] ? { notes } : {}),
      ...(c.opps.length ? { opps: c.opps.map((o) => [o.quarter, o.si, o.apc] as const) } : {}),
      family: '',
      ...unitFields(unit, c.long),
      ...v,
    };
    for (const p of c.pricing)
      if (p.paymentLimit === null) findings.noLimit.push({ code: c.code, quarter: p.quarter });
    out.push({ record, stem, hasLong: c.long !== undefined });
  }
  return assignFamilies(out, findings);
}

/** The amount at the end of a long descriptor should be the pricing file's dosage. */
function checkDescriptorAmount(code: string, long: string, unit: BillingUnit, findings: Findings): void {
  const m =
    /(?:up to |per )?(\d[\d,]*(?:\.\d+)?|\.\d+) ?(mg|mcg|micrograms?|milligrams?|gm?|grams?|ml|cc|units?|i\.u\.|iu)\s*$/i.exec(
      long,
    );
  if (!m) return;
  const fromLong = parseBillingUnit(`${m[1]} ${m[2]}`);
  if (fromLong.kind === 'amount' && unit.kind === 'amount' && !sameUnit(fromLong, unit)) {
    findings.descriptorMismatch.push({ code, long, dosage: describeUnit(unit) });
  }
}

/**
 * Codes with the same stem are one family; a biosimilar never shares one with a code that is not
 * a biosimilar (its descriptor names its own suffix; this is the guard should one not).
 */
function assignFamilies(codes: DerivedCode[], findings: Findings): DerivedCode[] {
  const byKey = new Map<string, DerivedCode[]>();
  for (const d of codes) {
    const key = d.hasLong ? familyKey(d.stem) : d.stem;
    const list = byKey.get(key) ?? [];
    list.push(d);
    byKey.set(key, list);
  }
  const out: DerivedCode[] = [];
  for (const [key, list] of byKey) {
    const bio = list.filter((d) => isBiosimilar(d.record.long ?? ''));
    const mixed = bio.length > 0 && bio.length < list.length;
    if (mixed) findings.biosimilarSplit.push({ family: key, codes: bio.map((d) => d.record.code) });
    for (const d of list) {
      const k = mixed && bio.includes(d) ? `${key}-${d.record.code.toLowerCase()}` : key;
      out.push({ ...d, record: { ...d.record, family: k } });
    }
  }
  return out.sort((a, b) => a.record.code.localeCompare(b.record.code));
}

/** Display name of a family: from its newest code's descriptor, else the short description. */
export function nameOfFamily(members: readonly DerivedCode[]): string {
  const withLong = members.filter((m) => m.hasLong);
  const pick = (withLong.length ? withLong : members).reduce<DerivedCode | undefined>(
    (best, m) =>
      !best || (m.record.prices.at(-1)?.[0] ?? '') > (best.record.prices.at(-1)?.[0] ?? '') ? m : best,
    undefined,
  );
  if (!pick) return 'unnamed';
  return pick.hasLong ? familyName(pick.stem) : pick.record.short;
}
