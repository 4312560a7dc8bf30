/**
 * What every step of the engine shares: the reference data it is given and the facts about the
 * Encounter itself (who, where, as of when).
 */
import type { DrugCatalog } from '../catalog/catalog.ts';
import type { PayerRules } from '../catalog/payer-rules.ts';
import type { EncounterInput } from '../domain/input.ts';
import { encounterClassOf } from '../domain/encounter.ts';
import { calendarDate, localRef } from '../domain/fhir-values.ts';

export interface EngineReference {
  readonly catalog: DrugCatalog;
  readonly payerRules: PayerRules;
}

export interface EncounterContext {
  /** `Encounter/<id>`. */
  readonly ref: string;
  /** `Patient/<id>` of the Encounter's subject. */
  readonly patient: string | undefined;
  /** v3 ActCode of Encounter.class. */
  readonly class: string | undefined;
  /** Calendar date of the evaluation: a later date of service is in the future. */
  readonly today: string;
}

export function encounterContext(input: EncounterInput, now: string): EncounterContext {
  return {
    ref: `Encounter/${input.encounter.id ?? ''}`,
    patient: localRef(input.encounter.subject),
    class: encounterClassOf(input.encounter),
    today: calendarDate(now) ?? '9999-12-31',
  };
}

/** Servers return search results in no guaranteed order: sorting keeps the same documentation giving the same Claim. */
export function compareIds(a: { id?: string } | undefined, b: { id?: string } | undefined): number {
  return (a?.id ?? '').localeCompare(b?.id ?? '');
}
