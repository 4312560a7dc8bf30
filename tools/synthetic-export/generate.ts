/**
 * A synthetic Bulk Data style export (one NDJSON file per resource type) of N encounters whose
 * audit results are KNOWN, for tests, benchmarks and trying `vialwise audit` out. Every encounter
 * is one of the scenarios of scenarios.ts; `answers.json` adds up their hand-computed results.
 *
 * The export bills under codes and a quarter present in the catalog: dates of service in 2026Q1
 * (the latest quarter of CMS payment limits, asp-pricing-2026q1.csv), codes the catalog built
 * from the CMS files gives them. `prices.json` holds the payment limits the answers were computed
 * with (those same 2026Q1 limits), so that the export audits to its answers with a catalog of
 * other quarters too.
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import type { DrugCatalog } from '../../src/catalog/catalog.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import { addDays, daysIn, type DateRange } from '../../src/audit/range.ts';
import { plan } from './plans.ts';
import { resourcesFor, sharedResources } from './resources.ts';
import { NAMES, PRICE_MILLS, SCENARIOS, type Expected, type ScenarioName } from './scenarios.ts';

export const DEFAULT_GENERATED_RANGE: DateRange = { since: '2026-01-01', until: '2026-03-31' };
export const PRICE_FILE = 'prices.json';
/** The quarter of the CMS payment limits in scenarios.ts (asp-pricing-2026q1.csv). */
const CMS_QUARTER = '2026Q1';

export interface Answers {
  readonly synthetic: true;
  readonly note: string;
  readonly seed: number;
  readonly encounters: number;
  readonly range: DateRange;
  /** The payment limits the answers use (pass it with --prices): CMS 2026Q1's. */
  readonly priceFile: string;
  readonly files: Readonly<Record<string, number>>;
  readonly scenarios: Readonly<Record<string, number>>;
  readonly totals: {
    readonly administrationsInExport: number;
    readonly encounters: number;
    readonly administrations: number;
    readonly lines: number;
    readonly derivedUnits: number;
    readonly jwUnits: number;
    readonly derivedValue: number;
    readonly missedJw: { readonly units: number; readonly value: number };
    readonly underBilled: { readonly units: number; readonly value: number };
    readonly wrongCode: { readonly units: number; readonly value: number };
    readonly missingJzValue: { readonly units: number; readonly value: number };
    readonly overBilled: { readonly units: number; readonly value: number };
    readonly recoverableValue: number;
    readonly wrongCodes: number;
    readonly missingJz: number;
    readonly encountersWithNothingPosted: number;
    readonly gaps: number;
    readonly revenueAtRisk: number;
    readonly gapsByCode: Readonly<Record<string, { readonly count: number; readonly revenueAtRisk: number }>>;
  };
}

/** mulberry32: small, fast, deterministic. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class NdjsonWriters {
  private readonly dir: string;
  private readonly open = new Map<string, { fd: number; parts: string[]; size: number; count: number }>();

  constructor(dir: string) {
    this.dir = dir;
  }

  write(r: Resource): void {
    let f = this.open.get(r.resourceType);
    if (!f)
      this.open.set(
        r.resourceType,
        (f = { fd: openSync(join(this.dir, `${r.resourceType}.ndjson`), 'w'), parts: [], size: 0, count: 0 }),
      );
    const line = JSON.stringify(r);
    f.parts.push(line, '\n');
    f.size += line.length + 1;
    f.count++;
    if (f.size > 1 << 20) {
      writeSync(f.fd, f.parts.join(''));
      f.parts = [];
      f.size = 0;
    }
  }

  close(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const [type, f] of this.open) {
      if (f.parts.length) writeSync(f.fd, f.parts.join(''));
      closeSync(f.fd);
      counts[`${type}.ndjson`] = f.count;
    }
    return counts;
  }
}

export interface GenerateOptions {
  /** How many encounters; with `administrations`, the most encounters to write. */
  readonly encounters: number;
  /** Stop as soon as the export holds at least this many administrations (benchmarks). */
  readonly administrations?: number;
  readonly outDir: string;
  readonly seed?: number;
  readonly range?: DateRange;
  /** The catalog the export will be audited with (default: the shipped one). */
  readonly catalog?: DrugCatalog;
  readonly onProgress?: (done: number) => void;
}

function quarterOf(date: string): string {
  return `${date.slice(0, 4)}Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;
}

/**
 * The export's codes must be the catalog's on its dates: methylprednisolone sodium succinate as
 * J2919 (a catalog without it, such as the nine-code one of earlier versions, would bill other
 * codes than the answers).
 */
export function checkCatalog(catalog: DrugCatalog, range: DateRange): void {
  const j2919 = catalog.codes.get('J2919');
  const valid =
    j2919 &&
    (!j2919.effective || j2919.effective <= range.since) &&
    (!j2919.terminated || j2919.terminated >= range.until);
  if (!valid)
    throw new Error(
      'the catalog does not bill J2919 (methylprednisolone sodium succinate, 5 mg) on the generated dates: build it from the CMS files (npm run catalog:build)',
    );
}

export function generateExport(opts: GenerateOptions): Answers {
  const seed = opts.seed ?? 1;
  const range = opts.range ?? DEFAULT_GENERATED_RANGE;
  if (quarterOf(range.since) !== quarterOf(range.until))
    throw new Error(
      `the generated range must lie in one calendar quarter (${range.since} to ${range.until} does not)`,
    );
  checkCatalog(opts.catalog ?? loadCatalog(), range);
  // The limits of the answers are 2026Q1's: a later quarter is priced with them as the latest
  // loaded; an earlier one had other limits.
  if (quarterOf(range.since) < CMS_QUARTER)
    throw new Error(`the generated range must start in ${CMS_QUARTER} or later (the answers use its limits)`);
  const random = rng(seed);
  mkdirSync(opts.outDir, { recursive: true });
  const writers = new NdjsonWriters(opts.outDir);
  for (const r of sharedResources()) writers.write(r);

  const totalWeight = NAMES.reduce((s, k) => s + SCENARIOS[k].weight, 0);
  const pick = (): ScenarioName => {
    let x = random() * totalWeight;
    for (const k of NAMES) {
      x -= SCENARIOS[k].weight;
      if (x < 0) return k;
    }
    return NAMES[NAMES.length - 1] as ScenarioName;
  };
  const counts = Object.fromEntries(NAMES.map((k) => [k, 0])) as Record<ScenarioName, number>;
  const span = daysIn(range);
  const width = Math.max(6, String(opts.encounters).length);
  let administrationsInExport = 0;
  let written = 0;
  for (let i = 1; i <= opts.encounters; i++) {
    if (opts.administrations !== undefined && administrationsInExport >= opts.administrations) break;
    written = i;
    const name = pick();
    counts[name]++;
    const days = plan(name, range.since).days;
    // In range: a day leaving room for the whole stay; before the range: 1 to 20 days before.
    const day =
      name === 'before-range'
        ? addDays(range.since, -1 - Math.floor(random() * 20))
        : addDays(range.since, Math.floor(random() * Math.max(1, span - days + 1)));
    const p = plan(name, day);
    administrationsInExport += p.doses.length;
    for (const r of resourcesFor(String(i).padStart(width, '0'), p, day)) writers.write(r);
    if (opts.onProgress && i % 10_000 === 0) opts.onProgress(i);
  }
  const files = writers.close();

  writeFileSync(
    join(opts.outDir, PRICE_FILE),
    `${JSON.stringify(
      {
        prices: Object.entries(PRICE_MILLS).map(([code, mills]) => ({
          code,
          quarter: CMS_QUARTER,
          paymentLimit: mills / 1000,
          source: 'CMS ASP pricing file, January 2026 (asp-pricing-2026q1.csv), Payment Limit',
        })),
      },
      null,
      2,
    )}\n`,
  );
  const answers = answersFor(counts, {
    seed,
    encounters: written,
    range,
    files,
    administrationsInExport,
  });
  writeFileSync(join(opts.outDir, 'answers.json'), `${JSON.stringify(answers, null, 2)}\n`);
  return answers;
}

export function answersFor(
  counts: Readonly<Record<ScenarioName, number>>,
  info: {
    seed: number;
    encounters: number;
    range: DateRange;
    files: Record<string, number>;
    administrationsInExport: number;
  },
): Answers {
  const keys = [
    'administrations',
    'lines',
    'units',
    'jwUnits',
    'derivedMills',
    'missedJwUnits',
    'missedJwMills',
    'underUnits',
    'underMills',
    'wrongCodes',
    'wrongCodeUnits',
    'wrongCodeMills',
    'missingJz',
    'missingJzUnits',
    'missingJzMills',
    'overUnits',
    'overMills',
  ] as const;
  const sum = Object.fromEntries(keys.map((k) => [k, 0])) as Record<(typeof keys)[number], number>;
  let encounters = 0;
  let nothing = 0;
  const gaps: Record<string, { count: number; mills: number }> = {};
  for (const name of NAMES) {
    const k = counts[name];
    const e: Expected = SCENARIOS[name].expect;
    if (!k || !e.audited) continue;
    encounters += k;
    for (const key of keys) sum[key] += k * (e[key] ?? 0);
    if (e.nothingPosted) nothing += k;
    for (const [code, g] of Object.entries(e.gaps ?? {})) {
      const t = (gaps[code] ??= { count: 0, mills: 0 });
      t.count += k * g.count;
      t.mills += k * g.mills;
    }
  }
  const d = (mills: number) => mills / 1000;
  return {
    synthetic: true,
    note: 'SYNTHETIC data with hand-computed expected audit totals, priced with the CMS 2026Q1 payment limits (priceFile).',
    seed: info.seed,
    encounters: info.encounters,
    range: info.range,
    priceFile: PRICE_FILE,
    files: info.files,
    scenarios: counts,
    totals: {
      administrationsInExport: info.administrationsInExport,
      encounters,
      administrations: sum.administrations,
      lines: sum.lines,
      derivedUnits: sum.units,
      jwUnits: sum.jwUnits,
      derivedValue: d(sum.derivedMills),
      missedJw: { units: sum.missedJwUnits, value: d(sum.missedJwMills) },
      underBilled: { units: sum.underUnits, value: d(sum.underMills) },
      wrongCode: { units: sum.wrongCodeUnits, value: d(sum.wrongCodeMills) },
      missingJzValue: { units: sum.missingJzUnits, value: d(sum.missingJzMills) },
      overBilled: { units: sum.overUnits, value: d(sum.overMills) },
      recoverableValue: d(sum.missedJwMills + sum.underMills + sum.wrongCodeMills + sum.missingJzMills),
      wrongCodes: sum.wrongCodes,
      missingJz: sum.missingJz,
      encountersWithNothingPosted: nothing,
      gaps: Object.values(gaps).reduce((s, g) => s + g.count, 0),
      revenueAtRisk: d(Object.values(gaps).reduce((s, g) => s + g.mills, 0)),
      gapsByCode: Object.fromEntries(
        Object.entries(gaps)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([code, g]) => [code, { count: g.count, revenueAtRisk: d(g.mills) }]),
      ),
    },
  };
}
