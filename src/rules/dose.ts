/**
 * The amount given by one administration: a dose, or rate x duration for an infusion (mL/h
 * through the concentration of what was given, ug/kg/min through the body weight); a stopped
 * infusion by what ran until it stopped (docs/billing-rules.md, "Amount given").
 */
import type {
  CodeableConcept,
  Medication,
  MedicationAdministration,
  Observation,
  Quantity,
  Ratio,
} from '@medplum/fhirtypes';
import {
  type Amount,
  fromMeasure,
  fromVolume,
  parseAmountUnit,
  parsePerKgAmountUnit,
  parseRateUnit,
  scale,
  type Strength,
  timeInMinutes,
  weightInKg,
} from './quantity.ts';
import { codesOf, extension, finiteNumber, instant, localRef } from '../domain/fhir-values.ts';
import { BODY_WEIGHT_LOINC, EXT, SYSTEMS } from '../domain/vocabulary.ts';
import type { HcpcsCode, Product } from '../catalog/types.ts';

export type DoseResult =
  | {
      readonly ok: true;
      readonly amount: Amount;
      /** The amount is a rate x duration (an infusion), not a charted dose. */
      readonly infusion: boolean;
      /** A stopped infusion's charted dose: what was prepared, when more than what ran. */
      readonly prepared?: Amount;
      /** When the infusion ran (epoch milliseconds), for an amount from rate x duration. */
      readonly period?: { readonly start: number; readonly end: number };
    }
  | {
      readonly ok: false;
      readonly gap: 'missing-dose' | 'dose-unit-unconvertible' | 'missing-administration-time';
      readonly why: string;
    };

/**
 * The unit texts of a Quantity to try, best first: its code when the system is UCUM (or
 * absent), then the human-readable unit, then a code of another system.
 */
export function unitTexts(q: Quantity | undefined): string[] {
  if (!q || typeof q !== 'object') return [];
  const out: string[] = [];
  const code = typeof q.code === 'string' ? q.code : undefined;
  const ucum = q.system === undefined || q.system === SYSTEMS.ucum;
  if (code && ucum) out.push(code);
  if (typeof q.unit === 'string') out.push(q.unit);
  if (code && !ucum) out.push(code);
  return out;
}

function unitOf(q: Quantity | undefined): string | undefined {
  return unitTexts(q)[0];
}

/** The first reading of a Quantity's units that `parse` understands, in the order of `unitTexts`. */
export function parseUnits<T>(
  q: Quantity | undefined,
  parse: (unit: string) => T | undefined,
): T | undefined {
  if (!q || typeof q !== 'object') return undefined;
  const code = typeof q.code === 'string' ? q.code : undefined;
  const ucum = q.system === undefined || q.system === SYSTEMS.ucum;
  let v: T | undefined;
  if (code && ucum) v = parse(code);
  if (v === undefined && typeof q.unit === 'string') v = parse(q.unit);
  if (v === undefined && code && !ucum) v = parse(code);
  return v;
}

export function quantityAmount(
  q: Quantity | undefined,
): Amount | 'missing' | 'not-positive' | 'unknown-unit' {
  if (!q || typeof q !== 'object') return 'missing';
  const value = finiteNumber(q.value);
  if (value === undefined) return 'missing';
  if (!(value > 0)) return 'not-positive';
  return parseUnits(q, (u) => parseAmountUnit(u, value)) ?? 'unknown-unit';
}

/**
 * The strength of a mass- or units-per-volume ratio (250 mg / 500 mL, 10,000 [iU] / 1 mL),
 * else undefined.
 */
export function strengthOf(r: Ratio | undefined): Strength | undefined {
  const n = r?.numerator && quantityAmount(r.numerator);
  const d = r?.denominator && quantityAmount(r.denominator);
  if (!n || !d || typeof n !== 'object' || typeof d !== 'object' || d.kind !== 'volume') return undefined;
  if (n.kind === 'mass') return { kind: 'mass', perMl: n.mg / d.mL };
  if (n.kind === 'unit') return { kind: 'unit', perMl: n.units / d.mL };
  return undefined;
}

/** Strength of a catalog product as packaged (amount in one container over its volume). */
export function productStrength(product: Product | undefined): Strength | undefined {
  const content: Product['amount'] | undefined = product?.amount;
  if (!product?.volumeMl || !content || content.measure === 'mL') return undefined;
  const a = fromMeasure(content.value, content.measure);
  if (a.kind === 'mass') return { kind: 'mass', perMl: a.mg / product.volumeMl };
  if (a.kind === 'unit') return { kind: 'unit', perMl: a.units / product.volumeMl };
  return undefined;
}

/**
 * A container meant to be infused as it is (a premixed bag), as opposed to a vial whose content
 * is diluted before an infusion. vialwise's own bound: 50 mL or more (docs/billing-rules.md).
 */
export const BAG_MIN_ML = 50;

export function readyToInfuse(product: Product | undefined): boolean {
  return (product?.volumeMl ?? 0) >= BAG_MIN_ML;
}

/**
 * The Medication's own strength: the drug ingredient's mass (or units) per volume (a bag or an
 * admixture, e.g. 250 mg in 500 mL), else Medication.amount as such. With several ingredients
 * (the drug and its diluent), only the one `isDrug` recognises counts, else the only active one.
 */
export function medicationStrength(
  medication: Medication | undefined,
  isDrug: (item: CodeableConcept | undefined, display: string | undefined) => boolean,
): Strength | undefined {
  const ingredients = Array.isArray(medication?.ingredient) ? medication.ingredient.filter(Boolean) : [];
  let drug = ingredients.length === 1 ? ingredients[0] : undefined;
  if (ingredients.length > 1) {
    const named = ingredients.filter((i) => isDrug(i.itemCodeableConcept, i.itemReference?.display));
    const active = ingredients.filter((i) => i.isActive === true);
    drug = named.length === 1 ? named[0] : named.length === 0 && active.length === 1 ? active[0] : undefined;
  }
  return strengthOf(drug?.strength) ?? strengthOf(medication?.amount);
}

/** Volume of the Medication's own container (`Medication.amount`'s denominator), in mL. */
export function containerVolumeOf(medication: Medication | undefined): number | undefined {
  const d = medication?.amount?.denominator ? quantityAmount(medication.amount.denominator) : undefined;
  return d && typeof d === 'object' && d.kind === 'volume' ? d.mL : undefined;
}

/**
 * The Medication's strength is the vial's own, not a bag's: it equals the catalog product's
 * concentration (within 0.5%), or the Medication's own container is under `BAG_MIN_ML`. An EHR
 * builds such a Medication from the vial scanned at the bedside, whatever it was diluted in.
 */
export function isVialStrength(
  strength: Strength,
  product: Product | undefined,
  medication: Medication | undefined,
): boolean {
  if (readyToInfuse(product)) return false;
  const ofProduct = productStrength(product);
  if (
    ofProduct?.kind === strength.kind &&
    Math.abs(strength.perMl - ofProduct.perMl) <= ofProduct.perMl * 0.005
  )
    return true;
  const container = containerVolumeOf(medication);
  return container !== undefined && container < BAG_MIN_ML;
}

/** The Medication is the product as packaged: no admixture of several ingredients. */
export function asPackaged(medication: Medication | undefined): boolean {
  return !Array.isArray(medication?.ingredient) || medication.ingredient.length <= 1;
}

/**
 * Every candidate code bills per volume (J1460 gamma globulin per 1 cc, J7030 normal saline
 * per 1000 cc): a volume charted is billed as it is, no concentration needed.
 */
export function billedPerVolume(candidates: readonly HcpcsCode[]): boolean {
  return candidates.length > 0 && candidates.every((c) => c.unit.measure === 'mL');
}

/**
 * An amount in the kind its codes bill: a mass (or units) as it is, a volume through the
 * concentration; a volume stays a volume when the codes bill per mL. Undefined when a volume
 * cannot be turned into what the codes bill.
 */
export function drugAmount(
  a: Amount,
  strength: Strength | undefined,
  perVolume: boolean,
): Amount | undefined {
  if (a.kind === 'volume' && perVolume) return a;
  return fromVolume(a, strength);
}

/** Drug amount in one container: the catalog product, else Medication.amount's numerator. */
export function containerAmountOf(
  product: Product | undefined,
  medication: Medication | undefined,
): Amount | undefined {
  const content: Product['amount'] | undefined = product?.amount;
  if (content) return fromMeasure(content.value, content.measure);
  const n = medication?.amount?.numerator ? quantityAmount(medication.amount.numerator) : undefined;
  return n && typeof n === 'object' && n.kind !== 'volume' ? n : undefined;
}

/** Latest body weight (kg) of the patient on or before the start of the administration. */
export function bodyWeightAt(
  weights: readonly Observation[],
  patient: string | undefined,
  at: number,
): number | undefined {
  // The latest body weight on or before the start decides; when that one is unusable, no weight
  // is known (an older weight is not silently used instead).
  let latest: { t: number; kg: number | undefined } | undefined;
  for (const o of weights) {
    if (!codesOf(o.code, SYSTEMS.loinc).includes(BODY_WEIGHT_LOINC)) continue;
    if (o.status === 'entered-in-error' || o.status === 'cancelled' || o.status === 'preliminary') continue;
    if (patient && localRef(o.subject) !== patient) continue;
    const t = instant(o.effectiveDateTime ?? o.effectivePeriod?.start ?? o.issued);
    if (t === undefined || t > at || (latest && t <= latest.t)) continue;
    const q = o.valueQuantity;
    const v = finiteNumber(q?.value);
    const kg = v === undefined ? undefined : parseUnits(q, (u) => weightInKg(u, v));
    latest = { t, kg: kg !== undefined && kg > 0 ? kg : undefined };
  }
  return latest?.kg;
}

export function amountGiven(
  admin: MedicationAdministration,
  weights: readonly Observation[],
  patient: string | undefined,
): DoseResult {
  const dosage = admin.dosage;
  const dose = quantityAmount(dosage?.dose);
  // A stopped infusion ran for less than the dose charted (often the ordered dose): bill rate x
  // the time it actually ran when both are charted, else the dose charted.
  if (admin.status === 'stopped' && hasRate(admin)) {
    const ran = infused(admin, weights, patient);
    if (ran.ok && typeof dose === 'object') return { ...ran, prepared: dose };
    if (ran.ok || typeof dose !== 'object') return ran;
  }
  if (typeof dose === 'object') return { ok: true, amount: dose, infusion: false };
  if (dose === 'not-positive')
    return { ok: false, gap: 'missing-dose', why: 'the documented dose is not a positive amount' };
  if (dose === 'unknown-unit') {
    const perKg = weightBasedDose(admin, weights, patient);
    if (perKg) return perKg;
    return {
      ok: false,
      gap: 'dose-unit-unconvertible',
      why: `the dose unit "${unitOf(dosage?.dose) ?? ''}" is not a mass or volume unit`,
    };
  }
  return infused(admin, weights, patient);
}

/**
 * A dose charted per kg of body weight (`5 mg/kg`), x the latest body weight at or before the
 * administration; undefined when the dose unit is not weight-based.
 */
function weightBasedDose(
  admin: MedicationAdministration,
  weights: readonly Observation[],
  patient: string | undefined,
): DoseResult | undefined {
  const q = admin.dosage?.dose;
  const value = finiteNumber(q?.value);
  const perKg = value === undefined ? undefined : parseUnits(q, (u) => parsePerKgAmountUnit(u, value));
  if (!perKg) return undefined;
  const at = instant(admin.effectiveDateTime ?? admin.effectivePeriod?.start);
  const kg = at === undefined ? undefined : bodyWeightAt(weights, patient, at);
  if (kg === undefined) {
    return {
      ok: false,
      gap: 'dose-unit-unconvertible',
      why: 'the dose is weight-based and no body weight is recorded before the administration',
    };
  }
  return { ok: true, amount: scale(perKg, kg), infusion: false };
}

/** A rate is charted (an infusion), whatever else is. */
export function hasRate(admin: MedicationAdministration): boolean {
  return Boolean(admin.dosage?.rateQuantity || admin.dosage?.rateRatio);
}

/** Rate x duration, with the body weight for a rate per kg. */
function infused(
  admin: MedicationAdministration,
  weights: readonly Observation[],
  patient: string | undefined,
): DoseResult {
  const dosage = admin.dosage;
  const rate = rateOf(dosage?.rateQuantity, dosage?.rateRatio);
  if (rate === 'missing')
    return { ok: false, gap: 'missing-dose', why: 'no dose and no infusion rate is documented' };
  if (rate === 'not-positive')
    return { ok: false, gap: 'missing-dose', why: 'the documented rate is not a positive amount' };
  if (rate === 'unknown-unit')
    return {
      ok: false,
      gap: 'dose-unit-unconvertible',
      why: 'the infusion rate unit is not a mass or volume per time',
    };

  const start = instant(admin.effectivePeriod?.start);
  const end = instant(admin.effectivePeriod?.end);
  if (start === undefined || end === undefined) {
    return {
      ok: false,
      gap: 'missing-administration-time',
      why: 'the infusion has no documented start and stop time',
    };
  }
  if (!(end > start)) {
    return {
      ok: false,
      gap: 'missing-administration-time',
      why: 'the infusion stop time is not after its start time',
    };
  }
  const minutes = (end - start) / 60_000;
  let amount = scale(rate.perMinute, minutes);
  if (rate.perKg) {
    const kg = bodyWeightAt(weights, patient, start);
    if (kg === undefined) {
      return {
        ok: false,
        gap: 'dose-unit-unconvertible',
        why: 'the rate is weight-based and no body weight is recorded before the infusion',
      };
    }
    amount = scale(amount, kg);
  }
  return { ok: true, amount, infusion: true, period: { start, end } };
}

function rateOf(
  q: Quantity | undefined,
  r: Ratio | undefined,
): { perMinute: Amount; perKg: boolean } | 'missing' | 'not-positive' | 'unknown-unit' {
  if (q && typeof q === 'object') {
    const v = finiteNumber(q.value);
    if (v === undefined) return 'missing';
    if (!(v > 0)) return 'not-positive';
    return parseUnits(q, (u) => parseRateUnit(u, v)) ?? 'unknown-unit';
  }
  if (r && typeof r === 'object') {
    const nv = finiteNumber(r.numerator?.value);
    const dv = finiteNumber(r.denominator?.value);
    if (nv === undefined || dv === undefined) return 'missing';
    if (!(nv > 0) || !(dv > 0)) return 'not-positive';
    const minutes = parseUnits(r.denominator, (u) => timeInMinutes(u, dv));
    // A numerator like ug/kg over a time denominator is weight-based.
    const numerator = parseUnits(r.numerator, (u) => {
      const perKg = /\/\s*kg\s*$/i.test(u);
      const amount = parseAmountUnit(perKg ? u.replace(/\/\s*kg\s*$/i, '') : u, nv);
      return amount ? { amount, perKg } : undefined;
    });
    if (minutes === undefined || !numerator) return 'unknown-unit';
    return { perMinute: scale(numerator.amount, 1 / minutes), perKg: numerator.perKg };
  }
  return 'missing';
}

export function discardedAmount(admin: MedicationAdministration): Amount | 'none' | 'invalid' {
  const ext = extension(admin.dosage?.extension, EXT.discardedAmount);
  if (!ext) return 'none';
  const q = ext.valueQuantity;
  const v = finiteNumber(q?.value);
  if (v === 0) return { kind: 'mass', mg: 0 };
  const a = quantityAmount(q);
  return typeof a === 'object' ? a : 'invalid';
}

export function containersOpened(admin: MedicationAdministration): number | 'none' | 'invalid' {
  const ext = extension(admin.dosage?.extension, EXT.containersOpened);
  if (!ext) return 'none';
  const v = ext.valueInteger;
  // 0: this administration continued a container opened by an earlier one (a titrated drip).
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 10_000 ? v : 'invalid';
}
