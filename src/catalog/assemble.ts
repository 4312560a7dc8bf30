/**
 * The in-memory catalog from its files: codes with their prices and Addendum B statuses,
 * products with the curated container use, families with their names, and the RxNorm codes of
 * the curated list. Pure; load.ts reads the files.
 */
import { CatalogError, DrugCatalog } from './catalog.ts';
import type { CatalogData } from './catalog.ts';
import type {
  CodeRecord,
  CodesFile,
  CuratedFile,
  FamiliesFile,
  ProductRecord,
  ProductsFile,
} from './files.ts';
import { parseBillingUnit } from './import/dosage.ts';
import { normalizeNdc } from './ndc.ts';
import { buildTermIndex, termOf, termsOfName } from './terms.ts';
import type { CatalogCode, CodeUse, Ingredient, OppsListing, Price, Product } from './types.ts';

/** A price from outside the CMS files (the demo's or the audit generator's), per code and quarter. */
export interface ExtraPrice {
  readonly code: string;
  readonly quarter: string;
  readonly paymentLimit: number;
  readonly source: string;
  readonly illustrative?: boolean | undefined;
}

export interface CatalogFiles {
  readonly codes: CodesFile;
  readonly products: ProductsFile;
  readonly families: FamiliesFile;
  readonly curated: CuratedFile;
  readonly extraPrices?: readonly ExtraPrice[];
}

function fileMap(list: readonly (readonly [string, string])[]): Map<string, string> {
  return new Map(list.map(([q, f]) => [q, f]));
}

function codeFrom(
  r: CodeRecord,
  pricing: ReadonlyMap<string, string>,
  opps: ReadonlyMap<string, string>,
  extra: readonly ExtraPrice[],
): CatalogCode {
  const prices: Price[] = [];
  const suspect = new Map(r.suspectPrices ?? []);
  for (const [quarter, limit] of r.prices) {
    if (limit === null || extra.some((e) => e.quarter === quarter)) continue;
    const why = suspect.get(quarter);
    prices.push({
      quarter,
      paymentLimit: limit,
      source: `CMS ASP pricing file ${pricing.get(quarter) ?? quarter}`,
      ...(why ? { suspect: true, note: why } : {}),
    });
  }
  for (const e of extra) {
    prices.push({
      quarter: e.quarter,
      paymentLimit: e.paymentLimit,
      source: e.source,
      ...(e.illustrative ? { illustrative: true } : {}),
    });
  }
  prices.sort((a, b) => a.quarter.localeCompare(b.quarter));
  const listings: OppsListing[] = (r.opps ?? []).map(([quarter, indicator, apc]) => ({
    quarter,
    indicator,
    apc,
    source: `CMS OPPS Addendum B ${opps.get(quarter) ?? quarter}`,
  }));
  const validity = [r.effectiveBasis, r.terminatedBasis].filter(Boolean).join('; ');
  const first = r.prices[0]?.[0];
  const last = r.prices.at(-1)?.[0];
  const use = useOf(r.long);
  return {
    code: r.code,
    descriptor: r.long ?? r.short,
    ...(r.long ? {} : { descriptorIsShort: true }),
    ingredient: r.family,
    dosage: (r.unitDosages ?? r.dosages).at(-1)?.[1] ?? '',
    ...(use ? { use } : {}),
    ...(r.unit ? { unit: { amount: r.unit.amount, measure: r.unit.measure } } : {}),
    ...(r.unit?.upTo ? { upTo: true } : {}),
    ...(r.per ? { per: r.per } : {}),
    ...(r.unitNote ? { unitNote: r.unitNote } : {}),
    ...(r.effective ? { effective: r.effective } : {}),
    ...(r.terminated ? { terminated: r.terminated } : {}),
    ...(validity ? { validitySource: validity } : {}),
    ...(listings.length ? { opps: listings } : {}),
    ...(prices.length ? { prices } : {}),
    source:
      `CMS ASP pricing files ${first === last ? first : `${first}-${last}`}` +
      (r.long ? '; HCPCS long descriptor' : '; short description (no HCPCS long descriptor)'),
  };
}

/**
 * The use a descriptor restricts its code to. CMS writes it in brackets: "(for esrd on dialysis)",
 * "(non-esrd use)", "(for non-esrd use)".
 */
export function useOf(long: string | undefined): CodeUse | undefined {
  const d = (long ?? '').toLowerCase();
  if (/\bnon-?esrd\b/.test(d)) return 'non-esrd';
  if (/\bfor esrd on dialysis\b/.test(d)) return 'esrd-on-dialysis';
  return undefined;
}

/** Versions of a code whose billing unit changed between quarters (J2404: 1 mg, then 0.1 mg). */
function versionsOf(r: CodeRecord, base: CatalogCode): (readonly [string, CatalogCode])[] | undefined {
  const points = r.unitDosages ?? r.dosages;
  if (points.length < 2) return undefined;
  return points.map(([quarter, dosage]) => {
    const u = parseBillingUnit(dosage);
    const rest: CatalogCode = { ...base };
    delete (rest as { unit?: unknown }).unit;
    delete (rest as { upTo?: unknown }).upTo;
    const version: CatalogCode =
      u.kind === 'amount'
        ? {
            ...rest,
            dosage,
            unit: { amount: u.amount, measure: u.measure },
            ...(u.upTo || base.upTo ? { upTo: true } : {}),
          }
        : { ...rest, dosage, unitNote: `dosage "${dosage}" in ${quarter} is not an amount` };
    return [quarter, version] as const;
  });
}

function productFrom(r: ProductRecord, crosswalk: ReadonlyMap<string, string>): Product {
  const listings = r.listings.map(([code, from, to, billUnits, billUnitsPkg, pkgSize, pkgQty]) => ({
    code,
    from,
    to,
    billUnits,
    billUnitsPkg,
    pkgSize,
    pkgQty,
  }));
  const quarters = `${listings[0]?.from ?? ''}-${listings.at(-1)?.to ?? ''}`;
  const first = crosswalk.get(listings[0]?.from ?? '') ?? '';
  const last = crosswalk.get(listings.reduce((q, l) => (l.to > q ? l.to : q), '')) ?? '';
  return {
    ndc: r.ndc,
    description: r.name || r.labeler,
    labeler: r.labeler,
    ingredient: r.family,
    hcpcs: [...new Set(listings.map((l) => l.code))].sort(),
    listings,
    ...(r.amount ? { amount: r.amount } : {}),
    ...(r.volumeMl !== undefined ? { volumeMl: r.volumeMl } : {}),
    source:
      `CMS ASP NDC-HCPCS crosswalk ${first === last ? first : `${first} to ${last}`} (${quarters})` +
      (r.amountBasis ? `; amount: ${r.amountBasis}` : '; amount per item not derivable') +
      (r.volumeBasis ? `; volume: ${r.volumeBasis}` : ''),
  };
}

/** The 11-digit NDCs or 9-digit labeler+product of a curated entry. */
function ndcKey(text: string): { full?: string; prefix?: string } {
  const full = normalizeNdc(text);
  if (full) return { full };
  const m = /^(\d{4,5})-(\d{3,4})$/.exec(text.trim());
  if (m) {
    const prefix = normalizeNdc(`${m[1]}-${m[2]}-00`)?.slice(0, 9);
    if (prefix) return { prefix };
  }
  if (/^\d{9}$/.test(text.trim())) return { prefix: text.trim() };
  throw new CatalogError(`curated.json: "${text}" is not an NDC or a labeler+product code`);
}

export function assembleCatalog(files: CatalogFiles): DrugCatalog {
  const pricing = fileMap(files.codes.sources.pricing);
  const opps = fileMap(files.codes.sources.opps);
  const crosswalk = fileMap(files.codes.sources.crosswalk);
  const extraByCode = new Map<string, ExtraPrice[]>();
  for (const e of files.extraPrices ?? []) extraByCode.set(e.code, [...(extraByCode.get(e.code) ?? []), e]);

  const mues = new Map(files.curated.mues.map((m) => [m.code, m]));
  for (const m of files.curated.mues) {
    if (!files.codes.codes.some((c) => c.code === m.code))
      throw new CatalogError(`curated.json: MUE for ${m.code}, not a code of the catalog`);
  }
  const codes: CatalogCode[] = [];
  const codeVersions = new Map<string, (readonly [string, CatalogCode])[]>();
  const familyOfCode = new Map<string, string>();
  for (const r of files.codes.codes) {
    const m = mues.get(r.code);
    const c: CatalogCode = {
      ...codeFrom(r, pricing, opps, extraByCode.get(r.code) ?? []),
      ...(m
        ? {
            mue: {
              value: m.value,
              source: m.source,
              scope: m.scope,
              ...(m.adjudicationIndicator ? { adjudicationIndicator: m.adjudicationIndicator } : {}),
            },
          }
        : {}),
    };
    codes.push(c);
    familyOfCode.set(r.code, r.family);
    const versions = versionsOf(r, c);
    if (versions) codeVersions.set(r.code, versions);
  }
  const familyOf = (code: string, where: string): string => {
    const f = familyOfCode.get(code);
    if (!f) throw new CatalogError(`curated.json: ${where}: ${code} is not a code of the catalog`);
    return f;
  };

  // Curated container use and volume, by 11-digit NDC or by labeler+product.
  const curated = files.curated;
  const containers = curated.containers.map((c) => ({ ...c, key: ndcKey(c.ndc) }));
  const rxByNdc = new Map<string, string[]>();
  const rxNdcKeys = curated.rxnorm.map((r) => ({ r, keys: (r.ndcs ?? []).map(ndcKey) }));
  for (const { r, keys } of rxNdcKeys)
    for (const k of keys)
      rxByNdc.set(k.full ?? k.prefix ?? '', [...(rxByNdc.get(k.full ?? k.prefix ?? '') ?? []), r.rxcui]);

  const products: Product[] = [];
  const used = new Set<string>();
  for (const r of files.products.products) {
    let p = productFrom(r, crosswalk);
    const c =
      containers.find((x) => x.key.full === r.ndc) ??
      containers.find((x) => x.key.prefix === r.ndc.slice(0, 9));
    if (c) {
      used.add(c.ndc);
      p = {
        ...p,
        containerUse: c.containerUse,
        ...(p.volumeMl === undefined && c.volumeMl !== undefined ? { volumeMl: c.volumeMl } : {}),
        source: `${p.source}; ${c.containerUse} (${c.label}): ${c.source}`,
      };
    }
    const rx = [...(rxByNdc.get(r.ndc) ?? []), ...(rxByNdc.get(r.ndc.slice(0, 9)) ?? [])];
    if (rx.length) p = { ...p, rxnorm: [...new Set(rx)].sort() };
    products.push(p);
  }
  for (const c of containers) {
    if (!used.has(c.ndc)) throw new CatalogError(`curated.json: container entry ${c.ndc} matches no product`);
  }

  const productsByKey = new Map<string, Product[]>();
  for (const p of products) {
    productsByKey.set(p.ndc, [p]);
    productsByKey.set(p.ndc.slice(0, 9), [...(productsByKey.get(p.ndc.slice(0, 9)) ?? []), p]);
  }
  const rxnormProducts = new Map<string, Product[]>();
  const rxnormFamilies = new Map<string, string[]>();
  for (const { r, keys } of rxNdcKeys) {
    const found = keys.flatMap((k) => productsByKey.get(k.full ?? k.prefix ?? '') ?? []);
    if (keys.length && found.length === 0)
      throw new CatalogError(`curated.json: RxNorm ${r.rxcui} names no product`);
    if (found.length)
      rxnormProducts.set(
        r.rxcui,
        [...new Set(found)].sort((a, b) => a.ndc.localeCompare(b.ndc)),
      );
    const fams = (r.families ?? []).map((code) => familyOf(code, `RxNorm ${r.rxcui}`));
    if (fams.length) rxnormFamilies.set(r.rxcui, [...new Set(fams)].sort());
  }

  // Families: their names from the descriptors and crosswalk, the curated synonyms and RxNorm codes.
  const termFamilies = new Map<string, Set<string>>();
  const addTerm = (t: string, family: string) => {
    const set = termFamilies.get(t) ?? new Set();
    set.add(family);
    termFamilies.set(t, set);
  };
  const synonymsByFamily = new Map<string, string[]>();
  for (const f of files.families.families) for (const t of f.terms) addTerm(t, f.key);
  for (const s of curated.synonyms) {
    const family = familyOf(s.family, `synonym "${s.term}"`);
    for (const t of termsOfName(s.term)) addTerm(t, family);
    synonymsByFamily.set(family, [...(synonymsByFamily.get(family) ?? []), termOf(s.term)]);
  }
  for (const x of curated.excludedTerms) termFamilies.delete(termOf(x.term));
  const families: Ingredient[] = files.families.families.map((f) => ({
    key: f.key,
    name: f.name,
    rxnorm: [...rxnormFamilies].filter(([, fs]) => fs.length === 1 && fs[0] === f.key).map(([rx]) => rx),
    synonyms: [...f.terms, ...(synonymsByFamily.get(f.key) ?? [])],
    codes: f.codes,
    source: 'CMS HCPCS long descriptors and ASP crosswalk drug names (catalog/families.json)',
  }));
  const lastPriced = files.codes.sources.pricing.at(-1)?.[0];
  const data: CatalogData = {
    codes,
    codeVersions,
    products,
    families,
    terms: buildTermIndex(new Map([...termFamilies].map(([t, s]) => [t, [...s].sort()]))),
    rxnormFamilies,
    rxnormProducts,
    releases: files.codes.sources.opps,
    lastPricedQuarter: lastPriced,
  };
  checkReferences(data);
  return new DrugCatalog(data);
}

/** Every product's family and codes exist: a hand-edited or truncated file fails at start. */
function checkReferences(data: CatalogData): void {
  const families = new Set(data.families.map((f) => f.key));
  const codes = new Set(data.codes.map((c) => c.code));
  for (const c of data.codes) {
    if (!families.has(c.ingredient))
      throw new CatalogError(`code ${c.code}: unknown family "${c.ingredient}"`);
  }
  for (const p of data.products) {
    if (!families.has(p.ingredient))
      throw new CatalogError(`product ${p.ndc}: unknown family "${p.ingredient}"`);
    for (const code of p.hcpcs)
      if (!codes.has(code)) throw new CatalogError(`product ${p.ndc}: unknown code ${code}`);
  }
}
