/**
 * Reads `CHARGEMASTER_FILE` (docs/chargemaster.md): a CMS hospital price transparency
 * machine-readable file, CSV or JSON, chosen by the file's extension (else by its first
 * character). Every problem is a ChargemasterError whose message starts with the file name.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { Chargemaster, ChargemasterError } from './chargemaster.ts';
import { parseChargemasterCsv, parseChargemasterJson } from './chargemaster-parse.ts';

/**
 * UTF-8 as CMS asks (a byte order mark is dropped); a file that is not valid UTF-8 was saved by
 * a spreadsheet in Windows-1252, which reads every byte.
 */
export function decodeText(bytes: Uint8Array): string {
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return new TextDecoder('windows-1252').decode(body);
  }
}

export function parseChargemaster(text: string, formatHint?: 'csv' | 'json'): Chargemaster {
  const format = formatHint ?? (text.trimStart().startsWith('{') ? 'json' : 'csv');
  if (format === 'csv') return new Chargemaster(parseChargemasterCsv(text));
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ChargemasterError(`not valid JSON (${(err as Error).message})`);
  }
  return new Chargemaster(parseChargemasterJson(raw));
}

export function loadChargemaster(file: string): Chargemaster {
  const name = file;
  const ext = extname(file).toLowerCase();
  if (['.zip', '.gz', '.xlsx', '.xls'].includes(ext)) {
    throw new ChargemasterError(`${name}: ${ext} files are not read; give the CSV or JSON file itself`);
  }
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new ChargemasterError(`${name}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return parseChargemaster(
      decodeText(bytes),
      ext === '.json' ? 'json' : ext === '.csv' ? 'csv' : undefined,
    );
  } catch (err) {
    if (err instanceof ChargemasterError) throw new ChargemasterError(`${name}: ${err.message}`);
    throw err;
  }
}
