/**
 * Diagnoses linked to the Encounter (Encounter.diagnosis by rank, then Conditions whose
 * `encounter` is it) and to each administration (reasonReference, reasonCode). Refuted or
 * entered-in-error Conditions do not count.
 */
import type { Condition, MedicationAdministration } from '@medplum/fhirtypes';
import type { EncounterInput } from '../domain/input.ts';
import { codesOf, localRef } from '../domain/fhir-values.ts';
import { SYSTEMS } from '../domain/vocabulary.ts';
import { compareIds } from './context.ts';

export interface DiagnosisIndex {
  /** The administration's own diagnoses, then the Encounter's (ICD-10-CM, unique). */
  forAdministration(admin: MedicationAdministration): string[];
  /** Every diagnosis in claim order: the Encounter's, then those only the administrations name. */
  claimOrder(): string[];
}

export function indexDiagnoses(input: EncounterInput): DiagnosisIndex {
  const encounterRef = `Encounter/${input.encounter.id ?? ''}`;
  const byId = new Map<string, Condition>();
  for (const c of input.conditions) if (c?.id) byId.set(`Condition/${c.id}`, c);
  const usable = (c: Condition | undefined): string[] => {
    if (!c) return [];
    const v = c.verificationStatus?.coding?.[0]?.code;
    if (v === 'entered-in-error' || v === 'refuted') return [];
    return codesOf(c.code, SYSTEMS.icd10cm);
  };
  const ranked = [...(Array.isArray(input.encounter.diagnosis) ? input.encounter.diagnosis : [])].sort(
    (a, b) => (a?.rank ?? 99) - (b?.rank ?? 99),
  );
  const encounterCodes: string[] = [];
  for (const d of ranked) {
    const ref = localRef(d?.condition);
    encounterCodes.push(...usable(ref ? byId.get(ref) : undefined));
  }
  for (const c of [...input.conditions].sort(compareIds))
    if (localRef(c?.encounter) === encounterRef) encounterCodes.push(...usable(c));
  const unique = (xs: string[]) => [...new Set(xs)];
  const adminCodes: string[] = [];
  return {
    forAdministration(admin) {
      const own: string[] = [];
      for (const r of Array.isArray(admin.reasonReference) ? admin.reasonReference : []) {
        const ref = localRef(r);
        own.push(...usable(ref ? byId.get(ref) : undefined));
      }
      for (const rc of Array.isArray(admin.reasonCode) ? admin.reasonCode : [])
        own.push(...codesOf(rc, SYSTEMS.icd10cm));
      adminCodes.push(...own);
      return unique([...own, ...encounterCodes]);
    },
    claimOrder: () => unique([...encounterCodes, ...adminCodes]),
  };
}
