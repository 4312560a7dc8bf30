/**
 * Every figure says which quarter's CMS payment limits priced it. A catalog built from the CMS
 * files prices a date of service after its last file with the latest loaded quarter and says so
 * (`priceOn` returns that quarter); the audit then names both quarters in the headline, the
 * encounter and line CSVs and the JSON. Exact money: units x a three-decimal limit, in mills.
 *
 * The engine's result is given here (the comparison is what is tested): infliximab, J1745 x36 and
 * JW x4 documented on 2026-08-03, 36 posted without the JW line. J1745's limit is $32.423 per
 * 10 mg in asp-pricing-2026q1.csv, the last quarter loaded.
 */
import type { ChargeItem, Encounter } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import type { DrugCatalog } from '../../src/catalog/catalog.ts';
import type { Price } from '../../src/catalog/types.ts';
import { addEncounter, emptyTotals, summarize } from '../../src/audit/accumulate.ts';
import { auditEncounter } from '../../src/audit/compare.ts';
import { dollars } from '../../src/audit/model.ts';
import { pricingSentence } from '../../src/audit/report/html.ts';
import {
  encounterCsvRow,
  encounterRecord,
  lineCsvRows,
  parseEncounterRecord,
} from '../../src/audit/report/records.ts';
import type { BillingLine, Evaluation } from '../../src/domain/types.ts';
import { SYSTEMS } from '../../src/domain/vocabulary.ts';

const J1745_2026Q1: Price = { quarter: '2026Q1', paymentLimit: 32.423, source: 'asp-pricing-2026q1.csv' };
/** What the CMS-built catalog answers for a date after its last quarter (src/catalog: priceOn). */
const catalog = {
  codes: new Map([
    ['J1745', { code: 'J1745', descriptor: 'Injection, infliximab, excludes biosimilar, 10 mg' }],
  ]),
  priceOn: (code: string, dos: string) =>
    code === 'J1745' && dos >= '2026-01-01' ? { ...J1745_2026Q1, forQuarter: '2026Q3' } : undefined,
  // Addendum B lists J1745 as K (separately payable) in hospital outpatient departments.
  statusOn: (code: string) =>
    code === 'J1745' ? { indicator: 'K', quarter: '2026Q1', source: 'test' } : undefined,
} as unknown as DrugCatalog;

const admin = 'MedicationAdministration/ma-1';
const line = (modifiers: ('JW' | 'JZ')[], units: number): BillingLine => ({
  key: `J1745|${modifiers.join('')}|2026-08-03`,
  code: 'J1745',
  modifiers,
  units,
  dateOfService: '2026-08-03',
  sourceAdministrations: [admin],
});
const evaluation: Evaluation = {
  encounter: 'Encounter/e-1',
  payerCategory: 'medicare',
  lines: [line([], 36), line(['JW'], 4)],
  gaps: [],
  diagnoses: [],
  skippedAdministrations: 0,
  enteredInError: [],
};
const encounter: Encounter = {
  resourceType: 'Encounter',
  id: 'e-1',
  status: 'finished',
  class: { code: 'AMB' },
  period: { start: '2026-08-03T09:00:00-05:00' },
};
const charge: ChargeItem = {
  resourceType: 'ChargeItem',
  id: 'c-1',
  status: 'billable',
  code: { coding: [{ system: SYSTEMS.hcpcs, code: 'J1745' }] },
  subject: { reference: 'Patient/p-1' },
  context: { reference: 'Encounter/e-1' },
  occurrenceDateTime: '2026-08-03T09:30:00-05:00',
  quantity: { value: 36 },
  service: [{ reference: admin }],
};
const range = { since: '2026-07-01', until: '2026-09-30' };
const baseInput = {
  encounter,
  administrations: [
    {
      resourceType: 'MedicationAdministration' as const,
      id: 'ma-1',
      status: 'completed' as const,
      subject: { reference: 'Patient/p-1' },
      context: { reference: 'Encounter/e-1' },
      effectiveDateTime: '2026-08-03T09:30:00-05:00',
    },
  ],
  medications: [],
  conditions: [],
  coverages: [],
  priorAuthorizations: [],
  bodyWeights: [],
  chargeItems: [charge],
  claims: [],
};

describe('the quarter that priced each figure', () => {
  const audit = auditEncounter({ input: baseInput, claims: [], evaluation }, catalog, range);

  it('values the missed JW units exactly, in mills', () => {
    // 4 x $32.423 = $129.692: exact, not rounded per line.
    expect(audit.figures.missedJwUnits).toBe(4);
    expect(audit.figures.missedJwMills).toBe(129_692);
    expect(audit.figures.derivedMills).toBe(40 * 32_423);
    expect(dollars(audit.figures.missedJwMills)).toBe(129.69);
  });

  it('names the quarters: dates in 2026Q3 priced with the 2026Q1 limits, the latest loaded', () => {
    expect(audit.pricing).toEqual([
      { dosQuarter: '2026Q3', priceQuarter: '2026Q1', illustrative: false, mills: 129_692, units: 4 },
    ]);
    const totals = emptyTotals();
    addEncounter(totals, audit);
    const s = summarize(totals, range, () => '');
    expect(s.headline.pricedBy).toEqual([
      {
        dosQuarter: '2026Q3',
        priceQuarter: '2026Q1',
        latestLoaded: true,
        illustrative: false,
        units: 4,
        value: 129.692,
      },
    ]);
    expect(pricingSentence(s.headline.pricedBy, false)).toBe(
      "Priced with the 2026Q1 CMS payment limits for dates of service in 2026Q3 (the latest loaded; 2026Q3's are not).",
    );
    expect(encounterCsvRow(audit, false)).toContain(',2026Q1 limits for 2026Q3 (latest loaded),false');
    const rows = lineCsvRows(audit, false).trim().split('\n');
    expect(rows).toEqual([
      'Encounter/e-1,2026-08-03,J1745,,36,36,,,ok,0,0,0,0,32.423,2026Q1 (latest loaded),,,false',
      'Encounter/e-1,2026-08-03,J1745,JW,4,0,,,missed-jw,4,129.692,0,0,32.423,2026Q1 (latest loaded),,,false',
    ]);
  });

  it('counts the units of a line the setting does not pay separately, and no dollars (an inpatient stay)', () => {
    const stay = auditEncounter(
      {
        input: { ...baseInput, encounter: { ...encounter, class: { code: 'IMP' } } },
        claims: [],
        evaluation,
      },
      catalog,
      range,
    );
    // Part A pays the drugs of an inpatient stay with the stay (IPPS).
    expect(stay.figures.missedJwUnits).toBe(4);
    expect(stay.figures.missedJwMills).toBe(0);
    expect(stay.figures.derivedMills).toBe(0);
    expect(stay.pricing).toEqual([]);
    expect(lineCsvRows(stay, false)).toContain(',missed-jw,4,0,0,0,,not paid separately in this setting,');
    expect(encounterCsvRow(stay, false)).toContain(',not paid separately in this setting,false');
  });

  it('a JSON record reads back to the same figures and lines', () => {
    const again = parseEncounterRecord(encounterRecord(audit));
    expect(again.figures).toEqual(audit.figures);
    expect(again.pricing).toEqual(audit.pricing);
    expect(again.auditLines).toEqual(audit.auditLines);
    expect([...again.byCode]).toEqual([...audit.byCode]);
  });
});
