/**
 * What each scenario documents and posts, per code set (scenarios.ts says what the audit must
 * find in it). Times are local clinic times with their offset, as EHRs send them.
 */
import type { Medication } from '@medplum/fhirtypes';
import { addDays } from '../../src/audit/range.ts';
import { EXT, SYSTEMS } from '../../src/domain/vocabulary.ts';
import type { ScenarioName } from './scenarios.ts';

export const TZ = '-05:00';
export const ROUTE_IV = {
  coding: [{ system: 'http://snomed.info/sct', code: '47625008', display: 'Intravenous route' }],
};
export const ROUTE_IA = {
  coding: [{ system: 'http://snomed.info/sct', code: '12130007', display: 'Intra-articular route' }],
};

export interface Qty {
  readonly value: number;
  readonly unit: string;
  readonly system: string;
  readonly code: string;
}
export const mg = (value: number): Qty => ({ value, unit: 'mg', system: SYSTEMS.ucum, code: 'mg' });
export const mL = (value: number): Qty => ({ value, unit: 'mL', system: SYSTEMS.ucum, code: 'mL' });

/** Medication ids of the export's formulary (resources.ts). */
export const MEDS = {
  remicade: 'syn-med-remicade-100',
  mp125: 'syn-med-methylpred-125',
  mp40: 'syn-med-methylpred-40',
  depoMedrol: 'syn-med-depo-medrol-400',
} as const;

export interface Dose {
  readonly med?: string;
  readonly contained?: Medication;
  readonly concept?: string;
  readonly status?: 'completed' | 'not-done';
  readonly at: string;
  readonly end?: string;
  readonly dose?: Qty;
  readonly discarded?: Qty;
  readonly opened?: number;
  readonly route?: typeof ROUTE_IV;
}

export interface Posted {
  readonly code: string;
  readonly modifier?: 'JW' | 'JZ';
  readonly units: number;
  /** Indexes of the doses it bills. */
  readonly doses: readonly number[];
}

export interface Plan {
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
const COPD = ['J44.1', 'Chronic obstructive pulmonary disease with (acute) exacerbation'] as const;
const KNEE_OA = ['M17.11', 'Unilateral primary osteoarthritis, right knee'] as const;
const NAUSEA = ['R11.2', 'Nausea with vomiting, unspecified'] as const;

/** Methylprednisolone sodium succinate: J2919 per 5 mg, and its units for an amount in mg. */
function mp(totalMg: number): { code: string; units: number } {
  return { code: 'J2919', units: Math.ceil(totalMg / 5) };
}

export function plan(name: ScenarioName, day: string): Plan {
  const t = (time: string, d = day) => `${d}T${time}:00${TZ}`;
  const infliximab = (dose: number, discarded?: number, opened?: number) => ({
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
  // Infliximab with documented waste: 360 mg given and 40 mg discarded (36 + JW 4).
  const [given, waste] = [360, 40];
  const units = given / 10;
  const full = mp(125);
  switch (name) {
    case 'clean-jw':
    case 'before-range':
      return {
        ...medicareAmb,
        doses: [infliximab(given, waste, 4)],
        posted: [
          { code: 'J1745', units, doses: [0] },
          ...(name === 'clean-jw'
            ? [{ code: 'J1745', modifier: 'JW' as const, units: waste / 10, doses: [0] }]
            : []),
        ],
      };
    case 'jw-not-posted':
      return {
        ...medicareAmb,
        doses: [infliximab(given, waste, 4)],
        posted: [{ code: 'J1745', units, doses: [0] }],
      };
    case 'claim-submitted-without-jw':
      return {
        ...medicareAmb,
        doses: [infliximab(given, waste, 4)],
        posted: [
          { code: 'J1745', units, doses: [0] },
          { code: 'J1745', modifier: 'JW', units: waste / 10, doses: [0] },
        ],
        submittedClaim: [{ code: 'J1745', units, doses: [0] }],
      };
    case 'jz-missing':
      return { ...medicareEd, doses: [mp125()], posted: [{ ...full, doses: [0] }] };
    case 'wrong-code-j1250':
      return { ...medicareEd, doses: [mp125()], posted: [{ code: 'J1250', units: 1, doses: [0] }] };
    case 'missing-diagnosis':
      return {
        ...medicareEd,
        diagnosis: false,
        doses: [mp125()],
        posted: [{ ...full, modifier: 'JZ', doses: [0] }],
      };
    case 'over-billed':
      return {
        ...medicareEd,
        doses: [mp125(80, 45)],
        posted: [
          { code: 'J2919', units: 25, doses: [0] },
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
    case 'waste-undocumented': {
      const dose = 260;
      return {
        ...medicareAmb,
        doses: [infliximab(dose)],
        posted: [{ code: 'J1745', units: dose / 10, doses: [0] }],
      };
    }
    case 'nothing-posted':
      return { ...medicareAmb, doses: [infliximab(given, waste, 4)], posted: [] };
    case 'not-billable':
      return {
        encounterClass: 'EMER',
        payer: 'medicare',
        icd: NAUSEA,
        diagnosis: true,
        days: 1,
        doses: [
          // Not a drug of either catalog (ondansetron was, until the CMS files made it billable).
          { concept: 'sodium bicarbonate 8.4% injection', at: t('13:10'), dose: mL(50) },
          { ...mp125(), status: 'not-done' },
        ],
        posted: [],
      };
    case 'two-doses-one-day': {
      const both = mp(80);
      return {
        ...medicareEd,
        doses: [
          { med: MEDS.mp40, at: t('08:15'), dose: mg(40), discarded: mg(0), opened: 1 },
          { med: MEDS.mp40, at: t('15:40'), dose: mg(40), discarded: mg(0), opened: 1 },
        ],
        posted: [{ ...both, modifier: 'JZ', doses: [0, 1] }],
      };
    }
    case 'medicaid-ndc-missing':
      return {
        ...medicareEd,
        payer: 'medicaid',
        doses: [
          {
            contained: {
              resourceType: 'Medication',
              id: 'med',
              // No NDC: the drug, its strength and its container are what the nurse can see.
              extension: [{ url: EXT.containerUse, valueCode: 'single-dose' }],
              amount: { numerator: mg(125), denominator: mL(2) },
              code: { text: 'methylprednisolone sodium succinate 125 mg injection' },
            },
            at: t('19:28'),
            dose: mg(125),
            discarded: mg(0),
            opened: 1,
          },
        ],
        posted: [{ ...full, doses: [0] }],
      };
    case 'inpatient-daily':
    case 'inpatient-per-dose': {
      const doses: Dose[] = [];
      for (let d = 0; d < 3; d++)
        for (const at of ['06:00', '14:00', '22:00']) doses.push(mp125(40, 85, at, addDays(day, d)));
      const daily = mp(120);
      const posted: Posted[] =
        name === 'inpatient-daily'
          ? [0, 1, 2].map((d) => ({ ...daily, doses: [d * 3, d * 3 + 1, d * 3 + 2] }))
          : doses.map((_, i) => ({ ...full, doses: [i] }));
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
