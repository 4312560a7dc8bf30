/**
 * The CMS file parsers and the quarterly importers, on real excerpts of the CMS files
 * (test/fixtures/cms/excerpt: title rows, header and a few dozen rows of each of the 24 files,
 * byte for byte; README there).
 */
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { importCmsFile } from '../../src/catalog/build/import.ts';
import { buildFromFolder, kindOf, writeBuild } from '../../src/catalog/build/run.ts';
import { decodeCmsText, readCsvRows } from '../../src/catalog/import/cms-csv.ts';
import {
  formatSkipped,
  parseCrosswalkFile,
  parseDescriptorFile,
  parseOppsFile,
  parsePricingFile,
  quarterFromName,
} from '../../src/catalog/import/cms-files.ts';
import { ImportError } from '../../src/catalog/import/errors.ts';
import { loadCatalog, SHIPPED_CATALOG_DIR } from '../../src/catalog/load.ts';
import { checkPaths } from '../../src/preflight.ts';
import { runInProcess } from '../support-proc/cli.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EXCERPT = join(ROOT, 'test/fixtures/cms/excerpt');
// ../shared/cms from a clone, ../../shared/cms from a git worktree (as scripts/build-catalog.ts).
const SHARED_CMS =
  [resolve(ROOT, '../shared/cms'), resolve(ROOT, '../../shared/cms')].find((d) => existsSync(d)) ??
  resolve(ROOT, '../shared/cms');
const read = (name: string): Buffer => readFileSync(join(EXCERPT, name));

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

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vialwise-catalog-'));
  temps.push(dir);
  return dir;
}

/** A folder with the excerpt files whose names pass the filter. */
function cmsFolder(keep: (name: string) => boolean): string {
  const dir = tempDir();
  for (const f of readdirSync(EXCERPT).filter(keep)) copyFileSync(join(EXCERPT, f), join(dir, f));
  return dir;
}

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [name, readFileSync(join(dir, name)).toString('base64')]),
  );
}

describe('reading the CMS files as CMS publishes them', () => {
  it('latin-1 by default; a file that is valid UTF-8 (the 2024 Addendum B) is read as UTF-8', () => {
    expect(decodeCmsText(Uint8Array.from([0x4d, 0xe9, 0x64]))).toBe('Méd');
    expect(decodeCmsText(Buffer.from('Méd', 'utf8'))).toBe('Méd');
    const opps2024 = parseOppsFile(read('opps-addendum-b-2024q1.csv'), 'opps-addendum-b-2024q1.csv');
    // A stray replacement character after a code: reported and skipped, the file imports.
    expect(opps2024.skipped.map(formatSkipped)).toEqual([
      'opps-addendum-b-2024q1.csv:8: HCPCS Code "A4341\uFFFD" is not a HCPCS or CPT code',
    ]);
  });

  it('pricing: title rows passed over, the quarter from "Effective April 1, 2024", Notes and N/A kept', () => {
    const p = parsePricingFile(read('asp-pricing-2024q2.csv'), 'asp-pricing-2024q2.csv');
    expect(p.titleQuarter).toBe('2024Q2');
    expect(p.skipped).toEqual([]);
    expect(p.rows.find((r) => r.code === 'J2919')).toMatchObject({
      dosage: '5 MG',
      paymentLimit: 0.273,
      note: 'Added April 2024',
    });
    expect(p.rows.find((r) => r.code === 'A9606')?.paymentLimit).toBeNull();
    // Vaccines are listed by CPT code.
    expect(p.rows.find((r) => r.code === '90371')?.dosage).toBe('1 ML');
  });

  it('crosswalk: NDC2 normalised to 11 digits; product numbers reported as file:row: reason', () => {
    const p = parseCrosswalkFile(read('asp-crosswalk-2024q2.csv'), 'asp-crosswalk-2024q2.csv');
    expect(p.titleQuarter).toBe('2024Q2');
    // 888867413689 is J7331 SynoJoynt's product number, GG100/GG225 skin substitutes' (Q4111).
    expect(p.skipped.map(formatSkipped)).toEqual([
      'asp-crosswalk-2024q2.csv:36: J7331: NDC2 "888867413689" is not an NDC (a product number or a malformed code)',
      'asp-crosswalk-2024q2.csv:42: Q4111: NDC2 "GG100" is not an NDC (a product number or a malformed code)',
      'asp-crosswalk-2024q2.csv:43: Q4111: NDC2 "GG225" is not an NDC (a product number or a malformed code)',
    ]);
    expect(p.rows.find((r) => r.ndc === '63323025803')).toMatchObject({
      code: 'J2919',
      billUnits: 25,
      billUnitsPkg: 625,
      pkgSize: 1,
      pkgQty: 25,
    });
    // One NDC under two codes (darbepoetin, ESRD and non-ESRD use).
    expect(p.rows.filter((r) => r.ndc === '55513000204').map((r) => r.code)).toEqual(['J0881', 'J0882']);
  });

  it('crosswalk: BILLUNITS "21.3125?" is read as 21.3125 because BILLUNITSPKG 127.875 / PKG QTY 6 confirms it, and reported', () => {
    // asp-crosswalk-2024q2.csv: J7674,...,64281-0110-06,Provocholine Inhalation Solution,1 MG,15,6,21.3125?,127.875
    const p = parseCrosswalkFile(read('asp-crosswalk-2024q2.csv'), 'asp-crosswalk-2024q2.csv');
    expect(p.recovered?.map(formatSkipped)).toEqual([
      'asp-crosswalk-2024q2.csv:37: J7674 64281-0110-06: BILLUNITS "21.3125?" read as 21.3125 (BILLUNITSPKG 127.875 / PKG QTY 6)',
    ]);
    expect(p.rows.find((r) => r.ndc === '64281011006')).toMatchObject({
      code: 'J7674',
      pkgSize: 15,
      pkgQty: 6,
      billUnits: 21.3125,
      billUnitsPkg: 127.875,
    });
    // Digits the other counts do not confirm are not guessed: the same row with BILLUNITSPKG 128 is skipped.
    const bytes = read('asp-crosswalk-2024q2.csv')
      .toString('latin1')
      .replace('21.3125?,127.875', '21.3125?,128');
    const q = parseCrosswalkFile(Buffer.from(bytes, 'latin1'), 'asp-crosswalk-2024q2.csv');
    expect(q.recovered).toEqual([]);
    expect(q.skipped.map(formatSkipped)).toContain(
      'asp-crosswalk-2024q2.csv:37: J7674 64281-0110-06: BILLUNITS "21.3125?" is not a number',
    );
  });

  it('crosswalk 2024q1: a labeler name with an embedded line break is one record, one space', () => {
    const p = parseCrosswalkFile(read('asp-crosswalk-2024q1.csv'), 'asp-crosswalk-2024q1.csv');
    expect(p.rows.find((r) => r.code === 'Q5126')?.labeler).toBe(
      'AMNEAL PHARMACEUTICALS INC AMNEAL PHARMACEUTICALS INC',
    );
    const rows = readCsvRows(read('asp-crosswalk-2024q1.csv'));
    expect(rows.find((r) => r.cells[0] === 'Q5126')?.line).toBeGreaterThan(0);
  });

  it('crosswalk 2025 and later: the empty trailing columns (250 of them) change nothing', () => {
    const raw = readCsvRows(read('asp-crosswalk-2025q3.csv'));
    expect(Math.max(...raw.map((r) => r.cells.length))).toBeGreaterThan(200);
    const p = parseCrosswalkFile(read('asp-crosswalk-2025q3.csv'), 'asp-crosswalk-2025q3.csv');
    expect(p.rows.find((r) => r.ndc === '50242013201')).toMatchObject({ code: 'J9355', billUnits: 15 });
  });

  it('Addendum B and the HCPCS descriptors by column name; modifiers in the HCPCS file pass silently', () => {
    const o = parseOppsFile(read('opps-addendum-b-2025q4.csv'), 'opps-addendum-b-2025q4.csv');
    expect(o.rows.find((r) => r.code === 'J1100')).toMatchObject({ si: 'N', apc: '' });
    expect(o.rows.find((r) => r.code === 'J9355')).toMatchObject({ si: 'K', apc: '1613' });
    const d = parseDescriptorFile(read('hcpcs-2025q3-long-descriptors.csv'), 'hcpcs.csv');
    expect(d.rows.find((r) => r.code === 'J2919')?.descriptor).toBe(
      'Injection, methylprednisolone sodium succinate, 5 mg',
    );
    expect(d.rows.some((r) => r.code === 'AA')).toBe(false);
    expect(d.skipped).toEqual([]);
  });

  it('files are told apart by their header, not their name; the quarter from the title or the name', () => {
    expect(kindOf(read('asp-pricing-2026q1.csv'))).toBe('pricing');
    expect(kindOf(read('asp-crosswalk-2026q1.csv'))).toBe('crosswalk');
    expect(kindOf(read('opps-addendum-b-2025q4.csv'))).toBe('opps');
    expect(kindOf(read('hcpcs-2025q3-long-descriptors.csv'))).toBe('descriptors');
    expect(quarterFromName('opps-addendum-b-2025q3-june-release.csv')).toBe('2025Q3');
  });

  it('a file without a needed column is an error naming the file and the column', () => {
    const broken = Buffer.from(
      read('asp-crosswalk-2025q4.csv').toString('latin1').replace('BILLUNITS,', 'BILL UNITS,'),
      'latin1',
    );
    const err = importError(() => parseCrosswalkFile(broken, 'asp-crosswalk-2025q4.csv'));
    expect(err.code).toBe('column-missing');
    expect(err.message).toMatch(/^asp-crosswalk-2025q4\.csv: row 9: header has no column BILLUNITS$/);
  });

  it('a file that is not the kind asked for, or has no header at all, is an error', () => {
    const err = importError(() => parsePricingFile(Buffer.from('just,some\nwords,here\n'), 'x.csv'));
    expect(err.code).toBe('no-header');
    expect(err.message).toMatch(/^x\.csv: no header row found/);
  });
});

describe('building from a folder', () => {
  it('the same files give byte-identical catalog files and report, whatever the folder holds else', () => {
    const a = buildFromFolder(EXCERPT);
    const dir = cmsFolder(() => true);
    writeFileSync(join(dir, 'notes.txt'), 'not a CSV');
    const b = buildFromFolder(dir);
    expect([...b.texts]).toEqual([...a.texts]);
    expect(a.report).toContain('## Rows skipped');
    expect(a.report).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:/);
  });

  it('of two Addendum B releases of a quarter the one named for the quarter alone is used, and the report says what changed', () => {
    const { derived, report } = buildFromFolder(EXCERPT);
    expect(derived.codes.sources.opps.map((o) => o[1])).toContain('opps-addendum-b-2025q3.csv');
    expect(derived.codes.sources.oppsSuperseded).toEqual([
      ['2025Q3', 'opps-addendum-b-2025q3-june-release.csv'],
    ]);
    expect(report).toContain(
      'Q5146: opps-addendum-b-2025q3-june-release.csv SI E2 APC -; opps-addendum-b-2025q3.csv SI K APC 0865 (used)',
    );
  });

  it('a folder without a pricing file is an error', () => {
    const dir = cmsFolder((n) => n.startsWith('opps'));
    expect(importError(() => buildFromFolder(dir)).message).toMatch(/no ASP pricing file/);
  });
});

describe('importing a new quarter into a built catalog', () => {
  function builtWithout(prefix: string): string {
    const out = tempDir();
    writeBuild(out, buildFromFolder(cmsFolder((n) => !n.includes(prefix))));
    return out;
  }

  it('a catalog built into a new folder gets the shipped curated.json and passes the CATALOG_DIR check', async () => {
    const out = join(tempDir(), 'catalog');
    writeBuild(out, buildFromFolder(EXCERPT));
    expect(readFileSync(join(out, 'curated.json'), 'utf8')).toBe(
      readFileSync(join(SHIPPED_CATALOG_DIR, 'curated.json'), 'utf8'),
    );
    await checkPaths({ catalogDir: out, payerRulesFile: undefined });
    expect(loadCatalog(out).productByNdc('63323-0258-01')?.outerNdcs).toEqual(['63323025803']);
  });

  it('the 2026q1 pricing and crosswalk files added to the 2024q1-2025q4 catalog give what building from all gives', () => {
    const dir = builtWithout('2026q1');
    const pricing = importCmsFile({
      catalogDir: dir,
      file: join(EXCERPT, 'asp-pricing-2026q1.csv'),
      kind: 'pricing',
    });
    expect(pricing.quarter).toBe('2026Q1');
    const crosswalk = importCmsFile({
      catalogDir: dir,
      file: join(EXCERPT, 'asp-crosswalk-2026q1.csv'),
      kind: 'crosswalk',
    });
    expect(crosswalk.skipped.map(formatSkipped)).toEqual([
      'asp-crosswalk-2026q1.csv:38: J7331: NDC2 "888867413689" is not an NDC (a product number or a malformed code)',
    ]);
    const full = buildFromFolder(EXCERPT).texts;
    for (const name of ['codes.json', 'products.json', 'families.json']) {
      expect(readFileSync(join(dir, name), 'utf8'), name).toBe(full.get(name));
    }
    // The service loads the result.
    expect(loadCatalog(dir).priceOn('J2919', '2026-02-01')?.paymentLimit).toBe(0.264);
  });

  it('an Addendum B release for a quarter that has one replaces it, and the replaced one is recorded', () => {
    const dir = builtWithout('opps-addendum-b-2025q3');
    importCmsFile({
      catalogDir: dir,
      file: join(EXCERPT, 'opps-addendum-b-2025q3-june-release.csv'),
      kind: 'opps',
    });
    expect(loadCatalog(dir).statusOn('Q5146', '2025-08-01')?.indicator).toBe('E2');
    const r = importCmsFile({
      catalogDir: dir,
      file: join(EXCERPT, 'opps-addendum-b-2025q3.csv'),
      kind: 'opps',
    });
    expect(r.replacedRelease).toBe('opps-addendum-b-2025q3-june-release.csv');
    expect(loadCatalog(dir).statusOn('Q5146', '2025-08-01')).toMatchObject({ indicator: 'K', apc: '0865' });
  });

  it('the wrong kind of file, or a broken one, changes nothing', () => {
    const dir = builtWithout('2026q1');
    const before = snapshot(dir);
    const wrong = importError(() =>
      importCmsFile({ catalogDir: dir, file: join(EXCERPT, 'asp-pricing-2026q1.csv'), kind: 'crosswalk' }),
    );
    expect(wrong.message).toMatch(
      /asp-pricing-2026q1\.csv is not an ASP NDC-HCPCS crosswalk \(its header is that of an ASP pricing file\)/,
    );
    const broken = join(tempDir(), 'asp-crosswalk-2026q1.csv');
    writeFileSync(
      broken,
      read('asp-crosswalk-2026q1.csv').toString('latin1').replace('PKG QTY', 'PACKAGES'),
      'latin1',
    );
    expect(importError(() => importCmsFile({ catalogDir: dir, file: broken, kind: 'crosswalk' })).code).toBe(
      'column-missing',
    );
    expect(snapshot(dir)).toEqual(before);
  });
});

describe('vialwise catalog CLI', () => {
  // The exit codes and stderr as a child process; the commands' output in process, through the
  // same program (test/support-proc/cli.ts).
  const cli = (args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'src/cli/vialwise.ts'), 'catalog', ...args], {
      encoding: 'utf8',
    });
  const inProcess = async (args: string[]) => {
    const r = await runInProcess(['catalog', ...args]);
    return { status: r.code, stdout: r.stdout, stderr: r.stderr };
  };

  it('build, then import-crosswalk: one summary line each, skipped rows as file:row: reason', async () => {
    const out = tempDir();
    const built = await inProcess([
      'build',
      cmsFolder((n) => !n.includes('crosswalk-2026q1')),
      '--catalog-dir',
      out,
    ]);
    expect(built.status).toBe(0);
    expect(built.stdout).toMatch(/23 files read, 40 codes .*, 1 row recovered; wrote /);
    // The repaired Provocholine row (BILLUNITS "21.3125?", see above) is printed, not only reported.
    expect(built.stdout.split('\n')).toContain(
      'recovered asp-crosswalk-2024q2.csv:37: J7674 64281-0110-06: BILLUNITS "21.3125?" read as 21.3125 (BILLUNITSPKG 127.875 / PKG QTY 6)',
    );
    const r = await inProcess([
      'import-crosswalk',
      join(EXCERPT, 'asp-crosswalk-2026q1.csv'),
      '--catalog-dir',
      out,
    ]);
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      'asp-crosswalk-2026q1.csv:38: J7331: NDC2 "888867413689" is not an NDC (a product number or a malformed code)',
      expect.stringMatching(
        /asp-crosswalk-2026q1\.csv: crosswalk 2026Q1, 35 rows read, 1 row skipped, 0 rows recovered; codes 40 -> 40, NDCs \d+ -> \d+; wrote /,
      ),
    ]);
  });

  it('import-crosswalk prints the rows it recovered', async () => {
    const out = tempDir();
    expect(
      (await inProcess(['build', cmsFolder((n) => !n.includes('crosswalk-2024q2')), '--catalog-dir', out]))
        .status,
    ).toBe(0);
    const r = await inProcess([
      'import-crosswalk',
      join(EXCERPT, 'asp-crosswalk-2024q2.csv'),
      '--catalog-dir',
      out,
    ]);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toContain(
      'recovered asp-crosswalk-2024q2.csv:37: J7674 64281-0110-06: BILLUNITS "21.3125?" read as 21.3125 (BILLUNITSPKG 127.875 / PKG QTY 6)',
    );
    expect(lines.at(-1)).toMatch(/asp-crosswalk-2024q2\.csv: crosswalk 2024Q2, .*, 1 row recovered; /);
  });

  it('a broken file: exit 1, the message on stderr; a bad --quarter: exit 2', () => {
    const out = tempDir();
    writeBuild(out, buildFromFolder(EXCERPT));
    const missing = cli(['import-opps', join(EXCERPT, 'no-such.csv'), '--catalog-dir', out]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^vialwise: cannot read .*no-such\.csv \(ENOENT\)/);
    const quarter = cli(['import-pricing', join(EXCERPT, 'asp-pricing-2026q1.csv'), '--quarter', '2026-1']);
    expect(quarter.status).toBe(2);
    expect(quarter.stderr).toMatch(/expected a quarter such as 2025Q4/);
  });
});

describe('the real CMS files (when ../shared/cms is there)', () => {
  const present = existsSync(SHARED_CMS);

  it.runIf(present)('all 24 files import; the build reproduces the committed catalog byte for byte', () => {
    const names = readdirSync(SHARED_CMS).filter((n) => n.endsWith('.csv'));
    expect(names).toHaveLength(24);
    const result = buildFromFolder(SHARED_CMS);
    expect(result.folder.files).toHaveLength(24);
    for (const [name, text] of result.texts) {
      expect(readFileSync(join(SHIPPED_CATALOG_DIR, name), 'utf8') === text, `${name} is up to date`).toBe(
        true,
      );
    }
  });

  it.runIf(present)(
    'importing each file of the last quarter into the catalog of the others gives the full catalog',
    () => {
      const dir = tempDir();
      const src = join(dir, 'cms');
      mkdirSync(src);
      for (const n of readdirSync(SHARED_CMS).filter((x) => x.endsWith('.csv') && !x.includes('2026q1'))) {
        copyFileSync(join(SHARED_CMS, n), join(src, n));
      }
      const out = join(dir, 'catalog');
      writeBuild(out, buildFromFolder(src));
      importCmsFile({ catalogDir: out, file: join(SHARED_CMS, 'asp-pricing-2026q1.csv'), kind: 'pricing' });
      importCmsFile({
        catalogDir: out,
        file: join(SHARED_CMS, 'asp-crosswalk-2026q1.csv'),
        kind: 'crosswalk',
      });
      for (const name of ['codes.json', 'products.json', 'families.json']) {
        expect(
          readFileSync(join(out, name), 'utf8') === readFileSync(join(SHIPPED_CATALOG_DIR, name), 'utf8'),
          name,
        ).toBe(true);
      }
    },
  );
});
