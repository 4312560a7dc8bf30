/**
 * `npm run catalog:build -- [folder] [--out dir] [--check]`: builds the drug catalog from the CMS
 * files in `folder` (default `../shared/cms` from the repository root, else `../../shared/cms` for a
 * git worktree) into `catalog/`
 * (docs/catalog.md). `--check` builds in memory and exits 1 when the committed files differ.
 * Prints the rows it recovered, the counts and the build's own time; the full report goes to
 * catalog/BUILD-REPORT.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFromFolder, writeBuild } from '../src/catalog/build/run.ts';
import { formatSkipped } from '../src/catalog/import/cms-files.ts';
import { ImportError } from '../src/catalog/import/errors.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const outAt = args.indexOf('--out');
const outDir = resolve(outAt >= 0 ? (args[outAt + 1] ?? 'catalog') : resolve(ROOT, 'catalog'));
const folder = args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--out');
// A worktree (one folder deeper than the clone) finds the shared folder one level further up.
const defaults = [resolve(ROOT, '../shared/cms'), resolve(ROOT, '../../shared/cms')];
const cmsDir = resolve(folder ?? defaults.find((d) => existsSync(d)) ?? defaults[0] ?? '');

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

try {
  const start = performance.now();
  const result = buildFromFolder(cmsDir);
  const ms = performance.now() - start;
  const { codes, products, families, findings } = result.derived;
  out(`read ${result.folder.files.length} CMS files from ${cmsDir}`);
  // A row kept after a count was read back from its other counts is a repair of CMS's file: say so
  // (docs/catalog.md, "Inputs"), not only in BUILD-REPORT.md.
  for (const r of result.folder.recovered) out(`recovered ${formatSkipped(r)}`);
  out(
    `codes ${codes.codes.length} (unit not parsed: ${findings.unparsed.length}), families ${families.families.length}, ` +
      `NDCs ${products.products.length}, rows skipped ${result.folder.skipped.length}, ` +
      `rows recovered ${result.folder.recovered.length}`,
  );
  out(`built in ${Math.round(ms)} ms`);
  if (check) {
    const differ = [...result.texts].filter(([name, text]) => {
      const file = resolve(outDir, name);
      return !existsSync(file) || readFileSync(file, 'utf8') !== text;
    });
    if (differ.length) {
      out(`differs from ${outDir}: ${differ.map(([n]) => n).join(', ')}`);
      process.exitCode = 1;
    } else out(`${outDir} is up to date`);
  } else {
    writeBuild(outDir, result);
    out(`wrote ${[...result.texts.keys()].join(', ')} to ${outDir}`);
  }
} catch (err) {
  if (err instanceof ImportError) {
    process.stderr.write(`catalog:build: ${err.message}\n`);
    process.exitCode = 1;
  } else throw err;
}
