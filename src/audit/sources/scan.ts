/**
 * A byte-level scan of one NDJSON line for what the partition pass needs (resource type, id and
 * the references that decide its partition), without decoding the line or building the
 * resource: the full parse happens once, when the partition is audited.
 *
 * The scan checks the line's structure (one object, strings closed, brackets balanced) but not
 * every JSON detail; a line it accepts that JSON.parse later rejects is reported then, with its
 * original file and line number.
 */

export interface Scanned {
  readonly resourceType: string;
  readonly id?: string;
  readonly subject?: string;
  readonly context?: string;
  readonly encounter?: string;
  readonly beneficiary?: string;
  readonly patient?: string;
  readonly use?: string;
  /** Byte range of the top-level `code` value (to look for a LOINC code without parsing). */
  readonly code?: readonly [number, number];
  /**
   * Byte ranges of the top-level `meta` and `text` members with one adjacent comma, in order:
   * the line without them is still valid JSON. Nothing the audit reads is in them, and a
   * narrative can be half a resource.
   */
  readonly droppable?: readonly (readonly [number, number])[];
}

export type ScanResult =
  { readonly ok: true; readonly value: Scanned } | { readonly ok: false; readonly reason: string };

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const COMMA = 44;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;

type Field =
  | 'resourceType'
  | 'id'
  | 'subject'
  | 'context'
  | 'encounter'
  | 'beneficiary'
  | 'patient'
  | 'use'
  | 'code'
  | 'meta'
  | 'text';
const REFERENCE_FIELDS: ReadonlySet<Field> = new Set([
  'subject',
  'context',
  'encounter',
  'beneficiary',
  'patient',
]);
const FIELDS: readonly (readonly [Field, Uint8Array])[] = (
  [
    'resourceType',
    'id',
    'subject',
    'context',
    'encounter',
    'beneficiary',
    'patient',
    'use',
    'code',
    'meta',
    'text',
  ] as const
).map((k) => [k, Buffer.from(k, 'latin1')] as const);
const REFERENCE = Buffer.from('reference', 'latin1');

class ScanError extends Error {}

function isSpace(c: number | undefined): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/** Index of the closing quote of the string whose opening quote is at `open`. */
function stringEnd(buf: Buffer, open: number, end: number): number {
  let q = open;
  for (;;) {
    q = buf.indexOf(QUOTE, q + 1);
    if (q < 0 || q >= end) throw new ScanError('unterminated string');
    let backslashes = 0;
    for (let i = q - 1; buf[i] === BACKSLASH; i--) backslashes++;
    if (backslashes % 2 === 0) return q;
  }
}

function skipSpace(buf: Buffer, i: number, end: number): number {
  while (i < end && isSpace(buf[i])) i++;
  return i;
}

/** Index just after the value starting at `i`. */
function skipValue(buf: Buffer, i: number, end: number): number {
  const c = buf[i];
  if (c === QUOTE) return stringEnd(buf, i, end) + 1;
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    let depth = 0;
    for (; i < end; i++) {
      const b = buf[i];
      if (b === QUOTE) i = stringEnd(buf, i, end);
      else if (b === OPEN_OBJECT || b === OPEN_ARRAY) depth++;
      else if (b === CLOSE_OBJECT || b === CLOSE_ARRAY) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    throw new ScanError('unbalanced brackets');
  }
  // Number, true, false, null.
  const start = i;
  while (i < end) {
    const b = buf[i];
    if (b === COMMA || b === CLOSE_OBJECT || b === CLOSE_ARRAY || isSpace(b)) break;
    i++;
  }
  if (i === start) throw new ScanError('value expected');
  return i;
}

function sameBytes(buf: Buffer, start: number, end: number, word: Uint8Array): boolean {
  if (end - start !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (buf[start + k] !== word[k]) return false;
  return true;
}

/** The field a key names, by length and first byte before any comparison (a hot path). */
function fieldOf(buf: Buffer, start: number, end: number): Field | undefined {
  const n = end - start;
  if (n < 2 || n > 12) return undefined;
  const bucket = BY_LENGTH[n];
  if (!bucket) return undefined;
  const first = buf[start];
  for (const [name, bytes] of bucket)
    if (bytes[0] === first && sameBytes(buf, start, end, bytes)) return name;
  return undefined;
}

const BY_LENGTH: (readonly (readonly [Field, Uint8Array])[] | undefined)[] = [];
for (const entry of FIELDS) {
  const list = (BY_LENGTH[entry[1].length] ??= []) as (readonly [Field, Uint8Array])[];
  list.push(entry);
}

function decodeString(buf: Buffer, open: number, close: number): string {
  for (let i = open + 1; i < close; i++) {
    if (buf[i] === BACKSLASH) return JSON.parse(buf.toString('utf8', open, close + 1)) as string;
  }
  return buf.toString('utf8', open + 1, close);
}

/** `reference` of the object value starting at `i` (or undefined), and where the object ends. */
function referenceIn(buf: Buffer, i: number, end: number): [string | undefined, number] {
  let reference: string | undefined;
  i = skipSpace(buf, i + 1, end);
  if (buf[i] === CLOSE_OBJECT) return [undefined, i + 1];
  for (;;) {
    if (buf[i] !== QUOTE) throw new ScanError('key expected');
    const keyEnd = stringEnd(buf, i, end);
    const isReference = sameBytes(buf, i + 1, keyEnd, REFERENCE);
    i = skipSpace(buf, keyEnd + 1, end);
    if (buf[i] !== COLON) throw new ScanError('colon expected');
    i = skipSpace(buf, i + 1, end);
    if (isReference && buf[i] === QUOTE) {
      const close = stringEnd(buf, i, end);
      reference = decodeString(buf, i, close);
      i = close + 1;
    } else i = skipValue(buf, i, end);
    i = skipSpace(buf, i, end);
    if (buf[i] === COMMA) i = skipSpace(buf, i + 1, end);
    else if (buf[i] === CLOSE_OBJECT) return [reference, i + 1];
    else throw new ScanError('comma or closing brace expected');
  }
}

const BIT: Readonly<Record<Field, number>> = Object.fromEntries(
  FIELDS.map(([f], i) => [f, 1 << i]),
) as Record<Field, number>;
const need = (...fields: Field[]) => fields.reduce((m, f) => m | BIT[f], BIT.resourceType);

/**
 * The fields the partition pass needs of each type it uses: once they are found, the rest of
 * the line is not scanned (it is parsed whole in the audit pass anyway, which reports what is
 * wrong with it then). Another type needs nothing beyond its `resourceType`.
 */
const NEEDED: Readonly<Record<string, number>> = {
  Encounter: need('id', 'subject'),
  MedicationAdministration: need('id', 'context', 'subject'),
  ChargeItem: need('context', 'subject'),
  Claim: need('patient'),
  Condition: need('encounter', 'subject'),
  Coverage: need('beneficiary'),
  ClaimResponse: need('use', 'patient'),
  Observation: need('code', 'subject'),
  Medication: need(),
};

/**
 * Scans `buf[start, end)`, one NDJSON line without its newline. With `early`, stops as soon as
 * the fields its type needs are found (`NEEDED`).
 */
export function scanLine(buf: Buffer, start: number, end: number, early = false): ScanResult {
  const found: { -readonly [K in keyof Scanned]?: Scanned[K] } = {};
  const droppable: [number, number][] = [];
  let have = 0;
  let needed = -1;
  try {
    let i = skipSpace(buf, start, end);
    if (buf[i] !== OPEN_OBJECT) {
      return { ok: false, reason: buf[i] === OPEN_ARRAY ? 'not a JSON object' : 'not valid JSON' };
    }
    i = skipSpace(buf, i + 1, end);
    if (buf[i] !== CLOSE_OBJECT) {
      /** Position of the comma before the current member, if any. */
      let comma = -1;
      for (;;) {
        if (buf[i] !== QUOTE) throw new ScanError('key expected');
        const keyStart = i;
        const keyEnd = stringEnd(buf, i, end);
        const field = fieldOf(buf, i + 1, keyEnd);
        i = skipSpace(buf, keyEnd + 1, end);
        if (buf[i] !== COLON) throw new ScanError('colon expected');
        i = skipSpace(buf, i + 1, end);
        const c = buf[i];
        if (field && REFERENCE_FIELDS.has(field) && c === OPEN_OBJECT) {
          const [reference, after] = referenceIn(buf, i, end);
          if (reference !== undefined) {
            found[field as 'subject'] = reference;
            have |= BIT[field];
          }
          i = after;
        } else if (field === 'code') {
          const after = skipValue(buf, i, end);
          found.code = [i, after];
          have |= BIT.code;
          i = after;
        } else if ((field === 'meta' || field === 'text') && c === OPEN_OBJECT) {
          const after = skipValue(buf, i, end);
          const next = skipSpace(buf, after, end);
          // With the comma after it; the last member takes the comma before it instead.
          if (buf[next] === COMMA) droppable.push([keyStart, next + 1]);
          else if (comma >= 0) droppable.push([comma, after]);
          i = after;
        } else if (field && c === QUOTE) {
          const close = stringEnd(buf, i, end);
          found[field as 'id'] = decodeString(buf, i, close);
          have |= BIT[field];
          if (field === 'resourceType' && early)
            needed = NEEDED[found.resourceType as string] ?? BIT.resourceType;
          i = close + 1;
        } else i = skipValue(buf, i, end);
        if (needed >= 0 && (have & needed) === needed) break;
        i = skipSpace(buf, i, end);
        if (buf[i] === COMMA) {
          comma = i;
          i = skipSpace(buf, i + 1, end);
        } else if (buf[i] === CLOSE_OBJECT) break;
        else throw new ScanError('comma or closing brace expected');
      }
    }
    if (!(needed >= 0 && (have & needed) === needed) && skipSpace(buf, i + 1, end) !== end)
      throw new ScanError('text after the object');
  } catch (err) {
    if (err instanceof ScanError || err instanceof SyntaxError)
      return { ok: false, reason: `not valid JSON (${err.message})` };
    throw err;
  }
  const type = found.resourceType;
  if (typeof type !== 'string' || !/^[A-Z][A-Za-z]{1,63}$/.test(type)) {
    return { ok: false, reason: 'not a FHIR resource (no resourceType)' };
  }
  if (droppable.length) found.droppable = droppable;
  return { ok: true, value: found as Scanned };
}
