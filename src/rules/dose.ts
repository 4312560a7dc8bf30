/**
 * The amount given by one administration (SPEC section 4.3): a dose, or rate x duration for an
 * infusion (mL/h through the concentration, ug/kg/min through the body weight).
 */
import type { Medication, MedicationAdministration, Observation, Quantity, Ratio } from '@medplum/fhirtypes';
import {
  type Amount,
  fromMeasure,
  parseAmountUnit,
  parseRateUnit,
  scale,
  timeInMinutes,
  weightInKg,
} from './quantity.ts';
import { codesOf, extension, finiteNumber, instant, localRef } from '../domain/fhir-values.ts';
import { BODY_WEIGHT_LOINC, EXT, SYSTEMS } from '../domain/vocabulary.ts';
import type { Product } from '../catalog/types.ts';

export type DoseResult =
  | { readonly ok: true; readonly amount: Amount; readonly infusion: boolean }
  | {
      readonly ok: false;
      readonly gap: 'missing-dose' | 'dose-unit-unconvertible' | 'missing-administration-time';
      readonly why: string;
    };

function unitOf(q: Quantity): string | undefined {
  return typeof q.code === 'string' ? q.code : typeof q.unit === 'string' ? q.unit : undefined;
}

export function quantityAmount(
  q: Quantity | undefined,
): Amount | 'missing' | 'not-positive' | 'unknown-unit' {
  if (!q || typeof q !== 'object') return 'missing';
  const value = finiteNumber(q.value);
  if (value === undefined) return 'missing';
  if (!(value > 0)) return 'not-positive';
  return parseAmountUnit(unitOf(q), value) ?? 'unknown-unit';
}

/** mg per mL: the catalog product, else Medication.ingredient.strength, else Medication.amount. */
export function concentrationOf(
  product: Product | undefined,
  medication: Medication | undefined,
): number | undefined {
  const content = product?.amount;
  if (product?.volumeMl && content && content.measure !== 'mL' && content.measure !== 'unit') {
    const a = fromMeasure(content.value, content.measure);
    if (a.kind === 'mass') return a.mg / product.volumeMl;
  }
  const ratios: (Ratio | undefined)[] = [
    ...(Array.isArray(medication?.ingredient) ? medication.ingredient.map((i) => i?.strength) : []),
    medication?.amount,
  ];
  for (const r of ratios) {
    const n = r?.numerator && quantityAmount(r.numerator);
    const d = r?.denominator && quantityAmount(r.denominator);
    if (
      n &&
      d &&
      typeof n === 'object' &&
      typeof d === 'object' &&
      n.kind === 'mass' &&
      d.kind === 'volume'
    ) {
      return n.mg / d.mL;
    }
  }
  return undefined;
}

/** Drug amount in one container: the catalog product, else Medication.amount's numerator. */
export function containerAmountOf(
  product: Product | undefined,
  medication: Medication | undefined,
): Amount | undefined {
  if (product?.amount) return fromMeasure(product.amount.value, product.amount.measure);
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
    const kg = v === undefined ? undefined : weightInKg(typeof q?.code === 'string' ? q.code : q?.unit, v);
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
  if (typeof dose === 'object') return { ok: true, amount: dose, infusion: false };
  if (dose === 'not-positive')
    return { ok: false, gap: 'missing-dose', why: 'the documented dose is not a positive amount' };
  if (dose === 'unknown-unit') {
    return {
      ok: false,
      gap: 'dose-unit-unconvertible',
      why: `the dose unit "${unitOf(dosage?.dose as Quantity) ?? ''}" is not a mass or volume unit`,
    };
  }

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
  return { ok: true, amount, infusion: true };
}

function rateOf(
  q: Quantity | undefined,
  r: Ratio | undefined,
): { perMinute: Amount; perKg: boolean } | 'missing' | 'not-positive' | 'unknown-unit' {
  if (q && typeof q === 'object') {
    const v = finiteNumber(q.value);
    if (v === undefined) return 'missing';
    if (!(v > 0)) return 'not-positive';
    return parseRateUnit(unitOf(q), v) ?? 'unknown-unit';
  }
  if (r && typeof r === 'object') {
    const nv = finiteNumber(r.numerator?.value);
    const dv = finiteNumber(r.denominator?.value);
    if (nv === undefined || dv === undefined) return 'missing';
    if (!(nv > 0) || !(dv > 0)) return 'not-positive';
    const minutes = timeInMinutes(r.denominator ? unitOf(r.denominator) : undefined, dv);
    const numUnit = r.numerator ? unitOf(r.numerator) : undefined;
    // A numerator like ug/kg over a time denominator is weight-based.
    const perKg = typeof numUnit === 'string' && /\/kg$/.test(numUnit);
    const amount = parseAmountUnit(perKg ? numUnit?.replace(/\/kg$/, '') : numUnit, nv);
    if (minutes === undefined || !amount) return 'unknown-unit';
    return { perMinute: scale(amount, 1 / minutes), perKg };
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
