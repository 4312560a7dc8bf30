/**
 * Catalog facts as the engine bills them: a clotting-factor vial whose crosswalk BILLUNITS is not
 * its assay, and one NDC under a non-ESRD and an ESRD code. The catalog is built from the CMS
 * excerpts (test/fixtures/cms/excerpt, rows named) with the shipped curated.json.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFromFolder, writeBuild } from '../../src/catalog/build/run.ts';
import type { DrugCatalog } from '../../src/catalog/catalog.ts';
import { loadCatalog, SHIPPED_CATALOG_DIR } from '../../src/catalog/load.ts';
import { admin, evaluate, gapCodes, lineSummary, scenario } from '../support/build.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const EXCERPT = join(ROOT, 'test/fixtures/cms/excerpt');

let dir: string;
let catalog: DrugCatalog;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vialwise-catalog-'));
  writeBuild(dir, buildFromFolder(EXCERPT));
  copyFileSync(join(SHIPPED_CATALOG_DIR, 'curated.json'), join(dir, 'curated.json'));
  catalog = loadCatalog(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a clotting factor dosed in IU', () => {
  it('2000 IU of Kogenate FS from 2 vials, 0 discarded: J7192 x 2000 JZ, no wastage-inconsistent', () => {
    // asp-crosswalk-2025q1.csv: J7192 ... 00026-3785-55,Kogenate Fs,1 IU,1,1,1,1 (BILLUNITS 1 is not the
    // vial's assay: read as content, 2 vials would "hold" 2 IU and 2000 IU would be overfill).
    // asp-pricing-2025q1.csv: J7192 per IU; opps-addendum-b-2025q1.csv: K.
    const a = admin({
      ndc: '00026-3785-55',
      containerUse: 'single-dose',
      dose: { value: 2000, unit: '[iU]' },
      opened: 2,
      discarded: { value: 0, unit: '[iU]' },
    });
    const ev = evaluate(scenario({ administrations: [a] }), { catalog });
    expect(lineSummary(ev)).toEqual(['J7192|JZ|2000|2025-03-10']);
    expect(gapCodes(ev)).not.toContain('wastage-inconsistent');
  });
});

describe('one NDC under a non-ESRD and an ESRD code', () => {
  it('Procrit 3,000 units/mL (59676-0303-01, J0885 and Q4081): 2,500 units bill J0885 x 3, not Q4081 (for ESRD on dialysis) x 25', () => {
    // asp-crosswalk-2025q1.csv lists 59676-0303-01 under J0885 "(for non-esrd use), 1000 units"
    // (BILLUNITS 3) and Q4081 "100 units (for esrd on dialysis)" (BILLUNITS 30). The finer Q4081
    // would bill less (2,500 against 3,000 units) and was chosen before the use was read.
    const a = admin({ ndc: '59676-0303-01', dose: { value: 2500, unit: '[iU]' } });
    const ev = evaluate(scenario({ administrations: [a] }), { catalog });
    expect(lineSummary(ev).filter((l) => l.startsWith('J0885') || l.startsWith('Q4081'))).toEqual([
      expect.stringMatching(/^J0885\|[A-Z+]*\|3\|2025-03-10$/),
    ]);
  });
});
