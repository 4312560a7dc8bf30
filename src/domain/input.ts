/** What the engine needs to evaluate one Encounter, as FHIR resources (docs/billing-rules.md). */
import type {
  ChargeItem,
  Claim,
  ClaimResponse,
  Condition,
  Coverage,
  Encounter,
  Medication,
  MedicationAdministration,
  MedicationRequest,
  Observation,
} from '@medplum/fhirtypes';

export interface EncounterInput {
  readonly encounter: Encounter;
  /** Administrations whose `context` is the Encounter (others in the list are ignored or flagged). */
  readonly administrations: readonly MedicationAdministration[];
  /** Medications referenced as `Medication/<id>` (contained ones are read from the administration). */
  readonly medications: readonly Medication[];
  readonly conditions: readonly Condition[];
  readonly coverages: readonly Coverage[];
  /** ClaimResponses with `use = preauthorization`. */
  readonly priorAuthorizations: readonly ClaimResponse[];
  /** Body-weight Observations (LOINC 29463-7) of the patient. */
  readonly bodyWeights: readonly Observation[];
  /** ChargeItems with `context` = the Encounter, posted by the billing system. */
  readonly chargeItems: readonly ChargeItem[];
  /** Claims carrying the draft identifier for this Encounter (draft or already submitted). */
  readonly claims: readonly Claim[];
  /** The Encounter's MedicationRequests, when read: who ordered the drugs (the Claim's care team). */
  readonly medicationRequests?: readonly MedicationRequest[];
}
