/**
 * Small builders of FHIR R4 test resources for the billing engine, with defaults that make a
 * clean, billable encounter: outpatient (AMB) visit of Patient/p1 on 2025-03-10, a linked
 * diagnosis, active Medicare coverage, and administrations with route, performer and time.
 * Each builder takes only what a test varies; `null` removes a default.
 */
import type {
  ChargeItem,
  Claim,
  ClaimResponse,
  Condition,
  Coverage,
  Encounter,
  Extension,
  Medication,
  MedicationAdministration,
  Observation,
  Quantity,
} from '@medplum/fhirtypes';
import type { DrugCatalog } from '../../src/catalog/catalog.ts';
import { loadCatalog, SHIPPED_CATALOG_DIR } from '../../src/catalog/load.ts';
import {
  loadPayerRules,
  parsePayerRules,
  type CategoryRules,
  type PayerRules,
} from '../../src/catalog/payer-rules.ts';
import type { PricesFile } from '../../src/catalog/schema.ts';
import type { EncounterInput } from '../../src/domain/input.ts';
import type { Evaluation, PayerCategory } from '../../src/domain/types.ts';
import { evaluateEncounter, type EngineReference } from '../../src/rules/index.ts';
import { EXT, SYSTEMS } from '../../src/domain/vocabulary.ts';

export const PATIENT = 'Patient/p1';
export const ENCOUNTER_ID = 'e1';
export const ENCOUNTER = `Encounter/${ENCOUNTER_ID}`;
/** Default date of service and evaluation time. */
export const DOS = '2025-03-10';
export const NOW = '2025-06-30T12:00:00Z';

/**
 * NDCs of the shipped catalog, 11-digit: crosswalk packages, or the vials inside them (same labeler
 * and product code). Codes per asp-crosswalk-2025q1.csv; container use per catalog/curated.json.
 */
export const NDC = {
  /** Fresenius methylprednisolone sodium succinate 125 mg / 2 mL vial (in tray 63323-0258-03), single-dose: J2919 x 25. */
  solumedrol125: '63323025801',
  /** Hikma methylprednisolone sodium succinate 40 mg vial (in carton 0143-9753-25), single-dose: J2919 x 8. */
  mps40: '00143975301',
  /** Depo-Medrol 400 mg / 5 mL (80 mg/mL), multi-dose: acetate family. */
  depoMedrol: '00009030602',
  /** Hospira dobutamine 250 mg / 20 mL (12.5 mg/mL), single-dose vial: J1250. */
  dobutamineVial: '00409234401',
  /** Baxter dobutamine in D5W 500 mg / 250 mL (2 mg/mL) bag: J1250 BILLUNITS 2, PKG SIZE 250; container use not in any CMS file. */
  dobutamineBag: '00338107502',
  /** Remicade 100 mg lyophilized, single-dose: J1745 (per 10 mg). */
  remicade: '57894003001',
  /** Solu-Medrol 500 mg / 4 mL relabel: not in the CMS crosswalk (an NDC the catalog does not know). */
  solumedrol500: '51662148301',
} as const;

// ---------------------------------------------------------------------------------------------
// Reference data

let shipped: EngineReference | undefined;

/** The shipped catalog and payer rules (loaded once). */
export function reference(): EngineReference {
  shipped ??= { catalog: loadCatalog(), payerRules: loadPayerRules() };
  return shipped;
}

/** The shipped catalog with extra prices (they replace the CMS limit of their code and quarter). */
export function catalogWithPrices(prices: PricesFile['prices']): DrugCatalog {
  return loadCatalog(SHIPPED_CATALOG_DIR, [], prices);
}

/**
 * The shipped payer rules with one category changed, validated by `parsePayerRules` (a copy of
 * the shipped JSON: the original is never mutated).
 */
export function payerRulesWith(category: PayerCategory, change: Partial<CategoryRules>): PayerRules {
  const copy = structuredClone<PayerRules>(loadPayerRules());
  return parsePayerRules({
    ...copy,
    categories: { ...copy.categories, [category]: { ...copy.categories[category], ...change } },
  });
}

// ---------------------------------------------------------------------------------------------
// Resources

export function encounter(
  opts: { id?: string; cls?: string; start?: string; conditions?: string[]; patient?: string } = {},
): Encounter {
  return {
    resourceType: 'Encounter',
    id: opts.id ?? ENCOUNTER_ID,
    status: 'finished',
    class: { system: SYSTEMS.actCode, code: opts.cls ?? 'AMB' },
    subject: { reference: opts.patient ?? PATIENT },
    period: { start: `${opts.start ?? DOS}T08:00:00Z` },
    diagnosis: (opts.conditions ?? []).map((id, i) => ({
      condition: { reference: `Condition/${id}` },
      rank: i + 1,
    })),
  };
}

export function condition(
  id: string,
  icd10: string,
  opts: { encounter?: string | null; verification?: string } = {},
): Condition {
  const enc = opts.encounter === undefined ? ENCOUNTER : opts.encounter;
  return {
    resourceType: 'Condition',
    id,
    subject: { reference: PATIENT },
    code: { coding: [{ system: SYSTEMS.icd10cm, code: icd10 }] },
    ...(enc ? { encounter: { reference: enc } } : {}),
    ...(opts.verification
      ? {
          verificationStatus: {
            coding: [
              {
                system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
                code: opts.verification,
              },
            ],
          },
        }
      : {}),
  };
}

/** SOPT payer typology codes: 1 Medicare, 2 Medicaid, 5 private; 81 self-pay (no category). */
const SOPT: Record<PayerCategory, string> = { medicare: '1', medicaid: '2', commercial: '5', other: '81' };

export function coverage(
  category: PayerCategory = 'medicare',
  opts: { id?: string; start?: string; end?: string; status?: Coverage['status']; order?: number } = {},
): Coverage {
  return {
    resourceType: 'Coverage',
    id: opts.id ?? `cov-${category}`,
    status: opts.status ?? 'active',
    type: { coding: [{ system: SYSTEMS.sopt, code: SOPT[category] }] },
    beneficiary: { reference: PATIENT },
    payor: [{ reference: `Organization/payer-${category}` }],
    period: { start: opts.start ?? '2020-01-01', ...(opts.end ? { end: opts.end } : {}) },
    ...(opts.order !== undefined ? { order: opts.order } : {}),
  };
}

export interface Qty {
  readonly value: number;
  readonly unit: string;
}

export function qty(value: number, unit: string): Quantity {
  return { value, unit, system: 'http://unitsofmeasure.org', code: unit };
}

export interface MedicationOpts {
  readonly id?: string;
  readonly ndc?: string | undefined;
  readonly rxnorm?: string | undefined;
  readonly text?: string | undefined;
  /** Ingredient strength, e.g. `[500, 'mg', 250, 'mL']`. */
  readonly strength?: readonly [number, string, number, string];
  /** Medication.amount (contents of one container), e.g. `[100, 'mg', 1, 'mL']`. */
  readonly amount?: readonly [number, string, number, string];
  readonly containerUse?: 'single-dose' | 'multi-dose';
}

function concept(opts: { ndc?: string | undefined; rxnorm?: string | undefined; text?: string | undefined }) {
  return {
    coding: [
      ...(opts.ndc ? [{ system: SYSTEMS.ndc, code: opts.ndc }] : []),
      ...(opts.rxnorm ? [{ system: SYSTEMS.rxnorm, code: opts.rxnorm }] : []),
    ],
    ...(opts.text ? { text: opts.text } : {}),
  };
}

function ratio(r: readonly [number, string, number, string]) {
  return { numerator: qty(r[0], r[1]), denominator: qty(r[2], r[3]) };
}

export function medication(opts: MedicationOpts): Medication {
  return {
    resourceType: 'Medication',
    id: opts.id ?? 'med1',
    code: concept(opts),
    ...(opts.strength
      ? {
          ingredient: [
            { itemCodeableConcept: { text: opts.text ?? 'drug' }, strength: ratio(opts.strength) },
          ],
        }
      : {}),
    ...(opts.amount ? { amount: ratio(opts.amount) } : {}),
    ...(opts.containerUse ? { extension: [{ url: EXT.containerUse, valueCode: opts.containerUse }] } : {}),
  };
}

export interface AdminOpts {
  readonly id?: string;
  readonly status?: MedicationAdministration['status'];
  /** medicationCodeableConcept codings / text. */
  readonly ndc?: string;
  readonly rxnorm?: string;
  readonly text?: string;
  /** A Medication to contain (`#id`), instead of a codeable concept. */
  readonly contained?: Medication;
  /**
   * The `container-use` extension an EHR's Medication carries: the codings go into a contained
   * Medication with it (the crosswalk does not say single- or multi-dose).
   */
  readonly containerUse?: 'single-dose' | 'multi-dose';
  /** `Medication/<id>` reference to a Medication given in the input. */
  readonly medicationRef?: string;
  readonly dose?: Qty | Quantity;
  readonly rate?: Qty;
  /** effectiveDateTime; default `${DOS}T09:00:00Z`; null for none. */
  readonly at?: string | null;
  /** effectivePeriod instead of effectiveDateTime (end may be missing). */
  readonly period?: { readonly start?: string; readonly end?: string };
  /** Route text; default 'IV'; null for none. */
  readonly route?: string | null;
  /** Performer reference; default Practitioner/n1; null for none. */
  readonly performer?: string | null;
  readonly discarded?: Qty;
  readonly opened?: number;
  readonly reasonCode?: readonly string[];
  readonly reasonReference?: readonly string[];
  /** Encounter reference; default the encounter; null for none. */
  readonly context?: string | null;
  /** Subject reference; default Patient/p1; null for none. */
  readonly subject?: string | null;
}

function quantity(q: Qty | Quantity): Quantity {
  if ('system' in q || 'code' in q) return q;
  return qty(q.value ?? Number.NaN, q.unit ?? '');
}

export function admin(opts: AdminOpts = {}): MedicationAdministration {
  const context = opts.context === undefined ? ENCOUNTER : opts.context;
  const subject = opts.subject === undefined ? PATIENT : opts.subject;
  const route = opts.route === undefined ? 'IV' : opts.route;
  const performer = opts.performer === undefined ? 'Practitioner/n1' : opts.performer;
  const at = opts.at === undefined ? `${DOS}T09:00:00Z` : opts.at;
  const ext: Extension[] = [
    ...(opts.discarded ? [{ url: EXT.discardedAmount, valueQuantity: quantity(opts.discarded) }] : []),
    ...(opts.opened !== undefined ? [{ url: EXT.containersOpened, valueInteger: opts.opened }] : []),
  ];
  const contained =
    opts.contained ??
    (opts.containerUse
      ? medication({
          id: 'med',
          ndc: opts.ndc,
          rxnorm: opts.rxnorm,
          text: opts.text,
          containerUse: opts.containerUse,
        })
      : undefined);
  const medicationX = contained
    ? { contained: [contained], medicationReference: { reference: `#${contained.id ?? ''}` } }
    : opts.medicationRef
      ? { medicationReference: { reference: opts.medicationRef } }
      : { medicationCodeableConcept: concept(opts) };
  const resource = {
    resourceType: 'MedicationAdministration',
    id: opts.id ?? 'ma1',
    status: opts.status ?? 'completed',
    ...medicationX,
    ...(subject ? { subject: { reference: subject } } : {}),
    ...(context ? { context: { reference: context } } : {}),
    ...(opts.period ? { effectivePeriod: { ...opts.period } } : at ? { effectiveDateTime: at } : {}),
    ...(performer ? { performer: [{ actor: { reference: performer } }] } : {}),
    ...(opts.reasonCode
      ? { reasonCode: opts.reasonCode.map((c) => ({ coding: [{ system: SYSTEMS.icd10cm, code: c }] })) }
      : {}),
    ...(opts.reasonReference ? { reasonReference: opts.reasonReference.map((r) => ({ reference: r })) } : {}),
    dosage: {
      ...(route ? { route: { text: route } } : {}),
      ...(opts.dose ? { dose: quantity(opts.dose) } : {}),
      ...(opts.rate ? { rateQuantity: quantity(opts.rate) } : {}),
      ...(ext.length ? { extension: ext } : {}),
    },
  };
  return resource as MedicationAdministration;
}

export function bodyWeight(
  kg: number,
  at: string,
  opts: { id?: string; status?: Observation['status'] } = {},
): Observation {
  return {
    resourceType: 'Observation',
    id: opts.id ?? `wt-${at}`,
    status: opts.status ?? 'final',
    code: { coding: [{ system: SYSTEMS.loinc, code: '29463-7' }] },
    subject: { reference: PATIENT },
    effectiveDateTime: at,
    valueQuantity: qty(kg, 'kg'),
  };
}

export function chargeItem(opts: {
  id?: string;
  code: string;
  modifiers?: readonly string[];
  units?: number;
  date?: string;
  service?: readonly string[];
  status?: ChargeItem['status'];
}): ChargeItem {
  return {
    resourceType: 'ChargeItem',
    id: opts.id ?? 'ci1',
    status: opts.status ?? 'billable',
    code: { coding: [opts.code, ...(opts.modifiers ?? [])].map((code) => ({ system: SYSTEMS.hcpcs, code })) },
    subject: { reference: PATIENT },
    context: { reference: ENCOUNTER },
    occurrenceDateTime: opts.date ?? DOS,
    quantity: { value: opts.units ?? 1 },
    ...(opts.service ? { service: opts.service.map((reference) => ({ reference })) } : {}),
  };
}

export interface ClaimItemSpec {
  readonly code: string;
  readonly modifiers?: readonly string[];
  readonly units: number;
  readonly date?: string;
}

export function claim(
  items: readonly ClaimItemSpec[],
  opts: { id?: string; status?: Claim['status'] } = {},
): Claim {
  return {
    resourceType: 'Claim',
    id: opts.id ?? 'claim1',
    status: opts.status ?? 'active',
    identifier: [{ system: 'https://vialwise.dev/fhir/sid/claim-draft', value: ENCOUNTER }],
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
    use: 'claim',
    patient: { reference: PATIENT },
    created: '2025-03-11',
    provider: { reference: 'Organization/clinic' },
    priority: { coding: [{ code: 'normal' }] },
    insurance: [{ sequence: 1, focal: true, coverage: { reference: 'Coverage/cov-medicare' } }],
    item: items.map((it, i) => ({
      sequence: i + 1,
      productOrService: { coding: [{ system: SYSTEMS.hcpcs, code: it.code }] },
      ...(it.modifiers?.length
        ? { modifier: it.modifiers.map((m) => ({ coding: [{ system: SYSTEMS.hcpcs, code: m }] })) }
        : {}),
      quantity: { value: it.units },
      servicedDate: it.date ?? DOS,
    })),
  };
}

export function priorAuthorization(
  opts: {
    id?: string;
    codes?: readonly string[];
    start?: string;
    end?: string;
    status?: ClaimResponse['status'];
  } = {},
): ClaimResponse {
  return {
    resourceType: 'ClaimResponse',
    id: opts.id ?? 'pa1',
    status: opts.status ?? 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
    use: 'preauthorization',
    patient: { reference: PATIENT },
    created: '2025-01-02',
    insurer: { reference: 'Organization/payer-medicare' },
    outcome: 'complete',
    preAuthRef: 'PA-123',
    preAuthPeriod: { start: opts.start ?? '2025-01-01', end: opts.end ?? '2025-12-31' },
    ...(opts.codes
      ? {
          addItem: opts.codes.map((code) => ({
            productOrService: { coding: [{ system: SYSTEMS.hcpcs, code }] },
            adjudication: [{ category: { coding: [{ code: 'eligible' }] } }],
          })),
        }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Whole encounters

export interface ScenarioOpts {
  readonly administrations: readonly MedicationAdministration[];
  readonly medications?: readonly Medication[];
  /** Payer of the default coverage, or null for no coverage at all. */
  readonly payer?: PayerCategory | null;
  readonly coverages?: readonly Coverage[];
  /** Conditions linked to the encounter; default one (J45.909, asthma); [] for none. */
  readonly conditions?: readonly Condition[];
  readonly encounter?: Encounter;
  /** Encounter class when the default encounter is used. */
  readonly cls?: string;
  readonly priorAuthorizations?: readonly ClaimResponse[];
  readonly bodyWeights?: readonly Observation[];
  readonly chargeItems?: readonly ChargeItem[];
  readonly claims?: readonly Claim[];
}

export function scenario(opts: ScenarioOpts): EncounterInput {
  const conditions = opts.conditions ?? [condition('c1', 'J45.909')];
  const payer = opts.payer === undefined ? 'medicare' : opts.payer;
  return {
    encounter:
      opts.encounter ??
      encounter({ conditions: conditions.map((c) => c.id ?? ''), ...(opts.cls ? { cls: opts.cls } : {}) }),
    administrations: [...opts.administrations],
    medications: [...(opts.medications ?? [])],
    conditions: [...conditions],
    coverages: [...(opts.coverages ?? (payer ? [coverage(payer)] : []))],
    priorAuthorizations: [...(opts.priorAuthorizations ?? [])],
    bodyWeights: [...(opts.bodyWeights ?? [])],
    chargeItems: [...(opts.chargeItems ?? [])],
    claims: [...(opts.claims ?? [])],
  };
}

export function evaluate(
  input: EncounterInput,
  ref: Partial<EngineReference> = {},
  now: string = NOW,
): Evaluation {
  const base = reference();
  return evaluateEncounter(
    input,
    {
      catalog: ref.catalog ?? base.catalog,
      payerRules: ref.payerRules ?? base.payerRules,
      ...(ref.facilities ? { facilities: ref.facilities } : {}),
    },
    now,
  );
}

/** Lines as `CODE|MODS|units|date` strings, sorted (a JW line sorts before its main line). */
export function lineSummary(ev: Evaluation): string[] {
  return ev.lines.map((l) => `${l.code}|${l.modifiers.join('+')}|${l.units}|${l.dateOfService}`).sort();
}

/** Gaps as `code@subjectKey` strings. */
export function gapSummary(ev: Evaluation): string[] {
  return ev.gaps.map((g) => `${g.code}@${g.subjectKey}`);
}

export function gapCodes(ev: Evaluation): string[] {
  return [...new Set(ev.gaps.map((g) => g.code))].sort();
}
