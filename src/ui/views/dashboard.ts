/**
 * The revenue-cycle dashboard for a range of dates of service. Every figure and every chart
 * counts by date of service: a line by its `servicedDate`, a gap by the date of service it is
 * about (shape.ts, issueDateOfService). A line is a line of a vialwise Claim that is neither
 * cancelled nor entered in error (docs/ui.md, "What a line is"). Pure: reads/dashboard.ts
 * gathers the resources.
 */
import type { Claim, DetectedIssue, Resource } from '@medplum/fhirtypes';
import { encounterOfClaim, isVoid, readClaimItem, readGap } from '../../fhir/codec/index.ts';
import type {
  CodeFigures,
  Dashboard,
  DateRange,
  DosPoint,
  GapCodeFigures,
  QueueFigures,
} from '../contract.ts';
import { inRange } from '../filters.ts';
import { atRiskBasis, combineBasis, gapCodeHints, limitBasis, priceBasisTags } from '../price-basis.ts';
import type { PriceBasis } from '../contract.ts';
import { QUEUES, queueOf } from '../queues.ts';
import {
  gapCodeOf,
  gapDisplay,
  ILLUSTRATIVE_NOTE,
  indexResources,
  isVialwiseIssue,
  issueDateOfService,
  revenueAtRisk,
  round2,
  DATES_AS_WRITTEN,
  type PriceInfo,
  type TimeZoneOf,
} from '../shape.ts';
import { lineFromClaimItem } from './encounter.ts';

export interface DashboardResources {
  readonly claims: readonly Claim[];
  readonly issues: readonly DetectedIssue[];
  /** What the issues implicate that dates them: administrations and Encounters. */
  readonly related: readonly Resource[];
  readonly truncated: boolean;
}

const DAY_MS = 86_400_000;
const MAX_DAILY_POINTS = 92;
const MAX_WEEKLY_POINTS = 156;
const TOP_CODES = 10;

type Bucket = Dashboard['series']['bucket'];

function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

/** Monday of the ISO week holding the date. */
function weekStart(date: string): string {
  const dow = new Date(`${date}T00:00:00Z`).getUTCDay();
  return addDays(date, -((dow + 6) % 7));
}

function bucketStart(date: string, bucket: Bucket): string {
  if (bucket === 'week') return weekStart(date);
  if (bucket === 'month') return `${date.slice(0, 7)}-01`;
  return date;
}

function nextBucket(date: string, bucket: Bucket): string {
  if (bucket === 'day') return addDays(date, 1);
  if (bucket === 'week') return addDays(date, 7);
  const [y = 0, m = 1] = date.split('-').map(Number);
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

export interface DatedEvent {
  readonly date: string;
  readonly kind: 'open' | 'closed' | 'line';
}

/**
 * Counts per date of service: by day up to three months, by week up to three years, else by
 * month. The buckets run from the range's start (else the first event) to its end (else the
 * last event), clipped to the events when the range is far wider than the data.
 */
export function dosSeries(events: readonly DatedEvent[], range: DateRange): Dashboard['series'] {
  const dates = events
    .map((e) => e.date)
    .filter((d) => inRange(d, range))
    .sort();
  const firstData = dates[0];
  const lastData = dates.at(-1);
  if (!firstData || !lastData) return { bucket: 'day', points: [] };
  const first = range.from && daysBetween(range.from, firstData) <= MAX_DAILY_POINTS ? range.from : firstData;
  const last = range.to && daysBetween(lastData, range.to) <= MAX_DAILY_POINTS ? range.to : lastData;
  const span = daysBetween(first, last) + 1;
  const bucket: Bucket = span <= MAX_DAILY_POINTS ? 'day' : span <= MAX_WEEKLY_POINTS * 7 ? 'week' : 'month';
  const points = new Map<string, { open: number; closed: number; lines: number }>();
  for (let d = bucketStart(first, bucket); d <= last; d = nextBucket(d, bucket))
    points.set(d, { open: 0, closed: 0, lines: 0 });
  for (const e of events) {
    if (!inRange(e.date, range)) continue;
    const p = points.get(bucketStart(e.date, bucket));
    if (!p) continue;
    if (e.kind === 'line') p.lines++;
    else p[e.kind]++;
  }
  return { bucket, points: [...points].map(([date, p]): DosPoint => ({ date, ...p })) };
}

function isVialwiseClaim(c: Claim): boolean {
  return encounterOfClaim(c) !== undefined;
}

/** Claims that count: vialwise's own, neither cancelled nor entered in error. */
export function countedClaims(claims: readonly Claim[]): Claim[] {
  const seen = new Set<string>();
  return claims.filter((c) => {
    if (!isVialwiseClaim(c) || isVoid(c)) return false;
    const key = c.id ?? '';
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `tzOf`: the facility time zone gaps are dated in (shape.ts `issueDateOfService`). */
export function buildDashboard(
  input: DashboardResources,
  range: DateRange,
  prices: PriceInfo,
  tzOf: TimeZoneOf = DATES_AS_WRITTEN,
): Dashboard {
  const index = indexResources([...input.issues, ...input.related]);
  const billedBases: PriceBasis[] = [];
  const jwBases: PriceBasis[] = [];
  const atRiskBases: PriceBasis[] = [];
  const recoveredBases: PriceBasis[] = [];
  const codeBases = new Map<string, PriceBasis[]>();
  const gapBases = new Map<string, PriceBasis[]>();
  const queueBases = new Map<string, PriceBasis[]>();
  const push = (m: Map<string, PriceBasis[]>, k: string, b: PriceBasis) => m.set(k, [...(m.get(k) ?? []), b]);
  // The codes the Claims bill for each administration: what a gap about it is valued with.
  const billedFor = new Map<string, string[]>();
  const events: DatedEvent[] = [];

  let lines = 0;
  let units = 0;
  let billedValue = 0;
  let unpricedLines = 0;
  let jwLines = 0;
  let jwUnits = 0;
  let jwValue = 0;
  let jzLines = 0;
  let illustrative = false;
  let claimsDrafted = 0;
  const claimsByStatus: Record<string, number> = {};
  const byCode = new Map<string, { lines: number; units: number; jwUnits: number; value: number }>();
  for (const claim of countedClaims(input.claims)) {
    const tags = priceBasisTags(claim);
    for (const item of claim.item ?? []) {
      const read = readClaimItem(item);
      if (read.code)
        for (const a of read.administrations) billedFor.set(a, [...(billedFor.get(a) ?? []), read.code]);
    }
    const items = (claim.item ?? [])
      .map((i) => lineFromClaimItem(i, prices, tags))
      .filter((l) => inRange(l.dateOfService, range));
    if (!items.length) continue;
    claimsDrafted++;
    claimsByStatus[claim.status] = (claimsByStatus[claim.status] ?? 0) + 1;
    for (const l of items) {
      if (l.dateOfService) events.push({ date: l.dateOfService, kind: 'line' });
      lines++;
      units += l.units;
      if (l.net === undefined) unpricedLines++;
      else {
        billedValue += l.net;
        billedBases.push(l.basis);
        push(codeBases, l.code, l.basis);
      }
      if (l.illustrative) illustrative = true;
      const jw = l.modifiers.includes('JW');
      if (jw) {
        jwLines++;
        jwUnits += l.units;
        // Revenue captured: what the payer pays for the waste, the CMS limit x units per line
        // (to the cent), not the line's charge, which is the hospital's gross charge when the
        // chargemaster prices it (docs/ui.md, "The dashboard").
        const limit = l.dateOfService ? prices.priceOn?.(l.code, l.dateOfService) : undefined;
        if (limit) {
          jwValue += round2(limit.paymentLimit * l.units);
          jwBases.push(limitBasis(limit, l.code));
        } else if (l.net !== undefined) {
          jwValue += l.net;
          jwBases.push(l.basis);
        }
      }
      if (l.modifiers.includes('JZ')) jzLines++;
      const c = byCode.get(l.code) ?? { lines: 0, units: 0, jwUnits: 0, value: 0 };
      c.lines++;
      c.units += l.units;
      if (jw) c.jwUnits += l.units;
      c.value += l.net ?? 0;
      byCode.set(l.code, c);
    }
  }

  const gapCodes = new Map<string, { open: number; estimated: number; atRisk: number; severity: string }>();
  const queues = new Map<string, { open: number; atRisk: number }>();
  let openGaps = 0;
  let atRisk = 0;
  let gapsFound = 0;
  let gapsClosed = 0;
  let recovered = 0;
  const seen = new Set<string>();
  for (const issue of input.issues) {
    // Voided documentation: neither found nor closed work.
    if (!isVialwiseIssue(issue) || issue.status === 'entered-in-error') continue;
    if (issue.id) {
      if (seen.has(issue.id)) continue;
      seen.add(issue.id);
    }
    const dos = issueDateOfService(issue, index, tzOf);
    if (!inRange(dos, range)) continue;
    const estimate = revenueAtRisk(issue);
    const value = estimate ?? 0;
    const refs = (issue.implicated ?? []).map((r) => r.reference ?? '');
    const basis =
      estimate === undefined
        ? undefined
        : atRiskBasis(
            dos,
            gapCodeHints(
              readGap(issue)?.subjectKey,
              issue.detail,
              refs.flatMap((r) => billedFor.get(r) ?? []),
            ),
            prices,
            priceBasisTags(issue),
          );
    gapsFound++;
    if (issue.status === 'final') {
      gapsClosed++;
      recovered += value;
      if (basis) recoveredBases.push(basis);
      if (dos) events.push({ date: dos, kind: 'closed' });
      continue;
    }
    if (issue.status !== 'preliminary') continue;
    if (dos) events.push({ date: dos, kind: 'open' });
    const code = gapCodeOf(issue);
    openGaps++;
    atRisk += value;
    if (basis) {
      atRiskBases.push(basis);
      push(gapBases, code, basis);
      push(queueBases, queueOf(code), basis);
    }
    const g = gapCodes.get(code) ?? {
      open: 0,
      estimated: 0,
      atRisk: 0,
      severity: issue.severity ?? 'moderate',
    };
    g.open++;
    if (estimate !== undefined) g.estimated++;
    g.atRisk += value;
    gapCodes.set(code, g);
    const q = queues.get(queueOf(code)) ?? { open: 0, atRisk: 0 };
    q.open++;
    q.atRisk += value;
    queues.set(queueOf(code), q);
  }
  if (prices.anyIllustrative && (atRisk > 0 || recovered > 0)) illustrative = true;

  return {
    range,
    claimsDrafted,
    claimsByStatus,
    lines,
    units,
    billedValue: round2(billedValue),
    unpricedLines,
    jwLines,
    jwUnits,
    jwValue: round2(jwValue),
    jzLines,
    openGaps,
    atRisk: round2(atRisk),
    atRiskByCode: [...gapCodes]
      .map(([code, g]): GapCodeFigures => ({
        code,
        display: gapDisplay(code),
        severity: g.severity,
        queue: queueOf(code),
        open: g.open,
        estimated: g.estimated,
        atRisk: round2(g.atRisk),
        basis: combineBasis(gapBases.get(code) ?? []),
      }))
      .sort((a, b) => b.atRisk - a.atRisk || b.open - a.open || a.code.localeCompare(b.code)),
    byQueue: QUEUES.map((q): QueueFigures => ({
      id: q.id,
      label: q.label,
      open: queues.get(q.id)?.open ?? 0,
      atRisk: round2(queues.get(q.id)?.atRisk ?? 0),
      basis: combineBasis(queueBases.get(q.id) ?? []),
    })),
    gapsFound,
    gapsClosed,
    recovered: round2(recovered),
    series: dosSeries(events, range),
    topCodes: [...byCode]
      .map(([code, c]): CodeFigures => ({
        code,
        lines: c.lines,
        units: c.units,
        jwUnits: c.jwUnits,
        value: round2(c.value),
        basis: combineBasis(codeBases.get(code) ?? []),
      }))
      .sort((a, b) => b.value - a.value || b.units - a.units || a.code.localeCompare(b.code))
      .slice(0, TOP_CODES),
    basis: {
      billed: combineBasis(billedBases),
      jw: combineBasis(jwBases),
      atRisk: combineBasis(atRiskBases),
      recovered: combineBasis(recoveredBases),
    },
    pricesIllustrative: illustrative,
    ...(illustrative ? { priceNote: ILLUSTRATIVE_NOTE } : {}),
    truncated: input.truncated,
  };
}
