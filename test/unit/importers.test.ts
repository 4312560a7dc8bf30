import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { formatCatalogJson, writeCatalogUpdate } from '../../src/catalog/import/catalog-files.ts';
import { readCsvRows } from '../../src/catalog/import/cms-csv.ts';
import { mergeCrosswalk, parseCrosswalk } from '../../src/catalog/import/crosswalk.ts';
import type { CrosswalkRow } from '../../src/catalog/import/crosswalk.ts';
import { ImportError } from '../../src/catalog/import/errors.ts';
import { mergePrices, parsePricingFile, pricesFromRows } from '../../src/catalog/import/prices.ts';
import { importCrosswalkFile, importPricesFile } from '../../src/catalog/import/run.ts';
import { loadCatalog, readJsonFile, SHIPPED_CATALOG_DIR } from '../../src/catalog/load.ts';
import { codesFileSchema } from '../../src/catalog/schema.ts';
import type { CodesFile, ProductsFile } from '../../src/catalog/schema.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const FIXTURES = join(ROOT, 'test/fixtures/cms');
const fixture = (name: string): string => join(FIXTURES, name);
const readFixture = (name: string): Buffer => readFileSync(fixture(name));

const shippedCodes = (): CodesFile => readJsonFile(join(SHIPPED_CATALOG_DIR, 'codes.json'), codesFileSchema);
const shippedProducts = (): ProductsFile =>
  JSON.parse(readFileSync(join(SHIPPED_CATALOG_DIR, 'products.json'), 'utf8')) as ProductsFile;

/** Captures the ImportError a call throws (failing the test when it throws nothing else). */
function importError(fn: () => unknown): ImportError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ImportError);
    return err as ImportError;
  }
  throw new Error('expected an ImportError');
}

const temps: string[] = [];
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempCatalog(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vialwise-catalog-'));
  temps.push(dir);
  cpSync(SHIPPED_CATALOG_DIR, dir, { recursive: true });
  return dir;
}

/** Every file of the folder (names and bytes), to prove a failed import changed nothing. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [name, readFileSync(join(dir, name)).toString('base64')]),
  );
}

function row(overrides: Partial<CrosswalkRow>): CrosswalkRow {
  return {
    row: 5,
    hcpcs: 'J1745',
    shortDescription: 'INFLIXIMAB NOT BIOSIMIL 10MG',
    labeler: 'Example Labeler',
    ndc: '99999000101',
    drugName: 'INFLIXIMAB',
    dosage: '10 MG',
    pkgSize: 100,
    pkgQty: 1,
    billUnits: 10,
    billUnitsPkg: 10,
    ...overrides,
  };
}

describe('parseCrosswalk', () => {
  it('skips the title rows, decodes latin-1 and normalizes every NDC to 11 digits', () => {
    const rows = parseCrosswalk(readFixture('crosswalk-2025q4.csv'));
    expect(rows).toHaveLength(8);
    expect(rows[0]).toEqual({
      row: 5,
      hcpcs: 'J2930',
      shortDescription: 'METHYLPREDNISOLONE 125MG INJ',
      labeler: 'Fresenius Kabi USA, LLC',
      ndc: '63323025801',
      drugName: 'METHYLPREDNISOLONE SODIUM SUCC',
      dosage: '125 MG',
      pkgSize: 2,
      pkgQty: 1,
      billUnits: 1,
      billUnitsPkg: 1,
    });
    expect(rows[2]?.labeler).toBe('Société Pharmaceutique Démo');
    expect(rows.map((r) => [r.row, r.ndc])).toEqual([
      [5, '63323025801'],
      [6, '00143975301'],
      [7, '12345067801'],
      [8, '12345067801'],
      [9, '57894003001'], // 57894-030-01: 5-3-2
      [10, '63323016501'],
      [11, '00074024302'],
      [12, '00338107702'], // 0338-1077-02: 4-4-2
    ]);
    expect(rows[6]).toMatchObject({ hcpcs: 'J0135', pkgSize: 0.4, pkgQty: 2, billUnits: 2, billUnitsPkg: 4 });
  });

  it('matches columns by name: the accessible variant (NDC, another year, other order and case)', () => {
    const rows = parseCrosswalk(readFixture('crosswalk-accessible.csv'));
    expect(rows).toEqual([
      expect.objectContaining({
        row: 2,
        hcpcs: 'J1250',
        ndc: '00409234401',
        labeler: 'Hospira Inc.',
        billUnits: 1,
      }),
      expect.objectContaining({ row: 3, hcpcs: 'J1100', ndc: '00641036721', dosage: '1 MG', billUnits: 20 }),
    ]);
  });

  it.each([
    [
      'crosswalk-missing-column.csv',
      'column-missing',
      4,
      'BILLUNITSPKG',
      'row 4: header has no column BILLUNITSPKG',
    ],
    ['crosswalk-bad-ndc.csv', 'ndc-malformed', 7, 'NDC2', 'row 7: NDC2 "1234-56" is not a valid NDC'],
    [
      'crosswalk-bad-billunits.csv',
      'number-invalid',
      8,
      'BILLUNITS',
      'row 8: BILLUNITS "N/A" is not a number',
    ],
  ])('%s: %s on row %i, column %s', (file, code, line, column, message) => {
    const err = importError(() => parseCrosswalk(readFixture(file)));
    expect(err).toMatchObject({ code, row: line, column, message });
  });

  it('reports a file without the header row', () => {
    const err = importError(() =>
      parseCrosswalk(Buffer.from('ASP NDC-HCPCS Crosswalk\r\nnothing here,at all\r\n')),
    );
    expect(err.code).toBe('no-header');
    expect(err.message).toContain('_<YYYY>_CODE');
  });

  it('reports broken CSV with its line', () => {
    const text =
      '_2025_CODE,Short Description,LABELER NAME,NDC2,Drug Name,HCPCS dosage,PKG SIZE,PKG QTY,BILLUNITS,BILLUNITSPKG\n' +
      'J1745,"unclosed,Janssen,57894-0030-01,REMICADE,10 MG,100,1,10,10\n';
    expect(importError(() => parseCrosswalk(Buffer.from(text)))).toMatchObject({
      code: 'csv-invalid',
      row: 2,
    });
  });

  it('reports a blank NDC as missing rather than malformed', () => {
    const text =
      '_2025_CODE,Short Description,LABELER NAME,NDC2,Drug Name,HCPCS dosage,PKG SIZE,PKG QTY,BILLUNITS,BILLUNITSPKG\r\n' +
      'J1745,INFLIXIMAB,Janssen,,REMICADE,10 MG,100,1,10,10\r\n';
    expect(importError(() => parseCrosswalk(Buffer.from(text)))).toMatchObject({
      code: 'value-missing',
      message: 'row 2: NDC2 is blank',
    });
  });
});

describe('readCsvRows', () => {
  it('numbers rows by the line they start on, across quoted CRLF line breaks and blank lines', () => {
    const text = 'Title\r\n\r\n"two\r\nlines",x\r\n,,\r\nlast,"é"\r\n';
    expect(readCsvRows(Buffer.from(text, 'latin1'))).toEqual([
      { line: 1, cells: ['Title'] },
      { line: 3, cells: ['two\r\nlines', 'x'] },
      { line: 6, cells: ['last', 'é'] },
    ]);
  });

  it('reads the windows-1252 punctuation Excel writes, and honours a UTF-8 byte order mark', () => {
    expect(readCsvRows(Buffer.from([0x61, 0x92, 0x73, 0x2c, 0xe9]))[0]?.cells).toEqual(['a’s', 'é']);
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Société,x', 'utf8')]);
    expect(readCsvRows(utf8)[0]?.cells).toEqual(['Société', 'x']);
  });
});

describe('mergeCrosswalk', () => {
  const fileName = 'crosswalk-2025q4.csv';
  const merge = () =>
    mergeCrosswalk(shippedProducts(), shippedCodes(), parseCrosswalk(readFixture(fileName)), fileName);

  it('adds new NDCs, gives known NDCs a missing code, and skips codes the catalog does not hold', () => {
    const result = merge();
    expect(result.summary).toEqual({ added: 2, updated: 1, skipped: 1 });
    expect(result.skippedRows).toEqual([{ row: 11, reason: 'J0135 is not in codes.json' }]);
    const byNdc = new Map(result.products.products.map((p) => [p.ndc, p]));
    expect(result.products.products).toHaveLength(shippedProducts().products.length + 2);
    expect(byNdc.get('63323016501')).toEqual({
      ndc: '63323016501',
      description: 'DEXAMETHASONE SODIUM PHOSPHATE',
      labeler: 'Fresenius Kabi USA, LLC',
      ingredient: 'dexamethasone-sodium-phosphate',
      hcpcs: ['J1100'],
      amount: { value: 4, measure: 'mg' }, // BILLUNITS 4 x J1100 (1 mg)
      source: 'CMS ASP NDC-HCPCS crosswalk crosswalk-2025q4.csv',
    });
  });

  it('keeps every field of a known product and records where the new code came from', () => {
    const before = shippedProducts().products.find((p) => p.ndc === '00143975301')!;
    const after = merge().products.products.find((p) => p.ndc === '00143975301')!;
    expect(after).toEqual({
      ...before,
      hcpcs: ['J2920', 'J2930'],
      source: `${before.source}; J2930 from CMS ASP NDC-HCPCS crosswalk crosswalk-2025q4.csv`,
    });
  });

  it('leaves products the crosswalk agrees with untouched (including one listed in 5-3-2 and 4-4-2 form)', () => {
    const shipped = shippedProducts().products;
    const merged = merge().products.products;
    for (const ndc of ['63323025801', '57894003001', '00338107702']) {
      expect(merged.find((p) => p.ndc === ndc)).toEqual(shipped.find((p) => p.ndc === ndc));
    }
  });

  it('maps one new NDC to both its codes, taking the amount from the finer code whatever the order', () => {
    const rows = parseCrosswalk(readFixture(fileName)).filter((r) => r.ndc === '12345067801');
    expect(rows.map((r) => r.hcpcs)).toEqual(['J2920', 'J2930']);
    for (const order of [rows, [...rows].reverse()]) {
      const result = mergeCrosswalk(shippedProducts(), shippedCodes(), order, fileName);
      const product = result.products.products.find((p) => p.ndc === '12345067801')!;
      expect(result.summary).toEqual({ added: 1, updated: 0, skipped: 0 });
      expect(product.hcpcs).toEqual(order.map((r) => r.hcpcs));
      expect(product.amount).toEqual({ value: 40, measure: 'mg' });
      expect(product.labeler).toBe('Société Pharmaceutique Démo');
      expect(product.ingredient).toBe('methylprednisolone-sodium-succinate');
      // J2920 is "up to 40 mg": 1 x 40 mg is only an upper bound of the vial's content.
      expect(product.source).toMatch(/^CMS ASP NDC-HCPCS crosswalk crosswalk-2025q4\.csv; amount unverified/);
    }
  });

  it('keeps the amount the row gives in billing units when the dosage is not a mass, and says so', () => {
    const result = mergeCrosswalk(shippedProducts(), shippedCodes(), [row({ dosage: '1 ML' })], 'x.csv');
    const product = result.products.products.at(-1)!;
    expect(product.amount).toEqual({ value: 100, measure: 'mg' });
    expect(product.source).toBe(
      'CMS ASP NDC-HCPCS crosswalk x.csv; amount unverified, not a mass dose of J1745 ' +
        '(row 5: HCPCS dosage "1 ML", PKG SIZE 100, BILLUNITS 10)',
    );
  });

  it('treats an outer package NDC as the product it contains', () => {
    const result = mergeCrosswalk(
      shippedProducts(),
      shippedCodes(),
      [row({ hcpcs: 'J2920', ndc: '63323025803' })],
      'x.csv',
    );
    expect(result.summary).toEqual({ added: 0, updated: 1, skipped: 0 });
    expect(result.products.products.find((p) => p.ndc === '63323025801')?.hcpcs).toEqual(['J2930', 'J2920']);
  });

  it('skips a code of another ingredient than the catalog product, and a row without billing units', () => {
    const rows = [row({ hcpcs: 'J1250', ndc: '57894003001' }), row({ billUnits: 0 })];
    const result = mergeCrosswalk(shippedProducts(), shippedCodes(), rows, 'x.csv');
    expect(result.summary).toEqual({ added: 0, updated: 0, skipped: 2 });
    expect(result.products).toEqual(shippedProducts());
  });

  it('lets a known NDC gain a code from a row without billing units (they only size new products)', () => {
    const rows = [row({ hcpcs: 'J2920', ndc: '63323025801', billUnits: 0 })];
    const result = mergeCrosswalk(shippedProducts(), shippedCodes(), rows, 'x.csv');
    expect(result.summary).toEqual({ added: 0, updated: 1, skipped: 0 });
  });

  it('does not change its input and keeps fields the schema does not know', () => {
    const current = shippedProducts();
    const withExtra = { products: current.products.map((p, i) => (i === 3 ? { ...p, note: 'kept' } : p)) };
    const frozen = structuredClone(withExtra);
    const result = mergeCrosswalk(withExtra, shippedCodes(), parseCrosswalk(readFixture(fileName)), fileName);
    expect(withExtra).toEqual(frozen);
    expect(result.products.products[3]).toMatchObject({ ndc: '00143975301', note: 'kept' });
  });
});

describe('ASP pricing file', () => {
  const options = { quarter: '2025Q4', fileName: 'asp-pricing-2025q4.csv' };

  it('parses the rows below the title rows; a blank limit is undefined', () => {
    const rows = parsePricingFile(readFixture('asp-pricing-2025q4.csv'));
    expect(rows.map((r) => [r.row, r.code, r.dosage, r.paymentLimit])).toEqual([
      [5, 'J1100', '1 MG', 0.081],
      [6, 'J1745', '10 MG', 37.512],
      [7, 'J2930', '125 MG', 3.9],
      [8, 'J2920', '40 MG', undefined],
      [9, '90371', '1 ML', 1234.567],
      [10, 'J0135', '20 MG', 1234.5],
    ]);
  });

  it('makes prices.json entries for catalog codes, counting blank limits and other codes', () => {
    const rows = parsePricingFile(readFixture('asp-pricing-2025q4.csv'));
    const { prices, summary } = pricesFromRows(rows, shippedCodes(), options);
    expect(summary).toEqual({ imported: 3, blank: 1, notInCatalog: 2 });
    expect(prices).toEqual([
      {
        code: 'J1100',
        quarter: '2025Q4',
        paymentLimit: 0.081,
        source: 'CMS ASP pricing file asp-pricing-2025q4.csv',
      },
      {
        code: 'J1745',
        quarter: '2025Q4',
        paymentLimit: 37.512,
        source: 'CMS ASP pricing file asp-pricing-2025q4.csv',
      },
      {
        code: 'J2930',
        quarter: '2025Q4',
        paymentLimit: 3.9,
        source: 'CMS ASP pricing file asp-pricing-2025q4.csv',
      },
    ]);
    const demo = pricesFromRows(rows, shippedCodes(), { ...options, illustrative: true }).prices;
    expect(demo.every((p) => p.illustrative === true && p.source.startsWith('illustrative'))).toBe(true);
  });

  it('names the row of a payment limit that is not a number', () => {
    const err = importError(() => parsePricingFile(readFixture('asp-pricing-bad-limit.csv')));
    expect(err).toMatchObject({
      code: 'number-invalid',
      row: 7,
      column: 'Payment Limit',
      message: 'row 7: Payment Limit "see note" is not a number',
    });
  });

  it('rejects a quarter that is not YYYYQn', () => {
    for (const quarter of ['2025Q5', '2025-Q4', 'Q4 2025', '']) {
      expect(importError(() => pricesFromRows([], shippedCodes(), { ...options, quarter })).code).toBe(
        'option-invalid',
      );
    }
    expect(pricesFromRows([], shippedCodes(), { ...options, quarter: '2025q4' }).summary.imported).toBe(0);
  });

  it('refuses a limit whose dosage is not the catalog unit, and a code listed twice with two limits', () => {
    const base = { row: 9, code: 'J2930', shortDescription: '', paymentLimit: 3.9 };
    expect(
      importError(() => pricesFromRows([{ ...base, dosage: '40 MG' }], shippedCodes(), options)),
    ).toMatchObject({
      code: 'dosage-mismatch',
      row: 9,
    });
    const twice = [
      { ...base, dosage: '125 MG' },
      { ...base, row: 10, dosage: '125 MG', paymentLimit: 4 },
    ];
    expect(importError(() => pricesFromRows(twice, shippedCodes(), options))).toMatchObject({
      code: 'code-duplicate',
      row: 10,
    });
  });

  it('merges by (code, quarter): the same quarter is replaced, other quarters stay', () => {
    const entry = (code: string, quarter: string, paymentLimit: number) => ({
      code,
      quarter,
      paymentLimit,
      source: 's',
    });
    const current = {
      prices: [entry('J2930', '2025Q3', 3.5), entry('J2930', '2025Q4', 3.9), entry('J1745', '2025Q4', 37)],
    };
    expect(mergePrices(current, [entry('J2930', '2025Q4', 4.25)]).prices).toEqual([
      entry('J1745', '2025Q4', 37),
      entry('J2930', '2025Q3', 3.5),
      entry('J2930', '2025Q4', 4.25),
    ]);
    expect(mergePrices(undefined, [entry('J1100', '2025Q4', 0.08)])).toEqual({
      prices: [entry('J1100', '2025Q4', 0.08)],
    });
  });
});

describe('writing the catalog folder', () => {
  it('writes products.json in the shipped layout, and the service loads the result', () => {
    const dir = tempCatalog();
    const result = importCrosswalkFile({ catalogDir: dir, file: fixture('crosswalk-2025q4.csv') });
    expect(result.written).toBe(true);
    const catalog = loadCatalog(dir);
    expect(catalog.productByNdc('63323-0165-01')?.amount).toEqual({ value: 4, measure: 'mg' });
    expect(catalog.productByNdc('12345-0678-01')?.hcpcs).toEqual(['J2920', 'J2930']);
    expect(catalog.productByNdc('00143-9753-01')?.hcpcs).toEqual(['J2920', 'J2930']);
    const text = readFileSync(join(dir, 'products.json'), 'utf8');
    expect(text).toBe(formatCatalogJson(JSON.parse(text)));
    expect(text).toContain('"hcpcs": ["J2920", "J2930"],');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const again = importCrosswalkFile({ catalogDir: dir, file: fixture('crosswalk-2025q4.csv') });
    expect(again.summary).toEqual({ added: 0, updated: 0, skipped: 1 });
    expect(again.written).toBe(false);
  });

  it('formats the shipped products.json byte for byte, so an import diff shows only what changed', () => {
    const text = readFileSync(join(SHIPPED_CATALOG_DIR, 'products.json'), 'utf8');
    expect(formatCatalogJson(JSON.parse(text))).toBe(text);
  });

  it.each([
    ['crosswalk-missing-column.csv', 'column-missing'],
    ['crosswalk-bad-ndc.csv', 'ndc-malformed'],
    ['crosswalk-bad-billunits.csv', 'number-invalid'],
  ])('a broken crosswalk (%s) leaves the folder byte-identical', (file, code) => {
    const dir = tempCatalog();
    const before = snapshot(dir);
    const err = importError(() => importCrosswalkFile({ catalogDir: dir, file: fixture(file) }));
    expect(err.code).toBe(code);
    expect(err.message.startsWith(`${fixture(file)}: row `)).toBe(true);
    expect(snapshot(dir)).toEqual(before);
  });

  it('a broken pricing file leaves the folder byte-identical', () => {
    const dir = tempCatalog();
    importPricesFile({ catalogDir: dir, file: fixture('asp-pricing-2025q4.csv'), quarter: '2025Q3' });
    const before = snapshot(dir);
    const err = importError(() =>
      importPricesFile({ catalogDir: dir, file: fixture('asp-pricing-bad-limit.csv'), quarter: '2025Q4' }),
    );
    expect(err.code).toBe('number-invalid');
    expect(snapshot(dir)).toEqual(before);
  });

  it('validates the whole result before writing anything', () => {
    const dir = tempCatalog();
    const before = snapshot(dir);
    const products = shippedProducts();
    const unknownIngredient = {
      products: [...products.products, { ...products.products[0]!, ndc: '11111111111', ingredient: 'nope' }],
    };
    expect(importError(() => writeCatalogUpdate(dir, { products: unknownIngredient })).code).toBe(
      'catalog-invalid',
    );
    const badSchema = { products: [{ ...products.products[0]!, ndc: '1234' }] };
    expect(importError(() => writeCatalogUpdate(dir, { products: badSchema })).message).toContain(
      'products.0.ndc',
    );
    const badPrice = { prices: [{ code: 'J2930', quarter: '2025Q4', paymentLimit: -1, source: 'test' }] };
    expect(importError(() => writeCatalogUpdate(dir, { products, prices: badPrice })).code).toBe(
      'catalog-invalid',
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it('re-importing a quarter replaces its prices and keeps the other quarters', () => {
    const dir = tempCatalog();
    expect(existsSync(join(dir, 'prices.json'))).toBe(false);
    importPricesFile({ catalogDir: dir, file: fixture('asp-pricing-2025q4.csv'), quarter: '2025Q3' });
    importPricesFile({ catalogDir: dir, file: fixture('asp-pricing-2025q4.csv'), quarter: '2025Q4' });
    importPricesFile({ catalogDir: dir, file: fixture('asp-pricing-revised.csv'), quarter: '2025Q4' });
    const catalog = loadCatalog(dir);
    expect(catalog.priceOn('J2930', '2025-08-01')?.paymentLimit).toBe(3.9);
    expect(catalog.priceOn('J2930', '2025-11-03')).toEqual({
      quarter: '2025Q4',
      paymentLimit: 4.25,
      source: 'CMS ASP pricing file asp-pricing-revised.csv',
    });
    expect(catalog.priceOn('J1745', '2025-11-03')?.paymentLimit).toBe(37.512);
  });
});

describe('vialwise catalog CLI', () => {
  const cli = (...args: string[]) => {
    const result = spawnSync(process.execPath, ['src/cli/vialwise.ts', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  };

  it('import-prices --illustrative writes prices.json and prints one summary line', () => {
    const dir = tempCatalog();
    const file = fixture('asp-pricing-2025q4.csv');
    const run = cli(
      'catalog',
      'import-prices',
      file,
      '--quarter',
      '2025Q4',
      '--illustrative',
      '--catalog-dir',
      dir,
    );
    expect(run).toEqual({
      status: 0,
      stdout:
        `${file}: 3 illustrative prices for 2025Q4, 1 blank skipped, 2 codes not in the catalog skipped; ` +
        `wrote ${join(dir, 'prices.json')}\n`,
      stderr: '',
    });
    const price = loadCatalog(dir).priceOn('J2930', '2025-12-31');
    expect(price).toMatchObject({ paymentLimit: 3.9, illustrative: true });
  });

  it('import-crosswalk merges into products.json', () => {
    const dir = tempCatalog();
    const file = fixture('crosswalk-2025q4.csv');
    const run = cli('catalog', 'import-crosswalk', file, '--catalog-dir', dir);
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      `${file}: 2 products added, 1 updated, 1 row skipped; wrote ${join(dir, 'products.json')}\n`,
    );
    expect(loadCatalog(dir).productByNdc('63323016501')).toBeDefined();
  });

  it('a broken file: exit 1, the message on stderr, nothing written', () => {
    const dir = tempCatalog();
    const before = snapshot(dir);
    const file = fixture('asp-pricing-bad-limit.csv');
    const run = cli('catalog', 'import-prices', file, '--quarter', '2025Q4', '--catalog-dir', dir);
    expect(run).toEqual({
      status: 1,
      stdout: '',
      stderr: `vialwise: ${file}: row 7: Payment Limit "see note" is not a number\n`,
    });
    expect(snapshot(dir)).toEqual(before);
  });

  it('a catalog folder that is not one: exit 1', () => {
    const empty = mkdtempSync(join(tmpdir(), 'vialwise-empty-'));
    temps.push(empty);
    const run = cli('catalog', 'import-crosswalk', fixture('crosswalk-2025q4.csv'), '--catalog-dir', empty);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^vialwise: .*codes\.json: cannot read JSON/);
    expect(readdirSync(empty)).toEqual([]);
  });

  it.each([
    [
      ['catalog', 'import-prices', 'x.csv', '--quarter', '2025Q5'],
      /^vialwise: option '--quarter <quarter>' argument '2025Q5' is invalid/,
    ],
    [['catalog', 'import-prices', 'x.csv'], /^vialwise: required option '--quarter <quarter>' not specified/],
    [['catalog', 'import-crosswalk'], /^vialwise: missing required argument 'file'/],
    [['catalog', 'import-everything'], /^vialwise: unknown command 'import-everything'/],
  ])('usage error %j: exit 2', (args, message) => {
    const dir = tempCatalog();
    const before = snapshot(dir);
    const run = cli(...args, '--catalog-dir', dir);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(snapshot(dir)).toEqual(before);
  });

  it('--help exits 0', () => {
    const run = cli('catalog', 'import-prices', '--help');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('--illustrative');
  });
});

// Keeps the fixture honest: it must exercise every shape the importer claims to handle.
describe('fixtures', () => {
  it('the good crosswalk fixture is latin-1 with CRLF line ends, as CMS publishes it', () => {
    const bytes = readFixture('crosswalk-2025q4.csv');
    expect(bytes.includes(Buffer.from([0xe9]))).toBe(true);
    expect(bytes.includes(Buffer.from('é', 'utf8'))).toBe(false);
    expect(bytes.includes(Buffer.from('\r\n'))).toBe(true);
  });
});
