/**
 * What the CMS files say, quarter by quarter, before anything is derived from it: the catalog
 * keeps exactly these facts (docs/catalog.md "On disk"), so a new quarter's file can be added to
 * a built catalog and give the same result as building from every file. Pure.
 */
import { compareQuarters } from '../quarters.ts';
import type { CrosswalkRow, DescriptorRow, OppsRow, PricingRow } from '../import/cms-files.ts';

export interface QuarterFile {
  readonly quarter: string;
  readonly file: string;
}

export interface RawSources {
  readonly pricing: QuarterFile[];
  readonly crosswalk: QuarterFile[];
  /** Addendum B releases used, one per quarter. */
  readonly opps: QuarterFile[];
  /** Releases read but superseded by a later release of the same quarter. */
  readonly oppsSuperseded: QuarterFile[];
  descriptors: string | undefined;
}

export interface RawPricing {
  readonly quarter: string;
  readonly shortDescription: string;
  readonly dosage: string;
  readonly paymentLimit: number | null;
  readonly note: string;
  /** The pricing file's `Clotting Factor` column is set for the code this quarter. */
  readonly clottingFactor: boolean;
}

export interface RawOpps {
  readonly quarter: string;
  readonly si: string;
  readonly apc: string;
}

export interface RawCode {
  readonly code: string;
  /** One entry per pricing quarter that lists the code, by quarter. */
  pricing: RawPricing[];
  /** One entry per Addendum B release that lists the code, by quarter. */
  opps: RawOpps[];
  long: string | undefined;
}

export interface RawListing {
  readonly quarter: string;
  readonly code: string;
  readonly billUnits: number;
  readonly billUnitsPkg: number;
  readonly pkgSize: number;
  readonly pkgQty: number;
}

export interface RawNdc {
  readonly ndc: string;
  /** As the latest crosswalk listing the NDC writes them. */
  labeler: string;
  drugName: string;
  /** By quarter, then code. */
  listings: RawListing[];
}

export interface RawCatalog {
  readonly sources: RawSources;
  readonly codes: Map<string, RawCode>;
  readonly ndcs: Map<string, RawNdc>;
  /**
   * Descriptors and Addendum B rows of drug codes no pricing file lists yet: kept so that a later
   * pricing file that adds the code finds them, as a build from every file would.
   */
  readonly unpriced: Map<string, { long: string | undefined; opps: RawOpps[] }>;
  /**
   * The crosswalk's `HCPCS dosage` per code and quarter (its distinct values joined by " | "): what
   * the crosswalk says one billing unit is, to check the pricing file's dosage against.
   */
  readonly xwDosages: Map<string, Map<string, string>>;
}

/** Codes a pricing file may list: drugs, biologicals, radiopharmaceuticals, contrast, vaccines. */
export function isDrugCode(code: string): boolean {
  return /^(?:[JQ]\d{4}|A9\d{3}|C9\d{3}|P9\d{3}|9[01]\d{3})$/.test(code);
}

function unpricedEntry(raw: RawCatalog, code: string): { long: string | undefined; opps: RawOpps[] } {
  let e = raw.unpriced.get(code);
  if (!e) {
    e = { long: undefined, opps: [] };
    raw.unpriced.set(code, e);
  }
  return e;
}

export function emptyRaw(): RawCatalog {
  return {
    sources: { pricing: [], crosswalk: [], opps: [], oppsSuperseded: [], descriptors: undefined },
    codes: new Map(),
    ndcs: new Map(),
    unpriced: new Map(),
    xwDosages: new Map(),
  };
}

function byQuarter<T extends { quarter: string }>(a: T, b: T): number {
  return compareQuarters(a.quarter, b.quarter);
}

function setSource(list: QuarterFile[], entry: QuarterFile): void {
  const at = list.findIndex((s) => s.quarter === entry.quarter);
  if (at >= 0) list.splice(at, 1);
  list.push(entry);
  list.sort(byQuarter);
}

/** Replaces the quarter's pricing facts with the file's rows. */
export function addPricing(
  raw: RawCatalog,
  quarter: string,
  file: string,
  rows: readonly PricingRow[],
): void {
  setSource(raw.sources.pricing, { quarter, file });
  for (const c of raw.codes.values()) c.pricing = c.pricing.filter((p) => p.quarter !== quarter);
  for (const r of rows) {
    let c = raw.codes.get(r.code);
    if (!c) {
      const waiting = raw.unpriced.get(r.code);
      c = { code: r.code, pricing: [], opps: waiting?.opps ?? [], long: waiting?.long };
      raw.codes.set(r.code, c);
      raw.unpriced.delete(r.code);
    }
    c.pricing.push({
      quarter,
      shortDescription: r.shortDescription,
      dosage: r.dosage,
      paymentLimit: r.paymentLimit,
      note: r.note,
      clottingFactor: r.clottingFactor,
    });
    c.pricing.sort(byQuarter);
  }
  for (const [code, c] of raw.codes) {
    if (c.pricing.length > 0) continue;
    raw.codes.delete(code);
    if (c.long || c.opps.length) raw.unpriced.set(code, { long: c.long, opps: c.opps });
  }
}

/** Replaces the quarter's crosswalk facts with the file's rows. */
export function addCrosswalk(
  raw: RawCatalog,
  quarter: string,
  file: string,
  rows: readonly CrosswalkRow[],
): void {
  setSource(raw.sources.crosswalk, { quarter, file });
  for (const n of raw.ndcs.values()) n.listings = n.listings.filter((l) => l.quarter !== quarter);
  for (const r of rows) {
    let n = raw.ndcs.get(r.ndc);
    if (!n) {
      n = { ndc: r.ndc, labeler: r.labeler, drugName: r.drugName, listings: [] };
      raw.ndcs.set(r.ndc, n);
    }
    const latest = n.listings.at(-1)?.quarter;
    if (latest === undefined || compareQuarters(quarter, latest) >= 0) {
      n.labeler = r.labeler || n.labeler;
      n.drugName = r.drugName || n.drugName;
    }
    n.listings.push({
      quarter,
      code: r.code,
      billUnits: r.billUnits,
      billUnitsPkg: r.billUnitsPkg,
      pkgSize: r.pkgSize,
      pkgQty: r.pkgQty,
    });
    n.listings.sort((a, b) => byQuarter(a, b) || a.code.localeCompare(b.code));
  }
  for (const [ndc, n] of raw.ndcs) if (n.listings.length === 0) raw.ndcs.delete(ndc);
  setCrosswalkDosages(raw, quarter, rows);
}

/** The quarter's `HCPCS dosage` of every code the file lists, replacing what was there. */
function setCrosswalkDosages(raw: RawCatalog, quarter: string, rows: readonly CrosswalkRow[]): void {
  const byCode = new Map<string, Set<string>>();
  for (const r of rows) {
    if (!r.dosage) continue;
    const set = byCode.get(r.code) ?? new Set();
    set.add(r.dosage);
    byCode.set(r.code, set);
  }
  for (const [code, m] of raw.xwDosages) {
    m.delete(quarter);
    if (m.size === 0) raw.xwDosages.delete(code);
  }
  for (const [code, set] of byCode) {
    const m = raw.xwDosages.get(code) ?? new Map<string, string>();
    m.set(quarter, [...set].sort().join(' | '));
    raw.xwDosages.set(code, new Map([...m].sort((a, b) => compareQuarters(a[0], b[0]))));
  }
}

/**
 * Replaces the release of the quarter. `superseded` names an earlier release of the same quarter
 * that was read and is not used (CMS re-publishes Addendum B with corrections).
 */
export function addOpps(
  raw: RawCatalog,
  quarter: string,
  file: string,
  rows: readonly OppsRow[],
  superseded: readonly string[] = [],
): void {
  setSource(raw.sources.opps, { quarter, file });
  const others = raw.sources.oppsSuperseded.filter((s) => s.quarter !== quarter);
  raw.sources.oppsSuperseded.splice(0, Infinity, ...others, ...superseded.map((f) => ({ quarter, file: f })));
  raw.sources.oppsSuperseded.sort((a, b) => byQuarter(a, b) || a.file.localeCompare(b.file));
  for (const c of [...raw.codes.values(), ...raw.unpriced.values()]) {
    c.opps = c.opps.filter((o) => o.quarter !== quarter);
  }
  for (const r of rows) {
    const c = raw.codes.get(r.code) ?? (isDrugCode(r.code) ? unpricedEntry(raw, r.code) : undefined);
    if (!c) continue;
    c.opps.push({ quarter, si: r.si, apc: r.apc });
    c.opps.sort(byQuarter);
  }
  dropEmptyUnpriced(raw);
}

function dropEmptyUnpriced(raw: RawCatalog): void {
  for (const [code, e] of raw.unpriced) if (!e.long && e.opps.length === 0) raw.unpriced.delete(code);
}

export function addDescriptors(raw: RawCatalog, file: string, rows: readonly DescriptorRow[]): void {
  raw.sources.descriptors = file;
  for (const c of [...raw.codes.values(), ...raw.unpriced.values()]) c.long = undefined;
  for (const r of rows) {
    const c = raw.codes.get(r.code) ?? (isDrugCode(r.code) ? unpricedEntry(raw, r.code) : undefined);
    if (c) c.long = r.descriptor;
  }
  dropEmptyUnpriced(raw);
}
