/**
 * Every system, extension and identifier URL vialwise reads or writes, in one place: the code
 * systems of the data it reads, the project's own extensions (canonical base
 * `https://vialwise.dev/fhir`), and the identifiers of what it writes.
 */

export const SYSTEMS = {
  ndc: 'http://hl7.org/fhir/sid/ndc',
  rxnorm: 'http://www.nlm.nih.gov/research/umls/rxnorm',
  hcpcs: 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets',
  icd10cm: 'http://hl7.org/fhir/sid/icd-10-cm',
  loinc: 'http://loinc.org',
  sopt: 'https://nahdo.org/sopt',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  ucum: 'http://unitsofmeasure.org',
} as const;

/**
 * The same code systems under other names: the HL7 OIDs of NDC (2.16.840.1.113883.6.69), RxNorm
 * (2.16.840.1.113883.6.88) and HCPCS (2.16.840.1.113883.6.285), which C-CDA-derived FHIR exports
 * (Epic, Oracle Health) send as `urn:oid:` systems (HL7 Terminology NamingSystem v3-ndc,
 * v3-rxNorm and hcpcs-Level-II give each OID beside its URL). Compare with `canonicalSystem`.
 */
export const SYSTEM_ALIASES: Readonly<Record<string, string>> = {
  'urn:oid:2.16.840.1.113883.6.69': SYSTEMS.ndc,
  'urn:oid:2.16.840.1.113883.6.88': SYSTEMS.rxnorm,
  'urn:oid:2.16.840.1.113883.6.285': SYSTEMS.hcpcs,
};

/** The canonical URL of a code system written under one of its other names, else itself. */
export function canonicalSystem(system: string | undefined): string | undefined {
  return system === undefined ? undefined : (SYSTEM_ALIASES[system] ?? system);
}

export const EXT = {
  discardedAmount: 'https://vialwise.dev/fhir/StructureDefinition/discarded-amount',
  containersOpened: 'https://vialwise.dev/fhir/StructureDefinition/containers-opened',
  containerUse: 'https://vialwise.dev/fhir/StructureDefinition/container-use',
  sourceAdministration: 'https://vialwise.dev/fhir/StructureDefinition/source-administration',
  revenueAtRisk: 'https://vialwise.dev/fhir/StructureDefinition/revenue-at-risk',
} as const;

export const BODY_WEIGHT_LOINC = '29463-7';

/**
 * A FHIR resource id (R4 `id` datatype: http://hl7.org/fhir/R4/datatypes.html#id), with at least
 * one letter or digit: ids made only of dots and dashes are valid R4 but, in a URL path, `.` and
 * `..` address the base or its parent instead of a resource.
 */
export const FHIR_ID = /^(?=[^A-Za-z0-9]*[A-Za-z0-9])[A-Za-z0-9\-.]{1,64}$/;

export const CLAIM_DRAFT_SID = 'https://vialwise.dev/fhir/sid/claim-draft';
export const GAP_CODE_SYSTEM = 'https://vialwise.dev/fhir/CodeSystem/documentation-gap';
export const GAP_SID = 'https://vialwise.dev/fhir/sid/documentation-gap';
export const DEVICE_SID = 'https://vialwise.dev/fhir/sid/device';
export const DEVICE_IDENTIFIER_VALUE = 'vialwise';
export const MITIGATION_CODE_SYSTEM = 'https://vialwise.dev/fhir/CodeSystem/gap-mitigation';
/** The Task that assigns a documentation gap to a person (one per gap; docs/ui.md, "Assignment"). */
export const GAP_TASK_SID = 'https://vialwise.dev/fhir/sid/gap-assignment';
export const GAP_TASK_CODE_SYSTEM = 'https://vialwise.dev/fhir/CodeSystem/gap-task';
/** The work queues of the gap registry (`queue` in src/domain/gaps.ts). */
export const GAP_QUEUE_SYSTEM = 'https://vialwise.dev/fhir/CodeSystem/gap-queue';
export const CLAIM_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/claim-type';
export const PROCESS_PRIORITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/processpriority';
export const POS_SYSTEM =
  'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set';
/** NDC unit qualifiers (837 CTP05-01): no published FHIR code system exists, so vialwise defines one. */
export const NDC_UNIT_QUALIFIER_SYSTEM = 'https://vialwise.dev/fhir/CodeSystem/ndc-unit-qualifier';
export const MEDPLUM_SECRET_EXT = 'https://www.medplum.com/fhir/StructureDefinition/subscription-secret';
/** On vialwise's Subscriptions: tells whether the webhook secret changed without revealing it. */
export const SECRET_FINGERPRINT_EXT =
  'https://vialwise.dev/fhir/StructureDefinition/webhook-secret-fingerprint';
