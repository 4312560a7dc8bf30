/**
 * Catalog folder files already validated, known by their content. The shipped catalog is 3.5 MB
 * of JSON, and validating it with zod cost every process that loads it (a service start, each
 * command line, each audit worker) about a quarter of a second of CPU. The first process to
 * validate a file records its SHA-256, with a fingerprint of the schemas, in the install cache
 * (`install-cache.ts`); a later process reading the same bytes only parses them. Other bytes (an
 * edited file, another CATALOG_DIR, a file after a schema change) are validated as before.
 *
 * A file is recorded only when validation gave back exactly what was parsed: zod leaves out keys
 * the schemas do not know, so a file with such keys is validated every time and what is read
 * never depends on the cache.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { z } from 'zod';
import { CatalogError } from './catalog.ts';
import { CATALOG_FORMAT } from './files.ts';
import { INSTALL_CACHE_DIR, readCacheFile, writeCacheFile } from './install-cache.ts';

export const CACHE_FILE = join(INSTALL_CACHE_DIR, 'validated-catalog.json');
/** Enough for a few catalog folders' files (each build or edit adds entries). */
const KEPT = 32;

interface Recorded {
  readonly schemas: string;
  readonly files: string[];
}

let fingerprint: string | undefined;
/** The schemas' source, the catalog format and zod's version: any change re-validates. */
function schemasFingerprint(): string {
  if (fingerprint === undefined) {
    const { major, minor, patch } = z.core.version;
    fingerprint = createHash('sha256')
      .update(readFileSync(new URL('./schema.ts', import.meta.url)))
      .update(`\0${CATALOG_FORMAT}\0${major}.${minor}.${patch}`)
      .digest('hex');
  }
  return fingerprint;
}

/** What each cache file holds, read once per process (and again before it is written). */
const recordedBy = new Map<string, Recorded>();

function recordedFiles(cacheFile: string): Recorded {
  let recorded = recordedBy.get(cacheFile);
  if (!recorded) {
    const onDisk = readCacheFile(cacheFile) as Partial<Recorded> | undefined;
    recorded =
      onDisk?.schemas === schemasFingerprint() && Array.isArray(onDisk.files)
        ? { schemas: onDisk.schemas, files: onDisk.files.filter((f) => typeof f === 'string') }
        : { schemas: schemasFingerprint(), files: [] };
    recordedBy.set(cacheFile, recorded);
  }
  return recorded;
}

function record(cacheFile: string, key: string): void {
  // Read again: another process may have recorded other files meanwhile.
  recordedBy.delete(cacheFile);
  const { schemas, files } = recordedFiles(cacheFile);
  if (files.includes(key)) return;
  const recorded = { schemas, files: [...files, key].slice(-KEPT) };
  recordedBy.set(cacheFile, recorded);
  writeCacheFile(cacheFile, recorded);
}

/** Parses `bytes` of `file` as JSON, with the error the catalog reports for unreadable files. */
export function parseJson(file: string, bytes: Buffer | string): unknown {
  try {
    return JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8')) as unknown;
  } catch (err) {
    throw new CatalogError(`${file}: cannot read JSON (${(err as Error).message})`);
  }
}

/** Validates parsed JSON, naming the first problem's place in the file. */
export function validate<T>(file: string, raw: unknown, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : '(root)';
    throw new CatalogError(`${file}: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/**
 * A catalog folder file, validated unless these bytes were validated before. `kind` names the
 * schema (one per kind of file); `cacheFile` is where validated files are recorded.
 */
export function readValidated<T>(
  file: string,
  kind: string,
  schema: z.ZodType<T>,
  cacheFile: string = CACHE_FILE,
): T {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new CatalogError(`${file}: cannot read JSON (${(err as Error).message})`);
  }
  const key = `${kind} ${createHash('sha256').update(bytes).digest('hex')}`;
  const raw = parseJson(file, bytes);
  if (recordedFiles(cacheFile).files.includes(key)) return raw as T;
  const data = validate(file, raw, schema);
  if (isDeepStrictEqual(data, raw)) record(cacheFile, key);
  return data;
}
