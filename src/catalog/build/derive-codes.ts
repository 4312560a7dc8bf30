/**
 * Codes and drug families from the raw CMS facts: the long descriptor (else the short description,
 * marked), the billing unit parsed from `HCPCS Code Dosage`, the dates of validity from the
 * quarters listing the code and its "Added <Month> <Year>" note, and the family from the
 * descriptor without its amount. Pure and deterministic (everything sorted).
 */
import { familyKey, familyName, isBiosimilar, routeLead, singletonKey, stemOf } from '../families.ts';
import type { CodeRecord, UnitRecord } from '../files.ts';
import { describeUnit, parseBillingUnit, sameUnit } from '../import/dosage.ts';
import type { BillingUnit } from '../import/dosage.ts';
import { addedDate, quarterEnd, quarterStart } from '../quarters.ts';
import { descriptorUnit, suspectPrices, usedDosages } from './derive-units.ts';
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

/** CPT vaccine and immune globulin codes (90xxx, 91xxx): their dates are not the ASP files' to give. */
export function isCptCode(code: string): boolean {
  return /^9\d{4}$/.test(code);
}

/** The crosswalk quarters listing each code, and the NDCs listed under it in any quarter. */
export interface CrosswalkPresence {
  readonly quarters: ReadonlyMap<string, ReadonlySet<string>>;
  readonly ndcs: ReadonlyMap<string, ReadonlySet<string>>;
}

export function crosswalkPresence(raw: RawCatalog): CrosswalkPresence {
  const quarters = new Map<string, Set<string>>();
  const ndcs = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, k: string, v: string) => {
    const set = m.get(k) ?? new Set();
    set.add(v);
    m.set(k, set);
  };
  for (const n of raw.ndcs.values()) {
    for (const l of n.listings) {
      add(quarters, l.code, l.quarter);
      add(ndcs, l.code, n.ndc);
    }
  }
  return { quarters, ndcs };
}

/**
 * Dates of validity. A code is known valid in a quarter whose ASP pricing file lists it, whose
 * crosswalk lists an NDC under it, or whose own Addendum B release lists it with a status other
 * than D (discontinued): the pricing file drops a code that has no ASP data that quarter while the
 * code stays valid (J0287 is in the 2024 Addendum B, first priced in 2025Q2, and in the 2026Q1
 * crosswalk though not in the 2026Q1 pricing file). The code is valid from the first such quarter
 * (no known start when that is the first loaded quarter, unless an "Added <Month> <Year>" note
 * dates it) until the last one. It ends there only when an Addendum B release of a later quarter
 * leaves it out: a code missing from the last pricing file alone may just lack ASP data, so
 * without such a release it has no end. CPT vaccine and immune globulin codes get no dates from
 * their presence in the ASP files (the pricing notes point to CMS's Seasonal Influenza Vaccines and
 * COVID-19 vaccine pricing pages for the dates, and the CPT rows of the Addendum B copies were
 * stripped), only from a plain "Added <Month> <Year>" note.
 */
function validity(
  raw: RawCatalog,
  c: RawCode,
  xwQuarters: ReadonlySet<string> | undefined,
  findings: Findings,
): Partial<CodeRecord> {
  const pricing = raw.sources.pricing;
  const releases = raw.sources.opps.map((s) => s.quarter);
  const loaded = [...pricing, ...raw.sources.crosswalk, ...raw.sources.opps].map((s) => s.quarter).sort();
  const firstLoaded = loaded[0] ?? '';
  const lastLoaded = loaded.at(-1) ?? '';
  const asp = c.pricing.map((p) => p.quarter);
  const opps = c.opps.filter((o) => o.si !== 'D').map((o) => o.quarter);
  const xw = [...(xwQuarters ?? [])];
  const evidence = [...new Set([...asp, ...opps, ...xw])].sort();
  const first = evidence[0] ?? '';
  const last = evidence.at(-1) ?? '';
  const where = (q: string) =>
    asp.includes(q)
      ? fileOf(pricing, q)
      : opps.includes(q)
        ? `${fileOf(raw.sources.opps, q)} (Addendum B)`
        : `${fileOf(raw.sources.crosswalk, q)} (crosswalk)`;
  const out: { -readonly [K in keyof CodeRecord]?: CodeRecord[K] } = {};
  const added = c.pricing
    .map((p) => ({ q: p.quarter, note: p.note, date: addedDate(p.note) }))
    .find((a) => a.date);
  if (isCptCode(c.code)) {
    // "Added October 2024 - see the Seasonal Influenza Vaccines Pricing webpage for current payment
    // limits and effective dates" defers the date to that page; a plain "Added <Month> <Year>" gives it.
    if (added?.date && !/effective date/i.test(added.note)) {
      out.effective = added.date;
      out.effectiveBasis = `${fileOf(pricing, added.q)}: "${added.note}"`;
    }
    return out;
  }
  if (first !== firstLoaded) {
    out.effective = quarterStart(first);
    out.effectiveBasis =
      `first listed in ${where(first)}` + (added && added.q === first ? ` ("${added.note}")` : '');
  } else if (added?.date && added.q === first && added.date >= quarterStart(first)) {
    out.effective = added.date;
    out.effectiveBasis = `${fileOf(pricing, added.q)}: "${added.note}"`;
  }
  if (last !== lastLoaded) {
    const confirming = releases.find((r) => r > last);
    if (confirming) {
      out.terminated = quarterEnd(last);
      out.terminatedBasis = `last listed in ${where(last)}; absent from every later file, ${fileOf(raw.sources.opps, confirming)} (Addendum B) included`;
    } else {
      findings.openEnds.push({
        code: c.code,
        what: `last listed in ${where(last)}; no Addendum B release after ${last} confirms that it ended: no end date`,
      });
    }
  }
  if (asp[0] !== first)
    findings.oppsDates.push({
      code: c.code,
      what: `valid from ${out.effective ?? 'before ' + firstLoaded} by ${where(first)}; first priced ${asp[0]}`,
    });
  if (asp.at(-1) !== last)
    findings.oppsDates.push({
      code: c.code,
      what: `valid ${out.terminated ? `until ${out.terminated}` : 'to the last quarter'} by ${where(last)}; last priced ${asp.at(-1)}`,
    });
  return out;
}

export function deriveCodes(raw: RawCatalog, findings: Findings): DerivedCode[] {
  const out: DerivedCode[] = [];
  const presence = crosswalkPresence(raw);
  const pricingQuarters = raw.sources.pricing.map((s) => s.quarter);
  for (const c of [...raw.codes.values()].sort((a, b) => a.code.localeCompare(b.code))) {
    const latest = c.pricing.at(-1);
    if (!latest) continue;
    const xw = raw.xwDosages.get(c.code);
    const dosages = changePoints(c.pricing.map((p) => ({ quarter: p.quarter, value: p.dosage })));
    const notes = changePoints(c.pricing.map((p) => ({ quarter: p.quarter, value: p.note })));
    const used = usedDosages(c, xw, findings);
    const usedPoints = changePoints(
      c.pricing.map((p) => ({ quarter: p.quarter, value: used.get(p.quarter) ?? p.dosage })),
    );
    const same =
      usedPoints.length === dosages.length &&
      usedPoints.every(([q, d], i) => dosages[i]?.[0] === q && dosages[i]?.[1] === d);
    const latestDosage = usedPoints.at(-1)?.[1] ?? latest.dosage;
    const unit = parseBillingUnit(latestDosage);
    if (unit.kind === 'unparsed')
      findings.unparsed.push({ code: c.code, dosage: latestDosage, why: unit.reason });
    else if (unit.kind !== 'amount')
      findings.notByAmount.push({ code: c.code, dosage: latestDosage, unit: describeUnit(unit) });
    const parsedDosages = usedPoints.map(([q, d]) => [q, parseBillingUnit(d)] as const);
    for (let i = 1; i < parsedDosages.length; i++) {
      const [q, u] = parsedDosages[i] ?? ['', unit];
      const [, before] = parsedDosages[i - 1] ?? ['', unit];
      if (!sameUnit(u, before)) {
        findings.unitChanges.push({
          code: c.code,
          quarter: q,
          from: usedPoints[i - 1]?.[1] ?? '',
          to: usedPoints[i]?.[1] ?? '',
        });
      }
    }
    if (c.long) checkDescriptorAmount(c.code, c.long, unit, findings);
    else findings.noLong.push(c.code);
    const stem = c.long ? stemOf(c.long) : singletonKey(c.code, latest.shortDescription);
    const v = validity(raw, c, presence.quarters.get(c.code), findings);
    const suspect = suspectPrices(c, used, pricingQuarters, findings);
    const clotting = c.pricing.filter((p) => p.clottingFactor).map((p) => p.quarter);
    const record: CodeRecord = {
      code: c.code,
      ...(c.long ? { long: c.long } : {}),
      short: latest.shortDescription,
      dosages,
      prices: c.pricing.map((p) => [p.quarter, p.paymentLimit] as const),
      ...(notes.length > 1 || notes[0]?.[1] ? { notes } : {}),
      ...(c.opps.length ? { opps: c.opps.map((o) => [o.quarter, o.si, o.apc] as const) } : {}),
      ...(xw?.size ? { xwDosages: [...xw] } : {}),
      ...(clotting.length ? { clottingFactor: clotting } : {}),
      family: '',
      ...(same ? {} : { unitDosages: usedPoints }),
      ...(suspect.length ? { suspectPrices: suspect } : {}),
      ...unitFields(unit, c.long),
      ...v,
    };
    for (const p of c.pricing)
      if (p.paymentLimit === null) findings.noLimit.push({ code: c.code, quarter: p.quarter });
    out.push({ record, stem, hasLong: c.long !== undefined });
  }
  return assignFamilies(out, presence.ndcs, findings);
}

/** The amount at the end of a long descriptor should be the pricing file's dosage. */
function checkDescriptorAmount(code: string, long: string, unit: BillingUnit, findings: Findings): void {
  const fromLong = descriptorUnit(long);
  if (fromLong && unit.kind === 'amount' && !sameUnit(fromLong, unit)) {
    findings.descriptorMismatch.push({ code, long, dosage: describeUnit(unit) });
  }
}

/**
 * Codes whose long descriptors are the same once the amount is removed are one family. A leading
 * "Injection," or "Infusion," one has and the other lacks is a difference too, unless the crosswalk
 * lists one NDC under both (in any quarter): CMS then bills the same products with either
 * (methotrexate sodium J9250 "Methotrexate sodium, 5 mg" and J9260 "Injection, methotrexate
 * sodium, 50 mg" share 16 NDCs), else they are different products (leuprolide J1950 "Injection,
 * leuprolide acetate (for depot suspension), per 3.75 mg" and J9217 "Leuprolide acetate (for
 * depot suspension), 7.5 mg": no NDC under both in any quarter, Lupron Depot-Ped under J1950
 * only). A biosimilar never shares a family with a code that is not a biosimilar (its descriptor
 * names its own suffix; this is the guard should one not).
 */
function assignFamilies(
  codes: DerivedCode[],
  ndcsOf: ReadonlyMap<string, ReadonlySet<string>>,
  findings: Findings,
): DerivedCode[] {
  const byKey = new Map<string, DerivedCode[]>();
  for (const d of codes) {
    const key = d.hasLong ? familyKey(d.stem) : d.stem;
    const list = byKey.get(key) ?? [];
    list.push(d);
    byKey.set(key, list);
  }
  const out: DerivedCode[] = [];
  for (const [key, all] of byKey) {
    for (const group of textGroups(key, all, ndcsOf, findings)) {
      const { key: k, list } = group;
      const bio = list.filter((d) => isBiosimilar(d.record.long ?? ''));
      const mixed = bio.length > 0 && bio.length < list.length;
      if (mixed) findings.biosimilarSplit.push({ family: k, codes: bio.map((d) => d.record.code) });
      for (const d of list) {
        const fk = mixed && bio.includes(d) ? `${k}-${d.record.code.toLowerCase()}` : k;
        out.push({ ...d, record: { ...d.record, family: fk } });
      }
    }
  }
  return out.sort((a, b) => a.record.code.localeCompare(b.record.code));
}

/**
 * The codes of one name split by the route word their stems lead with, joined again when the
 * crosswalk lists an NDC under codes of both; several groups get the key suffixed with their first
 * code.
 */
function textGroups(
  key: string,
  list: readonly DerivedCode[],
  ndcsOf: ReadonlyMap<string, ReadonlySet<string>>,
  findings: Findings,
): { key: string; list: DerivedCode[] }[] {
  const byLead = new Map<string, DerivedCode[]>();
  for (const d of list) {
    const lead = d.hasLong ? routeLead(d.stem) : '';
    byLead.set(lead, [...(byLead.get(lead) ?? []), d]);
  }
  let groups = [...byLead.values()];
  const ndcs = (g: readonly DerivedCode[]) =>
    new Set(g.flatMap((d) => [...(ndcsOf.get(d.record.code) ?? [])]));
  for (let merged = true; merged && groups.length > 1;) {
    merged = false;
    outer: for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        const a = ndcs(groups[i] ?? []);
        if ([...ndcs(groups[j] ?? [])].some((n) => a.has(n))) {
          groups = [
            ...groups.slice(0, i),
            [...(groups[i] ?? []), ...(groups[j] ?? [])],
            ...groups.slice(i + 1, j),
            ...groups.slice(j + 1),
          ];
          merged = true;
          break outer;
        }
      }
    }
  }
  const codesOf = (g: readonly DerivedCode[]) => g.map((d) => d.record.code).sort();
  if (groups.length === 1) return [{ key, list: groups[0] ?? [] }];
  const sorted = groups.map(codesOf).sort((a, b) => (a[0] ?? '').localeCompare(b[0] ?? ''));
  findings.familiesApart.push({
    family: key,
    groups: sorted.map((g) => g.join(', ')),
    why: 'one descriptor leads with "Injection," or "Infusion," and the other does not, and the crosswalk lists no NDC under both',
  });
  return groups.map((g) => ({ key: `${key}-${(codesOf(g)[0] ?? '').toLowerCase()}`, list: g }));
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
