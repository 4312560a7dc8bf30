/**
 * Writing catalog files: each goes to a temp file in the same folder and is renamed over the old
 * one once every file is staged, so a failed build or import leaves the folder as it was.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { ImportError } from '../import/errors.ts';

function writeDurably(file: string, text: string): void {
  const fd = openSync(file, 'wx');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeFilesAtomically(dir: string, files: ReadonlyMap<string, string>): void {
  const staged: { temp: string; target: string }[] = [];
  try {
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of files) {
      const target = join(dir, name);
      const temp = join(dir, `.${name}.${process.pid}.${randomUUID()}.tmp`);
      staged.push({ temp, target });
      writeDurably(temp, text);
    }
  } catch (err) {
    for (const s of staged) rmSync(s.temp, { force: true });
    throw new ImportError('write-failed', `cannot write to ${dir}: ${(err as Error).message}`);
  }
  // Each rename is atomic; a set of files could be seen half-replaced only if a later rename
  // failed, which on one folder of one filesystem needs a failing disk.
  for (const [i, s] of staged.entries()) {
    try {
      renameSync(s.temp, s.target);
    } catch (err) {
      for (const rest of staged.slice(i)) rmSync(rest.temp, { force: true });
      throw new ImportError('write-failed', `cannot replace ${s.target}: ${(err as Error).message}`);
    }
  }
}
