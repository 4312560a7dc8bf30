/**
 * Diagnoses linked to the Encounter (Encounter.diagnosis by rank, then Conditions whose
 * `encounter` is it) and to each administration (reasonReference, reasonCode). Refuted or
 * entered-in-error Conditions do not count.
 */
import type { Condition, MedicationAdministration } from '@medplum/fhirtypes';
import type { EncounterInput } from '../domain/input.ts';
import { codesOf, localRef } from '../domain/fhir-values.ts';
import { SYSTEMS } from '../domain/vocabulary.ts';
import { sortedById } from './context.ts';

export interface DiagnosisIndex {
  /** The administration's own diagnoses, then the Encounter's (ICD-10-CM, unique). */
  forAdministration(admin: MedicationAdministration): string[];
  /** Every diagnosis in claim order: the Encounter's, then those only the administrations name. */
  claimOrder(): string[];
  /**
   * End stage renal disease on dialysis is documented: ICD-10-CM N18.6 (end stage renal disease)
   * together with Z99.2 (dependence on renal dialysis), on the Encounter or any administration
   * (docs/billing-rules.md, "ESRD on dialysis").
   */
  esrdOnDialysis(): boolean;
}

/** ICD-10-CM N18.6, end stage renal disease. */
const ESRD = 'N186';
/** ICD-10-CM Z99.2, dependence on renal dialysis. */
const DIALYSIS = 'Z992';

/** An ICD-10-CM code as compared: upper case, without its dot (EHRs send both N18.6 and N186). */
function bare(code: string): string {
  return code.replace('.', '').trim().toUpperCase();
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
  /** An administration's own diagnoses: its reasonReference Conditions and reasonCode. */
  const ownCodes = (admin: MedicationAdministration | undefined): string[] => {
    const own: string[] = [];
    for (const r of Array.isArray(admin?.reasonReference) ? admin.reasonReference : []) {
      const ref = localRef(r);
      own.push(...usable(ref ? byId.get(ref) : undefined));
    }
    for (const rc of Array.isArray(admin?.reasonCode) ? admin.reasonCode : [])
      own.push(...codesOf(rc, SYSTEMS.icd10cm));
    return own;
  };
  for (const d of ranked) {
    const ref = localRef(d?.condition);
    encounterCodes.push(...usable(ref ? byId.get(ref) : undefined));
  }
  for (const c of sortedById(input.conditions))
    if (localRef(c?.encounter) === encounterRef) encounterCodes.push(...usable(c));
  const unique = (xs: string[]) => [...new Set(xs)];
  const adminCodes: string[] = [];
  let onDialysis: boolean | undefined;
  let encounterOnly: string[] | undefined;
  return {
    esrdOnDialysis() {
      if (onDialysis === undefined) {
        const documented = new Set(encounterCodes.map(bare));
        for (const a of input.administrations) for (const c of ownCodes(a)) documented.add(bare(c));
        onDialysis = documented.has(ESRD) && documented.has(DIALYSIS);
      }
      return onDialysis;
    },
    forAdministration(admin) {
      const own = ownCodes(admin);
      if (own.length === 0) return (encounterOnly ??= unique(encounterCodes));
      adminCodes.push(...own);
      return unique([...own, ...encounterCodes]);
    },
    claimOrder: () => unique([...encounterCodes, ...adminCodes]),
  };
}
