/**
 * Plain domain types shared by the catalog, the rules and the FHIR mappers.
 * Dates are ISO calendar dates (YYYY-MM-DD); amounts are plain numbers with an explicit measure.
 */
import type { GapCode, Severity } from './gaps.ts';

/** Measures a HCPCS billing unit or a product amount can be expressed in. */
export type Measure = 'mg' | 'ug' | 'g' | 'mL' | 'unit';

/** NDC quantity unit qualifiers (837 CTP05-01 / CMS-1500 box 24A). */
export type NdcUnitQualifier = 'UN' | 'ML' | 'GR' | 'F2' | 'ME';

export type ContainerUse = 'single-dose' | 'multi-dose';

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

export interface Money {
  readonly value: number;
  readonly currency: 'USD';
}

export type Modifier = 'JW' | 'JZ';

export interface NdcDetail {
  readonly ndc: string;
  readonly quantity: number;
  readonly unit: NdcUnitQualifier;
}

export interface BillingLine {
  /** Stable key of the line: `code|modifier|date|ndc`. */
  readonly key: string;
  readonly code: string;
  readonly modifiers: readonly Modifier[];
  readonly units: number;
  readonly dateOfService: string;
  readonly ndc?: NdcDetail;
  readonly unitPrice?: Money;
  readonly net?: Money;
  readonly priceIllustrative?: boolean;
  /** `MedicationAdministration/<id>` references. */
  readonly sourceAdministrations: readonly string[];
  /** ICD-10-CM codes linked to the line's administrations (claim diagnosis pointers). */
  readonly diagnosisCodes?: readonly string[];
}

export interface Gap {
  readonly code: GapCode;
  readonly severity: Severity;
  /** Identifier suffix: the MedicationAdministration id or a line key. */
  readonly subjectKey: string;
  /** References of the resources the gap is about (`Type/id`). */
  readonly implicated: readonly string[];
  /** One plain sentence for a clinician: what to document. */
  readonly detail: string;
  readonly revenueAtRisk?: Money;
}

export type PayerCategory = 'medicare' | 'medicaid' | 'commercial' | 'other';

export interface Evaluation {
  readonly encounter: string;
  readonly patient?: string;
  /** The Coverage a Claim is drafted against, when one is active. */
  readonly coverage?: string;
  readonly payerCategory?: PayerCategory;
  readonly lines: readonly BillingLine[];
  readonly gaps: readonly Gap[];
  /** ICD-10-CM codes linked to the encounter or its administrations, in claim order. */
  readonly diagnoses: readonly string[];
  /** Administrations of drugs the catalog does not know (not billable injectables here). */
  readonly skippedAdministrations: number;
  /** Administrations whose status was entered-in-error. */
  readonly enteredInError: readonly string[];
}
