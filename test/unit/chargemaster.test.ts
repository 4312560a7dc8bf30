/**
 * CHARGEMASTER_FILE: the CMS hospital price transparency file (template v2.0+) read into the
 * gross charge per HCPCS billing unit. Expected unit prices are worked out by hand in
 * test/fixtures/chargemaster/README.md from the fixture's charges and the HCPCS descriptors
 * (J2919 per 5 mg, J1010 per 1 mg, J1250 per 250 mg, J1745 per 10 mg, J1100 per 1 mg: CMS ASP
 * pricing file 2026Q1, column "HCPCS Code Dosage").
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ChargemasterError, type ChargeQuery } from '../../src/catalog/chargemaster.ts';
import { decodeText, loadChargemaster, parseChargemaster } from '../../src/catalog/load-chargemaster.ts';

const FIXTURES = new URL('../fixtures/chargemaster/', import.meta.url);
const CSV_FILE = new URL('vialwise-demo-hospital_standardcharges.csv', FIXTURES).pathname;
const JSON_FILE = new URL('vialwise-demo-hospital_standardcharges.json', FIXTURES).pathname;
const csvText = readFileSync(CSV_FILE, 'utf8');
const jsonText = readFileSync(JSON_FILE, 'utf8');

const dir = mkdtempSync(join(tmpdir(), 'vialwise-cdm-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const mg = (amount: number) => ({ amount, measure: 'mg' as const });
/** Products as the catalog describes them (drug per container, volume), from their labels. */
const vial125 = { amount: { value: 125, measure: 'mg' as const }, volumeMl: 2 };
const vial40 = { amount: { value: 40, measure: 'mg' as const }, volumeMl: 1 };
const depoMedrol = { amount: { value: 400, measure: 'mg' as const }, volumeMl: 5 };
const dobutamineBag500 = { amount: { value: 500, measure: 'mg' as const }, volumeMl: 250 };
const dobutamineBag1000 = { amount: { value: 1000, measure: 'mg' as const }, volumeMl: 250 };
const dobutamineVial = { amount: { value: 250, measure: 'mg' as const }, volumeMl: 20 };
const remicade = { amount: { value: 100, measure: 'mg' as const } };
const dexVial = { amount: { value: 10, measure: 'mg' as const }, volumeMl: 1 };

type Case = [string, Omit<ChargeQuery, 'setting'> & { setting?: ChargeQuery['setting'] }, number];
const PRICED: Case[] = [
  [
    'vial priced per UN (one vial = 25 x 5 mg)',
    { hcpcs: 'J2919', ndc: '63323025801', billingUnit: mg(5), product: vial125 },
    2.32,
  ],
  [
    'same NDC, inpatient row',
    { hcpcs: 'J2919', ndc: '63323025801', billingUnit: mg(5), product: vial125, setting: 'inpatient' },
    2.08,
  ],
  ['setting both', { hcpcs: 'J2919', ndc: '43598012901', billingUnit: mg(5), product: vial125 }, 2.32],
  [
    'priced per 2 mL at 62.5 mg/mL',
    { hcpcs: 'J2919', ndc: '00009004725', billingUnit: mg(5), product: vial125 },
    2.98,
  ],
  [
    'priced per 1 mL at 40 mg/mL',
    { hcpcs: 'J2919', ndc: '00143975301', billingUnit: mg(5), product: vial40 },
    3.875,
  ],
  ['no NDC: the HCPCS-only row, per 5 ME', { hcpcs: 'J2919', billingUnit: mg(5) }, 2.6],
  [
    'NDC not listed: the HCPCS-only row',
    { hcpcs: 'J2919', ndc: '00009004722', billingUnit: mg(5), product: vial125 },
    2.6,
  ],
  [
    'a code of the family the row does not name (J2930 up to 125 mg) priced by the NDC',
    { hcpcs: 'J2930', ndc: '63323025801', billingUnit: mg(125), product: vial125 },
    58,
  ],
  [
    'multi-dose vial per 5 mL, 80 mg/mL',
    { hcpcs: 'J1010', ndc: '00009030602', billingUnit: mg(1), product: depoMedrol },
    0.4725,
  ],
  [
    'bag per 250 mL at 2 mg/mL',
    { hcpcs: 'J1250', ndc: '00409015101', billingUnit: mg(250), product: dobutamineBag500 },
    48,
  ],
  [
    'bag per EA (1000 mg)',
    { hcpcs: 'J1250', ndc: '00338107702', billingUnit: mg(250), product: dobutamineBag1000 },
    35.5,
  ],
  [
    'vial per UN (250 mg)',
    { hcpcs: 'J1250', ndc: '00409234401', billingUnit: mg(250), product: dobutamineVial },
    39,
  ],
  [
    'lyophilized vial per UN (100 mg)',
    { hcpcs: 'J1745', ndc: '57894003001', billingUnit: mg(10), product: remicade },
    165,
  ],
  ['HCPCS-only row per 1 ME', { hcpcs: 'J1100', billingUnit: mg(1) }, 0.85],
  [
    'vial per 1 mL at 10 mg/mL',
    { hcpcs: 'J1100', ndc: '25021005301', billingUnit: mg(1), product: dexVial },
    0.9,
  ],
];

function query(q: Case[1]): ChargeQuery {
  return { setting: 'outpatient', ...q };
}

describe('the fixture excerpt (CSV tall and JSON, template v2.2.0)', () => {
  const csv = parseChargemaster(csvText);
  const json = parseChargemaster(jsonText);

  test('general data elements', () => {
    expect(csv.info).toEqual({
      hospitalName: 'Vialwise Demo Hospital (synthetic)',
      lastUpdatedOn: '2026-07-01',
      version: '2.2.0',
      format: 'csv-tall',
    });
    expect(json.info).toEqual({ ...csv.info, format: 'json' });
  });

  test('13 drug charges; the tall file repeats each per payer and plan, the CPT, RC and modifier rows are not indexed', () => {
    expect(csv.size).toBe(13);
    expect(json.size).toBe(13);
    // CPT 96365 (gross, no HCPCS/NDC code), RC 450, the JW modifier-only row.
    expect(csv.skipped).toBe(3);
    expect(json.skipped).toBe(1);
    expect(csv.conflicts()).toEqual([]);
  });

  test.each(PRICED)('%s', (_name, q, expected) => {
    for (const cdm of [csv, json]) {
      const r = cdm.chargeFor(query(q));
      expect(r.found, JSON.stringify(r)).toBe(true);
      if (r.found) expect(r.unitPrice).toBeCloseTo(expected, 10);
    }
  });

  test('the result says which row priced the line and how', () => {
    const r = csv.chargeFor(query(PRICED[3]![1]));
    expect(r.found && r.entry.where).toBe('row 10');
    expect(r.found && r.basis).toBe(
      'gross charge $74.5 per 2 mL (row 10) = $2.98 per J2919 billing unit (5 mg)',
    );
    const j = json.chargeFor(query(PRICED[3]![1]));
    expect(j.found && j.entry.where).toBe('$.standard_charge_information[2].standard_charges[0]');
    expect(j.found && j.entry.chargeCode).toBe('250001252');
  });

  test('not listed, or not convertible without the product: no charge, and why', () => {
    expect(csv.chargeFor(query({ hcpcs: 'J9999', billingUnit: mg(1) }))).toMatchObject({
      found: false,
      reason: 'not-listed',
    });
    // Priced per mL, but the line's product (and so its concentration) is unknown.
    expect(csv.chargeFor(query({ hcpcs: 'J2919', ndc: '00009004725', billingUnit: mg(5) }))).toMatchObject({
      found: false,
      reason: 'unit-unconvertible',
    });
    // Priced per mg, but the code bills per mL-free unit of another kind (IU).
    expect(
      csv.chargeFor(query({ hcpcs: 'J1100', billingUnit: { amount: 1000, measure: 'unit' } })),
    ).toMatchObject({ found: false, reason: 'unit-unconvertible' });
  });
});

const HEAD1 =
  'hospital_name,last_updated_on,version,hospital_location,hospital_address,license_number|CA,"To the best of its knowledge and belief, the hospital has included all applicable standard charge information in accordance with the requirements of 45 CFR 180.50, and the information encoded is true, accurate, and complete as of the date indicated."';
const HEAD2 = 'Test Hospital,7/1/2025,2.0.0,Test Hospital,"1 Main St, Town, CA 90000",12345,true';
const TALL =
  'description,code|1,code|1|type,code|2,code|2|type,modifiers,setting,drug_unit_of_measurement,drug_type_of_measurement,standard_charge|gross,standard_charge|discounted_cash,payer_name,plan_name,standard_charge|negotiated_dollar,standard_charge|negotiated_percentage,standard_charge|negotiated_algorithm,estimated_amount,standard_charge|methodology,standard_charge|min,standard_charge|max,additional_generic_notes';

function tall(...rows: string[]): string {
  return [HEAD1, HEAD2, TALL, ...rows].join('\r\n') + '\r\n';
}

describe('layouts and versions', () => {
  test('CSV wide (no payer_name column): one row per item, payer columns ignored; M/D/YYYY date', () => {
    const text = [
      HEAD1,
      HEAD2,
      'description,code|1,code|1|type,setting,drug_unit_of_measurement,drug_type_of_measurement,standard_charge|gross,standard_charge|discounted_cash,standard_charge|Platform Health|PPO|negotiated_dollar,standard_charge|Platform Health|PPO|methodology,additional_generic_notes',
      'Infliximab 10 mg,J1745,HCPCS,outpatient,10,ME,180,150,95,fee schedule,',
    ].join('\n');
    const cdm = parseChargemaster(text);
    expect(cdm.info).toMatchObject({ format: 'csv-wide', lastUpdatedOn: '2025-07-01', version: '2.0.0' });
    expect(cdm.chargeFor(query({ hcpcs: 'J1745', billingUnit: mg(10) }))).toMatchObject({
      found: true,
      unitPrice: 180,
    });
  });

  test('headers and valid values are case-insensitive and may have spaces around pipes (CMS data dictionary)', () => {
    const text = [
      HEAD1,
      HEAD2,
      'Description,Code | 1,Code | 1 | Type,Setting,Drug_Unit_Of_Measurement,Drug_Type_Of_Measurement,Standard_Charge | Gross,Payer_Name',
      'Dexamethasone 1 mg,j1100,hcpcs,Outpatient,1,me,0.75,',
    ].join('\n');
    const r = parseChargemaster(text).chargeFor(query({ hcpcs: 'J1100', billingUnit: mg(1) }));
    expect(r).toMatchObject({ found: true, unitPrice: 0.75 });
  });

  test('JSON v3.0.0 (location_name, attestation, drug_information.unit as a number)', () => {
    const doc = {
      hospital_name: 'West Test Hospital',
      last_updated_on: '2025-11-14',
      version: '3.0.0',
      location_name: ['West Test Hospital'],
      hospital_address: ['1 Main St'],
      license_information: { license_number: '1', state: 'CA' },
      type_2_npi: ['0000000001'],
      attestation: { attestation: '...', confirm_attestation: true, attester_name: 'A' },
      standard_charge_information: [
        {
          description: 'Cyanocobalamin 1000 mcg/mL',
          drug_information: { unit: 1, type: 'ML' },
          code_information: [
            { code: 'J3420', type: 'HCPCS' },
            { code: '63323-0044-01', type: 'NDC' },
          ],
          standard_charges: [{ setting: 'both', gross_charge: 30, discounted_cash: 25 }],
        },
      ],
    };
    const cdm = parseChargemaster(JSON.stringify(doc));
    expect(cdm.info).toMatchObject({ version: '3.0.0', format: 'json' });
    const r = cdm.chargeFor(
      query({
        hcpcs: 'J3420',
        ndc: '63323004401',
        billingUnit: { amount: 1000, measure: 'ug' },
        product: { amount: { value: 1000, measure: 'ug' }, volumeMl: 1 },
      }),
    );
    expect(r).toMatchObject({ found: true, unitPrice: 30 });
  });

  test('an unhyphenated 10-digit NDC is found under the 11-digit form it stands for', () => {
    const text = tall('Remicade 100 mg,5789403001,NDC,J1745,HCPCS,,both,1,UN,1500,,,,,,,,,,,');
    const r = parseChargemaster(text).chargeFor(
      query({ hcpcs: 'J1745', ndc: '57894003001', billingUnit: mg(10), product: remicade }),
    );
    expect(r).toMatchObject({ found: true, unitPrice: 150 });
  });
});

describe('choosing among rows', () => {
  test('the line modifiers pick a row charged with them; otherwise rows without modifiers', () => {
    const text = tall(
      'Infliximab 10 mg,J1745,HCPCS,,,,outpatient,,,170,,,,,,,,,,,',
      'Infliximab 10 mg discarded,J1745,HCPCS,,,JW,outpatient,,,160,,,,,,,,,,,',
    );
    const cdm = parseChargemaster(text);
    const base = { hcpcs: 'J1745', billingUnit: mg(10) };
    expect(cdm.chargeFor(query({ ...base, modifiers: ['JW'] }))).toMatchObject({ unitPrice: 160 });
    expect(cdm.chargeFor(query({ ...base, modifiers: ['JZ'] }))).toMatchObject({ unitPrice: 170 });
    expect(cdm.chargeFor(query(base))).toMatchObject({ unitPrice: 170 });
  });

  test("a row of the claim's own setting wins over a row for both settings", () => {
    const text = tall(
      'Infliximab 10 mg,J1745,HCPCS,,,,both,,,150,,,,,,,,,,,',
      'Infliximab 10 mg,J1745,HCPCS,,,,outpatient,,,170,,,,,,,,,,,',
    );
    const cdm = parseChargemaster(text);
    const base = { hcpcs: 'J1745', billingUnit: mg(10) };
    expect(cdm.chargeFor(query(base))).toMatchObject({ unitPrice: 170 });
    expect(cdm.chargeFor(query({ ...base, setting: 'inpatient' }))).toMatchObject({ unitPrice: 150 });
    expect(cdm.conflicts()).toEqual([]);
  });

  test('two rows with different charges for the same code: ambiguous, listed as a conflict', () => {
    const text = tall(
      'Infliximab 10 mg (infusion pharmacy),J1745,HCPCS,,,,both,,,170,,,,,,,,,,,',
      'Infliximab 10 mg (main pharmacy),J1745,HCPCS,,,,both,,,185,,,,,,,,,,,',
    );
    const cdm = parseChargemaster(text);
    expect(cdm.chargeFor(query({ hcpcs: 'J1745', billingUnit: mg(10) }))).toEqual({
      found: false,
      reason: 'ambiguous',
      detail: 'J1745 has different gross charges at row 4, row 5',
    });
    expect(cdm.conflicts()).toEqual(['J1745 / both']);
  });

  test('rows that state the same charge in different units agree', () => {
    const text = tall(
      'Infliximab 10 mg,J1745,HCPCS,,,,both,10,ME,170,,,,,,,,,,,',
      'Infliximab per mg,J1745,HCPCS,,,,both,1,ME,17,,,,,,,,,,,',
    );
    const r = parseChargemaster(text).chargeFor(query({ hcpcs: 'J1745', billingUnit: mg(10) }));
    expect(r).toMatchObject({ found: true, unitPrice: 170 });
  });
});

describe('a malformed file is refused with the row (CSV) or JSON path of the first problem', () => {
  const ok = 'Infliximab 10 mg,J1745,HCPCS,,,,both,,,170,,,,,,,,,,,';
  const CSV_CASES: [string, string, RegExp][] = [
    [
      'no version column',
      [HEAD1.replace(',version', ',release'), HEAD2, TALL, ok].join('\n'),
      /^row 1: no "version" column/,
    ],
    [
      'template v1',
      [HEAD1, HEAD2.replace('2.0.0', '1.1'), TALL, ok].join('\n'),
      /^row 2: version "1.1" is not CMS template v2.0 or later$/,
    ],
    [
      'hospital_name blank',
      [HEAD1, HEAD2.replace('Test Hospital,7', ',7'), TALL, ok].join('\n'),
      /^row 2: hospital_name is blank$/,
    ],
    [
      'last_updated_on not a date',
      [HEAD1, HEAD2.replace('7/1/2025', '2025-13-01'), TALL, ok].join('\n'),
      /^row 2: last_updated_on "2025-13-01" is not a date/,
    ],
    [
      'no gross charge column',
      [HEAD1, HEAD2, TALL.replace('standard_charge|gross', 'gross'), ok].join('\n'),
      /^row 3: no "standard_charge\|gross" column$/,
    ],
    [
      'no drug unit column (template v1 layout)',
      [HEAD1, HEAD2, TALL.replace('drug_unit_of_measurement,', 'x,'), ok].join('\n'),
      /^row 3: no "drug_unit_of_measurement" column$/,
    ],
    [
      'code|2 without its type column',
      [HEAD1, HEAD2, TALL.replace('code|2|type', 'code2type'), ok].join('\n'),
      /^row 3: "code\|2" has no "code\|2\|type" column$/,
    ],
    [
      'a column twice',
      [HEAD1, HEAD2, TALL.replace('modifiers', 'setting'), ok].join('\n'),
      /^row 3: column "setting" appears twice$/,
    ],
    [
      'gross charge with a dollar sign',
      tall(ok, 'Infliximab 10 mg,J1745,HCPCS,,,,both,,,$170.00,,,,,,,,,,,'),
      /^row 5: standard_charge\|gross "\$170.00" is not a positive number$/,
    ],
    [
      'gross charge of 0',
      tall('Infliximab 10 mg,J1745,HCPCS,,,,both,,,0,,,,,,,,,,,'),
      /^row 4: standard_charge\|gross "0" is not a positive number$/,
    ],
    [
      'discounted cash N/A',
      tall('Infliximab 10 mg,J1745,HCPCS,,,,both,,,170,N/A,,,,,,,,,,'),
      /^row 4: standard_charge\|discounted_cash "N\/A" is not a positive number$/,
    ],
    [
      'setting OP',
      tall('Infliximab 10 mg,J1745,HCPCS,,,,OP,,,170,,,,,,,,,,,'),
      /^row 4: setting "OP" is not inpatient, outpatient or both$/,
    ],
    [
      'a code without its type',
      tall('Infliximab 10 mg,J1745,,,,,both,,,170,,,,,,,,,,,'),
      /^row 4: code\|1 "J1745" has no code\|1\|type$/,
    ],
    [
      'a type without its code',
      tall('Infliximab 10 mg,J1745,HCPCS,,NDC,,both,1,UN,170,,,,,,,,,,,'),
      /^row 4: code\|2\|type NDC has no code\|2$/,
    ],
    [
      'an unknown code type',
      tall('Infliximab 10 mg,J1745,HCPCS-II,,,,both,,,170,,,,,,,,,,,'),
      /^row 4: code\|1\|type "HCPCS-II" is not a CMS code type$/,
    ],
    [
      'a HCPCS code that is not one',
      tall('Infliximab 10 mg,J1745-JW,HCPCS,,,,both,,,170,,,,,,,,,,,'),
      /^row 4: code\|1 "J1745-JW" is not a HCPCS code$/,
    ],
    [
      'an NDC that is not one',
      tall('Remicade,J1745,HCPCS,57894-30-1,NDC,,both,1,UN,1500,,,,,,,,,,,'),
      /^row 4: code\|2 "57894-30-1" is not an NDC/,
    ],
    [
      'an NDC item without drug unit (conditional requirement 8)',
      tall('Remicade,J1745,HCPCS,57894-0030-01,NDC,,both,,,1500,,,,,,,,,,,'),
      /^row 4: an NDC item needs drug_unit_of_measurement and drug_type_of_measurement$/,
    ],
    [
      'a drug unit without its type (conditional requirement 10)',
      tall('Infliximab,J1745,HCPCS,,,,both,10,,170,,,,,,,,,,,'),
      /^row 4: drug_unit_of_measurement has no drug_type_of_measurement$/,
    ],
    [
      'an unknown drug type of measurement',
      tall('Infliximab,J1745,HCPCS,,,,both,10,MG,170,,,,,,,,,,,'),
      /^row 4: drug_type_of_measurement "MG" is not one of GR, GM, ME, ML, UN, F2, EA$/,
    ],
    ['a blank description', tall(' ,J1745,HCPCS,,,,both,,,170,,,,,,,,,,,'), /^row 4: description is blank$/],
    ['broken quoting', tall('"Infliximab 10 mg,J1745,HCPCS,,,,both,,,170,,,,,,,,,,,'), /^not valid CSV/],
  ];
  test.each(CSV_CASES)('CSV: %s', (_name, text, message) => {
    expect(() => parseChargemaster(text, 'csv')).toThrow(ChargemasterError);
    expect(() => parseChargemaster(text, 'csv')).toThrow(message);
  });

  test('the row is counted as a spreadsheet counts it: a quoted line break stays in its row', () => {
    const text = tall(
      '"Infliximab 10 mg,\nlyophilized",J1745,HCPCS,,,,both,,,170,,,,,,,,,,,',
      'Infliximab,J1745,HCPCS,,,,both,,,-1,,,,,,,,,,,',
    );
    expect(() => parseChargemaster(text)).toThrow(/^row 5: standard_charge\|gross "-1"/);
  });

  const doc = JSON.parse(jsonText) as Record<string, unknown> & {
    standard_charge_information: Record<string, unknown>[];
  };
  const edit = (f: (d: typeof doc) => void): string => {
    const d = structuredClone(doc);
    f(d);
    return JSON.stringify(d);
  };
  const item = (d: typeof doc, i: number) =>
    d.standard_charge_information[i] as {
      code_information: { code: string; type: string }[];
      standard_charges: Record<string, unknown>[];
      drug_information?: unknown;
    };
  const JSON_CASES: [string, string, string][] = [
    ['not JSON', '{"hospital_name": ', 'not valid JSON'],
    [
      'no items',
      edit((d) => delete (d as Partial<typeof doc>).standard_charge_information),
      '$.standard_charge_information: ',
    ],
    [
      'gross charge negative',
      edit((d) => (item(d, 10).standard_charges[0]!.gross_charge = -1650)),
      '$.standard_charge_information[10].standard_charges[0].gross_charge: must be a positive number',
    ],
    [
      'gross charge as text',
      edit((d) => (item(d, 10).standard_charges[0]!.gross_charge = '1650.00')),
      '$.standard_charge_information[10].standard_charges[0].gross_charge: ',
    ],
    [
      'setting',
      edit((d) => (item(d, 2).standard_charges[0]!.setting = 'op')),
      '$.standard_charge_information[2].standard_charges[0].setting: is not inpatient, outpatient or both',
    ],
    [
      'code type',
      edit((d) => (item(d, 3).code_information[1]!.type = 'HCPC')),
      '$.standard_charge_information[3].code_information[1].type: is not a CMS code type',
    ],
    [
      'NDC',
      edit((d) => (item(d, 3).code_information[2]!.code = '143-9753-1')),
      '$.standard_charge_information[3].code_information[2].code: "143-9753-1" is not an NDC',
    ],
    [
      'NDC without drug information',
      edit((d) => delete item(d, 9).drug_information),
      '$.standard_charge_information[9]: an NDC item needs drug_information (unit and type)',
    ],
    [
      'version 1',
      edit((d) => (d.version = '1.0.0')),
      '$.version: version "1.0.0" is not CMS template v2.0 or later',
    ],
    [
      'date not ISO',
      edit((d) => (d.last_updated_on = '07/01/2026')),
      '$.last_updated_on: "07/01/2026" is not an ISO 8601 date (YYYY-MM-DD)',
    ],
  ];
  test.each(JSON_CASES)('JSON: %s', (_name, text, message) => {
    let error: unknown;
    try {
      parseChargemaster(text, 'json');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ChargemasterError);
    expect((error as Error).message.startsWith(message), (error as Error).message).toBe(true);
  });
});

describe('loadChargemaster(file)', () => {
  test('reads both fixture files and names the file in errors', () => {
    expect(loadChargemaster(CSV_FILE).size).toBe(13);
    expect(loadChargemaster(JSON_FILE).size).toBe(13);
    const bad = join(dir, 'bad_standardcharges.csv');
    writeFileSync(bad, csvText.replace('58.00,40.60,Demo Commercial', '58.00,-40.60,Demo Commercial'));
    expect(() => loadChargemaster(bad)).toThrow(
      `${bad}: row 4: standard_charge|discounted_cash "-40.60" is not a positive number`,
    );
    expect(() => loadChargemaster(join(dir, 'missing.csv'))).toThrow(/missing\.csv: cannot read \(ENOENT\)/);
    expect(() => loadChargemaster(join(dir, 'mrf.zip'))).toThrow(/\.zip files are not read/);
  });

  test('a file without a known extension is recognised by its first character', () => {
    const file = join(dir, 'standardcharges');
    writeFileSync(file, jsonText);
    expect(loadChargemaster(file).info.format).toBe('json');
  });

  test('UTF-8 with a byte order mark, or Windows-1252 from a spreadsheet', () => {
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]))).toBe('A');
    expect(decodeText(new Uint8Array([0x63, 0x61, 0x66, 0xe9]))).toBe('café');
    const file = join(dir, 'latin1_standardcharges.csv');
    const text = tall('Infliximab 10 mg (Remicade\u00ae),J1745,HCPCS,,,,both,,,170,,,,,,,,,,,');
    writeFileSync(file, Buffer.from(text, 'latin1'));
    const cdm = loadChargemaster(file);
    expect(cdm.entries[0]!.description).toBe('Infliximab 10 mg (Remicade\u00ae)');
  });
});
