/**
 * Catalog files validated once per content (src/catalog/validated.ts): a file whose bytes were
 * validated before is parsed without validating again, and reads exactly as validation would give
 * it; any other bytes are validated, with the same errors as before.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { CatalogError } from '../../src/catalog/catalog.ts';
import { SHIPPED_CATALOG_DIR } from '../../src/catalog/load.ts';
import {
  codesFileSchema,
  curatedFileSchema,
  familiesFileSchema,
  productsFileSchema,
} from '../../src/catalog/schema.ts';
import { parseJson, readValidated, validate } from '../../src/catalog/validated.ts';

const work = mkdtempSync(join(tmpdir(), 'vialwise-validated-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
/** A fresh folder with a copy of a shipped file and a cache file of its own. */
function setUp(name: string): { file: string; cache: string } {
  const dir = join(work, String(n++));
  mkdirSync(dir);
  copyFileSync(join(SHIPPED_CATALOG_DIR, name), join(dir, name));
  return { file: join(dir, name), cache: join(dir, 'cache', 'validated-catalog.json') };
}

const recordedIn = (cache: string) =>
  (JSON.parse(readFileSync(cache, 'utf8')) as { files: string[] }).files.map((f) => f.split(' ')[0]);

describe('catalog files validated once per content', () => {
  it('reads every shipped file exactly as validation gives it, validated or known', () => {
    const files = [
      ['codes.json', 'codes', codesFileSchema],
      ['products.json', 'products', productsFileSchema],
      ['families.json', 'families', familiesFileSchema],
      ['curated.json', 'curated', curatedFileSchema],
    ] as const;
    const { cache } = setUp('curated.json');
    for (const [name, kind, schema] of files) {
      const file = join(SHIPPED_CATALOG_DIR, name);
      const validated = validate(file, parseJson(file, readFileSync(file)), schema as never);
      const spy = vi.spyOn(schema, 'safeParse');
      const first = readValidated(file, kind, schema as never, cache);
      const second = readValidated(file, kind, schema as never, cache);
      expect(spy).toHaveBeenCalledTimes(1);
      spy.mockRestore();
      expect(isDeepStrictEqual(first, validated), name).toBe(true);
      expect(isDeepStrictEqual(second, validated), name).toBe(true);
    }
    expect(recordedIn(cache)).toEqual(['codes', 'products', 'families', 'curated']);
  });

  it('is remembered across processes through the cache file, and a new process trusts only it', () => {
    const { file, cache } = setUp('families.json');
    readValidated(file, 'families', familiesFileSchema, cache);
    // Another cache file with the same content stands for another process's first read of it.
    const other = join(work, 'other-process', 'validated-catalog.json');
    mkdirSync(join(work, 'other-process'));
    copyFileSync(cache, other);
    const spy = vi.spyOn(familiesFileSchema, 'safeParse');
    readValidated(file, 'families', familiesFileSchema, other);
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
  });

  it('validates a file whose bytes changed, with the error that names the place', () => {
    const { file, cache } = setUp('families.json');
    readValidated(file, 'families', familiesFileSchema, cache);
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace('"format"', '"formatt"'));
    expect(() => readValidated(file, 'families', familiesFileSchema, cache)).toThrow(CatalogError);
    expect(() => readValidated(file, 'families', familiesFileSchema, cache)).toThrow(`${file}: format:`);
    writeFileSync(file, text.slice(0, 100));
    expect(() => readValidated(file, 'families', familiesFileSchema, cache)).toThrow(
      `${file}: cannot read JSON`,
    );
    expect(() => readValidated(join(work, 'missing.json'), 'families', familiesFileSchema, cache)).toThrow(
      'cannot read JSON',
    );
  });

  it('does not take bytes validated as one kind of file for another kind', () => {
    const { file, cache } = setUp('curated.json');
    readValidated(file, 'curated', curatedFileSchema, cache);
    expect(() => readValidated(file, 'families', familiesFileSchema, cache)).toThrow(CatalogError);
  });

  it('never records a file with keys the schema does not know (validation leaves them out)', () => {
    const { file, cache } = setUp('curated.json');
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...parsed, unknownKey: 1 }));
    const spy = vi.spyOn(curatedFileSchema, 'safeParse');
    const first = readValidated(file, 'curated', curatedFileSchema, cache) as Record<string, unknown>;
    const second = readValidated(file, 'curated', curatedFileSchema, cache) as Record<string, unknown>;
    expect(spy).toHaveBeenCalledTimes(2);
    spy.mockRestore();
    expect('unknownKey' in first || 'unknownKey' in second).toBe(false);
    expect(existsSync(cache)).toBe(false);
  });

  it('ignores a cache file written for other schemas, or unreadable, and rewrites it', () => {
    const { file, cache } = setUp('families.json');
    readValidated(file, 'families', familiesFileSchema, cache);
    const recorded = JSON.parse(readFileSync(cache, 'utf8')) as { schemas: string; files: string[] };
    for (const stale of [JSON.stringify({ ...recorded, schemas: 'older' }), '{"schemas":']) {
      const { file: f2, cache: c2 } = setUp('families.json');
      mkdirSync(join(c2, '..'));
      writeFileSync(c2, stale);
      const spy = vi.spyOn(familiesFileSchema, 'safeParse');
      readValidated(f2, 'families', familiesFileSchema, c2);
      expect(spy).toHaveBeenCalledTimes(1);
      spy.mockRestore();
      expect(JSON.parse(readFileSync(c2, 'utf8'))).toEqual({
        schemas: recorded.schemas,
        files: recorded.files,
      });
    }
  });

  it('works where the cache cannot be written (each process then validates once)', () => {
    const { file } = setUp('families.json');
    // A file where the cache folder would go: mkdir fails as on a read-only install (and as root).
    const blocked = join(work, 'blocked');
    writeFileSync(blocked, '');
    const cache = join(blocked, 'validated-catalog.json');
    const spy = vi.spyOn(familiesFileSchema, 'safeParse');
    const a = readValidated(file, 'families', familiesFileSchema, cache);
    const b = readValidated(file, 'families', familiesFileSchema, cache);
    expect(isDeepStrictEqual(a, b)).toBe(true);
    // The process remembers what it validated; only the next process cannot know.
    expect(spy).toHaveBeenCalledTimes(1);
    expect(existsSync(cache)).toBe(false);
    spy.mockRestore();
  });
});
