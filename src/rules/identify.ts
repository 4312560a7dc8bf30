/**
 * Product identification (SPEC section 4.1): NDC first, then RxNorm, then the ingredient named
 * in the medication's text, through the catalog.
 */
import type { Medication, MedicationAdministration } from '@medplum/fhirtypes';
import type { DrugCatalog } from '../catalog/catalog.ts';
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
      readonly product?: Product;
      /** 11-digit NDC as documented, when one was. */
      readonly ndc?: string;
      readonly medication?: Medication;
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

  const ingredients = new Set<string>();
  let product: Product | undefined;
  for (const rx of codesOf(concept, SYSTEMS.rxnorm)) {
    const products = catalog.productsByRxnormCode(rx);
    const first = products[0];
    if (first) {
      // Several labelers share a clinical-drug RxNorm code: usable when they bill alike.
      const alike = products.every(
        (p) =>
          p.ingredient === first.ingredient &&
          p.amount?.value === first.amount?.value &&
          p.amount?.measure === first.amount?.measure &&
          p.volumeMl === first.volumeMl &&
          p.containerUse === first.containerUse &&
          p.hcpcs.join() === first.hcpcs.join(),
      );
      if (alike) product ??= first;
      for (const p of products) ingredients.add(p.ingredient);
    }
    for (const i of catalog.ingredientsByRxnormCode(rx)) ingredients.add(i);
  }
  if (ingredients.size === 0) {
    for (const t of texts) for (const i of catalog.ingredientsInText(t)) ingredients.add(i);
  }
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
