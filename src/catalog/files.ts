/**
 * The catalog folder's files as they are on disk (docs/catalog.md "On disk"). `codes.json`,
 * `products.json` and `families.json` are written by `npm run catalog:build` and the importers;
 * `curated.json` is written by hand, every entry with its source. Records keep the CMS facts
 * (quarter by quarter) next to what is derived from them, one record per line.
 */
import type { ContainerUse, Measure } from '../domain/types.ts';

export const CATALOG_FORMAT = 'vialwise-catalog/2';

/** `[quarter, file name]`, e.g. `["2024Q2", "asp-pricing-2024q2.csv"]`. */
export type QuarterFileEntry = readonly [string, string];

export interface CatalogSourcesRecord {
  readonly pricing: readonly QuarterFileEntry[];
  readonly crosswalk: readonly QuarterFileEntry[];
  readonly opps: readonly QuarterFileEntry[];
  /** Addendum B releases read and not used: a later release of the same quarter replaced them. */
  readonly oppsSuperseded: readonly QuarterFileEntry[];
  readonly descriptors: string | null;
}

export interface UnitRecord {
  readonly amount: number;
  readonly measure: Measure;
  readonly upTo?: true | undefined;
}

export interface CodeRecord {
  readonly code: string;
  /** HCPCS long descriptor (the HCPCS file), when it has one. */
  readonly long?: string | undefined;
  /** Short description of the latest pricing file listing the code. */
  readonly short: string;
  /** `HCPCS Code Dosage` from the first quarter listed, then each quarter it changed. */
  readonly dosages: readonly (readonly [string, string])[];
  /** Every pricing quarter listing the code, with its payment limit (null: `N/A`). */
  readonly prices: readonly (readonly [string, number | null])[];
  /** `Notes` from the first quarter with one, then each change ("" when it stopped). */
  readonly notes?: readonly (readonly [string, string])[] | undefined;
  /** Each Addendum B release listing the code: `[release quarter, SI, APC]`. */
  readonly opps?: readonly (readonly [string, string, string])[] | undefined;
  /** The crosswalk's `HCPCS dosage` in each quarter it lists the code (distinct values joined by " | "). */
  readonly xwDosages?: readonly (readonly [string, string])[] | undefined;
  /** Pricing quarters whose `Clotting Factor` column is set for the code. */
  readonly clottingFactor?: readonly string[] | undefined;
  // Derived:
  readonly family: string;
  /**
   * The dosage billed by, per change point, when it differs from `dosages`: a quarter whose pricing
   * dosage disagrees with its crosswalk and the long descriptor while the limit stays put keeps
   * the descriptor's unit (docs/catalog.md "A unit that disagrees").
   */
  readonly unitDosages?: readonly (readonly [string, string])[] | undefined;
  /** Limits flagged as suspect, `[quarter, why]` (docs/catalog.md "Payment limit"). */
  readonly suspectPrices?: readonly (readonly [string, string])[] | undefined;
  /** The billing unit when the code bills by amount (latest dosage). */
  readonly unit?: UnitRecord | undefined;
  /** The item a per-item code bills (vial, dose, implant...). */
  readonly per?: string | undefined;
  /** Why the code cannot be billed by amount. */
  readonly unitNote?: string | undefined;
  readonly effective?: string | undefined;
  readonly effectiveBasis?: string | undefined;
  readonly terminated?: string | undefined;
  readonly terminatedBasis?: string | undefined;
}

/** What the files say of a drug code no pricing file lists yet (kept for a later import). */
export interface UnpricedCodeRecord {
  readonly code: string;
  readonly long?: string | undefined;
  readonly opps?: readonly (readonly [string, string, string])[] | undefined;
  readonly xwDosages?: readonly (readonly [string, string])[] | undefined;
}

export interface CodesFile {
  readonly format: string;
  readonly sources: CatalogSourcesRecord;
  readonly codes: readonly CodeRecord[];
  readonly unpriced?: readonly UnpricedCodeRecord[] | undefined;
}

/** `[code, first quarter, last quarter, BILLUNITS, BILLUNITSPKG, PKG SIZE, PKG QTY]`. */
export type ListingRecord = readonly [string, string, string, number, number, number, number];

export interface ProductRecord {
  /** 11-digit package NDC as the crosswalk lists it. */
  readonly ndc: string;
  readonly labeler: string;
  /** `Drug Name` of the latest crosswalk listing the NDC. */
  readonly name: string;
  /** Runs of consecutive crosswalk quarters with the same code and counts. */
  readonly listings: readonly ListingRecord[];
  // Derived:
  /** The drug family of its latest code. */
  readonly family: string;
  /** What one item (vial, bag, syringe) holds, in its code's measure. */
  readonly amount?: { readonly value: number; readonly measure: Measure } | undefined;
  readonly amountBasis?: string | undefined;
  readonly volumeMl?: number | undefined;
  readonly volumeBasis?: string | undefined;
}

/** Crosswalk listings under codes no pricing file lists (kept for a later import). */
export interface UnpricedListingRecord {
  readonly ndc: string;
  readonly labeler: string;
  readonly name: string;
  readonly listings: readonly ListingRecord[];
}

export interface ProductsFile {
  readonly format: string;
  readonly products: readonly ProductRecord[];
  readonly unpriced?: readonly UnpricedListingRecord[] | undefined;
}

export interface FamilyRecord {
  readonly key: string;
  readonly name: string;
  readonly codes: readonly string[];
  /** Names (as lower-case words) the descriptors and crosswalk drug names give the family. */
  readonly terms: readonly string[];
}

export interface FamiliesFile {
  readonly format: string;
  readonly families: readonly FamilyRecord[];
}

/** Hand-written facts no CMS file gives. Families are named by one of their codes. */
export interface CuratedFile {
  readonly rxnorm: readonly {
    readonly rxcui: string;
    readonly name: string;
    /** Ingredient-level code: the families (by a code of each) it names; two or more: ambiguous. */
    readonly families?: readonly string[] | undefined;
    /** Clinical-drug code: the products (9-digit labeler+product or 11-digit NDC) it names. */
    readonly ndcs?: readonly string[] | undefined;
    readonly source: string;
  }[];
  readonly synonyms: readonly { readonly term: string; readonly family: string; readonly source: string }[];
  /** Medically unlikely edits per date of service, each with its source (the NCCI tables are not loaded). */
  readonly mues: readonly {
    readonly code: string;
    readonly value: number;
    readonly adjudicationIndicator?: 1 | 2 | 3 | undefined;
    /** The NCCI MUE table it is from: practitioner or facility (outpatient hospital). */
    readonly scope: 'practitioner' | 'facility';
    readonly source: string;
  }[];
  /** Names that never identify a family by themselves (carriers, diluents, flushes): NDC only. */
  readonly excludedTerms: readonly { readonly term: string; readonly source: string }[];
  readonly containers: readonly {
    /** 9-digit labeler+product (every package) or 11-digit NDC, hyphens allowed. */
    readonly ndc: string;
    readonly label: string;
    readonly containerUse: ContainerUse;
    /** Volume of one container when the crosswalk cannot give it (a vial of powder, 1 mL). */
    readonly volumeMl?: number | undefined;
    readonly source: string;
  }[];
}
