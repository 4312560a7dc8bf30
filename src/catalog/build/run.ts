/**
 * `npm run catalog:build` and the quarterly importers: read the CMS files, keep their facts, derive
 * the catalog and write it (docs/catalog.md). Files are recognised by their header row, not their
 * name; the quarter comes from the title row ("Effective January 1, 2026 ..."), else the name.
 */
import { copyFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { decodeCmsText } from '../import/cms-csv.ts';
import {
  parseCrosswalkFile,
  parseDescriptorFile,
  parseOppsFile,
  parsePricingFile,
  parseQuarter,
  quarterFromName,
} from '../import/cms-files.ts';
import type { OppsRow, ParsedFile, SkippedRow } from '../import/cms-files.ts';
import { ImportError } from '../import/errors.ts';
import { deriveCatalog } from './derive.ts';
import type { DerivedCatalog } from './derive.ts';
import { codesText, familiesText, productsText } from './encode.ts';
import { addCrosswalk, addDescriptors, addOpps, addPricing, emptyRaw } from './raw.ts';
import type { RawCatalog } from './raw.ts';
import { buildReport } from './report.ts';
import type { FileRead } from './report.ts';
import { SHIPPED_CATALOG_DIR } from '../load.ts';
import { writeFilesAtomically } from './write.ts';

export type CmsKind = 'pricing' | 'crosswalk' | 'opps' | 'descriptors';

/** What a CMS CSV is, from the words of its header row. */
export function kindOf(input: Uint8Array): CmsKind | undefined {
  const head = decodeCmsText(input.subarray(0, 16_384)).toLowerCase();
  if (/billunits/.test(head) && /ndc/.test(head)) return 'crosswalk';
  if (/payment limit/.test(head) && /hcpcs code dosage/.test(head)) return 'pricing';
  if (/long_description|long description/.test(head)) return 'descriptors';
  if (/(^|,)\s*"?si"?\s*,/m.test(head) && /\bapc\b/.test(head)) return 'opps';
  return undefined;
}

export function readInput(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ImportError('file-unreadable', `cannot read ${file} (${reason})`);
  }
}

/** The quarter a file is for: the option, else its title row, else its name. */
export function quarterFor(name: string, titleQuarter: string | undefined, option?: string): string {
  if (option) return parseQuarter(option);
  const q = titleQuarter ?? quarterFromName(name);
  if (!q) {
    throw new ImportError('option-invalid', `${name}: cannot tell which quarter it is for: give --quarter`);
  }
  return q;
}

interface Parsed {
  readonly kind: CmsKind;
  readonly name: string;
  readonly quarter: string;
  readonly parsed: ParsedFile<unknown>;
}

function parseKind(kind: CmsKind, input: Uint8Array, name: string): ParsedFile<unknown> {
  switch (kind) {
    case 'pricing':
      return parsePricingFile(input, name);
    case 'crosswalk':
      return parseCrosswalkFile(input, name);
    case 'opps':
      return parseOppsFile(input, name);
    case 'descriptors':
      return parseDescriptorFile(input, name);
  }
}

/**
 * Of several Addendum B releases for one quarter the one named for the quarter alone
 * (`...-2025q3.csv`) is used: CMS re-publishes the quarter's Addendum B with corrections, and a
 * tagged name (`...-2025q3-june-release.csv`) is the earlier release (docs/catalog.md).
 */
function chooseRelease(files: readonly Parsed[]): { used: Parsed; superseded: Parsed[] } {
  const sorted = [...files].sort((a, b) => {
    const plain = (p: Parsed) => Number(/q[1-4]\.csv$/i.test(p.name));
    return plain(b) - plain(a) || b.name.localeCompare(a.name);
  });
  const [used, ...superseded] = sorted as [Parsed, ...Parsed[]];
  return { used, superseded };
}

export interface FolderRead {
  readonly raw: RawCatalog;
  readonly files: FileRead[];
  readonly skipped: SkippedRow[];
  /** Rows kept after a value was read back from the row's other cells. */
  readonly recovered: SkippedRow[];
  readonly releaseDiffs: string[];
}

export function readCmsFolder(dir: string): FolderRead {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.toLowerCase().endsWith('.csv'))
      .sort();
  } catch (err) {
    throw new ImportError(
      'file-unreadable',
      `cannot read the folder ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
  const parsed: Parsed[] = [];
  for (const name of names) {
    const input = readInput(join(dir, name));
    const kind = kindOf(input);
    if (!kind) continue;
    const p = parseKind(kind, input, name);
    const quarter = kind === 'descriptors' ? (quarterFromName(name) ?? '') : quarterFor(name, p.titleQuarter);
    parsed.push({ kind, name, quarter, parsed: p });
  }
  return assemble(parsed);
}

function assemble(parsed: readonly Parsed[]): FolderRead {
  const raw = emptyRaw();
  const files: FileRead[] = [];
  const skipped: SkippedRow[] = [];
  const recovered: SkippedRow[] = [];
  const releaseDiffs: string[] = [];
  const of = (kind: CmsKind) =>
    parsed
      .filter((p) => p.kind === kind)
      .sort((a, b) => a.quarter.localeCompare(b.quarter) || a.name.localeCompare(b.name));
  const note = (p: Parsed, supersededBy?: string) => {
    files.push({
      file: p.name,
      kind: p.kind,
      quarter: p.quarter,
      rows: p.parsed.rows.length,
      skipped: p.parsed.skipped.length,
      ...(supersededBy ? { supersededBy } : {}),
    });
    skipped.push(...p.parsed.skipped);
    if (!supersededBy) recovered.push(...(p.parsed.recovered ?? []));
  };
  for (const kind of ['pricing', 'crosswalk'] as const) {
    const seen = new Map<string, string>();
    for (const p of of(kind)) {
      const before = seen.get(p.quarter);
      if (before)
        throw new ImportError(
          'option-invalid',
          `two ${kind} files for ${p.quarter}: ${before} and ${p.name}`,
        );
      seen.set(p.quarter, p.name);
      if (kind === 'pricing') addPricing(raw, p.quarter, p.name, p.parsed.rows as never);
      else addCrosswalk(raw, p.quarter, p.name, p.parsed.rows as never);
      note(p);
    }
  }
  const descriptors = of('descriptors');
  const latest = descriptors.at(-1);
  for (const p of descriptors) note(p, p === latest ? undefined : latest?.name);
  if (latest) addDescriptors(raw, latest.name, latest.parsed.rows as never);
  const byQuarter = new Map<string, Parsed[]>();
  for (const p of of('opps')) byQuarter.set(p.quarter, [...(byQuarter.get(p.quarter) ?? []), p]);
  for (const [quarter, list] of byQuarter) {
    const { used, superseded } = chooseRelease(list);
    addOpps(
      raw,
      quarter,
      used.name,
      used.parsed.rows as OppsRow[],
      superseded.map((s) => s.name),
    );
    for (const s of superseded) {
      note(s, used.name);
      releaseDiffs.push(...diffReleases(raw, s, used));
    }
    note(used);
  }
  files.sort(
    (a, b) =>
      a.kind.localeCompare(b.kind) || a.quarter.localeCompare(b.quarter) || a.file.localeCompare(b.file),
  );
  skipped.sort((a, b) => a.file.localeCompare(b.file) || a.row - b.row);
  recovered.sort((a, b) => a.file.localeCompare(b.file) || a.row - b.row);
  return { raw, files, skipped, recovered, releaseDiffs };
}

function diffReleases(raw: RawCatalog, old: Parsed, used: Parsed): string[] {
  const before = new Map((old.parsed.rows as OppsRow[]).map((r) => [r.code, r]));
  const out: string[] = [];
  for (const r of used.parsed.rows as OppsRow[]) {
    if (!raw.codes.has(r.code)) continue;
    const b = before.get(r.code);
    if (!b) out.push(`${r.code}: not in ${old.name}; ${used.name} SI ${r.si} APC ${r.apc || '-'}`);
    else if (b.si !== r.si || b.apc !== r.apc)
      out.push(
        `${r.code}: ${old.name} SI ${b.si} APC ${b.apc || '-'}; ${used.name} SI ${r.si} APC ${r.apc || '-'} (used)`,
      );
  }
  return out;
}

export const CATALOG_FILES = ['codes.json', 'products.json', 'families.json'] as const;
export const REPORT_FILE = 'BUILD-REPORT.md';

export function catalogTexts(d: DerivedCatalog): Map<string, string> {
  return new Map([
    ['codes.json', codesText(d.codes)],
    ['products.json', productsText(d.products)],
    ['families.json', familiesText(d.families)],
  ]);
}

export interface BuildResult {
  readonly derived: DerivedCatalog;
  readonly texts: Map<string, string>;
  readonly report: string;
  readonly folder: FolderRead;
}

/** Builds the catalog from a folder of CMS files (pure apart from reading the folder). */
export function buildFromFolder(cmsDir: string): BuildResult {
  const folder = readCmsFolder(cmsDir);
  if (folder.raw.sources.pricing.length === 0) {
    throw new ImportError(
      'no-header',
      `${cmsDir} holds no ASP pricing file: nothing to build a catalog from`,
    );
  }
  const derived = deriveCatalog(folder.raw);
  const report = buildReport({
    files: folder.files,
    skipped: folder.skipped,
    recovered: folder.recovered,
    releaseDiffs: folder.releaseDiffs,
    derived,
  });
  const texts = catalogTexts(derived);
  texts.set(REPORT_FILE, report);
  return { derived, texts, report, folder };
}

/**
 * Writes the built files; a new catalog folder also gets a copy of the shipped curated.json (the
 * hand-kept part no CMS file gives), so that it loads as CATALOG_DIR.
 */
export function writeBuild(outDir: string, result: BuildResult): void {
  writeFilesAtomically(outDir, result.texts);
  const curated = join(outDir, 'curated.json');
  if (!existsSync(curated)) copyFileSync(join(SHIPPED_CATALOG_DIR, 'curated.json'), curated);
}

/** Names a file by its base name in sources and reports (never the full path of the user's disk). */
export function sourceName(file: string): string {
  return basename(file);
}
