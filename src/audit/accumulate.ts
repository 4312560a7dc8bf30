/**
 * Totals of an audit, added up one encounter at a time in bounded memory: sums per code and per
 * gap code, gap counts per date, and only the top encounters (the full list streams to CSV/JSON).
 */
import type { DrugCatalog } from '../catalog/catalog.ts';
import { GAPS, isGapCode, type GapCode } from '../domain/gaps.ts';
import {
  addCodeFigures,
  dollars,
  emptyCodeFigures,
  hasFindings,
  recoverableCents,
  type CodeFigures,
  type EncounterAudit,
  type PostedSource,
} from './model.ts';
import { addDays, daysIn, type DateRange } from './range.ts';

export const TOP_ENCOUNTERS = 25;

export interface SourceStats {
  /** MedicationAdministration resources read from the source. */
  administrationsRead: number;
  resourcesRead: number;
  /** Input lines that could not be read (NDJSON sources). */
  brokenLines: number;
  /** `file:line: reason` of the first broken lines. */
  brokenLineSamples: string[];
  /** Resources of types the audit does not use, or without the references it needs. */
  ignoredResources: number;
  /** Administrations pointing at an Encounter that is not in the input (or not with its patient). */
  administrationsWithoutEncounterResource: number;
  chargeItemsRead: number;
  claimsRead: number;
}

export function emptySourceStats(): SourceStats {
  return {
    administrationsRead: 0,
    resourcesRead: 0,
    brokenLines: 0,
    brokenLineSamples: [],
    ignoredResources: 0,
    administrationsWithoutEncounterResource: 0,
    chargeItemsRead: 0,
    claimsRead: 0,
  };
}

export interface Money {
  readonly units: number;
  readonly value: number;
}

export interface CodeRow {
  readonly code: string;
  readonly descriptor: string;
  readonly derivedUnits: number;
  readonly jwUnits: number;
  readonly derivedValue: number;
  readonly missedJw: Money;
  readonly underBilled: Money;
  readonly overBilled: Money;
  readonly recoverableValue: number;
  readonly wrongCodes: number;
  readonly missingJz: number;
}

export interface GapRow {
  readonly code: GapCode;
  readonly display: string;
  readonly severity: string;
  readonly count: number;
  readonly revenueAtRisk: number;
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
  readonly overBilled: Money;
  /** Missed JW value + under-billed value. */
  readonly recoverableValue: number;
  readonly wrongCodes: number;
  readonly wrongCodeUnits: number;
  readonly missingJz: number;
  readonly gaps: number;
  /** Sum of the gaps' revenue at risk (one line can be at risk for more than one gap). */
  readonly revenueAtRisk: number;
  readonly unpricedUnits: number;
}

export interface AuditSummary {
  readonly range: DateRange;
  readonly pricesIllustrative: boolean;
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

export function pricesIllustrative(catalog: DrugCatalog): boolean {
  for (const c of catalog.codes.values()) if (c.prices?.some((p) => p.illustrative)) return true;
  return false;
}

export class AuditTotals {
  private readonly range: DateRange;
  private readonly catalog: DrugCatalog;
  private encounters = 0;
  private withFindings = 0;
  private nothingPosted = 0;
  private unlinked = 0;
  private administrations = 0;
  private lines = 0;
  private wrongCodeUnits = 0;
  private unpricedUnits = 0;
  private illustrative = false;
  private readonly figures = emptyCodeFigures();
  private readonly byCode = new Map<string, CodeFigures>();
  private readonly gaps = new Map<GapCode, { count: number; cents: number }>();
  private readonly gapsByDate = new Map<string, Map<GapCode, number>>();
  private readonly pairs = new Map<string, number>();
  private readonly sources: Record<PostedSource, number> = { claim: 0, charges: 0, none: 0 };
  private readonly payers = new Map<string, number>();
  private readonly top: { score: number; row: TopEncounter }[] = [];

  constructor(range: DateRange, catalog: DrugCatalog) {
    this.range = range;
    this.catalog = catalog;
    // Loaded illustrative prices mark the whole report, even where a figure happens not to use one.
    this.illustrative = pricesIllustrative(catalog);
  }

  add(e: EncounterAudit): void {
    if (e.unlinked) this.unlinked++;
    else {
      this.encounters++;
      this.sources[e.postedSource]++;
      this.payers.set(e.payerCategory, (this.payers.get(e.payerCategory) ?? 0) + 1);
      if (e.postedSource === 'none' && e.lines > 0) this.nothingPosted++;
    }
    if (hasFindings(e)) this.withFindings++;
    this.administrations += e.administrations;
    this.lines += e.lines;
    this.wrongCodeUnits += e.wrongCodeUnits;
    this.unpricedUnits += e.unpricedUnits;
    if (e.pricesIllustrative) this.illustrative = true;
    addCodeFigures(this.figures, e.figures);
    for (const [code, f] of e.byCode) {
      let into = this.byCode.get(code);
      if (!into) this.byCode.set(code, (into = emptyCodeFigures()));
      addCodeFigures(into, f);
    }
    for (const g of e.gaps) {
      const t = this.gaps.get(g.code) ?? { count: 0, cents: 0 };
      t.count++;
      t.cents += g.cents;
      this.gaps.set(g.code, t);
      let day = this.gapsByDate.get(g.date);
      if (!day) this.gapsByDate.set(g.date, (day = new Map<GapCode, number>()));
      day.set(g.code, (day.get(g.code) ?? 0) + 1);
    }
    for (const p of e.wrongCodePairs) this.pairs.set(p, (this.pairs.get(p) ?? 0) + 1);
    this.keepTop(e);
  }

  private keepTop(e: EncounterAudit): void {
    const score = recoverableCents(e.figures) + e.atRiskCents + e.figures.overCents;
    if (!hasFindings(e)) return;
    const worst = this.top.at(-1);
    if (this.top.length >= TOP_ENCOUNTERS && worst && score <= worst.score) return;
    const f = e.figures;
    const row: TopEncounter = {
      subject: e.subject,
      dateOfService: e.dateOfService,
      payerCategory: e.payerCategory,
      encounterClass: e.encounterClass,
      postedSource: e.postedSource,
      recoverableValue: dollars(recoverableCents(f)),
      missedJwUnits: f.missedJwUnits,
      underUnits: f.underUnits,
      overUnits: f.overUnits,
      wrongCodes: f.wrongCodes,
      missingJz: f.missingJz,
      revenueAtRisk: dollars(e.atRiskCents),
      gaps: [...new Set(e.gaps.map((g) => g.code))].sort(),
    };
    let i = this.top.findIndex((t) => t.score < score);
    if (i < 0) i = this.top.length;
    this.top.splice(i, 0, { score, row });
    if (this.top.length > TOP_ENCOUNTERS) this.top.pop();
  }

  summary(): AuditSummary {
    const f = this.figures;
    const money = (units: number, cents: number): Money => ({ units, value: dollars(cents) });
    let gapCount = 0;
    let atRisk = 0;
    for (const g of this.gaps.values()) {
      gapCount += g.count;
      atRisk += g.cents;
    }
    const byCode: CodeRow[] = [...this.byCode.entries()]
      .map(([code, c]) => ({
        code,
        descriptor: this.catalog.codes.get(code)?.descriptor ?? '',
        derivedUnits: c.derivedUnits,
        jwUnits: c.jwUnits,
        derivedValue: dollars(c.derivedCents),
        missedJw: money(c.missedJwUnits, c.missedJwCents),
        underBilled: money(c.underUnits, c.underCents),
        overBilled: money(c.overUnits, c.overCents),
        recoverableValue: dollars(recoverableCents(c)),
        wrongCodes: c.wrongCodes,
        missingJz: c.missingJz,
      }))
      .sort((a, b) => b.recoverableValue - a.recoverableValue || a.code.localeCompare(b.code));
    const gapsByCode: GapRow[] = [...this.gaps.entries()]
      .map(([code, g]) => ({
        code,
        display: isGapCode(code) ? GAPS[code].display : code,
        severity: GAPS[code].severity,
        count: g.count,
        revenueAtRisk: dollars(g.cents),
      }))
      .sort((a, b) => b.revenueAtRisk - a.revenueAtRisk || b.count - a.count || a.code.localeCompare(b.code));
    return {
      range: this.range,
      pricesIllustrative: this.illustrative,
      totals: {
        encounters: this.encounters,
        encountersWithFindings: this.withFindings,
        encountersWithNothingPosted: this.nothingPosted,
        unlinkedAdministrations: this.unlinked,
        administrations: this.administrations,
        lines: this.lines,
        derivedUnits: f.derivedUnits,
        jwUnits: f.jwUnits,
        derivedValue: dollars(f.derivedCents),
        missedJw: money(f.missedJwUnits, f.missedJwCents),
        underBilled: money(f.underUnits, f.underCents),
        overBilled: money(f.overUnits, f.overCents),
        recoverableValue: dollars(recoverableCents(f)),
        wrongCodes: f.wrongCodes,
        wrongCodeUnits: this.wrongCodeUnits,
        missingJz: f.missingJz,
        gaps: gapCount,
        revenueAtRisk: dollars(atRisk),
        unpricedUnits: this.unpricedUnits,
      },
      byCode,
      gapsByCode,
      gapsOverTime: this.overTime(),
      wrongCodePairs: [...this.pairs.entries()]
        .map(([pair, count]) => {
          const [posted = '', expected = ''] = pair.split('>');
          return { posted, expected, count };
        })
        .sort((a, b) => b.count - a.count || a.posted.localeCompare(b.posted)),
      postedSources: { ...this.sources },
      payers: Object.fromEntries([...this.payers.entries()].sort((a, b) => b[1] - a[1])),
      // Most at stake first; among equals, by date of service.
      topEncounters: [...this.top]
        .sort(
          (a, b) =>
            b.score - a.score ||
            a.row.dateOfService.localeCompare(b.row.dateOfService) ||
            a.row.subject.localeCompare(b.row.subject),
        )
        .map((t) => t.row),
    };
  }

  /** Gap counts per day, ISO week (from Monday) or month, whichever keeps the chart readable. */
  private overTime(): AuditSummary['gapsOverTime'] {
    const days = daysIn(this.range);
    const granularity = days <= 45 ? 'day' : days <= 210 ? 'week' : 'month';
    // A period is named by its first date inside the range (a week or month may start before it).
    const periodOf = (date: string): string => {
      let start = date;
      if (granularity === 'month') start = `${date.slice(0, 7)}-01`;
      if (granularity === 'week')
        start = addDays(date, -((new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7));
      return start < this.range.since ? this.range.since : start;
    };
    const periods = new Map<string, Record<string, number>>();
    // Every period of the range, so that quiet weeks show as gaps in the chart, not as nothing.
    for (let d = this.range.since; d <= this.range.until; d = addDays(d, 1)) {
      const p = periodOf(d);
      if (!periods.has(p)) periods.set(p, {});
    }
    for (const [date, counts] of this.gapsByDate) {
      const p = periodOf(date);
      const into = periods.get(p) ?? {};
      for (const [code, n] of counts) into[code] = (into[code] ?? 0) + n;
      periods.set(p, into);
    }
    return {
      granularity,
      periods: [...periods.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([start, counts]) => ({ start, counts })),
    };
  }
}
