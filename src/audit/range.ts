import { calendarDate } from '../domain/fhir-values.ts';
/**
 * The audit's date range: inclusive calendar dates, compared with the date of service as written
 * (the date part of the administration's start, with no time-zone shift: SPEC section 4.4).
 */

export interface DateRange {
  /** First date of service audited, YYYY-MM-DD. */
  readonly since: string;
  /** Last date of service audited, YYYY-MM-DD (inclusive). */
  readonly until: string;
}

/** The date when `value` is a real calendar date written as YYYY-MM-DD, else undefined. */
export function parseCalendarDate(value: string): string | undefined {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) && calendarDate(value) === value ? value : undefined;
}

export function inRange(date: string | undefined, range: DateRange): boolean {
  return date !== undefined && date >= range.since && date <= range.until;
}

export function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/** Whole days from `since` to `until`, both included. */
export function daysIn(range: DateRange): number {
  return (
    Math.round(
      (Date.parse(`${range.until}T00:00:00Z`) - Date.parse(`${range.since}T00:00:00Z`)) / 86_400_000,
    ) + 1
  );
}
