/**
 * The quarterly importers: add one CMS file a user downloads (crosswalk, pricing, Addendum B,
 * HCPCS long descriptors) to a built catalog folder. The folder keeps the CMS facts quarter by
 * quarter, so the file is added to them and everything is derived again, as `catalog:build`
 * would from every file (docs/catalog.md "Importing a new quarter"). Bad rows are skipped and
 * reported; a malformed file changes nothing.
 */
import { basename, join } from 'node:path';
import { aboutFile } from '../import/cms-files.ts';
import type { SkippedRow } from '../import/cms-files.ts';
import { ImportError } from '../import/errors.ts';
import { readJsonFile } from '../load.ts';
import { codesFileSchema, productsFileSchema } from '../schema.ts';
import { deriveCatalog } from './derive.ts';
import type { DerivedCatalog } from './derive.ts';
import { rawFromFiles } from './encode.ts';
import { addCrosswalk, addDescriptors, addOpps, addPricing } from './raw.ts';
import { catalogTexts, kindOf, quarterFor, readInput } from './run.ts';
import type { CmsKind } from './run.ts';
import {
  parseCrosswalkFile,
  parseDescriptorFile,
  parseOppsFile,
  parsePricingFile,
} from '../import/cms-files.ts';
import { writeFilesAtomically } from './write.ts';

const KIND_NAMES: Readonly<Record<CmsKind, string>> = {
  pricing: 'an ASP pricing file',
  crosswalk: 'an ASP NDC-HCPCS crosswalk',
  opps: 'an OPPS Addendum B file',
  descriptors: 'a HCPCS long descriptor file',
};

export interface ImportResult {
  readonly kind: CmsKind;
  readonly file: string;
  readonly quarter: string;
  readonly rows: number;
  readonly skipped: readonly SkippedRow[];
  /** Rows kept after a value was read back from the row's other cells (`BILLUNITS "21.3125?"`). */
  readonly recovered: readonly SkippedRow[];
  /** Codes and NDCs before and after, for the summary line. */
  readonly before: { readonly codes: number; readonly products: number };
  readonly after: { readonly codes: number; readonly products: number };
  /** Set when an Addendum B release of the same quarter was replaced. */
  readonly replacedRelease?: string;
  readonly derived: DerivedCatalog;
}

export interface ImportOptions {
  readonly catalogDir: string;
  readonly file: string;
  readonly kind: CmsKind;
  /** The quarter the file is for; else its title row, else its name. */
  readonly quarter?: string;
}

export function importCmsFile(options: ImportOptions): ImportResult {
  const { catalogDir, file, kind } = options;
  const name = basename(file);
  const input = readInput(file);
  const seen = kindOf(input);
  if (seen !== kind) {
    throw new ImportError(
      'no-header',
      `${name} is not ${KIND_NAMES[kind]}${seen ? ` (its header is that of ${KIND_NAMES[seen]})` : ': no header row with its columns'}`,
    );
  }
  const codesFile = readJsonFile(join(catalogDir, 'codes.json'), codesFileSchema);
  const productsFile = readJsonFile(join(catalogDir, 'products.json'), productsFileSchema);
  const raw = rawFromFiles(codesFile, productsFile);
  const before = { codes: codesFile.codes.length, products: productsFile.products.length };

  let quarter: string;
  let rows: number;
  let skipped: readonly SkippedRow[];
  let recovered: readonly SkippedRow[] = [];
  let replacedRelease: string | undefined;
  switch (kind) {
    case 'pricing': {
      const p = aboutFile(name, () => parsePricingFile(input, name));
      quarter = quarterFor(name, p.titleQuarter, options.quarter);
      addPricing(raw, quarter, name, p.rows);
      ({ skipped } = p);
      rows = p.rows.length;
      break;
    }
    case 'crosswalk': {
      const p = aboutFile(name, () => parseCrosswalkFile(input, name));
      quarter = quarterFor(name, p.titleQuarter, options.quarter);
      addCrosswalk(raw, quarter, name, p.rows);
      ({ skipped } = p);
      recovered = p.recovered ?? [];
      rows = p.rows.length;
      break;
    }
    case 'opps': {
      const p = aboutFile(name, () => parseOppsFile(input, name));
      quarter = quarterFor(name, p.titleQuarter, options.quarter);
      const old = raw.sources.opps.find((s) => s.quarter === quarter);
      replacedRelease = old && old.file !== name ? old.file : undefined;
      const stillSuperseded = raw.sources.oppsSuperseded
        .filter((s) => s.quarter === quarter && s.file !== name)
        .map((s) => s.file);
      addOpps(raw, quarter, name, p.rows, [
        ...stillSuperseded,
        ...(replacedRelease ? [replacedRelease] : []),
      ]);
      ({ skipped } = p);
      rows = p.rows.length;
      break;
    }
    case 'descriptors': {
      const p = aboutFile(name, () => parseDescriptorFile(input, name));
      quarter = options.quarter ?? '';
      addDescriptors(raw, name, p.rows);
      ({ skipped } = p);
      rows = p.rows.length;
      break;
    }
  }
  const derived = deriveCatalog(raw);
  writeFilesAtomically(catalogDir, catalogTexts(derived));
  return {
    kind,
    file: name,
    quarter,
    rows,
    skipped,
    recovered,
    before,
    after: { codes: derived.codes.codes.length, products: derived.products.products.length },
    ...(replacedRelease ? { replacedRelease } : {}),
    derived,
  };
}
