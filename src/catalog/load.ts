/**
 * Reads and validates a catalog folder: codes.json, products.json and families.json (built from
 * the CMS files by `npm run catalog:build`), curated.json (by hand), and any extra price files.
 */
import { existsSync, readFileSync } from 'node:fs';
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
 * The catalog of a folder, with extra price files (illustrative demo or generator prices) and
 * extra prices given directly (tests). A `prices.json` in the folder is an extra price file too.
 */
export function loadCatalog(
  dir: string = SHIPPED_CATALOG_DIR,
  extraPriceFiles: readonly string[] = [],
  extraPrices: readonly ExtraPrice[] = [],
): DrugCatalog {
  const folderPrices = join(dir, 'prices.json');
  const fromFiles = [...(existsSync(folderPrices) ? [folderPrices] : []), ...extraPriceFiles].flatMap(
    (f) => readJsonFile(f, pricesFileSchema).prices,
  );
  return assembleCatalog({ ...readCatalogFolder(dir), extraPrices: [...fromFiles, ...extraPrices] });
}
