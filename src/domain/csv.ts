/**
 * CSV cells for files people open in a spreadsheet (RFC 4180 quoting plus a formula guard).
 *
 * Spreadsheets evaluate a text cell whose first visible character is `=`, `+`, `-` or `@`
 * (OWASP "CSV Injection"), also after leading whitespace or control characters (a line feed,
 * a tab) and in the full-width forms (U+FF1D, U+FF0B, U+FF0D, U+FF20) that some spreadsheets
 * normalise. Such text gets a leading apostrophe, which the spreadsheet shows as text.
 * Numbers and booleans are written as they are.
 */

// Control characters are exactly what must be matched here.
const FORMULA_START =
  // eslint-disable-next-line no-control-regex
  /^[\s\u0000-\u001f\u007f-\u009f\u00a0\u2000-\u200b\u3000\ufeff]*[=+\-@\uff1d\uff0b\uff0d\uff20]/;
const LEADING_CONTROL = /^[\t\r\n]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** A letter or a digit: a cell starting with one cannot be a formula. */
function alphanumeric(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export type CsvValue = string | number | boolean | undefined;

/** True when a spreadsheet would evaluate the text as a formula. */
export function looksLikeFormula(text: string): boolean {
  return FORMULA_START.test(text) || LEADING_CONTROL.test(text);
}

export function csvCell(value: CsvValue): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return String(value);
  // Most cells are codes, dates and names, starting with a letter or a digit: no formula guard to
  // test (a hot path of the audit's reports).
  const guarded = alphanumeric(value.charCodeAt(0)) || !looksLikeFormula(value) ? value : `'${value}`;
  return NEEDS_QUOTES.test(guarded) ? `"${guarded.replace(/"/g, '""')}"` : guarded;
}

export function csvRow(cells: readonly CsvValue[]): string {
  return cells.map(csvCell).join(',');
}
