/**
 * Reads and validates a catalog folder: codes.json, products.json and families.json (built from
 * the CMS files by `npm run catalog:build`), curated.json (by hand), and any extra price files.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { assembleCatalog } from './assemble.ts';
import type { ExtraPrice } from './assemble.ts';
import { CatalogError } from './catalog.ts';
import type { DrugCatalog } from './catalog.ts';
import type { CodesFile, CuratedFile, FamiliesFile, ProductsFile } from './files.ts';
import {
  codesFileSchema,
  curatedFileSchema,
  familiesFileSchema,
  pricesFileSchema,
  productsFileSchema,
} from './schema.ts';
import { parseJson, readValidated, validate } from './validated.ts';

export const SHIPPED_CATALOG_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../catalog');

/** The files a catalog folder must hold (CATALOG_DIR is checked against them at start). */
export const CATALOG_FOLDER_FILES = ['codes.json', 'products.json', 'families.json', 'curated.json'] as const;

export function readJsonFile<T>(file: string, schema: z.ZodType<T>): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CatalogError(`${file}: cannot read JSON (${(err as Error).message})`);
  }
  return validate(file, parseJson(file, text), schema);
}

export interface CatalogFolder {
  readonly codes: CodesFile;
  readonly products: ProductsFile;
  readonly families: FamiliesFile;
  readonly curated: CuratedFile;
}

export function readCatalogFolder(dir: string): CatalogFolder {
  return {
    codes: readValidated(join(dir, 'codes.json'), 'codes', codesFileSchema),
    products: readValidated(join(dir, 'products.json'), 'products', productsFileSchema),
    families: readValidated(join(dir, 'families.json'), 'families', familiesFileSchema),
    curated: readValidated(join(dir, 'curated.json'), 'curated', curatedFileSchema),
  };
}

/**
 * Catalogs already assembled in this process, by what they were assembled from: each file's
 * path, size and modification time, and the extra prices. A catalog never changes once built, so
 * a process that starts several services or audits (the tests, an audit's main thread) assembles
 * each one once. The latest stays; the others only while something still holds them.
 */
const assembled = new Map<string, WeakRef<DrugCatalog>>();
/** Holds the latest one (a WeakRef alone would let it go between two services of a test file). */
const latest: { catalog?: DrugCatalog } = {};

function sourcesKey(
  dir: string,
  priceFiles: readonly string[],
  extraPrices: readonly ExtraPrice[],
): string | undefined {
  try {
    const files = [...CATALOG_FOLDER_FILES.map((f) => join(dir, f)), ...priceFiles].map((f) => {
      const st = statSync(f);
      return [resolve(f), st.size, st.mtimeMs, st.ino];
    });
    return JSON.stringify([files, extraPrices]);
  } catch {
    return undefined; // Let the load report what is missing.
  }
}

/**
 * The catalog of a folder, with extra price files (illustrative demo or generator prices) and
 * extra prices given directly (tests). A `prices.json` in the folder is an extra price file too.
 */
export function loadCatalog(
  dir: string = SHIPPED_CATALOG_DIR,
  extraPriceFiles: readonly string[] = [],
  extraPrices: readonly ExtraPrice[] = [],
): DrugCatalog {
  const folderPrices = join(dir, 'prices.json');
  const priceFiles = [...(existsSync(folderPrices) ? [folderPrices] : []), ...extraPriceFiles];
  const key = sourcesKey(dir, priceFiles, extraPrices);
  const known = key === undefined ? undefined : assembled.get(key)?.deref();
  if (known) return (latest.catalog = known);
  const fromFiles = priceFiles.flatMap((f) => readJsonFile(f, pricesFileSchema).prices);
  const catalog = assembleCatalog({ ...readCatalogFolder(dir), extraPrices: [...fromFiles, ...extraPrices] });
  if (key !== undefined) {
    for (const [k, ref] of assembled) if (!ref.deref()) assembled.delete(k);
    assembled.set(key, new WeakRef(catalog));
  }
  return (latest.catalog = catalog);
}
