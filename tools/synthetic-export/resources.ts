/**
 * The FHIR resources of the synthetic export: a small formulary, and per encounter the patient,
 * the Encounter, its Coverage and Condition, the administrations as documented and the charges or
 * Claim as posted (plans.ts). Plainly synthetic: "Synthetic Patient 000123", and every resource
 * carries the HTEST tag and the vialwise `synthetic` tag.
 */
import type {
  ChargeItem,
  Claim,
  Condition,
  Coverage,
  Encounter,
  Medication,
  MedicationAdministration,
  Organization,
  Patient,
  Practitioner,
  Resource,
} from '@medplum/fhirtypes';
import { addDays } from '../../src/audit/range.ts';
import { CLAIM_DRAFT_SID, EXT, SYSTEMS } from '../../src/domain/vocabulary.ts';
import { MEDS, mg, mL, ROUTE_IV, TZ, type Plan } from './plans.ts';

export const SYNTHETIC_TAGS = [
  {
    system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
    code: 'HTEST',
    display: 'test health data',
  },
  {
    system: 'https://vialwise.dev/fhir/CodeSystem/data-origin',
    code: 'synthetic',
    display: 'Synthetic data (vialwise synthetic-export)',
  },
];

const meta = { tag: SYNTHETIC_TAGS };
const PERFORMER = [{ actor: { reference: 'Practitioner/syn-rn-1', display: 'Synthetic Nurse 1' } }];

/**
 * A formulary entry: the NDC of the package scanned at the bedside, its text, its strength and
 * whether it is single- or multi-dose (the `container-use` extension: CMS files do not say, and
 * the engine falls back on it when the catalog cannot).
 */
function ndcMedication(
  id: string,
  ndc: string,
  text: string,
  use: 'single-dose' | 'multi-dose',
  amount: { mg: number; mL: number },
): Medication {
  return {
    resourceType: 'Medication',
    id,
    meta,
    code: { coding: [{ system: SYSTEMS.ndc, code: ndc, display: text }], text },
    extension: [{ url: EXT.containerUse, valueCode: use }],
    amount: { numerator: mg(amount.mg), denominator: mL(amount.mL) },
  };
}

export function sharedResources(): Resource[] {
  const orgs: Organization[] = [
    {
      resourceType: 'Organization',
      id: 'syn-org-hospital',
      meta,
      name: 'Synthetic Hospital (vialwise synthetic-export)',
    },
    { resourceType: 'Organization', id: 'syn-payer-medicare', meta, name: 'Synthetic Medicare payer' },
    { resourceType: 'Organization', id: 'syn-payer-medicaid', meta, name: 'Synthetic Medicaid payer' },
  ];
  const nurse: Practitioner = {
    resourceType: 'Practitioner',
    id: 'syn-rn-1',
    meta,
    name: [{ family: 'Nurse 1', given: ['Synthetic'], text: 'Synthetic Nurse 1' }],
  };
  // NDCs as listed in asp-crosswalk-2026q1.csv (Remicade 57894-0030-01, Depo-Medrol 00009-0306-02) or the unit-of-use vial of a listed package (63323-0258-03 -> -01,
  // 00143-9753-25 -> -01).
  const meds: Medication[] = [
    ndcMedication(
      MEDS.remicade,
      '57894-0030-01',
      'Remicade (infliximab) 100 mg single-dose vial',
      'single-dose',
      { mg: 100, mL: 10 },
    ),
    ndcMedication(
      MEDS.mp125,
      '63323-0258-01',
      'Methylprednisolone sodium succinate 125 mg/2 mL single-dose vial',
      'single-dose',
      { mg: 125, mL: 2 },
    ),
    ndcMedication(
      MEDS.mp40,
      '00143-9753-01',
      'Methylprednisolone sodium succinate 40 mg/1 mL single-dose vial',
      'single-dose',
      { mg: 40, mL: 1 },
    ),
    ndcMedication(
      MEDS.depoMedrol,
      '00009-0306-02',
      'Depo-Medrol (methylprednisolone acetate) 400 mg/5 mL multi-dose vial',
      'multi-dose',
      { mg: 400, mL: 5 },
    ),
  ];
  return [...orgs, nurse, ...meds];
}

function hcpcs(code: string, modifier?: string) {
  return {
    coding: [
      { system: SYSTEMS.hcpcs, code },
      ...(modifier ? [{ system: SYSTEMS.hcpcs, code: modifier }] : []),
    ],
  };
}

export function resourcesFor(n: string, p: Plan, day: string): Resource[] {
  const pat = `Patient/syn-pat-${n}`;
  const enc = `Encounter/syn-enc-${n}`;
  const cond = `Condition/syn-cond-${n}`;
  const last = addDays(day, p.days - 1);
  const out: Resource[] = [];
  const patient: Patient = {
    resourceType: 'Patient',
    id: `syn-pat-${n}`,
    meta,
    name: [{ family: `Patient ${n}`, given: ['Synthetic'], text: `Synthetic Patient ${n}` }],
    gender: 'unknown',
    birthDate: `${1940 + (Number(n) % 50)}-01-01`,
  };
  const encounter: Encounter = {
    resourceType: 'Encounter',
    id: `syn-enc-${n}`,
    meta,
    status: 'finished',
    class: { system: SYSTEMS.actCode, code: p.encounterClass },
    subject: { reference: pat },
    period: { start: `${day}T07:30:00${TZ}`, end: `${last}T23:00:00${TZ}` },
    serviceProvider: { reference: 'Organization/syn-org-hospital' },
    ...(p.diagnosis ? { diagnosis: [{ condition: { reference: cond }, rank: 1 }] } : {}),
  };
  const coverage: Coverage = {
    resourceType: 'Coverage',
    id: `syn-cov-${n}`,
    meta,
    status: 'active',
    type: {
      coding: [
        { system: SYSTEMS.sopt, code: p.payer === 'medicare' ? '1' : '2', display: p.payer.toUpperCase() },
      ],
    },
    beneficiary: { reference: pat },
    period: { start: `${day.slice(0, 4)}-01-01`, end: `${day.slice(0, 4)}-12-31` },
    payor: [{ reference: `Organization/syn-payer-${p.payer}` }],
  };
  out.push(patient, encounter, coverage);
  if (p.diagnosis) {
    const condition: Condition = {
      resourceType: 'Condition',
      id: `syn-cond-${n}`,
      meta,
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
      },
      verificationStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }],
      },
      code: { coding: [{ system: SYSTEMS.icd10cm, code: p.icd[0], display: p.icd[1] }], text: p.icd[1] },
      subject: { reference: pat },
      encounter: { reference: enc },
    };
    out.push(condition);
  }
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const adminRef = (i: number) => `MedicationAdministration/syn-ma-${n}-${letters[i] ?? String(i)}`;
  p.doses.forEach((d, i) => {
    const extension = [
      ...(d.discarded ? [{ url: EXT.discardedAmount, valueQuantity: d.discarded }] : []),
      ...(d.opened !== undefined ? [{ url: EXT.containersOpened, valueInteger: d.opened }] : []),
    ];
    const admin: MedicationAdministration = {
      resourceType: 'MedicationAdministration',
      id: adminRef(i).slice('MedicationAdministration/'.length),
      meta,
      ...(d.contained ? { contained: [d.contained] } : {}),
      status: d.status ?? 'completed',
      ...(d.med ? { medicationReference: { reference: `Medication/${d.med}` } } : {}),
      ...(d.contained ? { medicationReference: { reference: '#med' } } : {}),
      ...(d.concept ? { medicationCodeableConcept: { text: d.concept } } : {}),
      subject: { reference: pat },
      context: { reference: enc },
      ...(d.end ? { effectivePeriod: { start: d.at, end: d.end } } : { effectiveDateTime: d.at }),
      performer: PERFORMER,
      ...(p.diagnosis ? { reasonReference: [{ reference: cond }] } : {}),
      dosage: {
        ...(extension.length ? { extension } : {}),
        route: d.route ?? ROUTE_IV,
        ...(d.dose ? { dose: d.dose } : {}),
      },
    };
    out.push(admin);
  });
  const dosDate = (doses: readonly number[]) => p.doses[doses[0] ?? 0]?.at ?? `${day}T12:00:00${TZ}`;
  p.posted.forEach((c, i) => {
    const charge: ChargeItem = {
      resourceType: 'ChargeItem',
      id: `syn-ci-${n}-${i + 1}`,
      meta,
      status: 'billable',
      code: hcpcs(c.code, c.modifier),
      subject: { reference: pat },
      context: { reference: enc },
      occurrenceDateTime: dosDate(c.doses),
      quantity: { value: c.units },
      service: c.doses.map((d) => ({ reference: adminRef(d) })),
    };
    out.push(charge);
  });
  if (p.submittedClaim) {
    const claim: Claim = {
      resourceType: 'Claim',
      id: `syn-claim-${n}`,
      meta,
      identifier: [{ system: CLAIM_DRAFT_SID, value: enc }],
      status: 'active',
      type: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }],
      },
      use: 'claim',
      patient: { reference: pat },
      created: `${last}T23:30:00${TZ}`,
      provider: { reference: 'Organization/syn-org-hospital' },
      priority: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }],
      },
      insurance: [{ sequence: 1, focal: true, coverage: { reference: `Coverage/syn-cov-${n}` } }],
      item: p.submittedClaim.map((c, i) => ({
        sequence: i + 1,
        extension: c.doses.map((d) => ({
          url: EXT.sourceAdministration,
          valueReference: { reference: adminRef(d) },
        })),
        productOrService: hcpcs(c.code),
        ...(c.modifier ? { modifier: [hcpcs(c.modifier)] } : {}),
        quantity: { value: c.units },
        servicedDate: dosDate(c.doses).slice(0, 10),
        encounter: [{ reference: enc }],
      })),
    };
    out.push(claim);
  }
  return out;
}
