/**
 * Plain domain types shared by the catalog, the rules and the FHIR mappers.
 * Dates are ISO calendar dates (YYYY-MM-DD); amounts are plain numbers with an explicit measure.
 */
import type { BillingSetting } from './facility.ts';
import type { GapCode, Severity } from './gaps.ts';

/** Measures a HCPCS billing unit or a product amount can be expressed in. */
export type Measure = 'mg' | 'ug' | 'g' | 'mL' | 'unit';

/** NDC quantity unit qualifiers (837 CTP05-01 / CMS-1500 box 24A). */
export type NdcUnitQualifier = 'UN' | 'ML' | 'GR' | 'F2' | 'ME';

export type ContainerUse = 'single-dose' | 'multi-dose';

export interface Money {
  readonly value: number;
  readonly currency: 'USD';
}

/**
 * Drug line modifiers: JW (amount discarded), JZ (zero discarded), JG / TB (drug acquired
 * through the 340B program).
 */
export type Modifier = 'JW' | 'JZ' | 'JG' | 'TB';

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
  /** Where the Encounter is billed (facility setting, inpatient stay, time zone, 340B): decides the claim type. */
  readonly setting?: BillingSetting;
  readonly lines: readonly BillingLine[];
  readonly gaps: readonly Gap[];
  /** ICD-10-CM codes linked to the encounter or its administrations, in claim order. */
  readonly diagnoses: readonly string[];
  /** Administrations of drugs the catalog does not know (not billable injectables here). */
  readonly skippedAdministrations: number;
  /** Administrations whose status was entered-in-error. */
  readonly enteredInError: readonly string[];
}
