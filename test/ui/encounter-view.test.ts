/** The encounter view (pure): derived lines, the Claim draft, posted charges and every gap side by side. */
import { describe, expect, it } from 'vitest';
import type { Evaluation } from '../../src/domain/types.ts';
import { encounterView, type EncounterViewInput } from '../../src/ui/views/encounter.ts';
import {
  claim,
  claimItem,
  encounter,
  ILLUSTRATIVE,
  issue,
  ma,
  medication,
  MITIGATION,
  patient,
  REAL,
} from './builders.ts';

describe('encounter view', () => {
  const evaluation: Evaluation = {
    encounter: 'Encounter/enc-1',
    patient: 'Patient/pat-1',
    coverage: 'Coverage/c',
    payerCategory: 'medicare',
    lines: [
      {
        key: 'k1',
        code: 'J1745',
        modifiers: [],
        units: 35,
        dateOfService: '2026-11-17',
        ndc: { ndc: '57894003001', quantity: 3.5, unit: 'UN' },
        net: { value: 1351, currency: 'USD' },
        priceIllustrative: true,
        sourceAdministrations: ['MedicationAdministration/ma-1'],
      },
      {
        key: 'k2',
        code: 'J1745',
        modifiers: ['JW'],
        units: 5,
        dateOfService: '2026-11-17',
        ndc: { ndc: '57894003001', quantity: 0.5, unit: 'UN' },
        net: { value: 193, currency: 'USD' },
        priceIllustrative: true,
        sourceAdministrations: ['MedicationAdministration/ma-1'],
      },
    ],
    gaps: [
      {
        code: 'charge-modifier-missing',
        severity: 'high',
        subjectKey: 'line',
        implicated: [],
        detail: 'Post the JW line.',
        revenueAtRisk: { value: 193, currency: 'USD' },
      },
    ],
    diagnoses: ['M05.79'],
    skippedAdministrations: 0,
    enteredInError: [],
  };
  const onServer = claim('claim-1', [
    claimItem('J1745', 35, '2026-11-17', { net: 1351, ndc: '57894003001' }),
    claimItem('J1745', 5, '2026-11-17', { mods: ['JW'], net: 193, ndc: '57894003001' }),
  ]);
  const base: EncounterViewInput = {
    encounter: encounter('enc-1', '2026-11-17T08:30:00-05:00'),
    patient: patient('pat-1', 'Demo Patient-Infliximab'),
    administrations: [ma('ma-1')],
    medications: [medication],
    conditions: [
      {
        resourceType: 'Condition',
        id: 'c1',
        subject: { reference: 'Patient/pat-1' },
        code: {
          coding: [{ system: 'http://hl7.org/fhir/sid/icd-10-cm', code: 'M05.79' }],
          text: 'Rheumatoid arthritis',
        },
      },
    ],
    chargeItems: [],
    claims: [onServer],
    issues: [issue('open-1', 'charge-modifier-missing', { risk: 193 })],
    evaluation,
  };

  it('puts derived lines, the Claim draft, charges and gaps side by side, in sync', () => {
    const v = encounterView(base, ILLUSTRATIVE);
    expect(v.derivedLines.map((l) => [l.code, l.modifiers.join(''), l.units, l.ndc])).toEqual([
      ['J1745', '', 35, '57894003001'],
      ['J1745', 'JW', 5, '57894003001'],
    ]);
    expect(v.claim?.lines.map((l) => [l.code, l.modifiers.join(''), l.units, l.net])).toEqual([
      ['J1745', '', 35, 1351],
      ['J1745', 'JW', 5, 193],
    ]);
    expect(v.inSync).toBe(true);
    expect(v.gaps.map((g) => [g.code, g.state])).toEqual([['charge-modifier-missing', 'open']]);
    expect(v.diagnoses).toEqual([{ code: 'M05.79', display: 'Rheumatoid arthritis' }]);
    expect(v.patient).toEqual({ id: 'pat-1', name: 'Demo Patient-Infliximab' });
    expect(v).toMatchObject({ pricesIllustrative: true, payerCategory: 'medicare' });
  });

  it('says when the documentation changed since the last write', () => {
    const fixed = { ...evaluation, gaps: [], lines: evaluation.lines.slice(0, 1) };
    const v = encounterView({ ...base, evaluation: fixed }, REAL);
    expect(v.inSync).toBe(false);
    const missing = encounterView({ ...base, issues: [] }, REAL);
    expect(missing.gaps.map((g) => [g.code, g.state])).toEqual([['charge-modifier-missing', 'not-written']]);
    expect(missing.inSync).toBe(false);
  });

  it('lists closed gaps after open ones, with the day they were closed', () => {
    const closed = issue('closed-1', 'missing-diagnosis', {
      status: 'final',
      mitigation: [
        { action: { coding: [{ system: MITIGATION, code: 'resolved' }] }, date: '2026-11-28T09:00:00Z' },
      ],
    });
    const v = encounterView({ ...base, issues: [closed, ...base.issues] }, REAL);
    expect(v.gaps.map((g) => [g.code, g.state, g.closed])).toEqual([
      ['charge-modifier-missing', 'open', undefined],
      ['missing-diagnosis', 'closed', '2026-11-28T09:00:00Z'],
    ]);
  });
});
