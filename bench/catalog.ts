/**
 * The catalog's figures for `npm run bench`: load time and RSS at start (in a fresh process,
 * against a process that only imports the same modules), the build's own time, and the size on
 * disk; and the catalog cut down to the 9 codes the project shipped before, which the Engine
 * section (run.ts) measures against the full one in the same rounds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assembleCatalog } from '../src/catalog/assemble.ts';
import { buildFromFolder } from '../src/catalog/build/run.ts';
import type { DrugCatalog } from '../src/catalog/catalog.ts';
import { readCatalogFolder, SHIPPED_CATALOG_DIR } from '../src/catalog/load.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The nine codes of the hand-entered catalog this one replaced. */
export const NINE_CODES = ['J1010', 'J1020', 'J1030', 'J1040', 'J1100', 'J1250', 'J1745', 'J2920', 'J2930'];

/** The shipped catalog cut down to some codes, their families and their products. */
export function subsetCatalog(codes: readonly string[]): DrugCatalog {
  const files = readCatalogFolder(SHIPPED_CATALOG_DIR);
  const keep = new Set(codes);
  const families = new Set(files.codes.codes.filter((c) => keep.has(c.code)).map((c) => c.family));
  for (const c of files.codes.codes) if (families.has(c.family)) keep.add(c.code);
  const products = files.products.products.filter((p) => p.listings.every((l) => keep.has(l[0])));
  const ndcs = new Set(products.map((p) => p.ndc.slice(0, 9)));
  const matches = (ndc: string) => ndcs.has(ndc.replace(/-/g, '').padStart(9, '0').slice(0, 9));
  return assembleCatalog({
    codes: { ...files.codes, codes: files.codes.codes.filter((c) => keep.has(c.code)), unpriced: [] },
    products: { ...files.products, products, unpriced: [] },
    families: { ...files.families, families: files.families.families.filter((f) => families.has(f.key)) },
    curated: {
      ...files.curated,
      rxnorm: files.curated.rxnorm
        .map((r) => ({
          ...r,
          families: r.families?.filter((c) => keep.has(c)),
          ndcs: r.ndcs?.filter(matches),
        }))
        .filter((r) => r.families?.length || r.ndcs?.length)
        .map(({ families: f, ndcs: n, ...r }) => ({
          ...r,
          ...(f?.length ? { families: f } : {}),
          ...(n?.length ? { ndcs: n } : {}),
        })),
      mues: files.curated.mues.filter((m) => keep.has(m.code)),
      // The hand-entered catalog said single- or multi-dose for its products, as the curated
      // list does for the same vials: without it the 9-code run would decide no JW/JZ and bill
      // fewer lines than the full one, and the comparison would not be of the same work.
      containers: files.curated.containers.filter((c) => matches(c.ndc)),
    },
  });
}

/** Load time and RSS at start, each in a fresh Node process. */
function startFigures(): { loadMs: number; rssMb: number; baselineRssMb: number } {
  const script = (load: boolean) => `
    const { loadCatalog } = await import(${JSON.stringify(join(ROOT, 'src/catalog/load.ts'))});
    const t = performance.now();
    ${load ? 'globalThis.keep = loadCatalog();' : ''}
    const ms = performance.now() - t;
    console.log(JSON.stringify({ ms, rss: process.memoryUsage().rss }));`;
  const run = (load: boolean) => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script(load)], { encoding: 'utf8' });
    return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { ms: number; rss: number };
  };
  const loads = [run(true), run(true), run(true)].sort((a, b) => a.ms - b.ms);
  const mid = loads[1] ?? { ms: NaN, rss: NaN };
  return { loadMs: mid.ms, rssMb: mid.rss / 1e6, baselineRssMb: run(false).rss / 1e6 };
}

function sizeOnDisk(dir: string): { name: string; kb: number }[] {
  return readdirSync(dir)
    .filter((f) => !f.startsWith('.'))
    .sort()
    .map((name) => ({ name, kb: statSync(join(dir, name)).size / 1024 }));
}

/** Load time, RSS, size on disk and the build's time (the engine's figures are in the Engine section). */
export function catalogBench(): void {
  const s = startFigures();
  console.log('');
  console.log('## Drug catalog (catalog/, built from the CMS files)');
  console.log(`  load at start (median of 3)      ${s.loadMs.toFixed(0)} ms`);
  console.log(
    `  RSS after load                   ${s.rssMb.toFixed(0)} MB   (baseline: same modules, no catalog, ${s.baselineRssMb.toFixed(0)} MB -> +${(s.rssMb - s.baselineRssMb).toFixed(0)} MB)`,
  );
  const files = sizeOnDisk(SHIPPED_CATALOG_DIR);
  const total = files.reduce((n, f) => n + f.kb, 0);
  console.log(
    `  size on disk                     ${(total / 1024).toFixed(1)} MB (${files.map((f) => `${f.name} ${f.kb.toFixed(0)} kB`).join(', ')})`,
  );
  const cms = [resolve(ROOT, '../shared/cms'), resolve(ROOT, '../../shared/cms')].find((d) => existsSync(d));
  const folder = cms ?? join(ROOT, 'test/fixtures/cms/excerpt');
  const t = performance.now();
  const built = buildFromFolder(folder);
  const ms = performance.now() - t;
  console.log(
    `  build (${cms ? 'the 24 CMS files' : 'the committed excerpts'})       ${ms.toFixed(0)} ms   (${built.derived.codes.codes.length} codes, ${built.derived.products.products.length} NDCs)`,
  );
}
