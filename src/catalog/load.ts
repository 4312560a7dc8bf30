/** Reads and validates a catalog folder (codes.json, products.json, ingredients.json, optional prices.json). */
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { buildCatalog, CatalogError, type DrugCatalog } from './catalog.ts';
import { codesFileSchema, ingredientsFileSchema, pricesFileSchema, productsFileSchema } from './schema.ts';

export const SHIPPED_CATALOG_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../catalog');

export function readJsonFile<T>(file: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CatalogError(`${file}: cannot read JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(root)';
    throw new CatalogError(`${file}: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export function loadCatalog(dir: string = SHIPPED_CATALOG_DIR, extraPriceFiles: string[] = []): DrugCatalog {
  const pricesFile = join(dir, 'prices.json');
  const priceSets = [
    ...(existsSync(pricesFile) ? [readJsonFile(pricesFile, pricesFileSchema)] : []),
    ...extraPriceFiles.map((f) => readJsonFile(f, pricesFileSchema)),
  ];
  return buildCatalog({
    codes: readJsonFile(join(dir, 'codes.json'), codesFileSchema),
    products: readJsonFile(join(dir, 'products.json'), productsFileSchema),
    ingredients: readJsonFile(join(dir, 'ingredients.json'), ingredientsFileSchema),
    prices: { prices: priceSets.flatMap((s) => s.prices) },
  });
}
