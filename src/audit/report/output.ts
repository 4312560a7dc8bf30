/**
 * Report files are written so that a run never writes through a planted link and never leaves a
 * half report under the requested name: each is created as `<file>.partial` with
 * `O_CREAT | O_EXCL | O_NOFOLLOW` (a symbolic link or any file appearing there is refused, not
 * followed), mode 0600 (reports hold billing data about patients' encounters), and renamed over
 * `<file>` when complete (rename replaces a link at `<file>` rather than writing through it).
 */
import { closeSync, constants, lstatSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';

const EXCLUSIVE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
export const REPORT_MODE = 0o600;

/** Creates `path` for writing, refusing to follow or reuse whatever is already there. */
export function createExclusive(path: string): number {
  return openSync(path, EXCLUSIVE, REPORT_MODE);
}

/** Removes a leftover `<file>.partial` of an interrupted run (a link is removed, not followed). */
export function removeStale(path: string): void {
  let stat;
  try {
    stat = lstatSync(path);
  } catch {
    return;
  }
  if (stat.isDirectory()) throw Object.assign(new Error(`${path} is a folder`), { code: 'EISDIR' });
  rmSync(path, { force: true });
}

const BUFFER_BYTES = 256 * 1024;

/**
 * Buffered appends to a file created exclusively, through one reused byte buffer (building a
 * large string per flush would churn the native heap over a long run).
 */
export class ExclusiveFile {
  readonly path: string;
  private fd: number | undefined;
  private readonly buffer = Buffer.allocUnsafeSlow(BUFFER_BYTES);
  private used = 0;

  /** Creates `path`; `append` reopens one this process created before (a checkpointed file). */
  constructor(path: string, fd?: number) {
    this.path = path;
    this.fd = fd ?? createExclusive(path);
  }

  write(s: string): void {
    // A UTF-16 unit takes at most 3 bytes in UTF-8.
    if (this.used + s.length * 3 > BUFFER_BYTES) this.flush();
    if (s.length * 3 > BUFFER_BYTES) {
      this.writeBytes(Buffer.from(s));
      return;
    }
    this.used += this.buffer.write(s, this.used);
  }

  writeBytes(bytes: Uint8Array): void {
    this.flush();
    if (this.fd === undefined) return;
    for (let off = 0; off < bytes.length;) off += writeSync(this.fd, bytes, off, bytes.length - off);
  }

  /** Appends the bytes of the file at `path`, from `start` to its end. */
  copyFrom(path: string, start = 0): void {
    this.flush();
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      let pos = start;
      for (
        let n = readSync(fd, this.buffer, 0, BUFFER_BYTES, pos);
        n > 0;
        n = readSync(fd, this.buffer, 0, BUFFER_BYTES, pos)
      ) {
        pos += n;
        if (this.fd !== undefined)
          for (let off = 0; off < n;) off += writeSync(this.fd, this.buffer, off, n - off);
      }
    } finally {
      closeSync(fd);
    }
  }

  flush(): void {
    if (this.fd === undefined || !this.used) return;
    for (let off = 0; off < this.used;) off += writeSync(this.fd, this.buffer, off, this.used - off);
    this.used = 0;
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

const open = new Set<ReportFile>();

/** A report: written to `<target>.partial` (created exclusively), renamed over `<target>` when done. */
export class ReportFile extends ExclusiveFile {
  readonly target: string;
  constructor(target: string) {
    removeStale(`${target}.partial`);
    super(`${target}.partial`);
    this.target = target;
    open.add(this);
  }

  commit(): void {
    this.close();
    renameSync(this.path, this.target);
    open.delete(this);
  }

  discard(): void {
    this.close();
    rmSync(this.path, { force: true });
    open.delete(this);
  }
}

/** Removes every report being written (an interrupted run leaves no partial report). */
export function discardOpenReports(): void {
  for (const f of [...open]) f.discard();
}

/** Writes a whole report at once, the same way. */
export function writeReport(target: string, text: string): void {
  const file = new ReportFile(target);
  try {
    file.write(text);
    file.commit();
  } catch (err) {
    file.discard();
    throw err;
  }
}
