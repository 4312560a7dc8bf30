/**
 * Totals of an audit, added up one encounter at a time in bounded memory: sums per code and per
 * gap code, gap counts per date, how the value was priced, and only the top encounters (the full
 * list streams to the CSV and JSON reports).
 *
 * Totals have a plain state that can be saved (a checkpoint) and added to another's (the
 * workers' totals, shards merged): every figure is a sum, and ties are broken by content, never
 * by arrival order, so totals added up in any order and any grouping are the same.
 */
import { GAPS, isGapCode, type GapCode } from '../domain/gaps.ts';
import {
  addCodeFigures,
  dollarsExact,
  emptyCodeFigures,
  hasFindings,
  recoverableMills,
  type CodeFigures,
  type EncounterAudit,
  type PostedSource,
  type PricingRow,
} from './model.ts';
import { addDays, daysIn, type DateRange } from './range.ts';

export const TOP_ENCOUNTERS = 25;

export interface Money {
  readonly units: number;
  /** Dollars, exact to the mill. */
  readonly value: number;
}

export interface TopEncounter {
  readonly subject: string;
  readonly dateOfService: string;
  readonly payerCategory: string;
  readonly encounterClass: string;
  readonly postedSource: PostedSource;
  readonly recoverableValue: number;
  readonly missedJwUnits: number;
  readonly underUnits: number;
  readonly overUnits: number;
  readonly wrongCodes: number;
  readonly missingJz: number;
  readonly revenueAtRisk: number;
  readonly gaps: readonly string[];
}

interface TopEntry {
  readonly score: number;
  readonly row: TopEncounter;
}

/** Everything AuditTotals holds, as plain data (JSON-safe, integers only for money). */
export interface TotalsState {
  encounters: number;
  withFindings: number;
  nothingPosted: number;
  unlinked: number;
  administrations: number;
  lines: number;
  unpricedUnits: number;
  illustrative: boolean;
  figures: CodeFigures;
  byCode: Record<string, CodeFigures>;
  gaps: Record<string, { count: number; mills: number }>;
  gapsByDate: Record<string, Record<string, number>>;
  pairs: Record<string, number>;
  sources: Record<PostedSource, number>;
  payers: Record<string, number>;
  pricing: Record<string, PricingRow>;
  top: TopEntry[];
}

export function emptyTotals(): TotalsState {
  return {
    encounters: 0,
    withFindings: 0,
    nothingPosted: 0,
    unlinked: 0,
    administrations: 0,
    lines: 0,
    unpricedUnits: 0,
    illustrative: false,
    figures: emptyCodeFigures(),
    byCode: {},
    gaps: {},
    gapsByDate: {},
    pairs: {},
    sources: { claim: 0, charges: 0, none: 0 },
    payers: {},
    pricing: {},
    top: [],
  };
}

const bump = (into: Record<string, number>, key: string, n = 1) => {
  into[key] = (into[key] ?? 0) + n;
};

function compareTop(a: TopEntry, b: TopEntry): number {
  return (
    b.score - a.score ||
    (a.row.dateOfService < b.row.dateOfService ? -1 : a.row.dateOfService > b.row.dateOfService ? 1 : 0) ||
    (a.row.subject < b.row.subject ? -1 : a.row.subject > b.row.subject ? 1 : 0)
  );
}

function keepTop(top: TopEntry[], entry: TopEntry): void {
  const worst = top.at(-1);
  if (top.length >= TOP_ENCOUNTERS && worst && compareTop(entry, worst) >= 0) return;
  let i = top.findIndex((t) => compareTop(entry, t) < 0);
  if (i < 0) i = top.length;
  top.splice(i, 0, entry);
  if (top.length > TOP_ENCOUNTERS) top.pop();
}

function topEntry(e: EncounterAudit): TopEntry {
  const f = e.figures;
  const recoverable = recoverableMills(f);
  return {
    score: recoverable + e.atRiskMills + f.overMills,
    row: {
      subject: e.subject,
      dateOfService: e.dateOfService,
      payerCategory: e.payerCategory,
      encounterClass: e.encounterClass,
      postedSource: e.postedSource,
      recoverableValue: dollarsExact(recoverable),
      missedJwUnits: f.missedJwUnits,
      underUnits: f.underUnits,
      overUnits: f.overUnits,
      wrongCodes: f.wrongCodes,
      missingJz: f.missingJz,
      revenueAtRisk: dollarsExact(e.atRiskMills),
      gaps: [...new Set(e.gaps.map((g) => g.code))].sort(),
    },
  };
}

/** Adds one encounter's audit to the totals. */
export function addEncounter(t: TotalsState, e: EncounterAudit): void {
  if (e.unlinked) t.unlinked++;
  else {
    t.encounters++;
    t.sources[e.postedSource]++;
    bump(t.payers, e.payerCategory);
    if (e.postedSource === 'none' && e.lines > 0) t.nothingPosted++;
  }
  const findings = hasFindings(e);
  if (findings) t.withFindings++;
  t.administrations += e.administrations;
  t.lines += e.lines;
  t.unpricedUnits += e.unpricedUnits;
  if (e.pricesIllustrative) t.illustrative = true;
  addCodeFigures(t.figures, e.figures);
  for (const [code, f] of e.byCode) addCodeFigures((t.byCode[code] ??= emptyCodeFigures()), f);
  for (const g of e.gaps) {
    const s = (t.gaps[g.code] ??= { count: 0, mills: 0 });
    s.count++;
    s.mills += g.mills;
    bump((t.gapsByDate[g.date] ??= {}), g.code);
  }
  for (const p of e.wrongCodePairs) bump(t.pairs, p);
  for (const r of e.pricing) addPricing(t.pricing, r);
  if (findings) keepTop(t.top, topEntry(e));
}

function addPricing(into: Record<string, PricingRow>, r: PricingRow): void {
  const k = `${r.dosQuarter}|${r.priceQuarter}|${r.illustrative ? 1 : 0}`;
  const row = (into[k] ??= { ...r, mills: 0, units: 0 });
  row.mills += r.mills;
  row.units += r.units;
}

/** Adds the totals `from` into `into` (any order gives the same result). */
export function mergeTotals(into: TotalsState, from: Readonly<TotalsState>): void {
  into.encounters += from.encounters;
  into.withFindings += from.withFindings;
  into.nothingPosted += from.nothingPosted;
  into.unlinked += from.unlinked;
  into.administrations += from.administrations;
  into.lines += from.lines;
  into.unpricedUnits += from.unpricedUnits;
  into.illustrative ||= from.illustrative;
  addCodeFigures(into.figures, from.figures);
  for (const [code, f] of Object.entries(from.byCode))
    addCodeFigures((into.byCode[code] ??= emptyCodeFigures()), f);
  for (const [code, g] of Object.entries(from.gaps)) {
    const s = (into.gaps[code] ??= { count: 0, mills: 0 });
    s.count += g.count;
    s.mills += g.mills;
  }
  for (const [date, counts] of Object.entries(from.gapsByDate)) {
    const day = (into.gapsByDate[date] ??= {});
    for (const [code, n] of Object.entries(counts)) bump(day, code, n);
  }
  for (const [p, n] of Object.entries(from.pairs)) bump(into.pairs, p, n);
  for (const s of ['claim', 'charges', 'none'] as const) into.sources[s] += from.sources[s];
  for (const [p, n] of Object.entries(from.payers)) bump(into.payers, p, n);
  for (const r of Object.values(from.pricing)) addPricing(into.pricing, r);
  for (const entry of from.top) keepTop(into.top, entry);
}

// ---------------------------------------------------------------------------------------------
// The summary the reports show.

export interface CodeRow {
  readonly code: string;
  readonly descriptor: string;
  readonly derivedUnits: number;
  readonly jwUnits: number;
  readonly derivedValue: number;
  readonly missedJw: Money;
  readonly underBilled: Money;
  readonly wrongCode: Money;
  readonly missingJz: Money;
  readonly overBilled: Money;
  readonly recoverableValue: number;
  readonly wrongCodes: number;
  readonly missingJzLines: number;
}

export interface GapRow {
  readonly code: GapCode;
  readonly display: string;
  readonly severity: string;
  readonly count: number;
  readonly revenueAtRisk: number;
}

export interface PricingView {
  readonly dosQuarter: string;
  /** '' when no payment limit was found (units counted, not valued). */
  readonly priceQuarter: string;
  /** The limits of a later date's quarter were not loaded: the latest loaded quarter priced it. */
  readonly latestLoaded: boolean;
  readonly illustrative: boolean;
  readonly units: number;
  readonly value: number;
}

/**
 * The one figure a director acts on, and its four parts (they add up exactly: no unit is in
 * two parts). Over-billing and the gaps' revenue at risk are beside it, not in it.
 */
export interface Headline {
  readonly recoverable: number;
  readonly missedJw: Money;
  readonly underBilled: Money;
  readonly wrongCodes: Money & { readonly lines: number };
  readonly missingJz: Money & { readonly lines: number };
  readonly pricedBy: readonly PricingView[];
  readonly overBilled: Money;
  readonly openGaps: number;
  readonly revenueAtRisk: number;
  readonly unpricedUnits: number;
}

export interface AuditTotalsView {
  readonly encounters: number;
  readonly encountersWithFindings: number;
  /** Encounters with derived lines but nothing posted (no ChargeItem, no submitted Claim). */
  readonly encountersWithNothingPosted: number;
  readonly unlinkedAdministrations: number;
  /** Administrations of the audited encounters. */
  readonly administrations: number;
  readonly lines: number;
  readonly derivedUnits: number;
  readonly jwUnits: number;
  readonly derivedValue: number;
  readonly missedJw: Money;
  readonly underBilled: Money;
  readonly wrongCode: Money;
  readonly missingJzValue: Money;
  readonly overBilled: Money;
  /** Missed JW + under-billed + wrong codes + missing JZ. */
  readonly recoverableValue: number;
  readonly wrongCodes: number;
  readonly missingJz: number;
  readonly gaps: number;
  /** Sum of the gaps' revenue at risk (one line can be at risk for more than one gap). */
  readonly revenueAtRisk: number;
  readonly unpricedUnits: number;
}

export interface AuditSummary {
  readonly range: DateRange;
  readonly pricesIllustrative: boolean;
  readonly headline: Headline;
  readonly totals: AuditTotalsView;
  readonly byCode: readonly CodeRow[];
  readonly gapsByCode: readonly GapRow[];
  readonly gapsOverTime: {
    readonly granularity: 'day' | 'week' | 'month';
    readonly periods: readonly {
      readonly start: string;
      readonly counts: Readonly<Record<string, number>>;
    }[];
  };
  readonly wrongCodePairs: readonly {
    readonly posted: string;
    readonly expected: string;
    readonly count: number;
  }[];
  readonly postedSources: Readonly<Record<PostedSource, number>>;
  readonly payers: Readonly<Record<string, number>>;
  readonly topEncounters: readonly TopEncounter[];
}

const money = (units: number, mills: number): Money => ({ units, value: dollarsExact(mills) });
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function summarize(
  t: Readonly<TotalsState>,
  range: DateRange,
  descriptorOf: (code: string) => string,
): AuditSummary {
  const f = t.figures;
  let gapCount = 0;
  let atRisk = 0;
  for (const g of Object.values(t.gaps)) {
    gapCount += g.count;
    atRisk += g.mills;
  }
  const byCode: CodeRow[] = Object.entries(t.byCode)
    .map(([code, c]) => ({
      code,
      descriptor: descriptorOf(code),
      derivedUnits: c.derivedUnits,
      jwUnits: c.jwUnits,
      derivedValue: dollarsExact(c.derivedMills),
      missedJw: money(c.missedJwUnits, c.missedJwMills),
      underBilled: money(c.underUnits, c.underMills),
      wrongCode: money(c.wrongCodeUnits, c.wrongCodeMills),
      missingJz: money(c.missingJzUnits, c.missingJzMills),
      overBilled: money(c.overUnits, c.overMills),
      recoverableValue: dollarsExact(recoverableMills(c)),
      wrongCodes: c.wrongCodes,
      missingJzLines: c.missingJz,
    }))
    .sort((a, b) => b.recoverableValue - a.recoverableValue || byText(a.code, b.code));
  const gapsByCode: GapRow[] = Object.entries(t.gaps)
    .filter(([code]) => isGapCode(code))
    .map(([code, g]) => ({
      code: code as GapCode,
      display: GAPS[code as GapCode].display,
      severity: GAPS[code as GapCode].severity,
      count: g.count,
      revenueAtRisk: dollarsExact(g.mills),
    }))
    .sort((a, b) => b.revenueAtRisk - a.revenueAtRisk || b.count - a.count || byText(a.code, b.code));
  const pricedBy: PricingView[] = Object.values(t.pricing)
    .map((r) => ({
      dosQuarter: r.dosQuarter,
      priceQuarter: r.priceQuarter,
      latestLoaded: r.priceQuarter !== '' && r.priceQuarter !== r.dosQuarter,
      illustrative: r.illustrative,
      units: r.units,
      value: dollarsExact(r.mills),
    }))
    .sort((a, b) => byText(a.dosQuarter, b.dosQuarter) || byText(a.priceQuarter, b.priceQuarter));
  const recoverable = recoverableMills(f);
  return {
    range,
    pricesIllustrative: t.illustrative,
    headline: {
      recoverable: dollarsExact(recoverable),
      missedJw: money(f.missedJwUnits, f.missedJwMills),
      underBilled: money(f.underUnits, f.underMills),
      wrongCodes: { ...money(f.wrongCodeUnits, f.wrongCodeMills), lines: f.wrongCodes },
      missingJz: { ...money(f.missingJzUnits, f.missingJzMills), lines: f.missingJz },
      pricedBy,
      overBilled: money(f.overUnits, f.overMills),
      openGaps: gapCount,
      revenueAtRisk: dollarsExact(atRisk),
      unpricedUnits: t.unpricedUnits,
    },
    totals: {
      encounters: t.encounters,
      encountersWithFindings: t.withFindings,
      encountersWithNothingPosted: t.nothingPosted,
      unlinkedAdministrations: t.unlinked,
      administrations: t.administrations,
      lines: t.lines,
      derivedUnits: f.derivedUnits,
      jwUnits: f.jwUnits,
      derivedValue: dollarsExact(f.derivedMills),
      missedJw: money(f.missedJwUnits, f.missedJwMills),
      underBilled: money(f.underUnits, f.underMills),
      wrongCode: money(f.wrongCodeUnits, f.wrongCodeMills),
      missingJzValue: money(f.missingJzUnits, f.missingJzMills),
      overBilled: money(f.overUnits, f.overMills),
      recoverableValue: dollarsExact(recoverable),
      wrongCodes: f.wrongCodes,
      missingJz: f.missingJz,
      gaps: gapCount,
      revenueAtRisk: dollarsExact(atRisk),
      unpricedUnits: t.unpricedUnits,
    },
    byCode,
    gapsByCode,
    gapsOverTime: overTime(t, range),
    wrongCodePairs: Object.entries(t.pairs)
      .map(([pair, count]) => {
        const [posted = '', expected = ''] = pair.split('>');
        return { posted, expected, count };
      })
      .sort((a, b) => b.count - a.count || byText(a.posted, b.posted) || byText(a.expected, b.expected)),
    postedSources: { ...t.sources },
    payers: Object.fromEntries(Object.entries(t.payers).sort((a, b) => b[1] - a[1] || byText(a[0], b[0]))),
    topEncounters: [...t.top].sort(compareTop).map((e) => e.row),
  };
}

/** Gap counts per day, ISO week (from Monday) or month, whichever keeps the chart readable. */
function overTime(t: Readonly<TotalsState>, range: DateRange): AuditSummary['gapsOverTime'] {
  const days = daysIn(range);
  const granularity = days <= 45 ? 'day' : days <= 210 ? 'week' : 'month';
  // A period is named by its first date inside the range (a week or month may start before it).
  const periodOf = (date: string): string => {
    let start = date;
    if (granularity === 'month') start = `${date.slice(0, 7)}-01`;
    if (granularity === 'week') start = addDays(date, -((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7));
    return start < range.since ? range.since : start;
  };
  const periods = new Map<string, Record<string, number>>();
  // Every period of the range, so that quiet weeks show as gaps in the chart, not as nothing.
  for (let d = range.since; d <= range.until; d = addDays(d, 1)) {
    const p = periodOf(d);
    if (!periods.has(p)) periods.set(p, {});
  }
  for (const [date, counts] of Object.entries(t.gapsByDate)) {
    const p = periodOf(date);
    const into = periods.get(p) ?? {};
    for (const [code, n] of Object.entries(counts)) bump(into, code, n);
    periods.set(p, into);
  }
  return {
    granularity,
    periods: [...periods.entries()]
      .sort(([a], [b]) => byText(a, b))
      .map(([start, counts]) => ({
        start,
        counts: Object.fromEntries(Object.entries(counts).sort(([a], [b]) => byText(a, b))),
      })),
  };
}
