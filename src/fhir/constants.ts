/** Identifier systems, URLs and code systems vialwise writes (SPEC sections 3 and 6). */
/** A FHIR resource id (R4 `id` datatype). */
export const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

export const CLAIM_DRAFT_SID = 'https://vialwise.dev/fhir/sid/claim-draft';
export const GAP_SID = 'https://vialwise.dev/fhir/sid/documentation-gap';
export const DEVICE_SID = 'https://vialwise.dev/fhir/sid/device';
export const DEVICE_IDENTIFIER_VALUE = 'vialwise';
export const MITIGATION_CODE_SYSTEM = 'https://vialwise.dev/fhir/CodeSystem/gap-mitigation';
export const CLAIM_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/claim-type';
export const PROCESS_PRIORITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/processpriority';
export const POS_SYSTEM =
  'https://www.cms.gov/Medicare/Coding/place-of-service-codes/Place_of_Service_Code_Set';
/** NDC unit qualifiers (837 CTP05-01): no published FHIR code system exists, so vialwise defines one. */
export const NDC_UNIT_QUALIFIER_SYSTEM = 'https://vialwise.dev/fhir/CodeSystem/ndc-unit-qualifier';
export const MEDPLUM_SECRET_EXT = 'https://www.medplum.com/fhir/StructureDefinition/subscription-secret';

/**
 * Place of service per encounter class, from the CMS Place of Service Code Set:
 * 23 emergency room - hospital, 21 inpatient hospital, 22 on-campus outpatient hospital
 * (observation and short stays), 11 office, 02 telehealth other than the patient's home,
 * 12 home.
 */
export const PLACE_OF_SERVICE: Readonly<Record<string, string>> = {
  EMER: '23',
  IMP: '21',
  OBSENC: '22',
  SS: '22',
  AMB: '11',
  VR: '02',
  HH: '12',
};
