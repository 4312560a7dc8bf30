/**
 * The in-memory drug catalog and its look-ups (pure: built from parsed files, no I/O). The engine
 * calls productByNdc, productsByRxnormCode, ingredientsByRxnormCode, ingredientsInText,
 * candidateCodes, statusOn and priceOn (docs/catalog.md "Look-ups").
 */
import { Memo, Memo2 } from './memo.ts';
import { candidatesFor10Digit, normalizeNdc } from './ndc.ts';
import { quarterOf, quarterStart } from './quarters.ts';
import type { TermIndex } from './terms.ts';
import type { CatalogCode, HcpcsCode, Ingredient, Price, Product } from './types.ts';

export { quarterOf } from './quarters.ts';

export class CatalogError extends Error {
  readonly code = 'catalog-invalid';
}

/** OPPS Addendum B status of a code for the quarter of a date of service. */
export interface OppsStatus {
  /** Status indicator: K and G separately payable drugs, N packaged. */
  readonly indicator: string;
  readonly apc?: string;
  /** The quarter of the Addendum B release that gave the status, e.g. `2025Q3`. */
  readonly quarter: string;
  /** The date of service's quarter, when another release's status stands in for it. */
  readonly forQuarter?: string;
  readonly source: string;
  /** True when taken from a later release because the one in force did not list the code yet. */
  readonly inferred?: boolean;
  /** Says what stands in for what, for the UI and the audit. */
  readonly note?: string;
}

/** How a product was found by its NDC. */
export interface NdcMatch {
  readonly product: Product;
  /** `package`: the NDC the crosswalk lists; `labeler-product`: same first 9 digits (a vial in a tray). */
  readonly match: 'package' | 'labeler-product';
}

export interface CatalogData {
  readonly codes: readonly CatalogCode[];
  /** Per code, the versions whose unit differs by quarter: `[first quarter, version]`, oldest first. */
  readonly codeVersions: ReadonlyMap<string, readonly (readonly [string, CatalogCode])[]>;
  readonly products: readonly Product[];
  readonly families: readonly Ingredient[];
  readonly terms: TermIndex;
  /** Ingredient-level RxNorm code -> family keys. */
  readonly rxnormFamilies: ReadonlyMap<string, readonly string[]>;
  /** Clinical-drug RxNorm code -> products. */
  readonly rxnormProducts: ReadonlyMap<string, readonly Product[]>;
  /** Addendum B releases: quarter -> file. */
  readonly releases: readonly (readonly [string, string])[];
  /** The last quarter a pricing file was loaded for. */
  readonly lastPricedQuarter: string | undefined;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function isBillable(c: CatalogCode): c is HcpcsCode {
  return c.unit !== undefined;
}

export function isValidOn(
  code: Pick<CatalogCode, 'effective' | 'terminated'>,
  dateOfService: string,
): boolean {
  if (code.effective && dateOfService < code.effective) return false;
  if (code.terminated && dateOfService > code.terminated) return false;
  return true;
}

export class DrugCatalog {
  /** Codes that bill by amount (the engine's). */
  readonly codes: ReadonlyMap<string, HcpcsCode>;
  /** Every code of the pricing files. */
  readonly allCodes: ReadonlyMap<string, CatalogCode>;
  /** Products by their package NDC. */
  readonly products: ReadonlyMap<string, Product>;
  /** Drug families by key. */
  readonly ingredients: ReadonlyMap<string, Ingredient>;
  /** The quarter of the latest pricing file, e.g. `2026Q1`. */
  readonly lastPricedQuarter: string | undefined;
  private readonly data: CatalogData;
  private readonly byPrefix = new Map<string, Product | null>();
  private readonly codesByFamily = new Map<string, CatalogCode[]>();
  // Answers already given (docs/catalog.md "Look-ups"): the engine asks the same questions for
  // every administration, and the answers depend on the quarter, never on the day within it.
  private readonly ndcMemo = new Memo<NdcMatch | undefined>();
  private readonly textMemo = new Memo<readonly string[]>();
  private readonly statusMemo = new Memo2<OppsStatus | undefined>();
  private readonly priceMemo = new Memo2<Price | undefined>();
  /**
   * Per product's listings (shared by a scanned vial's copy of its package), per family and
   * quarter. A Map by identity, bounded like the others (products come from this catalog).
   */
  private readonly candidateMemo = new Map<object, Memo<readonly CatalogCode[]>>();
  private readonly noProduct = {};

  constructor(data: CatalogData) {
    this.data = data;
    this.allCodes = new Map(data.codes.map((c) => [c.code, c]));
    this.codes = new Map(data.codes.filter(isBillable).map((c) => [c.code, c]));
    this.products = new Map(data.products.map((p) => [p.ndc, p]));
    this.ingredients = new Map(data.families.map((f) => [f.key, f]));
    this.lastPricedQuarter = data.lastPricedQuarter;
    for (const c of data.codes) push(this.codesByFamily, c.ingredient, c);
    const groups = new Map<string, Product[]>();
    for (const p of data.products) {
      for (const ndc of [p.ndc, ...(p.outerNdcs ?? [])]) push(groups, ndc.slice(0, 9), p);
    }
    for (const [prefix, list] of groups) {
      const first = list[0];
      const alike = first !== undefined && list.every((p) => sameItem(p, first));
      this.byPrefix.set(prefix, alike ? first : null);
    }
    const outer = new Map<string, Product>();
    for (const p of data.products) for (const o of p.outerNdcs ?? []) outer.set(o, p);
    this.outer = outer;
  }

  private readonly outer: ReadonlyMap<string, Product>;

  /** Product by NDC in any 10- or 11-digit form, hyphenated or not (docs/catalog.md "NDC look-up"). */
  productByNdc(ndc: string): Product | undefined {
    return this.lookupNdc(ndc)?.product;
  }

  /** Like productByNdc, saying whether the package itself or its labeler+product matched. */
  lookupNdc(ndc: string): NdcMatch | undefined {
    return this.ndcMemo.get(ndc, () => this.findNdc(ndc));
  }

  private findNdc(ndc: string): NdcMatch | undefined {
    const n = normalizeNdc(ndc);
    const candidates = n ? [n] : candidatesFor10Digit(ndc);
    const exact = candidates
      .map((c) => this.products.get(c) ?? this.outer.get(c))
      .filter((p): p is Product => p !== undefined);
    if (exact.length === 1 && exact[0]) return { product: exact[0], match: 'package' };
    if (exact.length > 1) return undefined;
    // A bedside scan records the vial (63323-0258-01) inside the package CMS lists (-03): the
    // first 9 digits are labeler and product, which fix the drug and strength (21 CFR 207.33).
    const hits = candidates.flatMap((c) => {
      const p = this.byPrefix.get(c.slice(0, 9));
      return p ? [{ ndc: c, product: p }] : [];
    });
    const [hit] = hits;
    if (hits.length !== 1 || !hit) return undefined;
    return { product: this.asScanned(hit.ndc, hit.product), match: 'labeler-product' };
  }

  /** The package's product under the NDC actually scanned (the claim reports what was given). */
  private asScanned(ndc: string, product: Product): Product {
    return { ...product, ndc, outerNdcs: [product.ndc] };
  }

  /** Products of a clinical-drug RxNorm code (several labelers may share one). */
  productsByRxnormCode(rxcui: string): readonly Product[] {
    return this.data.rxnormProducts.get(rxcui) ?? [];
  }

  /** Family keys of an ingredient-level RxNorm code (more than one when ambiguous). */
  ingredientsByRxnormCode(rxcui: string): readonly string[] {
    return this.data.rxnormFamilies.get(rxcui) ?? [];
  }

  /** Family keys named in free text, longest names first; several when it is ambiguous. */
  ingredientsInText(text: string): readonly string[] {
    return this.textMemo.get(text, () => this.data.terms.find(text));
  }

  /** A code as it was on a date of service (its unit in force that quarter). */
  codeOn(code: string, dateOfService: string): CatalogCode | undefined {
    const versions = this.data.codeVersions.get(code);
    if (!versions) return this.allCodes.get(code);
    const q = quarterOf(dateOfService);
    let pick = versions[0]?.[1];
    for (const [from, v] of versions) if (from <= q) pick = v;
    return pick;
  }

  /** The billable codes among `codes` valid on a date of service, as they were that day. */
  codesValidOn(codes: Iterable<string>, dateOfService: string): HcpcsCode[] {
    const out: HcpcsCode[] = [];
    for (const code of codes) {
      const c = this.codeOn(code, dateOfService);
      if (c && isBillable(c) && isValidOn(c, dateOfService)) out.push(c);
    }
    return out.sort((a, b) => a.code.localeCompare(b.code));
  }

  /** Every code of a family, billable by amount or not. */
  codesForIngredient(ingredient: string): readonly CatalogCode[] {
    return this.codesByFamily.get(ingredient) ?? [];
  }

  /**
   * The codes an administration can bill on a date of service (docs/catalog.md "Drug families").
   * With a product: the codes the crosswalk lists it under in that quarter (the nearest listed
   * quarter otherwise), and the other codes of their families, which differ from them only in the
   * amount (Depo-Medrol, crosswalked to J1040 in 2024Q1, bills 40 mg as J1030); without one, the
   * identified family's codes. Only codes valid that day, as they were that day. A product listed
   * under a code for one use and a code for another (darbepoetin J0881 non-ESRD, J0882 ESRD on
   * dialysis) is offered the non-ESRD code, unless `options.esrdOnDialysis` says the patient is on
   * dialysis (then the ESRD code).
   */
  candidateCodes(
    ingredient: string,
    product: Product | undefined,
    dateOfService: string,
    options: CandidateOptions = {},
  ): HcpcsCode[] {
    const valid = this.inQuarter(ingredient, product, dateOfService).filter(
      (c): c is HcpcsCode => isBillable(c) && isValidOn(c, dateOfService),
    );
    return byUse(valid, options);
  }

  /**
   * The codes the same administration could bill on that day that do **not** bill by amount: per
   * vial, per dose or per item, a measure no dose converts into, or a dosage CMS writes in a way
   * that is not one amount (a combination, a range, a cell count; docs/catalog.md "Codes"). The
   * engine cannot compute their units from a dose; it says so rather than "no code".
   */
  codesNotByAmount(
    ingredient: string,
    product: Product | undefined,
    dateOfService: string,
    options: CandidateOptions = {},
  ): CatalogCode[] {
    const valid = this.inQuarter(ingredient, product, dateOfService).filter(
      (c) => !isBillable(c) && isValidOn(c, dateOfService),
    );
    return byUse(valid, options);
  }

  /** Candidate codes as they are in the date's quarter, sorted, before the validity of the day. */
  private inQuarter(
    ingredient: string,
    product: Product | undefined,
    dateOfService: string,
  ): readonly CatalogCode[] {
    const q = quarterOf(dateOfService);
    const owner = product ? (product.listings ?? product.hcpcs) : this.noProduct;
    let memo = this.candidateMemo.get(owner);
    if (!memo) {
      if (this.candidateMemo.size >= 20_000) this.candidateMemo.clear();
      memo = new Memo(1_000);
      this.candidateMemo.set(owner, memo);
    }
    return memo.get(`${ingredient}|${q}`, () => this.candidatesInQuarter(ingredient, product, q));
  }

  /** The candidate codes as they are in a quarter (billable by amount or not), sorted. */
  private candidatesInQuarter(
    ingredient: string,
    product: Product | undefined,
    quarter: string,
  ): readonly CatalogCode[] {
    const day = quarterStart(quarter);
    const listed = product ? this.listedCodesOn(product, day) : [];
    const families = listed.length
      ? listed.map((c) => this.allCodes.get(c)?.ingredient ?? ingredient)
      : [product?.ingredient ?? ingredient];
    const codes = new Set([
      ...listed,
      ...families.flatMap((f) => this.codesForIngredient(f).map((c) => c.code)),
    ]);
    const out: CatalogCode[] = [];
    for (const code of codes) {
      const c = this.codeOn(code, day);
      if (c) out.push(c);
    }
    return out.sort((a, b) => a.code.localeCompare(b.code));
  }

  /** The codes the crosswalk lists a product under in the quarter of a date, else the nearest listed quarter. */
  listedCodesOn(product: Product, dateOfService: string): string[] {
    const listings = product.listings ?? [];
    if (listings.length === 0) return [...product.hcpcs];
    const q = quarterOf(dateOfService);
    let chosen = listings.filter((l) => l.from <= q && q <= l.to);
    if (chosen.length === 0) {
      const before = listings.filter((l) => l.to < q).map((l) => l.to);
      const at = before.length ? before.sort().at(-1) : listings.map((l) => l.from).sort()[0];
      chosen = listings.filter((l) => l.to === at || l.from === at);
    }
    return [...new Set(chosen.map((l) => l.code))].sort();
  }

  /**
   * The OPPS status of a code on a date of service: from the latest Addendum B release at or
   * before its quarter; a code that release does not list yet (J2919 in 2024Q2-Q4) takes the
   * status of the earliest later release listing it, marked `inferred`.
   */
  statusOn(code: string, dateOfService: string): OppsStatus | undefined {
    const c = this.allCodes.get(code);
    if (!c?.opps?.length || !isValidOn(c, dateOfService)) return undefined;
    const q = quarterOf(dateOfService);
    return this.statusMemo.get(code, q, () => this.statusInQuarter(c, q));
  }

  private statusInQuarter(c: CatalogCode, q: string): OppsStatus | undefined {
    if (!c.opps?.length) return undefined;
    const code = c.code;
    const releases = this.data.releases.map(([rq]) => rq);
    const inForce = releases.filter((r) => r <= q).at(-1);
    const listed = (r: string | undefined) => (r ? c.opps?.find((o) => o.quarter === r) : undefined);
    const own = listed(inForce);
    const later = c.opps.find((o) => !inForce || o.quarter > inForce);
    const earlier = [...c.opps].reverse().find((o) => inForce && o.quarter < inForce);
    const use = own ?? later ?? earlier;
    if (!use) return undefined;
    const inferred = use !== own;
    const latest = releases.at(-1);
    const note = inferred
      ? `${use.quarter} Addendum B status used for ${q}: the release in force ${inForce ? `(${inForce})` : ''} does not list ${code}`.replace(
          ' ()',
          '',
        )
      : use.quarter !== q
        ? `${use.quarter} Addendum B is the latest release at or before ${q}${use.quarter === latest && q > use.quarter ? ' (no later release loaded)' : ''}`
        : undefined;
    return {
      indicator: use.indicator,
      ...(use.apc ? { apc: use.apc } : {}),
      quarter: use.quarter,
      ...(use.quarter !== q ? { forQuarter: q } : {}),
      source: use.source,
      ...(inferred ? { inferred: true } : {}),
      ...(note ? { note } : {}),
    };
  }

  /**
   * Payment limit for the code in the quarter of the date of service; after the last loaded
   * quarter, the latest limit, saying so.
   */
  priceOn(code: string, dateOfService: string): Price | undefined {
    const q = quarterOf(dateOfService);
    return this.priceMemo.get(code, q, () => this.priceInQuarter(code, q));
  }

  private priceInQuarter(code: string, q: string): Price | undefined {
    const prices = this.allCodes.get(code)?.prices;
    if (!prices?.length) return undefined;
    const own = prices.find((p) => p.quarter === q);
    if (own) return own;
    const last = this.lastPricedQuarter;
    if (!last || q <= last) return undefined;
    const latest = prices.find((p) => p.quarter === last);
    return latest
      ? { ...latest, forQuarter: q, note: `priced with ${last} limits (the latest loaded) for ${q}` }
      : undefined;
  }
}

export interface CandidateOptions {
  /** The patient has ESRD and is on dialysis: a code "for ESRD on dialysis" bills, not the non-ESRD one. */
  readonly esrdOnDialysis?: boolean;
}

/**
 * Of codes restricted to a use, those for the patient's: the non-ESRD code unless the patient is
 * known to be on dialysis. A code without a use restriction always stays.
 */
function byUse<C extends CatalogCode>(codes: C[], options: CandidateOptions): C[] {
  const uses = new Set(codes.map((c) => c.use).filter(Boolean));
  if (uses.size < 2) return codes;
  const want = options.esrdOnDialysis ? 'esrd-on-dialysis' : 'non-esrd';
  return codes.filter((c) => !c.use || c.use === want);
}

/**
 * Two packages the engine can treat alike: same drug, content per item, volume, container use and
 * codes.
 */
export function sameItem(a: Product, b: Product): boolean {
  return (
    a.ingredient === b.ingredient &&
    a.amount?.value === b.amount?.value &&
    a.amount?.measure === b.amount?.measure &&
    a.volumeMl === b.volumeMl &&
    a.containerUse === b.containerUse &&
    a.hcpcs.join() === b.hcpcs.join()
  );
}
