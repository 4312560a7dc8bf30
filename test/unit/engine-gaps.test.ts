/**
 * Every documentation gap of the registry (SPEC section 5): a case that raises it, with the
 * subject key convention, and near cases that do not. A code added to GAPS without a case here
 * fails the suite.
 */
import { describe, expect, it } from 'vitest';
import type { Coverage } from '@medplum/fhirtypes';
import { facilitiesFrom, parseFacilities } from '../../src/catalog/facilities.ts';
import { loadPayerRules, parsePayerRules } from '../../src/catalog/payer-rules.ts';
import { GAP_CODE_LIST, GAPS, type GapCode } from '../../src/domain/gaps.ts';
import type { Evaluation } from '../../src/domain/types.ts';
import {
  admin,
  chargeItem,
  claim,
  condition,
  coverage,
  DOS,
  encounter,
  evaluate,
  gapCodes,
  gapSummary,
  lineSummary,
  NDC,
  NOW,
  payerRulesWith,
  priorAuthorization,
  scenario,
} from '../support/build.ts';

const mg = (value: number) => ({ value, unit: 'mg' });
const SOLU = { ndc: NDC.solumedrol125, dose: mg(125) };
const INFLIXIMAB = (dose: number) => ({ ndc: NDC.remicade, dose: mg(dose) });
const DEX_TEXT = { text: 'dexamethasone sodium phosphate', dose: mg(8) };
const LINE = (code: string) => `${code}:${DOS}`;
/** The J1745 MUE of catalog/curated.json is a practitioner MUE: it edits a physician office's claims. */
const OFFICE = { facilities: facilitiesFrom(parseFacilities({ default: { setting: 'physician-office' } })) };

const paRules = payerRulesWith('medicare', {
  priorAuth: { codes: ['J1745'], exemptEncounterClasses: ['IMP'] },
});
const sosRules = payerRulesWith('medicare', { notAllowed: [{ code: 'J1745', encounterClasses: ['AMB'] }] });
const dxRules = payerRulesWith('medicare', { supportingDiagnoses: { J1745: ['K50', 'K51', 'M05'] } });

/** A Coverage as Epic sends it: a local financial class in `type`, the payer by name only. */
function financialClassCoverage(): Coverage {
  return {
    resourceType: 'Coverage',
    id: 'cov-fc',
    status: 'active',
    type: {
      coding: [
        {
          system: 'urn:oid:1.2.840.114350.1.13.0.1.7.10.698084.130',
          code: '102',
          display: 'MEDICARE ADVANTAGE',
        },
      ],
      text: 'MEDICARE ADVANTAGE',
    },
    beneficiary: { reference: 'Patient/p1' },
    payor: [{ display: 'HUMANA GOLD PLUS' }],
    period: { start: '2020-01-01' },
  };
}
const withFinancialClass = parsePayerRules({
  ...loadPayerRules(),
  financialClasses: [
    { system: 'urn:oid:1.2.840.114350.1.13.0.1.7.10.698084.130', code: '102', category: 'commercial' },
  ],
});
const withPayorName = parsePayerRules({
  ...loadPayerRules(),
  payors: [{ name: 'Humana Gold Plus', category: 'commercial' }],
});

interface GapCase {
  /** Evaluation that raises the gap. */
  readonly raise: () => Evaluation;
  /** Expected subject key of the gap. */
  readonly subjectKey: string;
  /** Evaluations close to `raise` that must not raise it. */
  readonly near: Readonly<Record<string, () => Evaluation>>;
}

const CASES: { readonly [K in GapCode]: GapCase } = {
  'missing-diagnosis': {
    raise: () => evaluate(scenario({ administrations: [admin(SOLU)], conditions: [] })),
    subjectKey: 'ma1',
    near: {
      'diagnosis on the encounter': () => evaluate(scenario({ administrations: [admin(SOLU)] })),
      'reason code on the administration': () =>
        evaluate(
          scenario({ administrations: [admin({ ...SOLU, reasonCode: ['J45.901'] })], conditions: [] }),
        ),
      'Condition pointing at the encounter, not listed in Encounter.diagnosis': () =>
        evaluate(
          scenario({
            administrations: [admin(SOLU)],
            conditions: [condition('c9', 'J45.909')],
            // No Encounter.diagnosis: only Condition.encounter links it.
            encounter: encounter(),
          }),
        ),
      'reasonReference to a Condition': () =>
        evaluate(
          scenario({
            administrations: [admin({ ...SOLU, reasonReference: ['Condition/c7'] })],
            conditions: [condition('c7', 'J45.909', { encounter: null })],
            encounter: {
              resourceType: 'Encounter',
              id: 'e1',
              status: 'finished',
              class: { code: 'AMB' },
              subject: { reference: 'Patient/p1' },
            },
          }),
        ),
    },
  },
  'diagnosis-not-supported': {
    raise: () => evaluate(scenario({ administrations: [admin(INFLIXIMAB(400))] }), { payerRules: dxRules }),
    subjectKey: 'ma1',
    near: {
      'a supporting diagnosis (K50.90) is linked': () =>
        evaluate(
          scenario({ administrations: [admin(INFLIXIMAB(400))], conditions: [condition('c1', 'K50.90')] }),
          { payerRules: dxRules },
        ),
      'the policy lists no diagnoses for the code': () =>
        evaluate(scenario({ administrations: [admin(SOLU)] }), { payerRules: dxRules }),
      'another payer category has the policy': () =>
        evaluate(scenario({ administrations: [admin(INFLIXIMAB(400))], payer: 'medicaid' }), {
          payerRules: dxRules,
        }),
    },
  },
  'missing-dose': {
    raise: () => evaluate(scenario({ administrations: [admin({ ndc: NDC.solumedrol125 })] })),
    subjectKey: 'ma1',
    near: {
      'a dose': () => evaluate(scenario({ administrations: [admin(SOLU)] })),
      'a rate with start and stop': () =>
        evaluate(
          scenario({
            administrations: [
              admin({
                ndc: NDC.dobutamineBag,
                rate: { value: 15, unit: 'mL/h' },
                period: { start: `${DOS}T08:00:00Z`, end: `${DOS}T18:00:00Z` },
              }),
            ],
          }),
        ),
    },
  },
  'dose-unit-unconvertible': {
    raise: () =>
      evaluate(
        scenario({
          administrations: [admin({ ndc: NDC.solumedrol125, dose: { value: 1, unit: 'tablet' } })],
        }),
      ),
    subjectKey: 'ma1',
    near: {
      'a mass unit': () => evaluate(scenario({ administrations: [admin(SOLU)] })),
      'mL with a catalog concentration': () =>
        evaluate(
          scenario({ administrations: [admin({ ndc: NDC.solumedrol125, dose: { value: 2, unit: 'mL' } })] }),
        ),
    },
  },
  'missing-route': {
    raise: () => evaluate(scenario({ administrations: [admin({ ...SOLU, route: null })] })),
    subjectKey: 'ma1',
    near: {
      'route text': () => evaluate(scenario({ administrations: [admin({ ...SOLU, route: 'IV push' })] })),
      'route coding without text': () => {
        const a = admin({ ...SOLU, route: null });
        a.dosage = {
          ...a.dosage,
          route: { coding: [{ system: 'http://snomed.info/sct', code: '47625008' }] },
        };
        return evaluate(scenario({ administrations: [a] }));
      },
    },
  },
  'missing-administration-time': {
    raise: () => evaluate(scenario({ administrations: [admin({ ...SOLU, at: null })] })),
    subjectKey: 'ma1',
    near: {
      effectiveDateTime: () => evaluate(scenario({ administrations: [admin(SOLU)] })),
      'a dose over an effectivePeriod with start and stop': () =>
        evaluate(
          scenario({
            administrations: [
              admin({ ...SOLU, period: { start: `${DOS}T09:00:00Z`, end: `${DOS}T09:15:00Z` } }),
            ],
          }),
        ),
      'an infusion with start and stop': () =>
        evaluate(
          scenario({
            administrations: [
              admin({
                ndc: NDC.dobutamineBag,
                rate: { value: 15, unit: 'mL/h' },
                period: { start: `${DOS}T08:00:00Z`, end: `${DOS}T18:00:00Z` },
              }),
            ],
          }),
        ),
    },
  },
  'wastage-undocumented': {
    raise: () => evaluate(scenario({ administrations: [admin(INFLIXIMAB(70))] })),
    subjectKey: 'ma1',
    near: {
      'the discarded amount is documented (JW billed)': () =>
        evaluate(scenario({ administrations: [admin({ ...INFLIXIMAB(70), discarded: mg(30) })] })),
      'zero discarded documented': () =>
        evaluate(scenario({ administrations: [admin({ ...INFLIXIMAB(100), discarded: mg(0) })] })),
      'the whole vial given': () => evaluate(scenario({ administrations: [admin(INFLIXIMAB(100))] })),
      'rounding covers the remainder (J1745 per 10 mg, 95 mg of a 100 mg vial)': () =>
        evaluate(scenario({ administrations: [admin(INFLIXIMAB(95))] })),
      'multi-dose vial': () =>
        evaluate(scenario({ administrations: [admin({ ndc: NDC.depoMedrol, dose: mg(40) })] })),
      'payer requires no JW': () =>
        evaluate(scenario({ administrations: [admin(INFLIXIMAB(70))], payer: 'other' })),
      inpatient: () => evaluate(scenario({ administrations: [admin(INFLIXIMAB(70))], cls: 'IMP' })),
    },
  },
  'wastage-inconsistent': {
    raise: () => evaluate(scenario({ administrations: [admin({ ...INFLIXIMAB(70), discarded: mg(20) })] })),
    subjectKey: 'ma1',
    near: {
      'given + discarded = the vial': () =>
        evaluate(scenario({ administrations: [admin({ ...INFLIXIMAB(70), discarded: mg(30) })] })),
      'given + discarded = the opened vials': () =>
        evaluate(
          scenario({ administrations: [admin({ ...INFLIXIMAB(350), discarded: mg(50), opened: 4 })] }),
        ),
      'discarded in mL within rounding of the vial': () =>
        evaluate(
          scenario({
            administrations: [
              admin({ ndc: NDC.solumedrol125, dose: mg(100), discarded: { value: 0.4, unit: 'mL' } }),
            ],
          }),
        ),
      'no waste on a multi-dose vial': () =>
        evaluate(scenario({ administrations: [admin({ ndc: NDC.depoMedrol, dose: mg(40) })] })),
    },
  },
  'drug-not-identified': {
    raise: () =>
      evaluate(scenario({ administrations: [admin({ text: 'methylprednisolone', dose: mg(40) })] })),
    subjectKey: 'ma1',
    near: {
      'the salt is named': () =>
        evaluate(
          scenario({
            administrations: [admin({ text: 'methylprednisolone sodium succinate', dose: mg(40) })],
          }),
        ),
      'the NDC is given': () =>
        evaluate(
          scenario({
            administrations: [admin({ text: 'methylprednisolone', ndc: NDC.mps40, dose: mg(40) })],
          }),
        ),
      'a drug outside the catalog': () =>
        evaluate(scenario({ administrations: [admin({ text: 'oxycodone 5 mg tablet', dose: mg(5) })] })),
    },
  },
  'ndc-missing': {
    raise: () => evaluate(scenario({ administrations: [admin(DEX_TEXT)], payer: 'medicaid' })),
    subjectKey: 'ma1',
    near: {
      'the NDC is documented': () =>
        evaluate(scenario({ administrations: [admin(SOLU)], payer: 'medicaid' })),
      'Medicare does not require it': () => evaluate(scenario({ administrations: [admin(DEX_TEXT)] })),
    },
  },
  'missing-encounter': {
    raise: () => evaluate(scenario({ administrations: [admin({ ...SOLU, context: null })] })),
    subjectKey: 'ma1',
    near: {
      'context is the encounter': () => evaluate(scenario({ administrations: [admin(SOLU)] })),
      'a drug outside the catalog': () =>
        evaluate(
          scenario({
            administrations: [admin({ text: 'oxycodone 5 mg tablet', dose: mg(5), context: null })],
          }),
        ),
    },
  },
  'patient-mismatch': {
    raise: () => evaluate(scenario({ administrations: [admin({ ...SOLU, subject: 'Patient/p2' })] })),
    subjectKey: 'ma1',
    near: {
      'same patient': () => evaluate(scenario({ administrations: [admin(SOLU)] })),
      'same patient by absolute URL': () =>
        evaluate(
          scenario({ administrations: [admin({ ...SOLU, subject: 'https://ehr.example/fhir/Patient/p1' })] }),
        ),
    },
  },
  'no-coverage': {
    raise: () => evaluate(scenario({ administrations: [admin(SOLU)], payer: null })),
    subjectKey: 'encounter',
    near: {
      'active Medicare coverage': () => evaluate(scenario({ administrations: [admin(SOLU)] })),
      'nothing billable': () =>
        evaluate(
          scenario({ administrations: [admin({ text: 'oxycodone 5 mg tablet', dose: mg(5) })], payer: null }),
        ),
      'active self-pay coverage': () =>
        evaluate(scenario({ administrations: [admin(SOLU)], payer: 'other' })),
    },
  },
  'prior-auth-missing': {
    raise: () => evaluate(scenario({ administrations: [admin(INFLIXIMAB(400))] }), { payerRules: paRules }),
    subjectKey: LINE('J1745'),
    near: {
      'authorization on file for the code': () =>
        evaluate(
          scenario({
            administrations: [admin(INFLIXIMAB(400))],
            priorAuthorizations: [priorAuthorization({ codes: ['J1745'] })],
          }),
          { payerRules: paRules },
        ),
      'authorization on file without items': () =>
        evaluate(
          scenario({
            administrations: [admin(INFLIXIMAB(400))],
            priorAuthorizations: [priorAuthorization()],
          }),
          { payerRules: paRules },
        ),
      'exempt encounter class (IMP)': () =>
        evaluate(scenario({ administrations: [admin(INFLIXIMAB(400))], cls: 'IMP' }), {
          payerRules: paRules,
        }),
      'a code that needs none': () =>
        evaluate(scenario({ administrations: [admin(SOLU)] }), { payerRules: paRules }),
      'the shipped rules': () => evaluate(scenario({ administrations: [admin(INFLIXIMAB(400))] })),
    },
  },
  'site-of-service-restricted': {
    raise: () => evaluate(scenario({ administrations: [admin(INFLIXIMAB(400))] }), { payerRules: sosRules }),
    subjectKey: LINE('J1745'),
    near: {
      'an allowed setting (EMER)': () =>
        evaluate(scenario({ administrations: [admin(INFLIXIMAB(400))], cls: 'EMER' }), {
          payerRules: sosRules,
        }),
      'another code': () => evaluate(scenario({ administrations: [admin(SOLU)] }), { payerRules: sosRules }),
      'the shipped rules': () => evaluate(scenario({ administrations: [admin(INFLIXIMAB(400))] })),
    },
  },
  'units-exceed-mue': {
    // J1745 practitioner MUE is 150 units (Noridian JE): 1600 mg is 160 units, in a physician office.
    raise: () => evaluate(scenario({ administrations: [admin(INFLIXIMAB(1600))] }), OFFICE),
    subjectKey: LINE('J1745'),
    near: {
      'exactly the MUE (1500 mg = 150 units)': () =>
        evaluate(scenario({ administrations: [admin(INFLIXIMAB(1500))] }), OFFICE),
      'over the MUE on two different days': () =>
        evaluate(
          scenario({
            administrations: [
              admin({ id: 'a1', ...INFLIXIMAB(1000) }),
              admin({ id: 'a2', ...INFLIXIMAB(1000), at: '2025-03-11T09:00:00Z' }),
            ],
          }),
          OFFICE,
        ),
      'a code without an MUE in the catalog': () =>
        evaluate(
          scenario({ administrations: [admin({ text: 'dexamethasone sodium phosphate', dose: mg(500) })] }),
          OFFICE,
        ),
      'a hospital outpatient claim (the facility MUE table, which the catalog does not hold for J1745)': () =>
        evaluate(scenario({ administrations: [admin(INFLIXIMAB(1600))] })),
    },
  },
  'charge-code-mismatch': {
    raise: () =>
      evaluate(
        scenario({
          administrations: [admin(SOLU)],
          chargeItems: [chargeItem({ id: 'ci7', code: 'J1250', service: ['MedicationAdministration/ma1'] })],
        }),
      ),
    subjectKey: 'ci7',
    near: {
      'the right code': () =>
        evaluate(
          scenario({
            administrations: [admin(SOLU)],
            chargeItems: [
              chargeItem({
                id: 'ci7',
                code: 'J2919',
                modifiers: ['JZ'],
                units: 25,
                service: ['MedicationAdministration/ma1'],
              }),
            ],
          }),
        ),
      'a non-drug charge on the same day': () =>
        evaluate(
          scenario({
            administrations: [admin(SOLU)],
            chargeItems: [chargeItem({ id: 'ci8', code: 'G0008' })],
          }),
        ),
      'a charge not yet billable': () =>
        evaluate(
          scenario({
            administrations: [admin(SOLU)],
            chargeItems: [
              chargeItem({
                id: 'ci7',
                code: 'J1250',
                status: 'planned',
                service: ['MedicationAdministration/ma1'],
              }),
            ],
          }),
        ),
    },
  },
  'charge-units-mismatch': {
    raise: () =>
      evaluate(
        scenario({
          administrations: [admin(SOLU)],
          chargeItems: [chargeItem({ code: 'J2919', modifiers: ['JZ'], units: 50 })],
        }),
      ),
    subjectKey: LINE('J2919'),
    near: {
      'posted units match': () =>
        evaluate(
          scenario({
            administrations: [admin(SOLU)],
            chargeItems: [chargeItem({ code: 'J2919', modifiers: ['JZ'], units: 25 })],
          }),
        ),
      'posted JW and main lines match': () =>
        evaluate(
          scenario({
            administrations: [admin({ ...INFLIXIMAB(350), discarded: mg(50), opened: 4 })],
            chargeItems: [
              chargeItem({ id: 'c1', code: 'J1745', units: 35 }),
              chargeItem({ id: 'c2', code: 'J1745', modifiers: ['JW'], units: 5 }),
            ],
          }),
        ),
      'nothing posted': () => evaluate(scenario({ administrations: [admin(SOLU)] })),
    },
  },
  'charge-modifier-missing': {
    raise: () =>
      evaluate(
        scenario({ administrations: [admin(SOLU)], chargeItems: [chargeItem({ code: 'J2919', units: 25 })] }),
      ),
    subjectKey: LINE('J2919'),
    near: {
      'posted with JZ': () =>
        evaluate(
          scenario({
            administrations: [admin(SOLU)],
            chargeItems: [chargeItem({ code: 'J2919', modifiers: ['JZ'], units: 25 })],
          }),
        ),
      'the payer needs no JZ': () =>
        evaluate(
          scenario({
            administrations: [admin(SOLU)],
            payer: 'medicaid',
            chargeItems: [chargeItem({ code: 'J2919', units: 25 })],
          }),
        ),
      'waste posted with JW': () =>
        evaluate(
          scenario({
            administrations: [admin({ ...INFLIXIMAB(350), discarded: mg(50), opened: 4 })],
            chargeItems: [
              chargeItem({ id: 'c1', code: 'J1745', units: 35 }),
              chargeItem({ id: 'c2', code: 'J1745', modifiers: ['JW'], units: 5 }),
            ],
          }),
        ),
    },
  },
  'missing-performer': {
    raise: () => evaluate(scenario({ administrations: [admin({ ...SOLU, performer: null })] })),
    subjectKey: 'ma1',
    near: {
      'a performer': () => evaluate(scenario({ administrations: [admin(SOLU)] })),
      'a performer by display only': () => {
        const a = admin({ ...SOLU, performer: null });
        a.performer = [{ actor: { display: 'J. Smith, RN' } }];
        return evaluate(scenario({ administrations: [a] }));
      },
    },
  },
  'claim-already-submitted': {
    raise: () =>
      evaluate(
        scenario({
          administrations: [admin(SOLU)],
          claims: [claim([{ code: 'J2919', modifiers: ['JZ'], units: 50 }])],
        }),
      ),
    subjectKey: 'encounter',
    near: {
      'the submitted claim matches': () =>
        evaluate(
          scenario({
            administrations: [admin(SOLU)],
            claims: [claim([{ code: 'J2919', modifiers: ['JZ'], units: 25 }])],
          }),
        ),
      'the claim is still a draft': () =>
        evaluate(
          scenario({
            administrations: [admin(SOLU)],
            claims: [claim([{ code: 'J2919', modifiers: ['JZ'], units: 50 }], { status: 'draft' })],
          }),
        ),
      'the claim was cancelled': () =>
        evaluate(
          scenario({
            administrations: [admin(SOLU)],
            claims: [claim([{ code: 'J2919', modifiers: ['JZ'], units: 50 }], { status: 'cancelled' })],
          }),
        ),
    },
  },
  'units-not-computable': {
    // Celestone Soluspan (78206-0118-01): asp-crosswalk-2025q1.csv lists it under J0702 only, whose
    // dosage asp-pricing-2025q1.csv writes "3 MG & 3 MG" (two salts): no amount to divide a dose by.
    raise: () => evaluate(scenario({ administrations: [admin({ ndc: '78206011801', dose: mg(6) })] })),
    subjectKey: 'ma1',
    near: {
      'a code that bills by amount': () => evaluate(scenario({ administrations: [admin(SOLU)] })),
      // DigiFab (50633-0120-11): J1162 "PER VIAL" (asp-pricing-2025q1.csv), 2 vials documented.
      'a per-vial code with the vials opened documented': () =>
        evaluate(scenario({ administrations: [admin({ ndc: '50633012011', dose: mg(80), opened: 2 })] })),
    },
  },
  'payer-unclassified': {
    // Coverage.type is the hospital's own financial class, and nothing maps it.
    raise: () =>
      evaluate(scenario({ administrations: [admin(SOLU)], coverages: [financialClassCoverage()] })),
    subjectKey: 'encounter',
    near: {
      'an SOPT type': () => evaluate(scenario({ administrations: [admin(SOLU)] })),
      'the financial class is mapped': () =>
        evaluate(scenario({ administrations: [admin(SOLU)], coverages: [financialClassCoverage()] }), {
          payerRules: withFinancialClass,
        }),
      'the payor name is mapped': () =>
        evaluate(scenario({ administrations: [admin(SOLU)], coverages: [financialClassCoverage()] }), {
          payerRules: withPayorName,
        }),
      'no coverage at all (no-coverage says so)': () =>
        evaluate(scenario({ administrations: [admin(SOLU)], payer: null })),
      'nothing billable': () =>
        evaluate(scenario({ administrations: [], coverages: [financialClassCoverage()] })),
    },
  },
};

describe('gap registry coverage', () => {
  it('every code in GAPS has a case here', () => {
    const missing = GAP_CODE_LIST.filter((code) => !Object.hasOwn(CASES, code));
    expect(missing).toEqual([]);
    expect(Object.keys(CASES).sort()).toEqual([...GAP_CODE_LIST].sort());
  });
});

describe.each(GAP_CODE_LIST)('%s', (code) => {
  const c = CASES[code];

  it('is raised, with its registry severity and subject key', () => {
    const ev = c.raise();
    const gap = ev.gaps.find((g) => g.code === code);
    expect(gap, `gaps were ${JSON.stringify(gapSummary(ev))}`).toBeDefined();
    expect(gap?.severity).toBe(GAPS[code].severity);
    expect(gap?.subjectKey).toBe(c.subjectKey);
    expect(gap?.implicated.length).toBeGreaterThan(0);
    expect(gap?.detail).toMatch(/\S/);
    // One plain sentence: no line breaks.
    expect(gap?.detail).not.toMatch(/\n/);
  });

  it.each(Object.entries(c.near))('is not raised: %s', (_label, near) => {
    const ev = near();
    expect(gapCodes(ev), `gaps were ${JSON.stringify(gapSummary(ev))}`).not.toContain(code);
  });
});

describe('gap details', () => {
  it('missing-dose: zero and negative doses are not doses', () => {
    for (const value of [0, -125]) {
      const ev = evaluate(
        scenario({ administrations: [admin({ ndc: NDC.solumedrol125, dose: mg(value) })] }),
      );
      expect(ev.lines).toEqual([]);
      expect(gapSummary(ev)).toEqual(['missing-dose@ma1']);
    }
  });

  it('dose-unit-unconvertible: a unit named like an Object property is not a unit', () => {
    for (const unit of ['toString', 'constructor', '{puff}']) {
      const ev = evaluate(
        scenario({ administrations: [admin({ ndc: NDC.solumedrol125, dose: { value: 1, unit } })] }),
      );
      expect(ev.lines).toEqual([]);
      expect(gapSummary(ev)).toEqual(['dose-unit-unconvertible@ma1']);
    }
  });

  it('missing-administration-time: an infusion without its stop time, no line', () => {
    const ev = evaluate(
      scenario({
        administrations: [
          admin({
            ndc: NDC.dobutamineBag,
            rate: { value: 15, unit: 'mL/h' },
            period: { start: `${DOS}T08:00:00Z` },
          }),
        ],
      }),
    );
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['missing-administration-time@ma1']);
  });

  it('missing-administration-time: a stop before the start, or a time in the future', () => {
    const reversed = evaluate(
      scenario({
        administrations: [
          admin({
            ndc: NDC.dobutamineBag,
            rate: { value: 15, unit: 'mL/h' },
            period: { start: `${DOS}T18:00:00Z`, end: `${DOS}T08:00:00Z` },
          }),
        ],
      }),
    );
    expect(gapSummary(reversed)).toEqual(['missing-administration-time@ma1']);
    const future = evaluate(
      scenario({ administrations: [admin({ ...SOLU, at: '2025-07-01T09:00:00Z' })] }),
      {},
      NOW,
    );
    expect(future.lines).toEqual([]);
    expect(gapSummary(future)).toEqual(['missing-administration-time@ma1']);
  });

  it('wastage-undocumented: neither JW nor JZ on the line', () => {
    const ev = evaluate(scenario({ administrations: [admin(INFLIXIMAB(70))] }));
    expect(lineSummary(ev)).toEqual([`J1745||7|${DOS}`]);
  });

  it('wastage-inconsistent: waste recorded on a multi-dose vial is flagged and not billed', () => {
    const ev = evaluate(
      scenario({ administrations: [admin({ ndc: NDC.depoMedrol, dose: mg(40), discarded: mg(360) })] }),
    );
    expect(gapSummary(ev)).toEqual(['wastage-inconsistent@ma1']);
    expect(lineSummary(ev)).toEqual([`J1010||40|${DOS}`]);
  });

  it('wastage-inconsistent: an unusable discarded quantity', () => {
    const ev = evaluate(
      scenario({ administrations: [admin({ ...INFLIXIMAB(70), discarded: { value: 3, unit: 'tablet' } })] }),
    );
    expect(gapCodes(ev)).toContain('wastage-inconsistent');
    expect(ev.lines.some((l) => l.modifiers.includes('JW'))).toBe(false);
  });

  it('drug-not-identified: the ingredient-level RxNorm 6902 (methylprednisolone) is ambiguous', () => {
    const ev = evaluate(scenario({ administrations: [admin({ rxnorm: '6902', dose: mg(40) })] }));
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['drug-not-identified@ma1']);
    expect(ev.skippedAdministrations).toBe(0);
  });

  it('patient-mismatch: nothing of the administration is billed', () => {
    const ev = evaluate(
      scenario({ administrations: [admin({ ...SOLU, subject: 'Patient/p2', route: null })] }),
    );
    expect(ev.lines).toEqual([]);
    expect(gapSummary(ev)).toEqual(['patient-mismatch@ma1']);
  });

  it('missing-encounter: not billed', () => {
    const ev = evaluate(scenario({ administrations: [admin({ ...SOLU, context: null })] }));
    expect(ev.lines).toEqual([]);
  });

  it('an administration of another encounter is ignored', () => {
    const ev = evaluate(scenario({ administrations: [admin({ ...SOLU, context: 'Encounter/other' })] }));
    expect(ev.lines).toEqual([]);
    expect(ev.gaps).toEqual([]);
  });

  it('no-coverage: a coverage that ended before the date of service does not count', () => {
    const ev = evaluate(
      scenario({ administrations: [admin(SOLU)], coverages: [coverage('medicare', { end: '2024-12-31' })] }),
    );
    expect(gapSummary(ev)).toEqual(['no-coverage@encounter']);
    expect(ev.coverage).toBeUndefined();
  });

  it('prior-auth-missing: an authorization that expired before the date of service does not count', () => {
    const ev = evaluate(
      scenario({
        administrations: [admin(INFLIXIMAB(400))],
        priorAuthorizations: [priorAuthorization({ codes: ['J1745'], end: '2025-02-28' })],
      }),
      { payerRules: paRules },
    );
    expect(gapSummary(ev)).toEqual([`prior-auth-missing@${LINE('J1745')}`]);
  });

  it('prior-auth-missing: an authorization for another code does not count', () => {
    const ev = evaluate(
      scenario({
        administrations: [admin(INFLIXIMAB(400))],
        priorAuthorizations: [priorAuthorization({ codes: ['J2919'] })],
      }),
      {
        payerRules: paRules,
      },
    );
    expect(gapCodes(ev)).toEqual(['prior-auth-missing']);
  });

  it('units-exceed-mue counts the JW units of the code and date', () => {
    // 1450 mg given, 150 mg discarded from 16 vials: 145 + 15 JW = 160 > 150.
    const ev = evaluate(
      scenario({ administrations: [admin({ ...INFLIXIMAB(1450), discarded: mg(150), opened: 16 })] }),
      OFFICE,
    );
    expect(lineSummary(ev)).toEqual([`J1745|JW|15|${DOS}`, `J1745||145|${DOS}`]);
    expect(gapSummary(ev)).toEqual([`units-exceed-mue@${LINE('J1745')}`]);
  });

  it('units-exceed-mue sums the administrations of the day', () => {
    const ev = evaluate(
      scenario({
        administrations: [
          admin({ id: 'a1', ...INFLIXIMAB(800) }),
          admin({ id: 'a2', ...INFLIXIMAB(800), at: `${DOS}T15:00:00Z` }),
        ],
      }),
      OFFICE,
    );
    expect(lineSummary(ev)).toEqual([`J1745|JZ|160|${DOS}`]);
    const gap = ev.gaps.find((g) => g.code === 'units-exceed-mue');
    expect(gap?.implicated).toEqual(['MedicationAdministration/a1', 'MedicationAdministration/a2']);
  });

  it('charge-modifier-missing: the derived waste was not posted as a JW line', () => {
    const ev = evaluate(
      scenario({
        administrations: [admin({ ...INFLIXIMAB(350), discarded: mg(50), opened: 4 })],
        chargeItems: [chargeItem({ code: 'J1745', units: 35 })],
      }),
    );
    expect(gapSummary(ev)).toEqual([`charge-modifier-missing@${LINE('J1745')}`]);
  });

  it('charge-units-mismatch: under-billing and over-billing are both raised', () => {
    const under = evaluate(
      scenario({
        administrations: [admin({ ...INFLIXIMAB(400) })],
        chargeItems: [chargeItem({ code: 'J1745', modifiers: ['JZ'], units: 4 })],
      }),
    );
    expect(gapSummary(under)).toEqual([`charge-units-mismatch@${LINE('J1745')}`]);
    expect(under.gaps[0]?.detail).toMatch(/post the missing units/);
    const over = evaluate(
      scenario({
        administrations: [admin({ ...INFLIXIMAB(400) })],
        chargeItems: [chargeItem({ code: 'J1745', modifiers: ['JZ'], units: 400 })],
      }),
    );
    expect(over.gaps[0]?.detail).toMatch(/over-billing/);
  });

  it('claim-already-submitted: a submitted claim whose line the documentation no longer supports', () => {
    const ev = evaluate(
      scenario({
        administrations: [admin({ ...SOLU, status: 'entered-in-error' })],
        claims: [claim([{ code: 'J2919', modifiers: ['JZ'], units: 25 }])],
      }),
    );
    expect(gapSummary(ev)).toEqual(['claim-already-submitted@encounter']);
    expect(ev.gaps[0]?.implicated).toEqual(['Claim/claim1', 'Encounter/e1']);
  });

  it('gaps are independent: no diagnosis and no NDC under Medicaid raise both', () => {
    const ev = evaluate(scenario({ administrations: [admin(DEX_TEXT)], payer: 'medicaid', conditions: [] }));
    expect(gapCodes(ev)).toEqual(['missing-diagnosis', 'ndc-missing']);
  });

  it('a clean encounter raises nothing', () => {
    const ev = evaluate(scenario({ administrations: [admin(SOLU)] }));
    expect(ev.gaps).toEqual([]);
    expect(lineSummary(ev)).toEqual([`J2919|JZ|25|${DOS}`]);
  });
});
