/**
 * The two import flows: read the CMS file and the catalog folder, merge, write back atomically.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { codesFileSchema, productsFileSchema } from '../schema.ts';
import { readCatalogFile, readPricesFile, writeCatalogUpdate } from './catalog-files.ts';
import { mergeCrosswalk, parseCrosswalk } from './crosswalk.ts';
import type { CrosswalkMerge } from './crosswalk.ts';
import { ImportError } from './errors.ts';
import { mergePrices, parsePricingFile, parseQuarter, pricesFromRows } from './prices.ts';
import type { PriceImportSummary } from './prices.ts';

function readInput(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new ImportError('file-unreadable', `cannot read ${file} (${reason})`);
  }
}

/** Runs a step over the imported file's content, naming the file in its errors. */
function aboutFile<T>(file: string, step: () => T): T {
  try {
    return step();
  } catch (err) {
    throw err instanceof ImportError ? err.inFile(file) : err;
  }
}

export interface CrosswalkImport extends CrosswalkMerge {
  /** False when the crosswalk changed nothing, so nothing was written. */
  readonly written: boolean;
}

export function importCrosswalkFile(options: { catalogDir: string; file: string }): CrosswalkImport {
  const { catalogDir, file } = options;
  const input = readInput(file);
  const rows = aboutFile(file, () => parseCrosswalk(input));
  const codes = readCatalogFile(join(catalogDir, 'codes.json'), codesFileSchema);
  const products = readCatalogFile(join(catalogDir, 'products.json'), productsFileSchema);
  const merge = mergeCrosswalk(products, codes, rows, basename(file));
  const written = merge.summary.added > 0 || merge.summary.updated > 0;
  if (written) writeCatalogUpdate(catalogDir, { products: merge.products });
  return { ...merge, written };
}

export interface PricesImport {
  readonly quarter: string;
  readonly illustrative: boolean;
  /** False when the file had no price for a catalog code, so nothing was written. */
  readonly written: boolean;
  readonly summary: PriceImportSummary;
}

export function importPricesFile(options: {
  catalogDir: string;
  file: string;
  quarter: string;
  illustrative?: boolean;
}): PricesImport {
  const { catalogDir, file } = options;
  const quarter = parseQuarter(options.quarter);
  const illustrative = options.illustrative === true;
  const input = readInput(file);
  const rows = aboutFile(file, () => parsePricingFile(input));
  const codes = readCatalogFile(join(catalogDir, 'codes.json'), codesFileSchema);
  const { prices, summary } = aboutFile(file, () =>
    pricesFromRows(rows, codes, { quarter, fileName: basename(file), illustrative }),
  );
  if (prices.length > 0)
    writeCatalogUpdate(catalogDir, { prices: mergePrices(readPricesFile(catalogDir), prices) });
  return { quarter, illustrative, written: prices.length > 0, summary };
}
