/**
 * The encounters of claim-settings.test.ts, shaped as EHRs send them (UTC instants, a contained
 * or coded medication with its NDC, performer and order references), one per billing setting.
 * NDCs from the CMS ASP NDC-HCPCS crosswalk (asp-crosswalk-2025q1.csv): Remicade 57894-0030-01
 * (J1745, 100 mg vial), Herceptin 50242-0132-01 (J9355, 150 mg single-dose vial), Fresenius
 * methylprednisolone sodium succinate 125 mg/2 mL 63323-0258-01 (J2919).
 */
import type {
  Condition,
  Coverage,
  Encounter,
  Location,
  MedicationAdministration,
  MedicationRequest,
  Organization,
  Patient,
  Practitioner,
  Resource,
} from '@medplum/fhirtypes';
import { admin, qty } from '../support/build.ts';
import { SYSTEMS } from '../../src/domain/vocabulary.ts';

export interface SettingScenario {
  readonly encounterId: string;
  readonly resources: readonly Resource[];
}

const PATIENT = 'Patient/pat-claims';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';

const NDC = { remicade: '57894003001', herceptin: '50242013201', mps125: '63323025801' } as const;

function shared(): Resource[] {
  const org = (id: string, name: string): Organization => ({ resourceType: 'Organization', id, name });
  const doc = (id: string, family: string): Practitioner => ({
    resourceType: 'Practitioner',
    id,
    name: [{ family, given: ['Test'] }],
  });
  const patient: Patient = {
    resourceType: 'Patient',
    id: 'pat-claims',
    name: [{ family: 'Claims', given: ['Test'] }],
  };
  const coverage: Coverage = {
    resourceType: 'Coverage',
    id: 'cov-claims-medicare',
    status: 'active',
    type: { coding: [{ system: SYSTEMS.sopt, code: '1' }] },
    beneficiary: { reference: PATIENT },
    payor: [{ reference: 'Organization/payer-medicare' }],
    period: { start: '2020-01-01' },
  };
  const location: Location = { resourceType: 'Location', id: 'infusion-center', name: 'Infusion center' };
  return [
    patient,
    coverage,
    location,
    org('payer-medicare', 'Medicare Part B (test MAC)'),
    org('org-hospital', 'Claims Test Hospital'),
    org('org-cah', 'Claims Test CAH'),
    org('org-office', 'Claims Test Rheumatology Office'),
    org('org-rhc', 'Claims Test RHC'),
    org('org-fqhc', 'Claims Test FQHC'),
    doc('dr-attending', 'Attending'),
    doc('dr-oncology', 'Oncology'),
    doc('dr-gastro', 'Gastroenterology'),
    doc('dr-rheum', 'Rheumatology'),
    doc('rn-infusion', 'Nurse'),
  ];
}

function encounter(
  id: string,
  cls: string,
  org: string,
  period: { start: string; end?: string },
  extra: Partial<Encounter> = {},
): Encounter {
  return {
    resourceType: 'Encounter',
    id,
    status: 'finished',
    class: { system: SYSTEMS.actCode, code: cls },
    subject: { reference: PATIENT },
    period,
    serviceProvider: { reference: `Organization/${org}` },
    diagnosis: [{ condition: { reference: `Condition/${id}-dx` }, rank: 1 }],
    ...extra,
  };
}

function diagnosis(encounterId: string, icd10: string, id = `${encounterId}-dx`): Condition {
  return {
    resourceType: 'Condition',
    id,
    subject: { reference: PATIENT },
    encounter: { reference: `Encounter/${encounterId}` },
    code: { coding: [{ system: SYSTEMS.icd10cm, code: icd10 }] },
  };
}

function given(
  id: string,
  encounterId: string,
  ndc: string,
  doseMg: number,
  at: string,
  opts: { opened?: number; discardedMg?: number; performer?: string; request?: string; reason?: string } = {},
): MedicationAdministration {
  const ma = admin({
    id,
    ndc,
    dose: qty(doseMg, 'mg'),
    at,
    context: `Encounter/${encounterId}`,
    subject: PATIENT,
    performer: opts.performer ?? 'Practitioner/rn-infusion',
    ...(opts.opened !== undefined ? { opened: opts.opened } : {}),
    ...(opts.discardedMg !== undefined ? { discarded: { value: opts.discardedMg, unit: 'mg' } } : {}),
    ...(opts.reason ? { reasonReference: [opts.reason] } : {}),
  });
  return opts.request ? { ...ma, request: { reference: opts.request } } : ma;
}

function order(id: string, encounterId: string, ndc: string, requester: string): MedicationRequest {
  return {
    resourceType: 'MedicationRequest',
    id,
    status: 'completed',
    intent: 'order',
    subject: { reference: PATIENT },
    encounter: { reference: `Encounter/${encounterId}` },
    medicationCodeableConcept: { coding: [{ system: SYSTEMS.ndc, code: ndc }] },
    requester: { reference: requester },
  };
}

/** A methylprednisolone sodium succinate 125 mg visit (J2919 x25) in a setting. */
function methylpred(id: string, cls: string, org: string, at: string): SettingScenario {
  return {
    encounterId: id,
    resources: [
      ...shared(),
      encounter(id, cls, org, { start: at, end: at.replace('T15', 'T17') }),
      diagnosis(id, 'J45.901'),
      given(`${id}-ma`, id, NDC.mps125, 125, at, { opened: 1, discardedMg: 0 }),
    ],
  };
}

export function settingScenarios() {
  const hopd = 'enc-claims-hopd';
  const inpatient = 'enc-claims-ip';
  const office = 'enc-claims-office';
  return {
    /** An infusion-clinic visit (class AMB) at the hospital: hospital outpatient, not an office. */
    hospitalOutpatient: {
      encounterId: hopd,
      resources: [
        ...shared(),
        encounter(
          hopd,
          'AMB',
          'org-hospital',
          { start: '2025-03-10T14:00:00Z', end: '2025-03-10T19:30:00Z' },
          {
            participant: [
              {
                type: [{ coding: [{ system: PARTICIPATION, code: 'ATND' }] }],
                individual: { reference: 'Practitioner/dr-attending' },
              },
            ],
            location: [{ location: { reference: 'Location/infusion-center' }, status: 'completed' }],
            diagnosis: [
              { condition: { reference: `Condition/${hopd}-dx` }, rank: 1 },
              { condition: { reference: `Condition/${hopd}-crohn` }, rank: 2 },
            ],
          },
        ),
        diagnosis(hopd, 'C50.911'),
        diagnosis(hopd, 'K50.90', `${hopd}-crohn`),
        order('mr-hopd-remicade', hopd, NDC.remicade, 'Practitioner/dr-gastro'),
        order('mr-hopd-herceptin', hopd, NDC.herceptin, 'Practitioner/dr-oncology'),
        given('ma-hopd-remicade', hopd, NDC.remicade, 350, '2025-03-10T14:30:00Z', {
          opened: 4,
          discardedMg: 50,
          request: 'MedicationRequest/mr-hopd-remicade',
          reason: `Condition/${hopd}-crohn`,
        }),
        given('ma-hopd-herceptin', hopd, NDC.herceptin, 300, '2025-03-10T17:00:00Z', {
          opened: 2,
          discardedMg: 0,
          request: 'MedicationRequest/mr-hopd-herceptin',
          reason: `Condition/${hopd}-dx`,
        }),
        given('ma-hopd-mps', hopd, NDC.mps125, 125, '2025-03-10T14:10:00Z', { opened: 1, discardedMg: 0 }),
      ],
    },
    /** Admitted 2025-03-09 22:30 Chicago time (03:30Z on the 10th), discharged on the 12th. */
    inpatient: {
      encounterId: inpatient,
      resources: [
        ...shared(),
        encounter(inpatient, 'IMP', 'org-hospital', {
          start: '2025-03-10T03:30:00Z',
          end: '2025-03-12T17:00:00Z',
        }),
        diagnosis(inpatient, 'J44.1'),
        given(`${inpatient}-ma`, inpatient, NDC.mps125, 125, '2025-03-10T05:00:00Z', {
          opened: 1,
          discardedMg: 0,
        }),
      ],
    },
    cah: methylpred('enc-claims-cah', 'EMER', 'org-cah', '2025-03-10T15:00:00Z'),
    /** Infliximab 400 mg from four full vials in a rheumatology office (New York). */
    office: {
      encounterId: office,
      resources: [
        ...shared(),
        encounter(office, 'AMB', 'org-office', {
          start: '2025-03-10T14:00:00Z',
          end: '2025-03-10T17:00:00Z',
        }),
        diagnosis(office, 'M05.79'),
        given(`${office}-ma`, office, NDC.remicade, 400, '2025-03-10T14:30:00Z', {
          opened: 4,
          discardedMg: 0,
          performer: 'Practitioner/dr-rheum',
        }),
      ],
    },
    rhc: methylpred('enc-claims-rhc', 'AMB', 'org-rhc', '2025-03-10T15:00:00Z'),
    fqhc: methylpred('enc-claims-fqhc', 'AMB', 'org-fqhc', '2025-03-10T15:00:00Z'),
  } satisfies Record<string, SettingScenario>;
}
