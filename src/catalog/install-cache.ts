/**
 * Files vialwise keeps in `node_modules/.cache/vialwise/` of its install: work that one process
 * does and the next can skip (a reduced copy of the R4 definitions, the hashes of catalog files
 * already validated). Each is written atomically under a name of its own; an install where the
 * folder cannot be written (read-only, another user's) just does the work every time.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The cache folder of this checkout or image (beside its node_modules). */
export const INSTALL_CACHE_DIR = join(
  resolve(dirname(fileURLToPath(import.meta.url)), '../..'),
  'node_modules',
  '.cache',
  'vialwise',
);

/** The JSON of a cache file, or undefined when it is missing or unreadable. */
export function readCacheFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** Writes a cache file atomically; false when it cannot be written (the caller carries on). */
export function writeCacheFile(path: string, value: unknown): boolean {
  try {
    mkdirSync(dirname(path), { recursive: true });
    // Other processes may write the same file at the same time: each renames its own.
    const temporary = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}`;
    writeFileSync(temporary, JSON.stringify(value));
    renameSync(temporary, path);
    return true;
  } catch {
    return false;
  }
}
