/**
 * The drug catalog's entities: HCPCS codes, products (NDCs) and drug families, each with its
 * source (docs/catalog.md).
 */
import type { ContainerUse, Measure } from '../domain/types.ts';

/** A value taken from a published source, with that source named. */
export interface Sourced<T> {
  readonly value: T;
  readonly source: string;
}

export interface Price {
  /** Calendar quarter the limit was published for, e.g. `2025Q4`. */
  readonly quarter: string;
  /** Payment limit per billing unit, USD. */
  readonly paymentLimit: number;
  readonly source: string;
  /** True for demo price files: every screen and report that shows it must say so. */
  readonly illustrative?: boolean;
  /**
   * The date of service's quarter when it is later than every loaded pricing file: the latest
   * limit stands in for it, and every figure built on it must say so (`note`).
   */
  readonly forQuarter?: string;
  /**
   * The limit is about a power of ten away from both neighbouring quarters with the same unit
   * (J2724 2025Q3): CMS's number, kept, but every figure built on it must show `note`.
   */
  readonly suspect?: boolean;
  /**
   * Says what stands in for what, e.g. "priced with 2026Q1 limits (the latest loaded) for 2026Q3",
   * or why a limit is suspect.
   */
  readonly note?: string;
}

/** One Addendum B release's status of a code. */
export interface OppsListing {
  /** The quarter of the release, e.g. `2025Q1`. */
  readonly quarter: string;
  readonly indicator: string;
  readonly apc: string;
  readonly source: string;
}

/** Every code of the ASP pricing files, whether or not it can be billed by amount. */
export interface CatalogCode {
  readonly code: string;
  /** The HCPCS long descriptor, else the pricing file's short description (`descriptorIsShort`). */
  readonly descriptor: string;
  readonly descriptorIsShort?: boolean;
  /** Drug family key (the catalog's "ingredient"), e.g. `methylprednisolone-sodium-succinate`. */
  readonly ingredient: string;
  /** `HCPCS Code Dosage` as the latest pricing file writes it. */
  readonly dosage: string;
  /** One billing unit, when the code bills by amount: `up to 125 mg` is `{ 125, 'mg' }` with `upTo`. */
  readonly unit?: { readonly amount: number; readonly measure: Measure };
  /** The descriptor says "up to" the unit: same arithmetic, but an item's content is only bounded. */
  readonly upTo?: boolean;
  /** What a per-item code bills (vial, dose, implant). */
  readonly per?: string;
  /** Why the code cannot be billed by amount. */
  readonly unitNote?: string;
  /** First date of service the code is valid for, when the files give one. */
  readonly effective?: string;
  /** Last date of service the code is valid for, when it ended. */
  readonly terminated?: string;
  /** Where the dates come from (file and note). */
  readonly validitySource?: string;
  /** Addendum B releases listing the code, oldest first. */
  readonly opps?: readonly OppsListing[];
  /**
   * Medically unlikely edit per date of service, only with its source and the NCCI table it is
   * from: `practitioner` (claims of physicians and other practitioners) or `facility` (outpatient
   * hospital claims). It applies only to claims of its own kind.
   */
  readonly mue?: Sourced<number> & {
    readonly adjudicationIndicator?: 1 | 2 | 3;
    readonly scope: MueScope;
  };
  /**
   * The use the descriptor restricts the code to: "(for ESRD on dialysis)" or "(non-ESRD use)"
   * (darbepoetin J0882 / J0881, epoetin Q4081 / J0885...). See docs/catalog.md.
   */
  readonly use?: CodeUse;
  /** Payment limits by quarter, oldest first (quarters with `N/A` have none). */
  readonly prices?: readonly Price[];
  readonly source: string;
}

export type MueScope = 'practitioner' | 'facility';

export type CodeUse = 'esrd-on-dialysis' | 'non-esrd';

/** A code that bills by amount: what the engine chooses among and computes units with. */
export interface HcpcsCode extends CatalogCode {
  readonly unit: { readonly amount: number; readonly measure: Measure };
}

/** A drug family: the codes whose descriptors differ only in the amount (docs/catalog.md). */
export interface Ingredient {
  readonly key: string;
  readonly name: string;
  /** Ingredient-level RxNorm codes naming only this family, from the curated list. */
  readonly rxnorm: readonly string[];
  /** Lower-case names the family is known by (descriptors, crosswalk drug names, curated). */
  readonly synonyms: readonly string[];
  /** Its codes, billable by amount or not. */
  readonly codes?: readonly string[];
  readonly source: string;
}

/** One run of crosswalk quarters listing an NDC under a code with the same counts. */
export interface ProductListing {
  readonly code: string;
  readonly from: string;
  readonly to: string;
  /** Billing units per item. */
  readonly billUnits: number;
  /** Billing units per package. */
  readonly billUnitsPkg: number;
  /** Amount per item in the package's own unit (mL for solutions). */
  readonly pkgSize: number;
  /** Items per package. */
  readonly pkgQty: number;
}

export interface Product {
  /** 11-digit NDC (5-4-2), no hyphens: the package NDC the crosswalk lists. */
  readonly ndc: string;
  /** Other NDCs that name the same item (e.g. a curated unit-of-use NDC), 11-digit. */
  readonly outerNdcs?: readonly string[];
  readonly description: string;
  readonly labeler: string;
  /** Drug family key of its latest code. */
  readonly ingredient: string;
  readonly rxnorm?: readonly string[];
  /** Every HCPCS code the crosswalk maps this product to, in any quarter. */
  readonly hcpcs: readonly string[];
  /** The crosswalk listings, oldest first. */
  readonly listings?: readonly ProductListing[];
  /** Drug amount in one item (vial, bag, syringe), when the crosswalk gives it exactly. */
  readonly amount?: { readonly value: number; readonly measure: Measure };
  /** Volume of one item, when a solution and derivable. */
  readonly volumeMl?: number;
  /** Unknown unless curated from the label: then `container-use` on the Medication decides. */
  readonly containerUse?: ContainerUse;
  readonly source: string;
}
