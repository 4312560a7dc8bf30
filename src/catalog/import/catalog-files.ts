/**
 * Reading the catalog files an import changes, and writing them back atomically: the whole result
 * is validated first, then each file goes to a temp file in the same folder and is renamed over
 * the old one, so a failed import leaves the folder as it was.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { z } from 'zod';
import { buildCatalog } from '../catalog.ts';
import { readJsonFile } from '../load.ts';
import { codesFileSchema, ingredientsFileSchema, pricesFileSchema, productsFileSchema } from '../schema.ts';
import type { PricesFile, ProductsFile } from '../schema.ts';
import { ImportError } from './errors.ts';

/**
 * A catalog JSON file validated against its schema but returned as written, so fields the
 * schema does not know (added by a newer version or by hand) survive the import.
 */
export function readCatalogFile<T>(file: string, schema: z.ZodType<T>): T {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ImportError('catalog-invalid', `${file}: cannot read JSON (${(err as Error).message})`);
  }
  assertValid(file, raw, schema);
  return raw;
}

/** prices.json of the folder, or undefined when the folder has none yet. */
export function readPricesFile(dir: string): PricesFile | undefined {
  const file = join(dir, 'prices.json');
  return existsSync(file) ? readCatalogFile(file, pricesFileSchema) : undefined;
}

function assertValid<T>(label: string, value: unknown, schema: z.ZodType<T>): asserts value is T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : '(root)';
  throw new ImportError('catalog-invalid', `${label}: ${where}: ${issue?.message ?? 'invalid'}`);
}

export interface CatalogUpdate {
  readonly products?: ProductsFile;
  readonly prices?: PricesFile;
}

/**
 * Validates the update (each file against its schema, then the whole folder as the service would
 * load it) and writes it. On any error it throws an ImportError and the folder is unchanged.
 */
export function writeCatalogUpdate(dir: string, update: CatalogUpdate): void {
  const files: { name: string; value: unknown; schema: z.ZodType }[] = [];
  if (update.products)
    files.push({ name: 'products.json', value: update.products, schema: productsFileSchema });
  if (update.prices) files.push({ name: 'prices.json', value: update.prices, schema: pricesFileSchema });
  for (const f of files) assertValid(f.name, f.value, f.schema);
  try {
    buildCatalog({
      codes: readJsonFile(join(dir, 'codes.json'), codesFileSchema),
      ingredients: readJsonFile(join(dir, 'ingredients.json'), ingredientsFileSchema),
      products: update.products ?? readJsonFile(join(dir, 'products.json'), productsFileSchema),
      prices: update.prices ?? readPricesFile(dir),
    });
  } catch (err) {
    throw new ImportError('catalog-invalid', `the updated catalog would not load: ${(err as Error).message}`);
  }

  const staged: { temp: string; target: string }[] = [];
  const discard = (): void => {
    for (const s of staged) rmSync(s.temp, { force: true });
  };
  try {
    for (const f of files) {
      const target = join(dir, f.name);
      const temp = join(dir, `.${f.name}.${process.pid}.${randomUUID()}.tmp`);
      staged.push({ temp, target });
      writeDurably(temp, formatCatalogJson(f.value));
    }
  } catch (err) {
    discard();
    throw new ImportError('write-failed', `cannot write to ${dir}: ${(err as Error).message}`);
  }
  // Each rename is atomic; an update of two files could be seen half-done only if the second
  // rename failed, which on one folder of one filesystem needs a failing disk.
  for (const [i, s] of staged.entries()) {
    try {
      renameSync(s.temp, s.target);
    } catch (err) {
      for (const rest of staged.slice(i)) rmSync(rest.temp, { force: true });
      throw new ImportError('write-failed', `cannot replace ${s.target}: ${(err as Error).message}`);
    }
  }
}

function writeDurably(file: string, text: string): void {
  const fd = openSync(file, 'wx');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const WIDTH = 110;

/**
 * JSON in the shipped catalog's layout (Prettier's, width 110): an object or array of plain
 * values stays on one line when it fits, anything else gets one member per line. Keeps the
 * diff of an import to the entries it changed.
 */
export function formatCatalogJson(value: unknown): string {
  return `${formatValue(value, '', 0)}\n`;
}

function formatValue(value: unknown, indent: string, used: number): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const isArray = Array.isArray(value);
  const entries: [string | undefined, unknown][] = isArray
    ? (value as unknown[]).map((v) => [undefined, v])
    : Object.entries(value).filter(([, v]) => v !== undefined);
  const [open, close] = isArray ? ['[', ']'] : ['{', '}'];
  if (entries.length === 0) return open + close;
  const member = (k: string | undefined, text: string): string =>
    k === undefined ? text : `${JSON.stringify(k)}: ${text}`;
  if (entries.every(([, v]) => v === null || typeof v !== 'object')) {
    const inner = entries.map(([k, v]) => member(k, JSON.stringify(v))).join(', ');
    const line = isArray ? `[${inner}]` : `{ ${inner} }`;
    // `used` counts the indent and key before the value; the trailing comma may follow it.
    if (used + line.length + 1 <= WIDTH) return line;
  }
  const inner = indent + '  ';
  const lines = entries.map(([k, v]) => {
    const head = member(k, '');
    return inner + head + formatValue(v, inner, inner.length + head.length);
  });
  return `${open}\n${lines.join(',\n')}\n${indent}${close}`;
}
