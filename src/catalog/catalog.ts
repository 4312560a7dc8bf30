/**
 * The in-memory drug catalog and its look-ups (pure: built from parsed files, no I/O).
 */
import { candidatesFor10Digit, normalizeNdc } from './ndc.ts';
import type { CodesFile, IngredientsFile, PricesFile, ProductsFile } from './schema.ts';
import type { HcpcsCode, Ingredient, Price, Product } from './types.ts';

export class CatalogError extends Error {
  readonly code = 'catalog-invalid';
}

export interface AmbiguousTerm {
  readonly term: string;
  readonly rxnorm: readonly string[];
  readonly ingredients: readonly string[];
}

export class DrugCatalog {
  readonly codes: ReadonlyMap<string, HcpcsCode>;
  readonly products: ReadonlyMap<string, Product>;
  readonly ingredients: ReadonlyMap<string, Ingredient>;
  readonly ambiguous: readonly AmbiguousTerm[];
  private readonly productByAnyNdc = new Map<string, Product>();
  private readonly productsByRxnorm = new Map<string, Product[]>();
  private readonly ingredientsByRxnorm = new Map<string, string[]>();
  private readonly codesByIngredient = new Map<string, HcpcsCode[]>();
  /** Synonyms longest first, so "methylprednisolone acetate" wins over "methylprednisolone". */
  private readonly textTerms: { term: string; ingredients: string[] }[] = [];

  constructor(
    codes: HcpcsCode[],
    products: Product[],
    ingredients: Ingredient[],
    ambiguous: AmbiguousTerm[] = [],
  ) {
    this.codes = new Map(codes.map((c) => [c.code, c]));
    this.products = new Map(products.map((p) => [p.ndc, p]));
    this.ingredients = new Map(ingredients.map((i) => [i.key, i]));
    this.ambiguous = ambiguous;
    for (const c of codes) {
      if (!this.ingredients.has(c.ingredient)) {
        throw new CatalogError(`code ${c.code}: unknown ingredient "${c.ingredient}"`);
      }
      push(this.codesByIngredient, c.ingredient, c);
    }
    for (const p of products) {
      if (!this.ingredients.has(p.ingredient)) {
        throw new CatalogError(`product ${p.ndc}: unknown ingredient "${p.ingredient}"`);
      }
      for (const code of p.hcpcs) {
        const c = this.codes.get(code);
        if (!c) throw new CatalogError(`product ${p.ndc}: unknown HCPCS code ${code}`);
        if (c.ingredient !== p.ingredient) {
          throw new CatalogError(
            `product ${p.ndc} (${p.ingredient}) maps to ${code}, a code for ${c.ingredient}`,
          );
        }
      }
      for (const ndc of [p.ndc, ...(p.outerNdcs ?? [])]) {
        if (this.productByAnyNdc.has(ndc))
          throw new CatalogError(`NDC ${ndc} is listed for more than one product`);
        this.productByAnyNdc.set(ndc, p);
      }
      for (const rx of p.rxnorm ?? []) push(this.productsByRxnorm, rx, p);
    }
    for (const i of ingredients) {
      for (const rx of i.rxnorm) push(this.ingredientsByRxnorm, rx, i.key);
      for (const s of i.synonyms) this.textTerms.push({ term: s.toLowerCase(), ingredients: [i.key] });
    }
    for (const a of ambiguous) {
      for (const rx of a.rxnorm) for (const k of a.ingredients) push(this.ingredientsByRxnorm, rx, k);
      this.textTerms.push({ term: a.term.toLowerCase(), ingredients: [...a.ingredients] });
    }
    this.textTerms.sort((a, b) => b.term.length - a.term.length);
  }

  /** Product by NDC in any 10- or 11-digit form, hyphenated or not (package or outer package). */
  productByNdc(ndc: string): Product | undefined {
    const n = normalizeNdc(ndc);
    if (n) return this.productByAnyNdc.get(n);
    const hits = candidatesFor10Digit(ndc)
      .map((c) => this.productByAnyNdc.get(c))
      .filter((p): p is Product => p !== undefined);
    return hits.length === 1 ? hits[0] : undefined;
  }

  /** Products of a clinical-drug RxNorm code (several labelers may share one). */
  productsByRxnormCode(rxcui: string): readonly Product[] {
    return this.productsByRxnorm.get(rxcui) ?? [];
  }

  /** Ingredient keys of an ingredient-level RxNorm code (more than one when ambiguous). */
  ingredientsByRxnormCode(rxcui: string): readonly string[] {
    return this.ingredientsByRxnorm.get(rxcui) ?? [];
  }

  /** Ingredient keys named in free text (longest synonym first); several when ambiguous. */
  ingredientsInText(text: string): readonly string[] {
    const t = text.toLowerCase();
    for (const { term, ingredients } of this.textTerms) if (t.includes(term)) return ingredients;
    return [];
  }

  /** Codes valid on a date of service (termination date is the last valid date). */
  codesValidOn(codes: Iterable<string>, dateOfService: string): HcpcsCode[] {
    const out: HcpcsCode[] = [];
    for (const code of codes) {
      const c = this.codes.get(code);
      if (c && isValidOn(c, dateOfService)) out.push(c);
    }
    return out;
  }

  codesForIngredient(ingredient: string): readonly HcpcsCode[] {
    return this.codesByIngredient.get(ingredient) ?? [];
  }

  /**
   * The codes an administration can bill on a date of service: the drug family of the product
   * (or of the ingredient when no product is known), restricted to the codes valid that day.
   * The engine chooses among them by the amount given.
   */
  candidateCodes(ingredient: string, product: Product | undefined, dateOfService: string): HcpcsCode[] {
    return this.codesValidOn(
      product ? product.hcpcs : this.codesForIngredient(ingredient).map((c) => c.code),
      dateOfService,
    );
  }

  /** The OPPS status indicator of a code on a date of service, when a source gives one. */
  statusOn(code: string, dateOfService: string): OppsStatus | undefined {
    const c = this.codes.get(code);
    if (!c?.oppsStatusIndicator || !isValidOn(c, dateOfService)) return undefined;
    return {
      indicator: c.oppsStatusIndicator.value,
      quarter: quarterOf(dateOfService),
      source: c.oppsStatusIndicator.source,
    };
  }

  /** Payment limit for the code in the calendar quarter of the date of service. */
  priceOn(code: string, dateOfService: string): Price | undefined {
    const quarter = quarterOf(dateOfService);
    return this.codes.get(code)?.prices?.find((p) => p.quarter === quarter);
  }
}

/** OPPS Addendum B status of a code for the quarter of a date of service. */
export interface OppsStatus {
  /** Status indicator: K and G separately payable drugs, N packaged. */
  readonly indicator: string;
  readonly apc?: string;
  /** The quarter whose Addendum B release gave the status, e.g. `2025Q3`. */
  readonly quarter: string;
  readonly source: string;
  /** True when taken from a later release because the one in force did not list the code yet. */
  readonly inferred?: boolean;
}

export function isValidOn(code: HcpcsCode, dateOfService: string): boolean {
  if (code.effective && dateOfService < code.effective) return false;
  if (code.terminated && dateOfService > code.terminated) return false;
  return true;
}

export function quarterOf(date: string): string {
  const month = Number(date.slice(5, 7));
  return `${date.slice(0, 4)}Q${Math.floor((month - 1) / 3) + 1}`;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Builds a catalog from the parsed files; prices are merged into their codes. */
export function buildCatalog(files: {
  codes: CodesFile;
  products: ProductsFile;
  ingredients: IngredientsFile;
  prices?: PricesFile;
}): DrugCatalog {
  const priceByCode = new Map<string, Price[]>();
  for (const { code, ...price } of files.prices?.prices ?? []) push(priceByCode, code, price);
  const codes = files.codes.codes.map((c) => {
    const extra = priceByCode.get(c.code) ?? [];
    const prices = [...(c.prices ?? []).filter((p) => !extra.some((e) => e.quarter === p.quarter)), ...extra];
    return prices.length ? { ...c, prices } : c;
  });
  const seen = new Set<string>();
  for (const c of codes) {
    if (seen.has(c.code)) throw new CatalogError(`code ${c.code} is listed twice`);
    seen.add(c.code);
  }
  return new DrugCatalog(
    codes,
    files.products.products,
    files.ingredients.ingredients,
    files.ingredients.ambiguous,
  );
}
