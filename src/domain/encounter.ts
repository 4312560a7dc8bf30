/**
 * Encounter settings: the v3 ActCode class of an Encounter and what it means for a claim.
 */
import type { Encounter } from '@medplum/fhirtypes';

const ENCOUNTER_CLASSES_INSTITUTIONAL = new Set(['EMER', 'IMP', 'OBSENC', 'SS']);

/** The v3 ActCode of the Encounter's class (AMB, EMER, IMP, OBSENC, SS, VR). */
export function encounterClassOf(encounter: Encounter): string | undefined {
  const c = encounter.class;
  return typeof c?.code === 'string' ? c.code : undefined;
}

export function isInstitutional(encounterClass: string | undefined): boolean {
  return encounterClass !== undefined && ENCOUNTER_CLASSES_INSTITUTIONAL.has(encounterClass);
}

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
