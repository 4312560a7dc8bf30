/**
 * The UI dates services as the engine does: in the facility's time zone (FACILITIES_FILE /
 * FACILITY_TIME_ZONE, domain/time-zone.ts), not in UTC. An EHR sends the administration as a UTC
 * instant, 2025-06-10T02:30:00Z, which is 22:30 on 2025-06-09 in New York (EDT, UTC-4): the date
 * of service is 2025-06-09 (docs/billing-rules.md, "Date of service").
 */
import type { Coverage, Encounter, MedicationAdministration } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../src/catalog/load.ts';
import { loadPayerRules } from '../../src/catalog/payer-rules.ts';
import { facilitiesFrom } from '../../src/catalog/facilities.ts';
import { evaluateEncounter } from '../../src/rules/evaluate.ts';
import { dateTimeText, timeZoneResolver } from '../../src/ui/shape.ts';
import { buildDashboard } from '../../src/ui/views/dashboard.ts';
import { encounterView } from '../../src/ui/views/encounter.ts';
import { worklistRows } from '../../src/ui/views/worklist.ts';
import { dashboardResources, gapResources, issue, medication, patient, payer, REAL } from './builders.ts';

const NEW_YORK = facilitiesFrom(undefined, 'America/New_York');
const tzOf = timeZoneResolver(NEW_YORK);

const enc: Encounter = {
  resourceType: 'Encounter',
  id: 'enc-tz',
  status: 'finished',
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER' },
  subject: { reference: 'Patient/pat-1' },
  period: { start: '2025-06-10T01:50:00Z', end: '2025-06-10T04:10:00Z' },
};

const given: MedicationAdministration = {
  resourceType: 'MedicationAdministration',
  id: 'ma-tz',
  status: 'completed',
  medicationReference: { reference: 'Medication/med-1' },
  subject: { reference: 'Patient/pat-1' },
  context: { reference: 'Encounter/enc-tz' },
  effectiveDateTime: '2025-06-10T02:30:00Z',
  dosage: {
    route: { text: 'IV push' },
    dose: { value: 40, unit: 'mg', system: 'http://unitsofmeasure.org', code: 'mg' },
  },
};

// Medicare ends with 2025-06-09; the commercial plan starts on 2025-06-10. On the date of service
// (2025-06-09 in New York) the patient is on Medicare; dated in UTC it would be the commercial plan.
const medicare: Coverage = {
  resourceType: 'Coverage',
  id: 'cov-mcr',
  status: 'active',
  order: 1,
  beneficiary: { reference: 'Patient/pat-1' },
  payor: [{ reference: 'Organization/org-mcr' }],
  type: {
    coding: [{ system: 'https://nahdo.org/sopt', code: '121', display: 'Medicare Part B' }],
  },
  period: { start: '2025-01-01', end: '2025-06-09' },
};
const commercial: Coverage = {
  ...medicare,
  id: 'cov-com',
  order: 2,
  payor: [{ reference: 'Organization/org-com' }],
  type: { coding: [{ system: 'https://nahdo.org/sopt', code: '51', display: 'Commercial' }] },
  period: { start: '2025-06-10' },
};

const gap = issue('g-tz', 'missing-diagnosis', { enc: 'enc-tz', ma: ['ma-tz'], risk: 2.01 });
const resources = [
  gap,
  given,
  enc,
  medication,
  medicare,
  commercial,
  patient('pat-1', 'Test Patient'),
  payer('org-mcr', 'Medicare Part B'),
  payer('org-com', 'Commercial Health Plan'),
];

describe('dates in the facility time zone', () => {
  it("gives the engine's date of service for an administration sent as a UTC instant", () => {
    const evaluation = evaluateEncounter(
      {
        encounter: enc,
        administrations: [given],
        medications: [medication],
        conditions: [],
        coverages: [medicare, commercial],
        priorAuthorizations: [],
        bodyWeights: [],
        chargeItems: [],
        claims: [],
      },
      { catalog: loadCatalog(), payerRules: loadPayerRules(), facilities: NEW_YORK },
      '2025-06-11T12:00:00Z',
    );
    // Methylprednisolone sodium succinate 40 mg: J2919 (per 5 mg) x 8, dated in New York.
    expect(evaluation.lines.map((l) => [l.code, l.units, l.dateOfService])).toEqual([
      ['J2919', 8, '2025-06-09'],
    ]);
    expect(evaluation.coverage).toBe('Coverage/cov-mcr');

    const [row] = worklistRows(gapResources(resources), '2025-06-11', {
      tzOf,
      now: '2025-06-11T12:00:00Z',
      prices: REAL,
    });
    expect(row?.dateOfService).toBe(evaluation.lines[0]?.dateOfService);
    // The coverage active on that date, as the engine chose it.
    expect(row?.payer).toBe('Medicare Part B');
    // 2025-06-09 to 2025-06-11 (New York's today at 12:00 UTC).
    expect(row?.agingDays).toBe(2);
    expect(row?.administrations[0]?.time).toBe('2025-06-09 22:30 EDT');
  });

  it('dated as written when no time zone is configured (the old behaviour, for contrast)', () => {
    const [row] = worklistRows(gapResources(resources), '2025-06-11');
    expect(row?.dateOfService).toBe('2025-06-10');
    expect(row?.payer).toBe('Commercial Health Plan');
  });

  it('puts the gap on the dashboard and in the encounter view on the same date', () => {
    const d = buildDashboard(
      dashboardResources([gap, given, enc]),
      { from: '2025-06-09', to: '2025-06-09' },
      REAL,
      tzOf,
    );
    expect(d.openGaps).toBe(1);
    expect(d.series.points).toEqual([{ date: '2025-06-09', open: 1, closed: 0, lines: 0 }]);
    const v = encounterView(
      {
        encounter: enc,
        administrations: [given],
        medications: [medication],
        conditions: [],
        chargeItems: [],
        claims: [],
        issues: [gap],
      },
      REAL,
      tzOf,
    );
    expect(v.timeZone).toBe('America/New_York');
    expect(v.encounter.startText).toBe('2025-06-09 21:50 EDT');
    expect(v.administrations[0]?.time).toBe('2025-06-09 22:30 EDT');
  });

  it('shows a time with an offset in the facility zone, and a date alone as written', () => {
    expect(dateTimeText('2026-01-15T03:10:00Z', 'America/Chicago')).toBe('2026-01-14 21:10 CST');
    expect(dateTimeText('2026-01-15', 'America/Chicago')).toBe('2026-01-15');
    expect(dateTimeText('2026-01-15T03:10:00', 'America/Chicago')).toBe('2026-01-15 03:10');
    expect(dateTimeText('2026-01-15T03:10:00Z')).toBe('2026-01-15 03:10');
  });
});
