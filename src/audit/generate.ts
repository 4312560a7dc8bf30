/**
 * `vialwise audit generate`: a synthetic Bulk Data style export (one NDJSON file per resource
 * type) of N encounters whose audit results are KNOWN, for tests and benchmarks.
 *
 * Every encounter is one of the scenarios below; each scenario's expected contribution (lines,
 * units, JW, what was posted wrong, which gap with what revenue at risk) was computed by hand
 * from SPEC sections 4 and 5 and BILLING.md, like the golden cases, never from engine output.
 * `answers.json` adds them up. The data are clearly synthetic: patients are named
 * "Synthetic Patient 000123", and every resource carries the HTEST tag and a vialwise
 * `synthetic` tag. Prices come from the generator's own ILLUSTRATIVE price file.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
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
import type { GapCode } from '../domain/gaps.ts';
import { addDays, daysIn, type DateRange } from './range.ts';
import { CLAIM_DRAFT_SID, EXT, SYSTEMS } from '../domain/vocabulary.ts';

export const DEFAULT_GENERATED_RANGE: DateRange = { since: '2026-07-01', until: '2026-09-30' };
export const PRICE_FILE = 'prices-illustrative.json';

/** Illustrative payment limits per unit, in cents, for the generated quarter (not CMS limits). */
const PRICE_CENTS: Readonly<Record<string, number>> = {
  J2919: 26,
  J1250: 1240,
  J1010: 20,
  J1745: 3860,
  J1100: 10,
};
/** J2919 (5 mg) x 25: a 125 mg vial of methylprednisolone sodium succinate. */
const J2919_25 = 25 * PRICE_CENTS.J2919!;

export const SYNTHETIC_TAGS = [
  {
    system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
    code: 'HTEST',
    display: 'test health data',
  },
  {
    system: 'https://vialwise.dev/fhir/CodeSystem/data-origin',
    code: 'synthetic',
    display: 'Synthetic data (vialwise audit generate)',
  },
];

// ---------------------------------------------------------------------------------------------
// What each scenario must produce (hand-computed; cents at the illustrative prices above).

export interface Expected {
  readonly audited: boolean;
  readonly administrations: number;
  readonly lines: number;
  readonly units: number;
  readonly jwUnits: number;
  readonly derivedCents: number;
  readonly missedJwUnits?: number;
  readonly missedJwCents?: number;
  readonly underUnits?: number;
  readonly underCents?: number;
  readonly overUnits?: number;
  readonly overCents?: number;
  readonly wrongCodes?: number;
  readonly missingJz?: number;
  readonly nothingPosted?: boolean;
  readonly postedSource: 'claim' | 'charges' | 'none';
  readonly gaps?: Partial<Record<GapCode, { readonly count: number; readonly cents: number }>>;
}

const J1745_40 = 40 * PRICE_CENTS.J1745!;

/**
 * Infliximab (J1745, 10 mg) from Remicade 100 mg single-dose vials, methylprednisolone sodium
 * succinate (J2919 per 5 mg from 2024-04-01: 25 units a 125 mg vial), dobutamine (J1250 per 250 mg,
 * OPPS SI N: packaged in hospital outpatient stays, no JW) and methylprednisolone acetate (J1010
 * per 1 mg, multi-dose vial). Medicare requires JW and JZ, Medicaid JW and the NDC
 * (catalog/payer-rules.json).
 */
export const SCENARIOS = {
  // 350 mg from 4 x 100 mg, 50 mg discarded: ceil(350/10) = 35; JW floor(400/10) - 35 = 5. Posted 35 + JW 5.
  'clean-jw': {
    weight: 14,
    expect: {
      audited: true,
      administrations: 1,
      lines: 2,
      units: 35,
      jwUnits: 5,
      derivedCents: J1745_40,
      postedSource: 'charges',
    },
  },
  // Same documentation, only the 35 units posted: the 5 JW units are missed ($193.00).
  'jw-not-posted': {
    weight: 9,
    expect: {
      audited: true,
      administrations: 1,
      lines: 2,
      units: 35,
      jwUnits: 5,
      derivedCents: J1745_40,
      postedSource: 'charges',
      missedJwUnits: 5,
      missedJwCents: 5 * 3860,
      gaps: { 'charge-modifier-missing': { count: 1, cents: 5 * 3860 } },
    },
  },
  // Methylprednisolone 125 mg from a 125 mg vial, 0 discarded: J2919-JZ x25; posted without JZ.
  'jz-missing': {
    weight: 7,
    expect: {
      audited: true,
      administrations: 1,
      lines: 1,
      units: 25,
      jwUnits: 0,
      derivedCents: J2919_25,
      postedSource: 'charges',
      missingJz: 1,
      gaps: { 'charge-modifier-missing': { count: 1, cents: 0 } },
    },
  },
  // The same, posted as J1250 (dobutamine): a wrong code, at risk the J2919 line it should have been;
  // J2919 leaves the unit comparison.
  'wrong-code-j1250': {
    weight: 4,
    expect: {
      audited: true,
      administrations: 1,
      lines: 1,
      units: 25,
      jwUnits: 0,
      derivedCents: J2919_25,
      postedSource: 'charges',
      wrongCodes: 1,
      // At risk: what the right line pays (J2919 x25 = $6.50).
      gaps: { 'charge-code-mismatch': { count: 1, cents: J2919_25 } },
    },
  },
  // Infliximab 400 mg from 4 vials, 0 discarded: J1745-JZ x40; 30 posted: 10 under ($386.00).
  'under-billed': {
    weight: 6,
    expect: {
      audited: true,
      administrations: 1,
      lines: 1,
      units: 40,
      jwUnits: 0,
      derivedCents: J1745_40,
      postedSource: 'charges',
      underUnits: 10,
      underCents: 10 * 3860,
      gaps: { 'charge-units-mismatch': { count: 1, cents: 10 * 3860 } },
    },
  },
  // Methylprednisolone 80 mg + 45 discarded from one 125 mg vial: J2919 x16 + JW x9; posted x18 + JW x9.
  'over-billed': {
    weight: 4,
    expect: {
      audited: true,
      administrations: 1,
      lines: 2,
      units: 16,
      jwUnits: 9,
      derivedCents: J2919_25,
      postedSource: 'charges',
      overUnits: 2,
      overCents: 2 * PRICE_CENTS.J2919!,
      gaps: { 'charge-units-mismatch': { count: 1, cents: 0 } },
    },
  },
  // 125 mg, posted right, but no diagnosis anywhere: missing-diagnosis at risk 25 x $0.26.
  'missing-diagnosis': {
    weight: 5,
    expect: {
      audited: true,
      administrations: 1,
      lines: 1,
      units: 25,
      jwUnits: 0,
      derivedCents: J2919_25,
      postedSource: 'charges',
      gaps: { 'missing-diagnosis': { count: 1, cents: J2919_25 } },
    },
  },
  // Infliximab 250 mg, nothing about waste: 3 vials = 300 mg, J1745 x25; floor(300/10) - 25 = 5 JW units at risk.
  'waste-undocumented': {
    weight: 7,
    expect: {
      audited: true,
      administrations: 1,
      lines: 1,
      units: 25,
      jwUnits: 0,
      derivedCents: 25 * 3860,
      postedSource: 'charges',
      gaps: { 'wastage-undocumented': { count: 1, cents: 5 * 3860 } },
    },
  },
  // Dobutamine 2 mg/mL bag at 10 mL/h for 10 h = 200 mg in an observation stay: J1250 x1, packaged
  // (OPPS SI N), so no JW for the 150 mL discarded; nothing posted.
  'nothing-posted': {
    weight: 6,
    expect: {
      audited: true,
      administrations: 1,
      lines: 1,
      units: 1,
      jwUnits: 0,
      derivedCents: 1240,
      postedSource: 'none',
      nothingPosted: true,
      underUnits: 1,
      underCents: 1240,
    },
  },
  // As clean-jw, but a Claim already submitted without the JW line: compared with the Claim.
  'claim-submitted-without-jw': {
    weight: 3,
    expect: {
      audited: true,
      administrations: 1,
      lines: 2,
      units: 35,
      jwUnits: 5,
      derivedCents: J1745_40,
      postedSource: 'claim',
      missedJwUnits: 5,
      missedJwCents: 5 * 3860,
      gaps: { 'claim-already-submitted': { count: 1, cents: 0 } },
    },
  },
  // As jw-not-posted, but given before the range: not audited at all.
  'before-range': {
    weight: 5,
    expect: {
      audited: false,
      administrations: 1,
      lines: 0,
      units: 0,
      jwUnits: 0,
      derivedCents: 0,
      postedSource: 'charges',
    },
  },
  // Oral oxycodone (in no CMS drug file: skipped) and a not-done methylprednisolone: no line, nothing to say.
  'not-billable': {
    weight: 6,
    expect: {
      audited: true,
      administrations: 2,
      lines: 0,
      units: 0,
      jwUnits: 0,
      derivedCents: 0,
      postedSource: 'none',
    },
  },
  // Two 40 mg doses from two 40 mg vials on one day: 80 mg, J2919-JZ x16, posted right.
  'two-doses-one-day': {
    weight: 8,
    expect: {
      audited: true,
      administrations: 2,
      lines: 1,
      units: 16,
      jwUnits: 0,
      derivedCents: 16 * PRICE_CENTS.J2919!,
      postedSource: 'charges',
    },
  },
  // Medicaid, RxNorm only (golden case 06): J2919 x25, no JZ for Medicaid; NDC required: ndc-missing at $6.50.
  'medicaid-ndc-missing': {
    weight: 4,
    expect: {
      audited: true,
      administrations: 1,
      lines: 1,
      units: 25,
      jwUnits: 0,
      derivedCents: J2919_25,
      postedSource: 'charges',
      gaps: { 'ndc-missing': { count: 1, cents: J2919_25 } },
    },
  },
  // Infliximab 400 mg, 0 discarded (J1745-JZ x40), posted J1745 x40 without JZ plus an undocumented JW x5.
  'jw-over-billed': {
    weight: 2,
    expect: {
      audited: true,
      administrations: 1,
      lines: 1,
      units: 40,
      jwUnits: 0,
      derivedCents: J1745_40,
      postedSource: 'charges',
      overUnits: 5,
      overCents: 5 * 3860,
      missingJz: 1,
      gaps: {
        'charge-modifier-missing': { count: 1, cents: 0 },
        'charge-units-mismatch': { count: 1, cents: 0 },
      },
    },
  },
  // Inpatient: 40 mg every 8 h for 3 days from 125 mg vials: 120 mg a day = J2919 x24 per day, no JW/JZ (IMP); posted per day.
  'inpatient-daily': {
    weight: 5,
    expect: {
      audited: true,
      administrations: 9,
      lines: 3,
      units: 72,
      jwUnits: 0,
      derivedCents: 72 * PRICE_CENTS.J2919!,
      postedSource: 'charges',
    },
  },
  // The same stay posted per vial opened (J2919 x25 a dose): 75 a day for 24 derived: 153 units over, one gap per day.
  'inpatient-per-dose': {
    weight: 2,
    expect: {
      audited: true,
      administrations: 9,
      lines: 3,
      units: 72,
      jwUnits: 0,
      derivedCents: 72 * PRICE_CENTS.J2919!,
      postedSource: 'charges',
      overUnits: 153,
      overCents: 153 * PRICE_CENTS.J2919!,
      gaps: { 'charge-units-mismatch': { count: 3, cents: 0 } },
    },
  },
  // Depo-Medrol 1 mL (80 mg/mL) from the multi-dose vial: J1010 x80, no JW/JZ, posted right.
  'depo-medrol-multi-dose': {
    weight: 3,
    expect: {
      audited: true,
      administrations: 1,
      lines: 1,
      units: 80,
      jwUnits: 0,
      derivedCents: 80 * 20,
      postedSource: 'charges',
    },
  },
} as const satisfies Record<string, { weight: number; expect: Expected }>;

export type ScenarioName = keyof typeof SCENARIOS;
const NAMES = Object.keys(SCENARIOS) as ScenarioName[];

// ---------------------------------------------------------------------------------------------
// Answers.

export interface Answers {
  readonly synthetic: true;
  readonly note: string;
  readonly seed: number;
  readonly encounters: number;
  readonly range: DateRange;
  readonly priceFile: string;
  readonly files: Readonly<Record<string, number>>;
  readonly scenarios: Readonly<Record<string, number>>;
  readonly totals: {
    readonly administrationsInExport: number;
    readonly encounters: number;
    readonly administrations: number;
    readonly lines: number;
    readonly derivedUnits: number;
    readonly jwUnits: number;
    readonly derivedValue: number;
    readonly missedJw: { readonly units: number; readonly value: number };
    readonly underBilled: { readonly units: number; readonly value: number };
    readonly overBilled: { readonly units: number; readonly value: number };
    readonly recoverableValue: number;
    readonly wrongCodes: number;
    readonly missingJz: number;
    readonly encountersWithNothingPosted: number;
    readonly gaps: number;
    readonly revenueAtRisk: number;
    readonly gapsByCode: Readonly<Record<string, { readonly count: number; readonly revenueAtRisk: number }>>;
  };
}

// ---------------------------------------------------------------------------------------------
// Resources.

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const meta = { tag: SYNTHETIC_TAGS };
const TZ = '-05:00';
const ROUTE_IV = {
  coding: [{ system: 'http://snomed.info/sct', code: '47625008', display: 'Intravenous route' }],
};
const ROUTE_IA = {
  coding: [{ system: 'http://snomed.info/sct', code: '12130007', display: 'Intra-articular route' }],
};
const PERFORMER = [{ actor: { reference: 'Practitioner/syn-rn-1', display: 'Synthetic Nurse 1' } }];
interface Qty {
  readonly value: number;
  readonly unit: string;
  readonly system: string;
  readonly code: string;
}
const mg = (value: number): Qty => ({ value, unit: 'mg', system: SYSTEMS.ucum, code: 'mg' });
const mL = (value: number): Qty => ({ value, unit: 'mL', system: SYSTEMS.ucum, code: 'mL' });

const MEDS = {
  remicade: 'syn-med-remicade-100',
  mp125: 'syn-med-methylpred-125',
  mp40: 'syn-med-methylpred-40',
  dobutamineBag: 'syn-med-dobutamine-500-bag',
  depoMedrol: 'syn-med-depo-medrol-400',
} as const;

function ndcMedication(id: string, ndc: string, text: string, extra: Partial<Medication> = {}): Medication {
  return {
    resourceType: 'Medication',
    id,
    meta,
    code: { coding: [{ system: SYSTEMS.ndc, code: ndc, display: text }], text },
    ...extra,
  };
}

function sharedResources(): Resource[] {
  const orgs: Organization[] = [
    {
      resourceType: 'Organization',
      id: 'syn-org-hospital',
      meta,
      name: 'Synthetic Hospital (vialwise audit generator)',
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
  const meds: Medication[] = [
    ndcMedication(MEDS.remicade, '57894-0030-01', 'Remicade (infliximab) 100 mg single-dose vial'),
    ndcMedication(
      MEDS.mp125,
      '63323-0258-01',
      'Methylprednisolone sodium succinate 125 mg/2 mL single-dose vial',
    ),
    ndcMedication(
      MEDS.mp40,
      '00143-9753-01',
      'Methylprednisolone sodium succinate 40 mg/1 mL single-dose vial',
    ),
    ndcMedication(
      MEDS.dobutamineBag,
      '0409-0151-01',
      'Dobutamine in 5% dextrose 500 mg/250 mL single-dose bag',
      {
        ingredient: [
          {
            itemCodeableConcept: { text: 'dobutamine hydrochloride' },
            isActive: true,
            strength: { numerator: mg(500), denominator: mL(250) },
          },
        ],
      },
    ),
    ndcMedication(
      MEDS.depoMedrol,
      '00009-0306-02',
      'Depo-Medrol (methylprednisolone acetate) 400 mg/5 mL multi-dose vial',
    ),
  ];
  return [...orgs, nurse, ...meds];
}

interface Dose {
  readonly med?: string;
  readonly contained?: Medication;
  readonly concept?: string;
  readonly status?: MedicationAdministration['status'];
  readonly at: string;
  readonly end?: string;
  readonly dose?: Qty;
  readonly rateMlPerHour?: number;
  readonly discarded?: Qty;
  readonly opened?: number;
  readonly route?: typeof ROUTE_IV;
}

interface Posted {
  readonly code: string;
  readonly modifier?: 'JW' | 'JZ';
  readonly units: number;
  /** Indexes of the doses it bills. */
  readonly doses: readonly number[];
}

interface Plan {
  readonly encounterClass: 'AMB' | 'EMER' | 'OBSENC' | 'IMP';
  readonly payer: 'medicare' | 'medicaid';
  readonly icd: readonly [string, string];
  readonly diagnosis: boolean;
  readonly days: number;
  readonly doses: readonly Dose[];
  readonly posted: readonly Posted[];
  readonly submittedClaim?: readonly Posted[];
}

const CROHN = ['K50.90', "Crohn's disease, unspecified, without complications"] as const;
const ASTHMA = ['J45.901', 'Unspecified asthma with (acute) exacerbation'] as const;
const HEART_FAILURE = ['I50.9', 'Heart failure, unspecified'] as const;
const COPD = ['J44.1', 'Chronic obstructive pulmonary disease with (acute) exacerbation'] as const;
const KNEE_OA = ['M17.11', 'Unilateral primary osteoarthritis, right knee'] as const;
const NAUSEA = ['R11.2', 'Nausea with vomiting, unspecified'] as const;

function plan(name: ScenarioName, day: string): Plan {
  const t = (time: string, d = day) => `${d}T${time}:00${TZ}`;
  const infliximab = (dose: number, discarded?: number, opened?: number): Dose => ({
    med: MEDS.remicade,
    at: t('09:30'),
    end: t('11:45'),
    dose: mg(dose),
    ...(discarded !== undefined ? { discarded: mg(discarded) } : {}),
    ...(opened !== undefined ? { opened } : {}),
  });
  const mp125 = (dose = 125, discarded = 0, at = '10:05', d = day): Dose => ({
    med: MEDS.mp125,
    at: t(at, d),
    dose: mg(dose),
    discarded: mg(discarded),
    opened: 1,
  });
  const medicareAmb = {
    encounterClass: 'AMB',
    payer: 'medicare',
    icd: CROHN,
    diagnosis: true,
    days: 1,
  } as const;
  const medicareEd = {
    encounterClass: 'EMER',
    payer: 'medicare',
    icd: ASTHMA,
    diagnosis: true,
    days: 1,
  } as const;
  switch (name) {
    case 'clean-jw':
    case 'before-range':
      return {
        ...medicareAmb,
        doses: [infliximab(350, 50, 4)],
        posted:
          name === 'clean-jw'
            ? [
                { code: 'J1745', units: 35, doses: [0] },
                { code: 'J1745', modifier: 'JW', units: 5, doses: [0] },
              ]
            : [{ code: 'J1745', units: 35, doses: [0] }],
      };
    case 'jw-not-posted':
      return {
        ...medicareAmb,
        doses: [infliximab(350, 50, 4)],
        posted: [{ code: 'J1745', units: 35, doses: [0] }],
      };
    case 'claim-submitted-without-jw':
      return {
        ...medicareAmb,
        doses: [infliximab(350, 50, 4)],
        posted: [
          { code: 'J1745', units: 35, doses: [0] },
          { code: 'J1745', modifier: 'JW', units: 5, doses: [0] },
        ],
        submittedClaim: [{ code: 'J1745', units: 35, doses: [0] }],
      };
    case 'jz-missing':
      return { ...medicareEd, doses: [mp125()], posted: [{ code: 'J2919', units: 25, doses: [0] }] };
    case 'wrong-code-j1250':
      return { ...medicareEd, doses: [mp125()], posted: [{ code: 'J1250', units: 1, doses: [0] }] };
    case 'missing-diagnosis':
      return {
        ...medicareEd,
        diagnosis: false,
        doses: [mp125()],
        posted: [{ code: 'J2919', modifier: 'JZ', units: 25, doses: [0] }],
      };
    case 'over-billed':
      return {
        ...medicareEd,
        doses: [mp125(80, 45)],
        posted: [
          { code: 'J2919', units: 18, doses: [0] },
          { code: 'J2919', modifier: 'JW', units: 9, doses: [0] },
        ],
      };
    case 'under-billed':
      return {
        ...medicareAmb,
        doses: [infliximab(400, 0, 4)],
        posted: [{ code: 'J1745', modifier: 'JZ', units: 30, doses: [0] }],
      };
    case 'jw-over-billed':
      return {
        ...medicareAmb,
        doses: [infliximab(400, 0, 4)],
        posted: [
          { code: 'J1745', units: 40, doses: [0] },
          { code: 'J1745', modifier: 'JW', units: 5, doses: [0] },
        ],
      };
    case 'waste-undocumented':
      return { ...medicareAmb, doses: [infliximab(250)], posted: [{ code: 'J1745', units: 25, doses: [0] }] };
    case 'nothing-posted':
      return {
        encounterClass: 'OBSENC',
        payer: 'medicare',
        icd: HEART_FAILURE,
        diagnosis: true,
        days: 1,
        doses: [
          {
            med: MEDS.dobutamineBag,
            at: t('08:00'),
            end: t('18:00'),
            rateMlPerHour: 10,
            discarded: mL(150),
            opened: 1,
          },
        ],
        posted: [],
      };
    case 'not-billable':
      return {
        encounterClass: 'EMER',
        payer: 'medicare',
        icd: NAUSEA,
        diagnosis: true,
        days: 1,
        doses: [
          { concept: 'oxycodone 5 mg tablet', at: t('13:10'), dose: mg(5) },
          { ...mp125(), status: 'not-done' },
        ],
        posted: [],
      };
    case 'two-doses-one-day':
      return {
        ...medicareEd,
        doses: [
          { med: MEDS.mp40, at: t('08:15'), dose: mg(40), discarded: mg(0) },
          { med: MEDS.mp40, at: t('15:40'), dose: mg(40), discarded: mg(0) },
        ],
        posted: [{ code: 'J2919', modifier: 'JZ', units: 16, doses: [0, 1] }],
      };
    case 'medicaid-ndc-missing':
      return {
        ...medicareEd,
        payer: 'medicaid',
        doses: [
          {
            contained: {
              resourceType: 'Medication',
              id: 'med',
              code: {
                coding: [
                  { system: SYSTEMS.rxnorm, code: '1743704', display: 'methylprednisolone 125 MG Injection' },
                ],
                text: 'methylprednisolone 125 MG Injection',
              },
            },
            at: t('19:28'),
            dose: mg(125),
          },
        ],
        posted: [{ code: 'J2919', units: 25, doses: [0] }],
      };
    case 'inpatient-daily':
    case 'inpatient-per-dose': {
      const doses: Dose[] = [];
      for (let d = 0; d < 3; d++)
        for (const at of ['06:00', '14:00', '22:00']) doses.push(mp125(40, 85, at, addDays(day, d)));
      const posted: Posted[] =
        name === 'inpatient-daily'
          ? [0, 1, 2].map((d) => ({ code: 'J2919', units: 24, doses: [d * 3, d * 3 + 1, d * 3 + 2] }))
          : doses.map((_, i) => ({ code: 'J2919', units: 25, doses: [i] }));
      return { encounterClass: 'IMP', payer: 'medicare', icd: COPD, diagnosis: true, days: 3, doses, posted };
    }
    case 'depo-medrol-multi-dose':
      return {
        encounterClass: 'AMB',
        payer: 'medicare',
        icd: KNEE_OA,
        diagnosis: true,
        days: 1,
        doses: [{ med: MEDS.depoMedrol, at: t('11:20'), dose: mL(1), route: ROUTE_IA }],
        posted: [{ code: 'J1010', units: 80, doses: [0] }],
      };
  }
}

function hcpcs(code: string, modifier?: string) {
  return {
    coding: [
      { system: SYSTEMS.hcpcs, code },
      ...(modifier ? [{ system: SYSTEMS.hcpcs, code: modifier }] : []),
    ],
  };
}

function resourcesFor(n: string, p: Plan, day: string): Resource[] {
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
        ...(d.rateMlPerHour
          ? { rateQuantity: { value: d.rateMlPerHour, unit: 'mL/h', system: SYSTEMS.ucum, code: 'mL/h' } }
          : {}),
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

// ---------------------------------------------------------------------------------------------
// Writing.

class NdjsonWriters {
  private readonly dir: string;
  private readonly open = new Map<string, { fd: number; parts: string[]; size: number; count: number }>();

  constructor(dir: string) {
    this.dir = dir;
  }

  write(r: Resource): void {
    let f = this.open.get(r.resourceType);
    if (!f)
      this.open.set(
        r.resourceType,
        (f = { fd: openSync(join(this.dir, `${r.resourceType}.ndjson`), 'w'), parts: [], size: 0, count: 0 }),
      );
    const line = JSON.stringify(r);
    f.parts.push(line, '\n');
    f.size += line.length + 1;
    f.count++;
    if (f.size > 1 << 20) {
      writeSync(f.fd, f.parts.join(''));
      f.parts = [];
      f.size = 0;
    }
  }

  close(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [type, f] of this.open) {
      if (f.parts.length) writeSync(f.fd, f.parts.join(''));
      closeSync(f.fd);
      counts[`${type}.ndjson`] = f.count;
    }
    return counts;
  }
}

export interface GenerateOptions {
  /** How many encounters; with `administrations`, the most encounters to write. */
  readonly encounters: number;
  /** Stop as soon as the export holds at least this many administrations (benchmarks). */
  readonly administrations?: number;
  readonly outDir: string;
  readonly seed?: number;
  readonly range?: DateRange;
  /** Called every so often with the encounters written (progress). */
  readonly onProgress?: (done: number) => void;
}

export function generateExport(opts: GenerateOptions): Answers {
  const seed = opts.seed ?? 1;
  const range = opts.range ?? DEFAULT_GENERATED_RANGE;
  assertOneQuarter(range);
  const random = rng(seed);
  mkdirSync(opts.outDir, { recursive: true });
  const writers = new NdjsonWriters(opts.outDir);
  for (const r of sharedResources()) writers.write(r);

  const totalWeight = NAMES.reduce((s, k) => s + SCENARIOS[k].weight, 0);
  const pick = (): ScenarioName => {
    let x = random() * totalWeight;
    for (const k of NAMES) {
      x -= SCENARIOS[k].weight;
      if (x < 0) return k;
    }
    return NAMES[NAMES.length - 1] as ScenarioName;
  };
  const counts = Object.fromEntries(NAMES.map((k) => [k, 0])) as Record<ScenarioName, number>;
  const span = daysIn(range);
  const width = Math.max(6, String(opts.encounters).length);
  let administrationsInExport = 0;
  let written = 0;
  for (let i = 1; i <= opts.encounters; i++) {
    if (opts.administrations !== undefined && administrationsInExport >= opts.administrations) break;
    written = i;
    const name = pick();
    counts[name]++;
    const p0 = plan(name, range.since);
    // In range: a day leaving room for the whole stay; before the range: 1 to 20 days before.
    const day =
      name === 'before-range'
        ? addDays(range.since, -1 - Math.floor(random() * 20))
        : addDays(range.since, Math.floor(random() * Math.max(1, span - p0.days + 1)));
    const p = plan(name, day);
    administrationsInExport += p.doses.length;
    for (const r of resourcesFor(String(i).padStart(width, '0'), p, day)) writers.write(r);
    if (opts.onProgress && i % 10_000 === 0) opts.onProgress(i);
  }
  const files = writers.close();

  writeFileSync(
    join(opts.outDir, PRICE_FILE),
    `${JSON.stringify(
      {
        prices: Object.entries(PRICE_CENTS).map(([code, cents]) => ({
          code,
          quarter: quarterOf(range.since),
          paymentLimit: cents / 100,
          source: 'ILLUSTRATIVE synthetic price (vialwise audit generate), not CMS data',
          illustrative: true,
        })),
      },
      null,
      2,
    )}\n`,
  );
  const answers = answersFor(counts, { seed, encounters: written, range, files, administrationsInExport });
  writeFileSync(join(opts.outDir, 'answers.json'), `${JSON.stringify(answers, null, 2)}\n`);
  return answers;
}

function quarterOf(date: string): string {
  return `${date.slice(0, 4)}Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;
}

/** The generator puts every in-range scenario in one quarter: the price file covers only it. */
function assertOneQuarter(range: DateRange): void {
  if (quarterOf(range.since) !== quarterOf(range.until)) {
    throw new Error(
      `the generated range must lie in one calendar quarter (${range.since} to ${range.until} does not)`,
    );
  }
}

export function answersFor(
  counts: Readonly<Record<ScenarioName, number>>,
  info: {
    seed: number;
    encounters: number;
    range: DateRange;
    files: Record<string, number>;
    administrationsInExport: number;
  },
): Answers {
  const sum = {
    encounters: 0,
    administrations: 0,
    lines: 0,
    units: 0,
    jw: 0,
    derived: 0,
    missedJwU: 0,
    missedJwC: 0,
    underU: 0,
    underC: 0,
    overU: 0,
    overC: 0,
    wrong: 0,
    jz: 0,
    nothing: 0,
  };
  const gaps: Record<string, { count: number; cents: number }> = {};
  for (const name of NAMES) {
    const k = counts[name];
    const e: Expected = SCENARIOS[name].expect;
    if (!k || !e.audited) continue;
    sum.encounters += k;
    sum.administrations += k * e.administrations;
    sum.lines += k * e.lines;
    sum.units += k * e.units;
    sum.jw += k * e.jwUnits;
    sum.derived += k * e.derivedCents;
    sum.missedJwU += k * (e.missedJwUnits ?? 0);
    sum.missedJwC += k * (e.missedJwCents ?? 0);
    sum.underU += k * (e.underUnits ?? 0);
    sum.underC += k * (e.underCents ?? 0);
    sum.overU += k * (e.overUnits ?? 0);
    sum.overC += k * (e.overCents ?? 0);
    sum.wrong += k * (e.wrongCodes ?? 0);
    sum.jz += k * (e.missingJz ?? 0);
    if (e.nothingPosted) sum.nothing += k;
    for (const [code, g] of Object.entries(e.gaps ?? {})) {
      const t = (gaps[code] ??= { count: 0, cents: 0 });
      t.count += k * g.count;
      t.cents += k * g.cents;
    }
  }
  const d = (cents: number) => Math.round(cents) / 100;
  const gapCount = Object.values(gaps).reduce((s, g) => s + g.count, 0);
  const gapCents = Object.values(gaps).reduce((s, g) => s + g.cents, 0);
  return {
    synthetic: true,
    note: 'SYNTHETIC data with hand-computed expected audit totals; prices are ILLUSTRATIVE (see priceFile).',
    seed: info.seed,
    encounters: info.encounters,
    range: info.range,
    priceFile: PRICE_FILE,
    files: info.files,
    scenarios: counts,
    totals: {
      administrationsInExport: info.administrationsInExport,
      encounters: sum.encounters,
      administrations: sum.administrations,
      lines: sum.lines,
      derivedUnits: sum.units,
      jwUnits: sum.jw,
      derivedValue: d(sum.derived),
      missedJw: { units: sum.missedJwU, value: d(sum.missedJwC) },
      underBilled: { units: sum.underU, value: d(sum.underC) },
      overBilled: { units: sum.overU, value: d(sum.overC) },
      recoverableValue: d(sum.missedJwC + sum.underC),
      wrongCodes: sum.wrong,
      missingJz: sum.jz,
      encountersWithNothingPosted: sum.nothing,
      gaps: gapCount,
      revenueAtRisk: d(gapCents),
      gapsByCode: Object.fromEntries(
        Object.entries(gaps)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([code, g]) => [code, { count: g.count, revenueAtRisk: d(g.cents) }]),
      ),
    },
  };
}
