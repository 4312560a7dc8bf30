/** Calendar quarters (`2025Q4`) and their dates. Pure. */

export function quarterOf(date: string): string {
  const month = Number(date.slice(5, 7));
  return `${date.slice(0, 4)}Q${Math.floor((month - 1) / 3) + 1}`;
}

function parts(quarter: string): [number, number] {
  return [Number(quarter.slice(0, 4)), Number(quarter.slice(5))];
}

/** First day of the quarter, e.g. `2024-04-01` for `2024Q2`. */
export function quarterStart(quarter: string): string {
  const [y, q] = parts(quarter);
  return `${y}-${String((q - 1) * 3 + 1).padStart(2, '0')}-01`;
}

const LAST_DAY = ['03-31', '06-30', '09-30', '12-31'];

/** Last day of the quarter, e.g. `2024-03-31` for `2024Q1`. */
export function quarterEnd(quarter: string): string {
  const [y, q] = parts(quarter);
  return `${y}-${LAST_DAY[q - 1] ?? '12-31'}`;
}

export function nextQuarter(quarter: string): string {
  const [y, q] = parts(quarter);
  return q === 4 ? `${y + 1}Q1` : `${y}Q${q + 1}`;
}

/** `2024Q1`..`2026Q1` sort as text; this names the intent. */
export function compareQuarters(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];

/** 0 for "January" (any case) to 11 for "December"; -1 for anything else. */
export function monthIndex(name: string | undefined): number {
  return MONTHS.indexOf((name ?? '').toLowerCase());
}

/** The first day of the month an ASP pricing note such as "Added April 2024" names. */
export function addedDate(note: string): string | undefined {
  const m = /\badded (\w+) (\d{4})\b/i.exec(note);
  const month = m ? monthIndex(m[1]) : -1;
  return m && month >= 0 ? `${m[2]}-${String(month + 1).padStart(2, '0')}-01` : undefined;
}
