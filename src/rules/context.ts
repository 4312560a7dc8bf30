/**
 * What every step of the engine shares: the reference data it is given and the facts about the
 * Encounter itself (who, where, as of when).
 */
import type { DrugCatalog } from '../catalog/catalog.ts';
import type { PayerRules } from '../catalog/payer-rules.ts';
import type { EncounterInput } from '../domain/input.ts';
import { encounterClassOf } from '../domain/encounter.ts';
import {
  billingSetting,
  DEFAULT_FACILITY,
  type BillingSetting,
  type FacilityResolver,
} from '../domain/facility.ts';
import { localRef } from '../domain/fhir-values.ts';
import { localDate } from '../domain/time-zone.ts';

export interface EngineReference {
  readonly catalog: DrugCatalog;
  readonly payerRules: PayerRules;
  /** The billing facility of an Encounter's serviceProvider; unset: one hospital outpatient facility, dates as written. */
  readonly facilities?: FacilityResolver;
}

export interface EncounterContext {
  /** `Encounter/<id>`. */
  readonly ref: string;
  /** `Patient/<id>` of the Encounter's subject. */
  readonly patient: string | undefined;
  /** v3 ActCode of Encounter.class. */
  readonly class: string | undefined;
  /** Where the Encounter is billed: setting, inpatient stay, time zone, 340B modifier. */
  readonly setting: BillingSetting;
  /** Calendar date of the evaluation in the facility's time zone: a later date of service is in the future. */
  readonly today: string;
  /** The calendar date of a dateTime in the facility's time zone (as written without one). */
  readonly dateOf: (dateTime: string | undefined) => string | undefined;
}

const ONE_FACILITY: FacilityResolver = () => DEFAULT_FACILITY;

export function encounterContext(input: EncounterInput, ref: EngineReference, now: string): EncounterContext {
  const setting = billingSetting(input.encounter, ref.facilities ?? ONE_FACILITY);
  const dateOf = (dateTime: string | undefined) => localDate(dateTime, setting.timeZone);
  return {
    ref: `Encounter/${input.encounter.id ?? ''}`,
    patient: localRef(input.encounter.subject),
    class: encounterClassOf(input.encounter),
    setting,
    today: dateOf(now) ?? '9999-12-31',
    dateOf,
  };
}

/** Servers return search results in no guaranteed order: sorting keeps the same documentation giving the same Claim. */
export function sortedById<T extends { id?: string } | undefined>(xs: readonly T[]): readonly T[] {
  return xs.length < 2 ? xs : [...xs].sort(compareIds);
}

export function compareIds(a: { id?: string } | undefined, b: { id?: string } | undefined): number {
  return (a?.id ?? '').localeCompare(b?.id ?? '');
}
