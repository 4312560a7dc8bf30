/**
 * The billing facility (who bills, in which payment system, in which time zone). The setting
 * decides the claim type and whether a drug line is separately payable, hence whether JW/JZ
 * apply; a 340B covered entity adds JG or TB to its separately payable drug lines
 * (docs/billing-rules.md, "Settings").
 */
import type { Encounter } from '@medplum/fhirtypes';
import { encounterClassOf } from './encounter.ts';
import { localRef } from './fhir-values.ts';

export const FACILITY_SETTINGS = [
  'hospital-outpatient',
  'critical-access-hospital',
  'physician-office',
  'asc',
  'rhc',
  'fqhc',
] as const;

export type FacilitySetting = (typeof FACILITY_SETTINGS)[number];

/** The 340B modifier the facility reports: JG, or TB for the entities CMS exempts from the payment cut. */
export type Program340B = 'JG' | 'TB';

export interface Facility {
  readonly setting: FacilitySetting;
  /** IANA time zone the dates of service are counted in; unset: the date as written. */
  readonly timeZone?: string;
  readonly program340B: Program340B | null;
}

/** The facility billing an Encounter, from its serviceProvider (`Organization/<id>`, undefined when none). */
export type FacilityResolver = (serviceProvider: string | undefined) => Facility;

export const DEFAULT_FACILITY: Facility = Object.freeze({
  setting: 'hospital-outpatient',
  program340B: null,
});

/** One resolver over a default and per-Organization entries. */
export function facilityResolver(
  defaults: Facility,
  byOrganization: ReadonlyMap<string, Facility> = new Map(),
): FacilityResolver {
  return (serviceProvider) => (serviceProvider && byOrganization.get(serviceProvider)) || defaults;
}

/** Where one Encounter is billed: its facility, and whether it is an inpatient stay at a hospital. */
export interface BillingSetting {
  /** `Organization/<id>` of the Encounter's serviceProvider, when it names one. */
  readonly organization?: string;
  readonly setting: FacilitySetting;
  /**
   * An inpatient stay (Encounter.class IMP, or its specialisations ACUTE and NONAC) at a
   * hospital or CAH: Part A pays the stay and its drugs (IPPS), the claim is type of bill 011x.
   */
  readonly inpatient: boolean;
  readonly timeZone?: string;
  readonly program340B: Program340B | null;
}

const INPATIENT_CLASSES = new Set(['IMP', 'ACUTE', 'NONAC']);
const HOSPITALS = new Set<FacilitySetting>(['hospital-outpatient', 'critical-access-hospital']);

export function billingSetting(encounter: Encounter, resolve: FacilityResolver): BillingSetting {
  const organization = localRef(encounter.serviceProvider);
  const facility = resolve(organization?.startsWith('Organization/') ? organization : undefined);
  const cls = encounterClassOf(encounter);
  return {
    ...(organization ? { organization } : {}),
    setting: facility.setting,
    inpatient: cls !== undefined && INPATIENT_CLASSES.has(cls) && HOSPITALS.has(facility.setting),
    ...(facility.timeZone ? { timeZone: facility.timeZone } : {}),
    program340B: facility.program340B,
  };
}
