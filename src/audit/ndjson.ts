/**
 * Streaming NDJSON: lines of a (possibly gzipped) file one at a time in bounded memory, each
 * parsed on its own so that one broken line is reported with its file and line number and the
 * rest are still read.
 */
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Resource } from '@medplum/fhirtypes';

export type LineHandler = (line: string, lineNo: number) => void;

const CHUNK = 1 << 20;

/** Calls `onLine` for every non-empty line; `onBytes` with the file bytes read so far. */
export async function readLines(
  file: string,
  onLine: LineHandler,
  onBytes?: (bytes: number) => void,
): Promise<void> {
  const raw = createReadStream(file, { highWaterMark: CHUNK });
  if (onBytes) raw.on('data', (chunk) => onBytes(chunk.length));
  const text = file.endsWith('.gz') ? raw.pipe(createGunzip({ chunkSize: CHUNK })) : raw;
  text.setEncoding('utf8');
  let rest = '';
  let lineNo = 0;
  for await (const chunk of text as AsyncIterable<string>) {
    const data = rest ? rest + chunk : chunk;
    let start = 0;
    for (let nl = data.indexOf('\n', start); nl >= 0; nl = data.indexOf('\n', start)) {
      lineNo++;
      const end = nl > start && data.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      if (end > start) onLine(data.slice(start, end), lineNo);
      start = nl + 1;
    }
    rest = start < data.length ? data.slice(start) : '';
  }
  if (rest.trim()) onLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest, lineNo + 1);
}

export type ParsedLine =
  { readonly ok: true; readonly resource: Resource } | { readonly ok: false; readonly reason: string };

/**
 * JSON.parse's complaint without the excerpt of the line V8 quotes in it: the line may hold
 * patient data, and warnings go to stderr and into the reports.
 */
export function jsonErrorReason(err: unknown): string {
  const message = err instanceof Error ? err.message : '';
  const at = /at position (\d+)/.exec(message)?.[1];
  if (at !== undefined) return `not valid JSON (error at character ${Number(at) + 1})`;
  if (/end of JSON input/.test(message)) return 'not valid JSON (the line ends too early)';
  return 'not valid JSON';
}

export function parseResourceLine(line: string): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { ok: false, reason: jsonErrorReason(err) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'not a JSON object' };
  }
  const type = (value as { resourceType?: unknown }).resourceType;
  if (typeof type !== 'string' || !/^[A-Z][A-Za-z]{1,63}$/.test(type)) {
    return { ok: false, reason: 'not a FHIR resource (no resourceType)' };
  }
  return { ok: true, resource: value as Resource };
}

/** Size on disk, for progress and for sizing the partitions. */
export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/**
 * The resource type a file name announces, Bulk Data style (`Encounter.ndjson`,
 * `Encounter.2.ndjson`, `003.Encounter.ndjson`, `.gz` too); undefined for a mixed file.
 */
export function typeFromFileName(file: string): string | undefined {
  const parts = basename(file)
    .replace(/\.gz$/, '')
    .replace(/\.(ndjson|jsonl)$/, '')
    .split(/[.\-_]/);
  return parts.find((p) => /^[A-Z][a-z]+(?:[A-Z][a-z]+)*$/.test(p));
}

export type ByteLineHandler = (buf: Buffer, start: number, end: number, lineNo: number) => void;

/**
 * Like `readLines`, on bytes: the line is `buf[start, end)` (no newline, no CR), valid only
 * during the call. Nothing is decoded, so a pass that only routes lines costs no string.
 */
export async function readLineBytes(
  file: string,
  onLine: ByteLineHandler,
  onBytes?: (bytes: number) => void,
  /** Awaited after each chunk's lines (backpressure for what the lines feed). */
  afterChunk?: () => Promise<void>,
): Promise<void> {
  const raw = createReadStream(file, { highWaterMark: CHUNK });
  if (onBytes) raw.on('data', (chunk) => onBytes(chunk.length));
  const bytes = file.endsWith('.gz') ? raw.pipe(createGunzip({ chunkSize: CHUNK })) : raw;
  let rest: Buffer | undefined;
  let lineNo = 0;
  const emit = (buf: Buffer, start: number, end: number) => {
    lineNo++;
    if (end > start && buf[end - 1] === 13) end--;
    if (end > start) onLine(buf, start, end, lineNo);
  };
  for await (const chunk of bytes as AsyncIterable<Buffer>) {
    let start = 0;
    let nl = chunk.indexOf(10);
    if (rest) {
      if (nl < 0) {
        rest = Buffer.concat([rest, chunk]);
        continue;
      }
      // The line that straddles two chunks: the only bytes copied.
      const joined = Buffer.concat([rest, chunk.subarray(0, nl)]);
      emit(joined, 0, joined.length);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
      rest = undefined;
    }
    while (nl >= 0) {
      emit(chunk, start, nl);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length) rest = Buffer.from(chunk.subarray(start));
    if (afterChunk) await afterChunk();
  }
  if (rest?.length) emit(rest, 0, rest.length);
}
