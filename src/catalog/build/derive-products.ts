/**
 * Products from the crosswalk facts: each NDC's listings as runs of quarters, its family, and what
 * one item holds. BILLUNITS is billing units per item (vial, bag, syringe), so one item holds
 * BILLUNITS x the code's unit: 25 x 5 mg = 125 mg for a Solu-Medrol 125 mg vial under J2919.
 * An "up to" code only bounds it (BILLUNITS 1 of J2930 "up to 125 mg" is any vial of at most
 * 125 mg), so it gives no amount. PKG SIZE is in the package's own unit, which the file does not
 * name: mL for a solution, 1 for a vial of powder or a tablet, so it gives a volume only for an
 * injection or infusion whose PKG SIZE is not 1. Pure and deterministic.
 */
import type { ListingRecord, ProductRecord } from '../files.ts';
import { inMg, parseBillingUnit } from '../import/dosage.ts';
import type { DerivedCode } from './derive-codes.ts';
import type { Findings } from './findings.ts';
import type { RawCatalog, RawListing, RawNdc } from './raw.ts';

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/** The dosage a code bills by in a quarter (the last change point at or before it). */
export function dosageAt(code: DerivedCode, quarter: string): string {
  const points = code.record.unitDosages ?? code.record.dosages;
  let d = points[0]?.[1] ?? '';
  for (const [q, text] of points) if (q <= quarter) d = text;
  return d;
}

/**
 * A clotting factor (the pricing file's `Clotting Factor` column) is dosed in IU (or mg of
 * fibrinogen) by body weight, and a vial's assay varies by lot: CMS lists such vials with BILLUNITS
 * 1 (146 of 165 crosswalk rows of the clotting-factor codes in 2026Q1: Kogenate FS 1 IU, RiaSTAP
 * 1 mg), which says nothing of what a vial holds. Like an "up to" listing, it gives no amount per
 * item: the documentation or the Medication says what the vial held. The other 19 rows give the
 * labelled content of fixed-content products (Hemlibra 60 x 0.5 mg = 30 mg, NovoSeven RT 1000 x
 * 1 mcg) and are kept.
 */
function isAssayPlaceholder(code: DerivedCode, l: RawListing): boolean {
  return (code.record.clottingFactor?.length ?? 0) > 0 && l.billUnits === 1;
}

/** Runs of consecutive crosswalk quarters with the same code and counts. */
export function runsOf(listings: readonly RawListing[], quarters: readonly string[]): ListingRecord[] {
  const index = new Map(quarters.map((q, i) => [q, i]));
  const groups = new Map<string, RawListing[]>();
  for (const l of listings) {
    const k = [l.code, l.billUnits, l.billUnitsPkg, l.pkgSize, l.pkgQty].join('|');
    const list = groups.get(k) ?? [];
    list.push(l);
    groups.set(k, list);
  }
  const runs: ListingRecord[] = [];
  for (const list of groups.values()) {
    let start: RawListing | undefined;
    let prev: RawListing | undefined;
    const close = () => {
      if (start && prev)
        runs.push([
          start.code,
          start.quarter,
          prev.quarter,
          start.billUnits,
          start.billUnitsPkg,
          start.pkgSize,
          start.pkgQty,
        ]);
    };
    for (const l of list) {
      if (prev && (index.get(l.quarter) ?? -1) === (index.get(prev.quarter) ?? -9) + 1) {
        prev = l;
        continue;
      }
      close();
      start = l;
      prev = l;
    }
    close();
  }
  return runs.sort(
    (a, b) => a[1].localeCompare(b[1]) || a[0].localeCompare(b[0]) || a[2].localeCompare(b[2]),
  );
}

interface AmountCandidate {
  readonly value: number;
  readonly measure: NonNullable<ProductRecord['amount']>['measure'];
  readonly upTo: boolean;
  /** A clotting factor listed with BILLUNITS 1: it does not say what a vial holds. */
  readonly clotting: boolean;
  readonly quarter: string;
  readonly code: string;
  /** The unit in mg, to prefer the finer code; Infinity when not a mass. */
  readonly unitMg: number;
  readonly basis: string;
}

function candidates(
  listings: readonly RawListing[],
  codes: ReadonlyMap<string, DerivedCode>,
): AmountCandidate[] {
  const out: AmountCandidate[] = [];
  for (const l of listings) {
    const code = codes.get(l.code);
    if (!code || !(l.billUnits > 0)) continue;
    const dosage = dosageAt(code, l.quarter);
    const unit = parseBillingUnit(dosage);
    if (unit.kind !== 'amount') continue;
    const upTo = unit.upTo || code.record.unit?.upTo === true;
    out.push({
      value: round(l.billUnits * unit.amount),
      measure: unit.measure,
      upTo,
      clotting: isAssayPlaceholder(code, l),
      quarter: l.quarter,
      code: l.code,
      unitMg: inMg(unit.amount, unit.measure) ?? Infinity,
      basis: `${l.code} BILLUNITS ${l.billUnits} x ${upTo ? 'up to ' : ''}${dosage} (${l.quarter})`,
    });
  }
  return out;
}

/** Exact before "up to", then the latest quarter, then the finest unit. */
function best(list: readonly AmountCandidate[]): AmountCandidate | undefined {
  return [...list].sort(
    (a, b) =>
      Number(a.upTo || a.clotting) - Number(b.upTo || b.clotting) ||
      b.quarter.localeCompare(a.quarter) ||
      a.unitMg - b.unitMg ||
      a.code.localeCompare(b.code),
  )[0];
}

/**
 * CMS lists some powders by their content (Ontruzant 150 mg: PKG SIZE 150; a 3.375 g vial: PKG SIZE
 * 3.375): a PKG SIZE equal to the content in mg or g is not taken for mL. A 1 mg/mL solution looks
 * the same and loses its volume too: a missing volume asks for the dose in mg, a wrong one bills
 * wrongly.
 */
function sizeIsContent(amount: NonNullable<ProductRecord['amount']>, size: number): string | undefined {
  const mg = inMg(amount.value, amount.measure);
  const same = (a: number, b: number) => Math.abs(a - b) < 1e-9 * Math.max(1, a);
  if (same(amount.value, size) || (mg !== undefined && (same(mg, size) || same(mg, size * 1000)))) {
    return `PKG SIZE ${size} equals the content (${amount.value} ${amount.measure}): a mass, not a volume`;
  }
  return undefined;
}

const INJECTABLE = /^(?:injection|infusion)\b|\binj\b|\binjection\b|\binfusion\b/i;

export function deriveProduct(
  n: RawNdc,
  codes: ReadonlyMap<string, DerivedCode>,
  quarters: readonly string[],
  findings: Findings,
): ProductRecord | undefined {
  const known = n.listings.filter((l) => codes.has(l.code));
  if (known.length === 0) return undefined;
  const latestQuarter = known.at(-1)?.quarter ?? '';
  const latest = known.filter((l) => l.quarter === latestQuarter);
  const families = [...new Set(latest.map((l) => codes.get(l.code)?.record.family ?? ''))].sort();
  const family = families[0] ?? '';

  const all = candidates(known, codes);
  const latestExact = all.filter((c) => c.quarter === latestQuarter && !c.upTo && !c.clotting);
  const distinct = new Set(latestExact.map((c) => `${c.value} ${c.measure}`));
  if (distinct.size > 1) {
    findings.amountConflicts.push({
      ndc: n.ndc,
      quarter: latestQuarter,
      amounts: latestExact.map((c) => c.basis).join('; '),
    });
  }
  const pick = distinct.size > 1 ? undefined : best(all);
  let amount: ProductRecord['amount'];
  let amountBasis: string | undefined;
  if (pick && !pick.upTo && !pick.clotting) {
    amount = { value: pick.value, measure: pick.measure };
    amountBasis = pick.basis;
  } else {
    findings.noAmount.push({
      ndc: n.ndc,
      why: pick?.clotting
        ? `a clotting factor listed with BILLUNITS 1, which is not the vial's assay (${pick.basis})`
        : pick
          ? `only an "up to" code: at most ${pick.value} ${pick.measure} (${pick.basis})`
          : distinct.size > 1
            ? 'its codes give different amounts per item'
            : `no listing bills by amount with BILLUNITS above 0 (${[...new Set(known.map((l) => l.code))].join(', ')})`,
    });
  }

  let volumeMl: number | undefined;
  let volumeBasis: string | undefined;
  const sizeListing =
    (pick && known.find((l) => l.quarter === pick.quarter && l.code === pick.code)) ?? latest[0];
  const sizeCode = sizeListing ? codes.get(sizeListing.code) : undefined;
  if (amount?.measure === 'mL') {
    volumeMl = amount.value;
    volumeBasis = amountBasis;
  } else if (
    sizeListing &&
    sizeCode &&
    sizeListing.pkgSize > 0 &&
    sizeListing.pkgSize !== 1 &&
    INJECTABLE.test(sizeCode.record.long ?? sizeCode.record.short)
  ) {
    const suspect = amount ? sizeIsContent(amount, sizeListing.pkgSize) : undefined;
    if (suspect) findings.noVolume.push({ ndc: n.ndc, why: suspect });
    else {
      volumeMl = sizeListing.pkgSize;
      volumeBasis = `PKG SIZE ${sizeListing.pkgSize} of ${sizeListing.code} (${sizeListing.quarter}), an injectable measured in mL`;
    }
  }

  return {
    ndc: n.ndc,
    labeler: n.labeler,
    name: n.drugName,
    listings: runsOf(known, quarters),
    family,
    ...(amount ? { amount, amountBasis } : {}),
    ...(volumeMl !== undefined ? { volumeMl, volumeBasis } : {}),
  };
}

/** Crosswalk codes no pricing file lists: their rows cannot become products. */
export function tallyUnknownCodes(raw: RawCatalog, findings: Findings): void {
  const byCode = new Map<string, { ndcs: Set<string>; quarters: Set<string> }>();
  for (const n of raw.ndcs.values()) {
    for (const l of n.listings) {
      if (raw.codes.has(l.code)) continue;
      const e = byCode.get(l.code) ?? { ndcs: new Set(), quarters: new Set() };
      e.ndcs.add(n.ndc);
      e.quarters.add(l.quarter);
      byCode.set(l.code, e);
    }
  }
  for (const [code, e] of [...byCode].sort((a, b) => a[0].localeCompare(b[0]))) {
    findings.unknownCodes.push({ code, ndcs: e.ndcs.size, quarters: [...e.quarters].sort() });
  }
}
