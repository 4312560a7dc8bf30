/**
 * Product identification: the NDC of the Medication (or of the vial an admixture was mixed
 * from) first, then RxNorm, then the ingredient named in the medication's text, through the
 * catalog (docs/billing-rules.md, "Identification").
 */
import type { CodeableConcept, Medication, MedicationAdministration } from '@medplum/fhirtypes';
import { sameItem, type DrugCatalog } from '../catalog/catalog.ts';
import { normalizeNdc } from '../catalog/ndc.ts';
import type { ContainerUse } from '../domain/types.ts';
import { codesOf, extension, localRef, textsOf } from '../domain/fhir-values.ts';
import { EXT, SYSTEMS } from '../domain/vocabulary.ts';
import type { Product } from '../catalog/types.ts';

export type Identification =
  /** Not a drug the catalog knows: not a billable injectable here. */
  | { readonly kind: 'unknown' }
  /** The catalog knows the ingredient, but not which one or which product. */
  | { readonly kind: 'ambiguous'; readonly reason: string; readonly name?: string }
  | {
      readonly kind: 'identified';
      readonly ingredient: string;
      /** The catalog product (from the NDC, or shared by every product of the RxNorm code). */
      readonly product?: Product | undefined;
      /** 11-digit NDC as documented, when one was. */
      readonly ndc?: string | undefined;
      readonly medication?: Medication | undefined;
    };

export function resolveMedication(
  admin: MedicationAdministration,
  medications: ReadonlyMap<string, Medication>,
): { medication?: Medication; dangling: boolean } {
  const ref = admin.medicationReference?.reference;
  if (typeof ref !== 'string') return { dangling: false };
  if (ref.startsWith('#')) {
    const id = ref.slice(1);
    const found = Array.isArray(admin.contained)
      ? admin.contained.find((r) => r?.resourceType === 'Medication' && r.id === id)
      : undefined;
    return found ? { medication: found as Medication, dangling: false } : { dangling: true };
  }
  const local = localRef(ref);
  const med = local?.startsWith('Medication/')
    ? medications.get(local.slice('Medication/'.length))
    : undefined;
  return med ? { medication: med, dangling: false } : { dangling: true };
}

export function containerUseOf(medication: Medication | undefined): ContainerUse | undefined {
  const v = extension(medication?.extension, EXT.containerUse)?.valueCode;
  return v === 'single-dose' || v === 'multi-dose' ? v : undefined;
}

export function identify(
  admin: MedicationAdministration,
  medications: ReadonlyMap<string, Medication>,
  catalog: DrugCatalog,
): Identification {
  const { medication, dangling } = resolveMedication(admin, medications);
  const concept = medication?.code ?? admin.medicationCodeableConcept;
  const texts = [...textsOf(concept)];
  if (typeof admin.medicationReference?.display === 'string') texts.push(admin.medicationReference.display);

  let documentedNdc: string | undefined;
  for (const raw of codesOf(concept, SYSTEMS.ndc)) {
    const product = catalog.productByNdc(raw);
    const ndc = product ? (normalizeNdc(raw) ?? product.ndc) : normalizeNdc(raw);
    if (product) {
      return {
        kind: 'identified',
        ingredient: product.ingredient,
        product,
        ndc,
        ...(medication ? { medication } : {}),
      };
    }
    documentedNdc ??= ndc;
  }
  // An admixture names the vial it was mixed from among its ingredients: that is the product
  // billed, when exactly one catalog drug is among them.
  const mixed = ingredientProducts(medication, catalog);
  if (mixed.length === 1 && mixed[0]) {
    const [{ product, raw }] = mixed as [{ product: Product; raw: string }];
    return {
      kind: 'identified',
      ingredient: product.ingredient,
      product,
      ndc: normalizeNdc(raw) ?? product.ndc,
      ...(medication ? { medication } : {}),
    };
  }

  const rx = rxnormDrugs(concept, catalog);
  if (rx.conflict) {
    return {
      kind: 'ambiguous',
      reason: `its RxNorm codings disagree: ${rx.conflict}`,
      ...(texts[0] ? { name: texts[0] } : {}),
    };
  }
  // An NDC written in a coding's display or the text: exports of a local medication code (an
  // EHR's own formulary id) often carry the dispensed NDC only there.
  const written = ndcsInTexts(texts, catalog);
  if (written.length) {
    const [first] = written as [{ product: Product; ndc: string }];
    if (
      written.some((w) => w.product.ingredient !== first.product.ingredient) ||
      (rx.ingredients.length > 0 && !rx.ingredients.includes(first.product.ingredient))
    ) {
      return {
        kind: 'ambiguous',
        reason: 'the NDC written in its name and its other codes name different drugs',
        ...(texts[0] ? { name: texts[0] } : {}),
      };
    }
    if (written.every((w) => sameItem(w.product, first.product))) {
      return {
        kind: 'identified',
        ingredient: first.product.ingredient,
        product: first.product,
        ndc: first.ndc,
        ...(medication ? { medication } : {}),
      };
    }
  }
  const ingredients = new Set<string>(rx.ingredients);
  const product = rx.product;
  if (ingredients.size === 0) for (const i of drugsInTexts(texts, catalog)) ingredients.add(i);
  const name = texts[0];
  if (ingredients.size === 0) {
    return dangling
      ? { kind: 'ambiguous', reason: 'the Medication it references could not be found' }
      : { kind: 'unknown' };
  }
  if (ingredients.size > 1) {
    return {
      kind: 'ambiguous',
      reason: 'the drug could be more than one billable form (for example sodium succinate or acetate)',
      ...(name ? { name } : {}),
    };
  }
  const [ingredient] = [...ingredients] as [string];
  return {
    kind: 'identified',
    ingredient,
    ...(product && product.ingredient === ingredient ? { product } : {}),
    ...(documentedNdc ? { ndc: documentedNdc } : {}),
    ...(medication ? { medication } : {}),
  };
}

/** True when a coded item (e.g. one ingredient of an admixture) names the catalog ingredient. */
export function namesIngredient(
  item: CodeableConcept | undefined,
  display: string | undefined,
  ingredient: string,
  catalog: DrugCatalog,
): boolean {
  for (const ndc of codesOf(item, SYSTEMS.ndc))
    if (catalog.productByNdc(ndc)?.ingredient === ingredient) return true;
  for (const rx of codesOf(item, SYSTEMS.rxnorm)) {
    if (catalog.productsByRxnormCode(rx).some((p) => p.ingredient === ingredient)) return true;
    if (catalog.ingredientsByRxnormCode(rx).includes(ingredient)) return true;
  }
  const texts = [...textsOf(item), ...(display ? [display] : [])];
  return texts.some((t) => catalog.ingredientsInText(t).includes(ingredient));
}

/** Catalog products named by NDC among a Medication's ingredients, one per catalog ingredient. */
function ingredientProducts(
  medication: Medication | undefined,
  catalog: DrugCatalog,
): { product: Product; raw: string }[] {
  const found = new Map<string, { product: Product; raw: string }>();
  for (const i of Array.isArray(medication?.ingredient) ? medication.ingredient : []) {
    for (const raw of codesOf(i?.itemCodeableConcept, SYSTEMS.ndc)) {
      const product = catalog.productByNdc(raw);
      if (product && !found.has(product.ingredient)) found.set(product.ingredient, { product, raw });
    }
  }
  return [...found.values()];
}

/**
 * The drug a concept's RxNorm codings identify. Each coding the catalog knows names a set of
 * drugs (a clinical drug: its products' drug; an ingredient code: its families); the drug is
 * what they all agree on, their intersection. EHRs send a clinical drug with its ingredient
 * (1743704 methylprednisolone 125 MG Injection with 6902 methylprednisolone): one drug. Codings
 * that name no common drug, or clinical drugs that do not bill alike, are a contradiction.
 * Codings the catalog does not know (a local code under the RxNorm system) are left out.
 */
function rxnormDrugs(
  concept: CodeableConcept | undefined,
  catalog: DrugCatalog,
): { ingredients: readonly string[]; product?: Product; conflict?: string } {
  let agreed: Set<string> | undefined;
  let product: Product | undefined;
  const named: string[] = [];
  for (const rx of codesOf(concept, SYSTEMS.rxnorm)) {
    const drugs = new Set<string>();
    const products = catalog.productsByRxnormCode(rx);
    const first = products[0];
    if (first) {
      // Several labelers share a clinical-drug RxNorm code: usable when they bill alike.
      const own = products.every((p) => sameItem(p, first)) ? first : undefined;
      if (own && product && !sameItem(own, product)) {
        return {
          ingredients: [],
          conflict: `${rx} and ${named.join(', ')} are clinical drugs that do not bill alike`,
        };
      }
      product ??= own;
      for (const p of products) drugs.add(p.ingredient);
    }
    for (const i of catalog.ingredientsByRxnormCode(rx)) drugs.add(i);
    if (drugs.size === 0) continue;
    named.push(rx);
    agreed = agreed ? new Set([...agreed].filter((i) => drugs.has(i))) : drugs;
    if (agreed.size === 0) {
      return { ingredients: [], conflict: `${named.join(' and ')} name different drugs` };
    }
  }
  const ingredients = agreed ? [...agreed] : [];
  return { ingredients, ...(product && ingredients.includes(product.ingredient) ? { product } : {}) };
}

/**
 * Hyphenated NDCs in a text (5-4-2, 4-4-2, 5-3-2, 5-4-1: "... IJ SOLR (NDC 63323-258-01)"), or
 * 11 digits right after "NDC". Unhyphenated 10-digit numbers are not read: their layout is
 * ambiguous, and a text carries other numbers (order and formulary ids).
 */
const NDC_IN_TEXT = /(?<![\d-])\d{4,5}-\d{3,4}-\d{1,2}(?![\d-])|(?<=NDC[:#]?\s*)\d{11}(?!\d)/gi;

/** Catalog products of the NDCs written in texts, with the NDC as written (11-digit). */
function ndcsInTexts(texts: readonly string[], catalog: DrugCatalog): { product: Product; ndc: string }[] {
  const out: { product: Product; ndc: string }[] = [];
  for (const t of texts) {
    for (const m of t.matchAll(NDC_IN_TEXT)) {
      const ndc = normalizeNdc(m[0]);
      const product = ndc ? catalog.productByNdc(ndc) : undefined;
      if (ndc && product) out.push({ product, ndc });
    }
  }
  return out;
}

/**
 * The drugs the texts name (Medication.code.text, coding displays): what those naming any drug
 * agree on, as for RxNorm codings. "METHYLPREDNISOLONE SOD SUCC" names the ingredient only
 * (succinate or acetate); beside a text naming the sodium succinate, the drug is the succinate.
 * Texts naming different drugs give both (ambiguous).
 */
function drugsInTexts(texts: readonly string[], catalog: DrugCatalog): readonly string[] {
  let agreed: string[] | undefined;
  const all = new Set<string>();
  for (const t of texts) {
    const named = catalog.ingredientsInText(t);
    if (named.length === 0) continue;
    for (const i of named) all.add(i);
    agreed = agreed ? agreed.filter((i) => named.includes(i)) : [...named];
  }
  return agreed?.length ? agreed : [...all];
}
