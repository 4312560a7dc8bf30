/**
 * The billing facility's setting decides whether a drug line is separately payable, hence
 * whether JW/JZ apply, and a 340B facility adds JG or TB (docs/billing-rules.md, "Settings").
 * OPPS status indicators come from real Addendum B rows (test/support/cms-catalog.ts):
 * J1250 and J1100 N (packaged), J1745 and J2919 K (separately payable).
 */
import { describe, expect, it } from 'vitest';
import { facilitiesFrom, parseFacilities } from '../../src/catalog/facilities.ts';
import type { FacilityResolver } from '../../src/domain/facility.ts';
import {
  admin,
  DOS,
  encounter,
  evaluate,
  gapCodes,
  gapSummary,
  lineSummary,
  scenario,
  type ScenarioOpts,
} from '../support/build.ts';
import { CMS_NDC, cmsCatalog } from '../support/cms-catalog.ts';

const catalog = cmsCatalog();
const facilities = (raw: unknown): FacilityResolver => facilitiesFrom(parseFacilities(raw));
const only = (setting: string, more: Record<string, unknown> = {}) =>
  facilities({ default: { setting, ...more } });

/** Dobutamine 5 mcg/kg... kept simple: 300 mg by mg/h from the Baxter 1000 mg bag, 700 mg discarded. */
const dobutamine = () =>
  admin({
    ndc: CMS_NDC.dobutamineBag1000,
    rate: { value: 30, unit: 'mg/h' },
    period: { start: `${DOS}T08:00:00Z`, end: `${DOS}T18:00:00Z` },
    discarded: { value: 700, unit: 'mg' },
    opened: 1,
  });
/** Infliximab 350 mg from 4 x 100 mg vials, 50 mg discarded (Noridian JE/JF example). */
const infliximab = () =>
  admin({
    ndc: CMS_NDC.remicade,
    dose: { value: 350, unit: 'mg' },
    discarded: { value: 50, unit: 'mg' },
    opened: 4,
  });

function run(opts: ScenarioOpts, facilityResolver?: FacilityResolver, cls = 'AMB') {
  return evaluate(scenario({ cls, ...opts }), {
    catalog,
    ...(facilityResolver ? { facilities: facilityResolver } : {}),
  });
}

describe('hospital outpatient (the default facility): OPPS status indicator of the quarter', () => {
  it('J1250 is SI N (packaged): units reported, no JW line, no JZ, no waste at risk', () => {
    // 30 mg/h x 10 h = 300 mg: ceil(300 / 250) = 2 units. Packaged: the 700 mg discarded is not billed.
    for (const cls of ['AMB', 'EMER', 'OBSENC']) {
      const ev = run({ administrations: [dobutamine()] }, undefined, cls);
      expect(lineSummary(ev), cls).toEqual([`J1250||2|${DOS}`]);
      expect(ev.gaps, cls).toEqual([]);
    }
  });

  it('J1250 with the waste undocumented: still no wastage-undocumented, nothing is at risk', () => {
    const a = dobutamine();
    delete a.dosage?.extension;
    const ev = run({ administrations: [a] });
    expect(lineSummary(ev)).toEqual([`J1250||2|${DOS}`]);
    expect(ev.gaps).toEqual([]);
  });

  it('J1745 is SI K (separately payable): 35 units + JW 5, also for an AMB infusion-clinic visit', () => {
    const ev = run({ administrations: [infliximab()] });
    expect(lineSummary(ev)).toEqual([`J1745|JW|5|${DOS}`, `J1745||35|${DOS}`]);
    expect(ev.setting).toEqual({ setting: 'hospital-outpatient', inpatient: false, program340B: null });
  });

  it('a code whose status the catalog does not give is treated as separately payable (shipped catalog)', () => {
    // The shipped catalog has no status for J1745: the line keeps its JW, as before settings existed.
    const ev = evaluate(scenario({ administrations: [infliximab()] }));
    expect(lineSummary(ev)).toEqual([`J1745|JW|5|${DOS}`, `J1745||35|${DOS}`]);
  });

  it('an inpatient stay (IMP) at the hospital is IPPS: no JW/JZ on J1745, and the Evaluation says inpatient', () => {
    const ev = run({ administrations: [infliximab()] }, undefined, 'IMP');
    expect(lineSummary(ev)).toEqual([`J1745||35|${DOS}`]);
    expect(ev.setting?.inpatient).toBe(true);
  });
});

describe('other settings', () => {
  it('physician office: J1250 is separately payable there (dobutamine stress echo in an office): JW', () => {
    // 300 mg given, 700 mg discarded: units 2, JW floor(1000 / 250) - 2 = 2.
    const ev = run({ administrations: [dobutamine()] }, only('physician-office'));
    expect(lineSummary(ev)).toEqual([`J1250|JW|2|${DOS}`, `J1250||2|${DOS}`]);
    expect(ev.setting?.setting).toBe('physician-office');
  });

  it('critical access hospital: every single-dose line needs JW/JZ, SI N codes included', () => {
    const ev = run({ administrations: [dobutamine()] }, only('critical-access-hospital'), 'OBSENC');
    expect(lineSummary(ev)).toEqual([`J1250|JW|2|${DOS}`, `J1250||2|${DOS}`]);
  });

  it('an inpatient stay at a critical access hospital: no JW/JZ', () => {
    const ev = run({ administrations: [infliximab()] }, only('critical-access-hospital'), 'IMP');
    expect(lineSummary(ev)).toEqual([`J1745||35|${DOS}`]);
    expect(ev.setting?.inpatient).toBe(true);
  });

  it.each(['rhc', 'fqhc'])('%s: the all-inclusive rate pays the drug: no JW/JZ, no waste gap', (setting) => {
    const ev = run({ administrations: [infliximab()] }, only(setting));
    expect(lineSummary(ev)).toEqual([`J1745||35|${DOS}`]);
    const undocumented = infliximab();
    delete undocumented.dosage?.extension;
    expect(gapCodes(run({ administrations: [undocumented] }, only(setting)))).toEqual([]);
  });

  it('ASC: K2 only, with the OPPS status standing in for the ASC payment indicator', () => {
    expect(lineSummary(run({ administrations: [infliximab()] }, only('asc')))).toEqual([
      `J1745|JW|5|${DOS}`,
      `J1745||35|${DOS}`,
    ]);
    expect(lineSummary(run({ administrations: [dobutamine()] }, only('asc')))).toEqual([`J1250||2|${DOS}`]);
  });

  it("the Encounter's serviceProvider picks its facility entry; another Organization gets the default", () => {
    const resolver = facilities({
      default: { setting: 'hospital-outpatient', timeZone: 'America/Chicago' },
      facilities: [{ organization: 'Organization/office-1', setting: 'physician-office', program340B: 'JG' }],
    });
    const at = (org: string) =>
      run(
        {
          administrations: [dobutamine()],
          encounter: { ...encounter(), serviceProvider: { reference: org } },
        },
        resolver,
      );
    const office = at('Organization/office-1');
    expect(lineSummary(office)).toEqual([`J1250|JG|2|${DOS}`, `J1250|JW+JG|2|${DOS}`]);
    expect(office.setting).toEqual({
      organization: 'Organization/office-1',
      setting: 'physician-office',
      inpatient: false,
      timeZone: 'America/Chicago',
      program340B: 'JG',
    });
    expect(lineSummary(at('Organization/main-campus'))).toEqual([`J1250||2|${DOS}`]);
  });
});

describe('340B: JG or TB on separately payable lines, the JW line included', () => {
  it('a 340B hospital outpatient department (JG): J1745-JG x35 and J1745-JW-JG x5', () => {
    const ev = run({ administrations: [infliximab()] }, only('hospital-outpatient', { program340B: 'JG' }));
    expect(lineSummary(ev)).toEqual([`J1745|JG|35|${DOS}`, `J1745|JW+JG|5|${DOS}`]);
  });

  it('a 340B critical access hospital reports TB, with JZ when nothing was discarded', () => {
    const full = admin({
      ndc: CMS_NDC.remicade,
      dose: { value: 400, unit: 'mg' },
      discarded: { value: 0, unit: 'mg' },
    });
    const ev = run({ administrations: [full] }, only('critical-access-hospital', { program340B: 'TB' }));
    expect(lineSummary(ev)).toEqual([`J1745|JZ+TB|40|${DOS}`]);
  });

  it('not on a packaged (SI N) line, and not for a payer that does not take the 340B modifiers', () => {
    const jg = only('hospital-outpatient', { program340B: 'JG' });
    expect(lineSummary(run({ administrations: [dobutamine()] }, jg))).toEqual([`J1250||2|${DOS}`]);
    // Commercial payers require JW but not JG/TB in the shipped payer rules.
    expect(lineSummary(run({ administrations: [infliximab()], payer: 'commercial' }, jg))).toEqual([
      `J1745|JW|5|${DOS}`,
      `J1745||35|${DOS}`,
    ]);
  });

  it('an unclassified payer is billed under Medicare rules, 340B modifier included', () => {
    const ev = run(
      {
        administrations: [infliximab()],
        coverages: [
          {
            resourceType: 'Coverage',
            id: 'cov-x',
            status: 'active',
            type: { text: 'SELF PAY / OTHER' },
            beneficiary: { reference: 'Patient/p1' },
            payor: [{ display: 'Unknown Plan' }],
          },
        ],
      },
      only('hospital-outpatient', { program340B: 'JG' }),
    );
    expect(lineSummary(ev)).toEqual([`J1745|JG|35|${DOS}`, `J1745|JW+JG|5|${DOS}`]);
    expect(gapSummary(ev)).toEqual(['payer-unclassified@encounter']);
    expect(ev.payerCategory).toBe('medicare');
  });
});
