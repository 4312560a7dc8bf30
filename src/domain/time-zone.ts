/**
 * Calendar dates in a facility's time zone. EHR APIs commonly send instants in UTC; the date of
 * service is the date where the drug was given (docs/billing-rules.md, "Date of service").
 * Intl only: no clock is read, so the rules stay pure.
 */
import { calendarDate } from './fhir-values.ts';

/** True for a time zone Intl knows (IANA names and their aliases, e.g. `America/Chicago`). */
export function isTimeZone(name: string): boolean {
  if (typeof name !== 'string' || name.length === 0 || name.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** A time with its offset (`Z` or `±hh:mm`): only then does it name an instant to convert. */
const WITH_OFFSET = /T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * The calendar date of a FHIR dateTime in a time zone. A date without a time, a time without an
 * offset, or no time zone: the date as written.
 */
export function localDate(dateTime: string | undefined, timeZone: string | undefined): string | undefined {
  const written = calendarDate(dateTime);
  if (!written || !timeZone || !WITH_OFFSET.test(dateTime as string)) return written;
  const t = Date.parse(dateTime as string);
  if (!Number.isFinite(t)) return written;
  let y = '';
  let m = '';
  let d = '';
  for (const p of formatter(timeZone).formatToParts(t)) {
    if (p.type === 'year') y = p.value;
    else if (p.type === 'month') m = p.value;
    else if (p.type === 'day') d = p.value;
  }
  const local = `${y.padStart(4, '0')}-${m}-${d}`;
  return calendarDate(local) ?? written;
}
