/**
 * The run's private work folder and its checkpoint. An audit over NDJSON files or a Bulk Data
 * export keeps, in `<work-dir>/vialwise-audit-<fingerprint>/`, the partition files, the report
 * rows written so far and `checkpoint.json`, saved (write, then rename) after every input range
 * partitioned and every partition file audited. The same command run again finds the same
 * folder (the fingerprint covers the inputs' names, sizes and times, the range, the shard, the
 * reports asked for and the reference data) and carries on from the checkpoint; a completed run
 * removes the folder.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

export const CHECKPOINT_VERSION = 1;

export function fingerprint(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 20);
}

/** The run's work folder: created private (0700), or found again when resuming. */
export function workFolder(parent: string, print: string): { dir: string; existed: boolean } {
  const dir = join(parent, `vialwise-audit-${print}`);
  const existed = existsSync(join(dir, 'checkpoint.json'));
  if (!existed && existsSync(dir)) rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  if (!st.isDirectory() || (typeof process.getuid === 'function' && st.uid !== process.getuid()))
    throw Object.assign(new Error(`${dir} is not a folder of this user`), { code: 'EACCES' });
  return { dir, existed };
}

export function loadCheckpoint<T extends { version: number }>(dir: string): T | undefined {
  const path = join(dir, 'checkpoint.json');
  if (!existsSync(path)) return undefined;
  try {
    const cp = JSON.parse(readFileSync(path, 'utf8')) as T;
    return cp.version === CHECKPOINT_VERSION ? cp : undefined;
  } catch {
    return undefined;
  }
}

/** Saves the checkpoint atomically: a crash leaves the previous one or the new one, never half. */
export function saveCheckpoint(dir: string, state: object): void {
  const tmp = join(dir, 'checkpoint.json.tmp');
  rmSync(tmp, { force: true });
  const fd = openSync(
    tmp,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    const bytes = Buffer.from(JSON.stringify(state));
    for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, 'checkpoint.json'));
}
