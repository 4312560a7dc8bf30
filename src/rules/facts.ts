/**
 * Facts per administration: each MedicationAdministration of the Encounter becomes one Fact
 * (what was given, when, from which product and containers) or the documentation gaps that stop
 * it from being billed. Each check below is a small function that returns what it found or the
 * gap it raises; `factOf` runs them in order and stops at the first gap that makes billing
 * impossible.
 */
import type { Medication, MedicationAdministration } from '@medplum/fhirtypes';
import type { DrugCatalog } from '../catalog/catalog.ts';
import type { HcpcsCode, Product } from '../catalog/types.ts';
import type { GapCode } from '../domain/gaps.ts';
import type { EncounterInput } from '../domain/input.ts';
import type { ContainerUse } from '../domain/types.ts';
import { localRef } from '../domain/fhir-values.ts';
import { sortedById, type EncounterContext } from './context.ts';
import { indexDiagnoses, type DiagnosisIndex } from './diagnoses.ts';
import {
  amountGiven,
  asPackaged,
  containerAmountOf,
  containersOpened,
  billedPerVolume,
  discardedAmount,
  drugAmount,
  hasRate,
  isVialStrength,
  medicationStrength,
  productStrength,
  readyToInfuse,
  type DoseResult,
} from './dose.ts';
import type { GapList } from './gap-list.ts';
import { containerUseOf, identify, namesIngredient, type Identification } from './identify.ts';
import { amountValue, type Amount, type Strength } from './quantity.ts';
import { fewestContainers } from './units.ts';
import { perVial, unitsNotComputable, vialFact } from './per-item.ts';

/** One billable administration, with everything its line needs. */
export interface Fact {
  readonly admin: MedicationAdministration;
  readonly ref: string;
  readonly id: string;
  readonly dos: string;
  readonly ingredient: string;
  readonly ingredientName: string;
  readonly product?: Product;
  readonly ndc?: string;
  readonly candidates: readonly HcpcsCode[];
  /** Amount given, as mass (or units; or mL when every candidate code bills per mL). */
  readonly given: Amount;
  readonly discarded?: Amount;
  /** Drug amount in one container (mass, units or mL, as `given`), when known. */
  readonly containerAmount?: number;
  /**
   * Containers opened for this administration: documented (0 = it continued a container an
   * earlier administration opened, e.g. a titrated drip), else the fewest that hold the dose.
   */
  readonly opened?: number;
  readonly openedDocumented: boolean;
  readonly containerUse?: ContainerUse;
  readonly singleDose: boolean;
  /** Concentration of what was given (the bag or admixture, else the product as packaged), mg per mL. */
  readonly mgPerMl?: number;
  /**
   * Concentration of the NDC's own package, mg per mL (units per mL for a drug measured in
   * units), for the NDC quantity in mL.
   */
  readonly ndcMgPerMl?: number;
  /** The infusion ended early (status `stopped`). */
  readonly stopped: boolean;
  /** For an amount from rate x duration: when it ran, and the order it belongs to. */
  readonly infusion?: { readonly start: number; readonly end: number; readonly request?: string };
  readonly diagnoses: readonly string[];
}

/** A gap one check raises about one administration. */
export interface Finding {
  readonly gap: GapCode;
  readonly detail: string;
  /** Resources the gap is about; the administration alone when absent. */
  readonly implicated?: readonly string[];
}

export interface Facts {
  readonly facts: readonly Fact[];
  readonly diagnoses: DiagnosisIndex;
  /** Administrations of drugs the catalog does not know. */
  readonly skipped: number;
  readonly enteredInError: readonly string[];
}

const BILLABLE = new Set(['completed', 'stopped']);

export function gatherFacts(
  input: EncounterInput,
  encounter: EncounterContext,
  catalog: DrugCatalog,
  gaps: GapList,
): Facts {
  const medications = new Map<string, Medication>();
  for (const m of input.medications) if (m?.id) medications.set(m.id, m);
  const diagnoses = indexDiagnoses(input);
  const facts: Fact[] = [];
  const enteredInError: string[] = [];
  let skipped = 0;
  for (const admin of sortedById(input.administrations)) {
    if (!admin || admin.resourceType !== 'MedicationAdministration' || !admin.id) continue;
    const context = localRef(admin.context);
    if (context && context !== encounter.ref) continue;
    const ref = `MedicationAdministration/${admin.id}`;
    if (admin.status === 'entered-in-error') {
      enteredInError.push(ref);
      continue;
    }
    if (!BILLABLE.has(admin.status)) continue;
    const id = identify(admin, medications, catalog);
    if (id.kind === 'unknown') {
      skipped++;
      continue;
    }
    const findings: Finding[] = [];
    const fact = factOf(
      {
        admin,
        id: admin.id,
        ref,
        context,
        identification: id,
        esrdOnDialysis: () => diagnoses.esrdOnDialysis(),
        diagnoses: () => diagnoses.forAdministration(admin),
      },
      encounter,
      catalog,
      input,
      findings,
    );
    if (fact) facts.push(fact);
    for (const f of findings) gaps.add(f.gap, admin.id, f.implicated ?? [ref], f.detail);
  }
  return { facts, diagnoses, skipped, enteredInError };
}

interface Subject {
  readonly admin: MedicationAdministration;
  readonly id: string;
  readonly ref: string;
  readonly context: string | undefined;
  readonly identification: Exclude<Identification, { kind: 'unknown' }>;
  /** The patient's documented ESRD on dialysis chooses a code "for ESRD on dialysis" (J0882, Q4081). */
  readonly esrdOnDialysis: () => boolean;
  /** The administration's diagnoses, asked only once it is billable (they join the claim's list). */
  readonly diagnoses: () => readonly string[];
}

function isFinding(x: unknown): x is Finding {
  return typeof x === 'object' && x !== null && 'gap' in x;
}

/** The checks of one administration in order; findings are appended, the Fact returned when billable. */
function factOf(
  s: Subject,
  encounter: EncounterContext,
  catalog: DrugCatalog,
  input: EncounterInput,
  findings: Finding[],
): Fact | undefined {
  const stop = (f: Finding | undefined) => {
    if (f) findings.push(f);
    return f !== undefined;
  };
  if (stop(linkedToEncounter(s))) return undefined;
  if (stop(samePatient(s, encounter))) return undefined;
  const id = s.identification;
  if (id.kind === 'ambiguous') {
    findings.push(productNotChosen(id.reason));
    return undefined;
  }
  const name = catalog.ingredients.get(id.ingredient)?.name ?? id.ingredient;
  for (const f of [routeDocumented(s.admin, name), performerDocumented(s.admin, name)])
    if (f) findings.push(f);

  const dos = dateOfService(s.admin, name, encounter);
  if (isFinding(dos)) {
    findings.push(dos);
    return undefined;
  }
  // A product with a code per use (J0881 non-ESRD, J0882 ESRD on dialysis) asks the diagnoses.
  let candidates = catalog.candidateCodes(id.ingredient, id.product, dos);
  const use = { esrdOnDialysis: candidates.some((c) => c.use) && s.esrdOnDialysis() };
  if (use.esrdOnDialysis) candidates = catalog.candidateCodes(id.ingredient, id.product, dos, use);
  if (candidates.length === 0) {
    const other = catalog.codesNotByAmount(id.ingredient, id.product, dos, {
      esrdOnDialysis: s.esrdOnDialysis(),
    });
    const vials = perVial(other, s.admin);
    if (vials) return vialFact(s, id, name, dos, vials.code, vials.count);
    findings.push(other.length ? unitsNotComputable(other, name, dos) : noCodeValidOn(name, dos));
    return undefined;
  }

  const dose = amountGiven(s.admin, input.bodyWeights, encounter.patient);
  if (!dose.ok) {
    findings.push(doseFinding(dose.gap, dose.why, name));
    return undefined;
  }
  const stopTime = infusionStopTime(s.admin, name);
  if (stopTime) findings.push(stopTime);

  const medication = id.medication;
  const conc = concentration(s.admin, id, dose, name, catalog);
  if (isFinding(conc)) {
    findings.push(conc);
    return undefined;
  }
  const { strength, ndcStrength } = conc;
  const mgPerMl = strength?.kind === 'mass' ? strength.perMl : undefined;
  const perVolume = billedPerVolume(candidates);
  const given = drugAmount(dose.amount, strength, perVolume);
  if (!given) {
    findings.push(massUnknown(name, medication));
    return undefined;
  }
  const discarded = discardedMass(s.admin, name, strength, perVolume, findings);
  const containerUse = id.product?.containerUse ?? containerUseOf(medication);
  const container = containerAmountOf(id.product, medication);
  const containerAmount = container && container.kind === given.kind ? amountValue(container) : undefined;
  // A stopped infusion opened the containers of the dose prepared, not only of what ran.
  const prepared = dose.prepared ? drugAmount(dose.prepared, strength, perVolume) : undefined;
  const fill =
    prepared && prepared.kind === given.kind && amountValue(prepared) > amountValue(given) ? prepared : given;
  const opened = openedContainers(s.admin, name, fill, containerAmount, findings);
  const multiDose = multiDoseWaste(containerUse, discarded, name);
  if (multiDose) findings.push(multiDose);
  // Built member by member in the order of the type, the optional ones only when set (one fact
  // per administration: conditional spreads cost an object copy each).
  const fact: Mutable<Fact> = {
    admin: s.admin,
    ref: s.ref,
    id: s.id,
    dos,
    ingredient: id.ingredient,
    ingredientName: name,
  } as Mutable<Fact>;
  if (id.product) fact.product = id.product;
  if (id.ndc) fact.ndc = id.ndc;
  fact.candidates = candidates;
  fact.given = given;
  if (discarded) fact.discarded = discarded;
  if (containerAmount !== undefined) fact.containerAmount = containerAmount;
  if (opened.count !== undefined) fact.opened = opened.count;
  fact.openedDocumented = opened.documented;
  if (containerUse) fact.containerUse = containerUse;
  fact.singleDose = containerUse === 'single-dose';
  if (mgPerMl) fact.mgPerMl = mgPerMl;
  // The NDC quantity in mL needs the package's strength in what the drug is measured in.
  if (ndcStrength && ndcStrength.kind === (given.kind === 'unit' ? 'unit' : 'mass'))
    fact.ndcMgPerMl = ndcStrength.perMl;
  fact.stopped = s.admin.status === 'stopped';
  if (dose.period) fact.infusion = infusionOf(s.admin, dose.period);
  fact.diagnoses = s.diagnoses();
  return fact;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// ---------------------------------------------------------------------------------------------
// The checks, in the order they run.

function linkedToEncounter(s: Subject): Finding | undefined {
  if (s.context) return undefined;
  return {
    gap: 'missing-encounter',
    detail: 'Link this drug administration to the visit it was given in, so it can be billed.',
  };
}

function samePatient(s: Subject, encounter: EncounterContext): Finding | undefined {
  const subject = localRef(s.admin.subject);
  if (subject && (!encounter.patient || subject === encounter.patient)) return undefined;
  return {
    gap: 'patient-mismatch',
    implicated: [s.ref, encounter.ref],
    detail:
      'This drug administration is recorded for a different patient than the visit: correct the patient or the visit; nothing of it is billed.',
  };
}

function productNotChosen(reason: string): Finding {
  return {
    gap: 'drug-not-identified',
    detail: `Record the exact product given (NDC from the vial or bag): ${reason}.`,
  };
}

function routeDocumented(admin: MedicationAdministration, name: string): Finding | undefined {
  const r = admin.dosage?.route;
  const has = Boolean(
    r && (typeof r.text === 'string' || (Array.isArray(r.coding) && r.coding.some((c) => c?.code))),
  );
  if (has) return undefined;
  return {
    gap: 'missing-route',
    detail: `Document the route (for example IV push or IV infusion) of the ${name} given.`,
  };
}

function performerDocumented(admin: MedicationAdministration, name: string): Finding | undefined {
  if (Array.isArray(admin.performer) && admin.performer.some((p) => p?.actor?.reference || p?.actor?.display))
    return undefined;
  return { gap: 'missing-performer', detail: `Record who gave the ${name}.` };
}

/** The calendar date the administration started in the facility's time zone, not in the future. */
function dateOfService(
  admin: MedicationAdministration,
  name: string,
  encounter: EncounterContext,
): string | Finding {
  const startText = admin.effectiveDateTime ?? admin.effectivePeriod?.start;
  const dos = encounter.dateOf(startText);
  if (dos && dos <= encounter.today) return dos;
  const why = !startText
    ? 'no time is documented'
    : !dos
      ? 'the documented time is not a valid date'
      : 'the documented time is in the future';
  return { gap: 'missing-administration-time', detail: `Document when the ${name} was given: ${why}.` };
}

function noCodeValidOn(name: string, dos: string): Finding {
  return {
    gap: 'drug-not-identified',
    detail: `No billing code for the ${name} product documented is valid on ${dos}: record the product (NDC) actually given.`,
  };
}

function doseFinding(gap: Finding['gap'], why: string, name: string): Finding {
  const detail =
    gap === 'missing-dose'
      ? `Document the dose of ${name} given (${why}).`
      : gap === 'missing-administration-time'
        ? `Document the start and stop time of the ${name} infusion (${why}).`
        : `Document the ${name} dose in mg or mL (${why}).`;
  return { gap, detail };
}

/** A completed administration over a period (an infusion) needs its stop time; the documented dose still bills. */
function infusionStopTime(admin: MedicationAdministration, name: string): Finding | undefined {
  if (!admin.effectivePeriod || admin.effectivePeriod.end) return undefined;
  return { gap: 'missing-administration-time', detail: `Document when the ${name} infusion stopped.` };
}

type Identified = Extract<Identification, { kind: 'identified' }>;

/**
 * The concentration of what was actually given: the Medication's own strength first (a bag or
 * an admixture), the catalog product's only when the Medication is that product as packaged.
 * A volume infused (a rate in mL, or the mL charted beside a rate) against a vial (diluted before
 * it is infused) needs the bag's strength: the vial's, from the catalog or from a Medication
 * built from the vial, would bill the undiluted drug (docs/billing-rules.md, "Concentration").
 */
function concentration(
  admin: MedicationAdministration,
  id: Identified,
  dose: Extract<DoseResult, { ok: true }>,
  name: string,
  catalog: DrugCatalog,
): { strength?: Strength; ndcStrength?: Strength } | Finding {
  const { medication, product } = id;
  const own = medicationStrength(medication, (item, display) =>
    namesIngredient(item, display, id.ingredient, catalog),
  );
  const ofProduct = productStrength(product);
  const asIs = asPackaged(medication);
  const packaged = asIs ? ofProduct : undefined;
  const infused = dose.amount.kind === 'volume' && (dose.infusion || hasRate(admin));
  const vialOnly =
    own === undefined
      ? packaged !== undefined && !readyToInfuse(product)
      : isVialStrength(own, product, medication);
  if (infused && vialOnly) {
    return {
      gap: 'dose-unit-unconvertible',
      detail: `The ${name} infusion is charted in mL, but only the vial it was mixed from is documented (${product?.description ?? 'vial'}${own !== undefined ? `, ${round3(own.perMl)} ${own.kind === 'mass' ? 'mg' : 'units'}/mL` : ''}): record the concentration of the bag (the ${name} amount and the bag volume), so the mL infused can be billed.`,
    };
  }
  const strength = own ?? packaged;
  const ndcStrength = ofProduct ?? (asIs ? own : undefined);
  return { ...(strength ? { strength } : {}), ...(ndcStrength ? { ndcStrength } : {}) };
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function massUnknown(name: string, medication: Medication | undefined): Finding {
  return {
    gap: 'dose-unit-unconvertible',
    detail: asPackaged(medication)
      ? `Document the ${name} dose in mg, or record the product's concentration, so the mL given can be billed.`
      : `The ${name} was given from a mixture whose concentration is not documented: record the ${name} amount and the final volume of the bag, so the mL given can be billed.`,
  };
}

/** When an infusion ran and which order it belongs to, to tell the segments of one titrated drip. */
function infusionOf(
  admin: MedicationAdministration,
  period: { readonly start: number; readonly end: number },
): NonNullable<Fact['infusion']> {
  const request = localRef(admin.request);
  return { start: period.start, end: period.end, ...(request ? { request } : {}) };
}

/** The documented discarded amount as mass (or mL, for codes billed per mL); an unusable one is flagged and ignored. */
function discardedMass(
  admin: MedicationAdministration,
  name: string,
  strength: Strength | undefined,
  perVolume: boolean,
  findings: Finding[],
): Amount | undefined {
  const raw = discardedAmount(admin);
  if (raw === 'none') return undefined;
  if (raw === 'invalid') {
    findings.push({
      gap: 'wastage-inconsistent',
      detail: `The discarded amount of ${name} is not a usable quantity: document it in mg or mL.`,
    });
    return undefined;
  }
  const mass = drugAmount(raw, strength, perVolume);
  if (!mass)
    findings.push({
      gap: 'wastage-inconsistent',
      detail: `Document the discarded ${name} in mg, or record the product's concentration.`,
    });
  return mass;
}

/** Containers opened: documented, else the fewest that hold the dose (when the container is known). */
function openedContainers(
  admin: MedicationAdministration,
  name: string,
  given: Amount,
  containerAmount: number | undefined,
  findings: Finding[],
): { count: number | undefined; documented: boolean } {
  const raw = containersOpened(admin);
  if (raw === 'invalid') {
    findings.push({
      gap: 'wastage-inconsistent',
      detail: `The number of ${name} containers opened is not a whole number: correct it.`,
    });
  }
  if (typeof raw === 'number') return { count: raw, documented: true };
  return {
    count: containerAmount !== undefined ? fewestContainers(amountValue(given), containerAmount) : undefined,
    documented: false,
  };
}

function multiDoseWaste(
  containerUse: ContainerUse | undefined,
  discarded: Amount | undefined,
  name: string,
): Finding | undefined {
  if (containerUse !== 'multi-dose' || !discarded || !(amountValue(discarded) > 0)) return undefined;
  return {
    gap: 'wastage-inconsistent',
    detail: `Waste is recorded for ${name} from a multi-dose vial; multi-dose containers are not billed for waste: remove or correct the discarded amount.`,
  };
}
