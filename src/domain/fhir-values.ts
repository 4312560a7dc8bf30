/** Small pure readers of FHIR values (codings, references, dates), tolerant of malformed data from a server. */
import type { CodeableConcept, Coding, Extension, Reference } from '@medplum/fhirtypes';
import { canonicalSystem, FHIR_ID } from './vocabulary.ts';

/** The codings with a code, of `system` when given (under its URL or an alias, e.g. an HL7 OID). */
export function codings(cc: CodeableConcept | undefined, system?: string): Coding[] {
  const list = Array.isArray(cc?.coding) ? cc.coding : [];
  return list.filter(
    (c) =>
      c &&
      typeof c === 'object' &&
      typeof c.code === 'string' &&
      (!system || c.system === system || canonicalSystem(c.system) === system),
  );
}

export function codesOf(cc: CodeableConcept | undefined, system: string): string[] {
  return codings(cc, system).map((c) => c.code as string);
}

export function textsOf(cc: CodeableConcept | undefined): string[] {
  const out: string[] = [];
  if (typeof cc?.text === 'string') out.push(cc.text);
  for (const c of codings(cc)) if (typeof c.display === 'string') out.push(c.display);
  return out;
}

export function extension(list: Extension[] | undefined, url: string): Extension | undefined {
  return Array.isArray(list) ? list.find((e) => e && e.url === url) : undefined;
}

export function refString(ref: Reference | undefined): string | undefined {
  return typeof ref?.reference === 'string' ? ref.reference : undefined;
}

const SIMPLE_REF = /^[A-Z][A-Za-z]{1,63}\/[A-Za-z0-9\-.]{1,64}$/;

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/**
 * True for a plain `Type/id` that SIMPLE_REF and FHIR_ID both accept, checked without a regular
 * expression: the engine reads a few references per resource on every evaluation, and this is
 * the shape nearly all of them have.
 */
function plainRef(s: string): boolean {
  const slash = s.indexOf('/');
  const first = s.charCodeAt(0);
  if (slash < 2 || slash > 64 || first < 65 || first > 90) return false;
  for (let i = 1; i < slash; i++) if (!isLetter(s.charCodeAt(i))) return false;
  const idLength = s.length - slash - 1;
  if (idLength < 1 || idLength > 64) return false;
  let alphanumeric = false;
  for (let i = slash + 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (isLetter(c) || (c >= 48 && c <= 57)) alphanumeric = true;
    else if (c !== 45 && c !== 46) return false;
  }
  return alphanumeric;
}

/** `Type/id` of a reference, ignoring a base URL or a version suffix; never an id of dots only (FHIR_ID). */
export function localRef(ref: Reference | string | undefined): string | undefined {
  const s = typeof ref === 'string' ? ref : refString(ref);
  if (!s) return undefined;
  if (plainRef(s)) return s;
  const found = SIMPLE_REF.test(s)
    ? s
    : /([A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(s)?.[1];
  return found && FHIR_ID.test(found.slice(found.indexOf('/') + 1)) ? found : undefined;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digits(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** The calendar date of a FHIR dateTime as written (no time-zone shift), or undefined if invalid. */
export function calendarDate(dateTime: string | undefined): string | undefined {
  if (typeof dateTime !== 'string' || dateTime.length < 10 || dateTime[4] !== '-' || dateTime[7] !== '-')
    return undefined;
  const y = digits(dateTime, 0, 4);
  const mo = digits(dateTime, 5, 7);
  const d = digits(dateTime, 8, 10);
  if (y < 0 || mo < 1 || mo > 12 || d < 1) return undefined;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = mo === 2 && leap ? 29 : (DAYS_IN_MONTH[mo - 1] as number);
  if (d > days) return undefined;
  return dateTime.length === 10 ? dateTime : dateTime.slice(0, 10);
}

/** Milliseconds since epoch for a full dateTime, or undefined. */
export function instant(dateTime: string | undefined): number | undefined {
  if (typeof dateTime !== 'string' || !calendarDate(dateTime)) return undefined;
  const t = Date.parse(dateTime.length === 10 ? `${dateTime}T00:00:00Z` : dateTime);
  return Number.isFinite(t) ? t : undefined;
}

export function finiteNumber(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
