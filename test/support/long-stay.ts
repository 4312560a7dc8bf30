/**
 * A long inpatient stay for the scale tests: golden case 22's Medicare patient, diagnosis and
 * Hikma methylprednisolone sodium succinate 40 mg/1 mL vial (NDC 00143-9753-01), admitted for
 * `days` days with `perDay` administrations a day. Four a day are methylprednisolone 40 mg IV:
 * J2919 ("methylprednisolone sodium succinate, 5 mg", from 2024-04-01 per the CMS ASP files the
 * catalog is built from), 4 x 40 mg / 5 mg = 32 units a day, no JW/JZ on an inpatient claim. The
 * others are drugs no CMS drug file bills (oral drugs, flushes, fluids), read and skipped. The
 * first `undocumented` methylprednisolone administrations lack route and performer: two gaps
 * each (missing-route, missing-performer), as in golden case 22.
 */
import { readFileSync } from 'node:fs';
import type { Bundle, Encounter, MedicationAdministration, Resource } from '@medplum/fhirtypes';

const G22 = '22-clinic-methylpred-40-missing-route-performer';
const IV = { coding: [{ system: 'http://snomed.info/sct', code: '47625008', display: 'Intravenous route' }] };
const NURSE = [{ actor: { reference: 'Practitioner/prac-golden-rn', display: 'Test Nurse' } }];
/** Not in the catalog: identified as nothing, so skipped (text only, as many EHRs send them). */
const OTHER_DRUGS = [
  'Sodium chloride 0.9% flush 10 mL',
  'Oxycodone 5 mg tablet',
  'Senna 8.6 mg tablet',
  'Docusate sodium 100 mg capsule',
  'Atorvastatin 40 mg tablet',
  'Lactated Ringer 1000 mL',
];

export interface LongStay {
  readonly encounterId: string;
  readonly resources: Resource[];
  /** J2919 units per date of service, as the engine must bill them. */
  readonly expectedLines: {
    readonly code: 'J2919';
    readonly units: number;
    readonly dateOfService: string;
  }[];
  /** `<gap code> <administration id>` of every gap. */
  readonly expectedGaps: string[];
}

export function longStay(
  key: string,
  {
    days = 60,
    perDay = 25,
    undocumented = 30,
  }: { days?: number; perDay?: number; undocumented?: number } = {},
): LongStay {
  // Read here rather than through notify.ts, so that the benchmark can use it outside vitest.
  const bundle = readFileSync(new URL(`../golden/cases/${G22}.bundle.json`, import.meta.url), 'utf8');
  const golden = ((JSON.parse(bundle.replaceAll('golden-22', `long-${key}`)) as Bundle).entry ?? []).map(
    (e) => e.resource as Resource,
  );
  const encounterId = `enc-long-${key}`;
  const encounter = golden.find((r): r is Encounter => r.resourceType === 'Encounter')!;
  const start = Date.UTC(2025, 8, 1);
  const day = (n: number) => new Date(start + n * 86_400_000).toISOString().slice(0, 10);
  encounter.class = {
    system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
    code: 'IMP',
    display: 'inpatient encounter',
  };
  encounter.period = { start: `${day(0)}T08:00:00-04:00`, end: `${day(days - 1)}T20:00:00-04:00` };
  const template = golden.find(
    (r): r is MedicationAdministration => r.resourceType === 'MedicationAdministration',
  )!;
  const resources: Resource[] = golden.filter((r) => r.resourceType !== 'MedicationAdministration');
  const expectedLines: LongStay['expectedLines'] = [];
  const expectedGaps: string[] = [];
  let methylpred = 0;
  for (let d = 0; d < days; d++) {
    for (let i = 0; i < perDay; i++) {
      const at = `${day(d)}T${String(Math.floor((i * 24) / perDay)).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}:00-04:00`;
      const id = `ma-long-${key}-${d}-${i}`;
      if (i < 4) {
        const documented = methylpred++ >= undocumented;
        const administration: MedicationAdministration = {
          ...template,
          id,
          effectiveDateTime: at,
          ...(documented ? { performer: NURSE } : {}),
          dosage: { ...template.dosage, ...(documented ? { route: IV } : {}) },
        };
        resources.push(administration);
        if (!documented) expectedGaps.push(`missing-route ${id}`, `missing-performer ${id}`);
      } else {
        const rest = { ...template };
        delete rest.medicationReference;
        delete rest.reasonReference;
        const administration: MedicationAdministration = {
          ...rest,
          id,
          medicationCodeableConcept: { text: OTHER_DRUGS[i % OTHER_DRUGS.length] as string },
          effectiveDateTime: at,
          performer: NURSE,
          dosage: { route: IV },
        };
        resources.push(administration);
      }
    }
    expectedLines.push({ code: 'J2919', units: 32, dateOfService: day(d) });
  }
  return { encounterId, resources, expectedLines, expectedGaps: expectedGaps.sort() };
}
