/**
 * The catalog files from the raw CMS facts (docs/catalog.md). Pure and deterministic: the same
 * facts give the same records in the same order, whatever order the files were read in.
 */
import { descriptorTerms } from '../families.ts';
import { CATALOG_FORMAT } from '../files.ts';
import type {
  CatalogSourcesRecord,
  CodesFile,
  FamiliesFile,
  FamilyRecord,
  ProductRecord,
  ProductsFile,
  UnpricedCodeRecord,
  UnpricedListingRecord,
} from '../files.ts';
import { termOf, termsOfName } from '../terms.ts';
import { deriveCodes, nameOfFamily } from './derive-codes.ts';
import type { DerivedCode } from './derive-codes.ts';
import { deriveProduct, runsOf, tallyUnknownCodes } from './derive-products.ts';
import { emptyFindings } from './findings.ts';
import type { Findings } from './findings.ts';
import type { QuarterFile, RawCatalog } from './raw.ts';
import { quarterEnd, quarterStart } from '../quarters.ts';

export interface DerivedCatalog {
  readonly codes: CodesFile;
  readonly products: ProductsFile;
  readonly families: FamiliesFile;
  readonly findings: Findings;
}

function entries(list: readonly QuarterFile[]): [string, string][] {
  return list.map((s) => [s.quarter, s.file]);
}

export function sourcesRecord(raw: RawCatalog): CatalogSourcesRecord {
  return {
    pricing: entries(raw.sources.pricing),
    crosswalk: entries(raw.sources.crosswalk),
    opps: entries(raw.sources.opps),
    oppsSuperseded: entries(raw.sources.oppsSuperseded),
    descriptors: raw.sources.descriptors ?? null,
  };
}

export function deriveCatalog(raw: RawCatalog): DerivedCatalog {
  const findings = emptyFindings();
  const derived = deriveCodes(raw, findings);
  const codeMap = new Map(derived.map((d) => [d.record.code, d]));
  tallyUnknownCodes(raw, findings);

  const quarters = raw.sources.crosswalk.map((s) => s.quarter);
  const products: ProductRecord[] = [];
  const unpricedListings: UnpricedListingRecord[] = [];
  for (const n of [...raw.ndcs.values()].sort((a, b) => a.ndc.localeCompare(b.ndc))) {
    const p = deriveProduct(n, codeMap, quarters, findings);
    if (p) products.push(p);
    const other = n.listings.filter((l) => !codeMap.has(l.code));
    if (other.length) {
      unpricedListings.push({
        ndc: n.ndc,
        labeler: n.labeler,
        name: n.drugName,
        listings: runsOf(other, quarters),
      });
    }
  }
  checkPrefixes(products, findings);
  byAmountOffers(derived, products, quarters, findings);
  // Codes no pricing file lists keep their descriptor, Addendum B rows and crosswalk dosages for a
  // later import that prices them.
  const waiting = new Set([
    ...raw.unpriced.keys(),
    ...[...raw.xwDosages.keys()].filter((c) => !codeMap.has(c)),
  ]);
  const unpricedCodes: UnpricedCodeRecord[] = [...waiting].sort().map((code) => {
    const u = raw.unpriced.get(code);
    const xw = raw.xwDosages.get(code);
    return {
      code,
      ...(u?.long ? { long: u.long } : {}),
      ...(u?.opps.length ? { opps: u.opps.map((o) => [o.quarter, o.si, o.apc] as const) } : {}),
      ...(xw?.size ? { xwDosages: [...xw] } : {}),
    };
  });

  return {
    codes: {
      format: CATALOG_FORMAT,
      sources: sourcesRecord(raw),
      codes: derived.map((d) => d.record),
      unpriced: unpricedCodes,
    },
    products: { format: CATALOG_FORMAT, products, unpriced: unpricedListings },
    families: { format: CATALOG_FORMAT, families: deriveFamilies(derived, products) },
    findings,
  };
}

function deriveFamilies(derived: readonly DerivedCode[], products: readonly ProductRecord[]): FamilyRecord[] {
  const members = new Map<string, DerivedCode[]>();
  for (const d of derived) {
    const list = members.get(d.record.family) ?? [];
    list.push(d);
    members.set(d.record.family, list);
  }
  const names = new Map<string, Set<string>>();
  for (const p of products) {
    if (!p.name) continue;
    const set = names.get(p.family) ?? new Set();
    set.add(p.name);
    names.set(p.family, set);
  }
  // Descriptors name some labelers in brackets ("pemetrexed (hospira)"): a labeler names no drug.
  const labelers = [...new Set(products.map((p) => termOf(p.labeler)).filter(Boolean))];
  const isLabeler = (t: string) => labelers.some((l) => l === t || l.startsWith(`${t} `));
  const out: FamilyRecord[] = [];
  for (const [key, list] of [...members].sort((a, b) => a[0].localeCompare(b[0]))) {
    const terms = new Set<string>();
    for (const d of list)
      if (d.hasLong) for (const t of descriptorTerms(d.stem)) if (!isLabeler(t)) terms.add(t);
    for (const name of names.get(key) ?? [])
      for (const t of termsOfName(name)) if (!isLabeler(t)) terms.add(t);
    out.push({
      key,
      name: nameOfFamily(list),
      codes: list.map((d) => d.record.code).sort(),
      terms: [...terms].sort(),
    });
  }
  return out;
}

/**
 * What the by-amount rule offers beyond the crosswalk: for each family of several codes, the
 * products listed under one of its codes in a quarter that are also offered another of its codes
 * valid that quarter (docs/catalog.md "Drug families"), grouped by what is listed and offered.
 */
function byAmountOffers(
  derived: readonly DerivedCode[],
  products: readonly ProductRecord[],
  quarters: readonly string[],
  findings: Findings,
): void {
  const members = new Map<string, DerivedCode[]>();
  for (const d of derived) members.set(d.record.family, [...(members.get(d.record.family) ?? []), d]);
  const familyOf = new Map(derived.map((d) => [d.record.code, d.record.family]));
  const validIn = (d: DerivedCode, q: string) =>
    d.record.unit !== undefined &&
    (!d.record.effective || d.record.effective <= quarterEnd(q)) &&
    (!d.record.terminated || d.record.terminated >= quarterStart(q));
  const groups = new Map<
    string,
    {
      family: string;
      codes: string;
      listed: string;
      offered: string;
      ndcs: Set<string>;
      quarters: Set<string>;
    }
  >();
  for (const p of products) {
    for (const q of quarters) {
      const listed = [...new Set(p.listings.filter((l) => l[1] <= q && q <= l[2]).map((l) => l[0]))].sort();
      for (const family of new Set(listed.map((c) => familyOf.get(c) ?? ''))) {
        const list = members.get(family) ?? [];
        if (list.length < 2) continue;
        const offered = list
          .filter((d) => validIn(d, q) && !listed.includes(d.record.code))
          .map((d) => d.record.code);
        if (offered.length === 0) continue;
        const inFamily = listed.filter((c) => list.some((d) => d.record.code === c));
        const key = `${family}|${inFamily.join()}|${offered.join()}`;
        const g = groups.get(key) ?? {
          family,
          codes: list.map((d) => d.record.code).join(', '),
          listed: inFamily.join(', '),
          offered: offered.join(', '),
          ndcs: new Set<string>(),
          quarters: new Set<string>(),
        };
        g.ndcs.add(p.ndc);
        g.quarters.add(q);
        groups.set(key, g);
      }
    }
  }
  for (const g of [...groups.values()].sort(
    (a, b) =>
      a.family.localeCompare(b.family) ||
      a.listed.localeCompare(b.listed) ||
      a.offered.localeCompare(b.offered),
  )) {
    const qs = [...g.quarters].sort();
    findings.byAmountOffers.push({
      family: g.family,
      codes: g.codes,
      products: g.ndcs.size,
      listed: g.listed,
      offered: g.offered,
      quarters: qs.length > 1 ? `${qs[0]}-${qs.at(-1)}` : (qs[0] ?? ''),
    });
  }
}

/** Packages of one labeler+product that disagree on what an item holds cannot stand for each other. */
function checkPrefixes(products: readonly ProductRecord[], findings: Findings): void {
  const groups = new Map<string, ProductRecord[]>();
  for (const p of products) {
    const k = p.ndc.slice(0, 9);
    const list = groups.get(k) ?? [];
    list.push(p);
    groups.set(k, list);
  }
  for (const [prefix, list] of groups) {
    const shapes = new Set(list.map(itemShape));
    if (shapes.size > 1) findings.prefixConflicts.push({ prefix, ndcs: list.map((p) => p.ndc) });
  }
}

/** What the engine needs to be the same for two packages to stand for each other. */
export function itemShape(p: Pick<ProductRecord, 'family' | 'amount' | 'volumeMl'>): string {
  return `${p.family}|${p.amount?.value ?? ''} ${p.amount?.measure ?? ''}|${p.volumeMl ?? ''}`;
}
