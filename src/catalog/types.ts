/**
 * The drug catalog's entities: HCPCS codes, products (NDCs) and ingredients, each with its source.
 */
import type { ContainerUse, Measure } from '../domain/types.ts';

/** A value taken from a published source, with that source named. */
export interface Sourced<T> {
  readonly value: T;
  readonly source: string;
}

export interface Price {
  /** Calendar quarter the limit applies to, e.g. `2025Q4`. */
  readonly quarter: string;
  /** Payment limit per billing unit, USD. */
  readonly paymentLimit: number;
  readonly source: string;
  /** True for demo price files: every screen and report that shows it must say so. */
  readonly illustrative?: boolean;
}

export interface HcpcsCode {
  readonly code: string;
  readonly descriptor: string;
  /** Catalog ingredient key, e.g. `methylprednisolone-sodium-succinate`. */
  readonly ingredient: string;
  /** One billing unit: `up to 125 mg` and `per 125 mg` are both `{ amount: 125, measure: 'mg' }`. */
  readonly unit: { readonly amount: number; readonly measure: Measure };
  /** First date of service the code is valid for, when the catalog's source gives one. */
  readonly effective?: string;
  /** Last date of service the code is valid for, when terminated. */
  readonly terminated?: string;
  /** OPPS status indicator (e.g. N = packaged), only with its source. */
  readonly oppsStatusIndicator?: Sourced<string>;
  /** Medically unlikely edit per date of service, only with its source. */
  readonly mue?: Sourced<number> & { readonly adjudicationIndicator?: 1 | 2 | 3 };
  readonly prices?: readonly Price[];
  readonly source: string;
}

export interface Ingredient {
  readonly key: string;
  readonly name: string;
  /** Ingredient-level RxNorm codes, only those with a source. */
  readonly rxnorm: readonly string[];
  /** Lower-case words that identify the ingredient in free text or a coding display. */
  readonly synonyms: readonly string[];
  readonly source: string;
}

export interface Product {
  /** 11-digit NDC (5-4-2), no hyphens: the package NDC billed on the claim. */
  readonly ndc: string;
  /** Outer package NDCs that contain this item (e.g. a tray of 25), 11-digit. */
  readonly outerNdcs?: readonly string[];
  readonly description: string;
  readonly labeler: string;
  readonly ingredient: string;
  readonly rxnorm?: readonly string[];
  /** Every HCPCS code the CMS crosswalk (or the catalog) maps this product to. */
  readonly hcpcs: readonly string[];
  /** Drug amount in one container. */
  readonly amount: { readonly value: number; readonly measure: Measure };
  /** Volume of one container, when a solution. */
  readonly volumeMl?: number;
  /** Unknown when the label could not be verified: then `container-use` on the Medication decides. */
  readonly containerUse?: ContainerUse;
  readonly source: string;
}
