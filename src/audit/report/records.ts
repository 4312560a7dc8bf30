/**
 * One audited encounter as report rows: a CSV row, line-level CSV rows, and a JSON record that
 * holds everything the totals are made of (so that `vialwise audit merge` rebuilds the totals of
 * shards from their JSON reports exactly). Money is written exact to the mill (dollars with up to
 * three decimals): the rows of a column add up to the report's total.
 *
 * Every free-text cell goes through the one CSV guard (domain/csv.ts): encounter classes, payer
 * categories and references come from the input, gap texts name what was documented.
 */
import { csvCell } from '../../domain/csv.ts';
import { isGapCode } from '../../domain/gaps.ts';
import {
  addCodeFigures,
  CODE_FIGURES,
  dollarsExact,
  emptyCodeFigures,
  recoverableMills,
  toMills,
  type AuditedGap,
  type AuditLine,
  type CodeFigures,
  type EncounterAudit,
  type LineFinding,
  type PostedSource,
  type PricingRow,
} from '../model.ts';

export const ENCOUNTER_COLUMNS = [
  'encounter',
  'date_of_service',
  'payer',
  'encounter_class',
  'compared_with',
  'administrations',
  'lines',
  'units_documented',
  'jw_units_documented',
  'value_documented',
  'recoverable_value',
  'missed_jw_units',
  'missed_jw_value',
  'under_billed_units',
  'under_billed_value',
  'wrong_code_lines',
  'wrong_code_value',
  'missing_jz_lines',
  'missing_jz_value',
  'over_billed_units',
  'over_billed_value',
  'gaps',
  'gap_codes',
  'revenue_at_risk',
  'priced_with',
  'prices_illustrative',
] as const;

export const LINE_COLUMNS = [
  'encounter',
  'date_of_service',
  'code',
  'modifiers',
  'units_documented',
  'units_posted',
  'posted_modifiers',
  'posted_code',
  'finding',
  'units_recoverable',
  'value_recoverable',
  'units_over_billed',
  'value_over_billed',
  'payment_limit',
  'priced_with',
  'gap_codes',
  'gap_text',
  'prices_illustrative',
] as const;

/** How a set of pricing rows reads: `2026Q1`, or `2026Q1 limits for 2026Q3 (latest loaded)`. */
export function pricedWith(rows: readonly PricingRow[]): string {
  const said = new Set<string>();
  for (const r of rows) {
    if (!r.priceQuarter) said.add('no payment limit');
    else if (r.priceQuarter === r.dosQuarter) said.add(r.priceQuarter);
    else said.add(`${r.priceQuarter} limits for ${r.dosQuarter} (latest loaded)`);
  }
  return [...said].sort().join('; ');
}

function linePricedWith(l: AuditLine): string {
  if (!l.separatelyPaid) return 'not paid separately in this setting';
  if (!l.priceQuarter) return l.code ? 'no payment limit' : '';
  return l.priceLaterQuarter ? `${l.priceQuarter} (latest loaded)` : l.priceQuarter;
}

/** How the encounter's figures were priced, or that its lines are not paid separately. */
function encounterPricedWith(e: EncounterAudit): string {
  if (!e.pricing.length && e.auditLines.some((l) => l.code && !l.separatelyPaid))
    return 'not paid separately in this setting';
  return pricedWith(e.pricing);
}

/**
 * The cells of a row joined as csvRow joins them (domain/csv.ts), written out instead of built as
 * an array: a row per encounter and per line of the whole input.
 */
const c = csvCell;

export function encounterCsvRow(e: EncounterAudit, illustrative: boolean): string {
  const f = e.figures;
  let gapCodes = '';
  if (e.gaps.length === 1) gapCodes = (e.gaps[0] as AuditedGap).code;
  else if (e.gaps.length) gapCodes = [...new Set(e.gaps.map((g) => g.code))].sort().join(';');
  return (
    `${c(e.subject)},${c(e.dateOfService)},${c(e.payerCategory)},${c(e.encounterClass)},${c(e.postedSource)},` +
    `${c(e.administrations)},${c(e.lines)},${c(f.derivedUnits)},${c(f.jwUnits)},${c(dollarsExact(f.derivedMills))},` +
    `${c(dollarsExact(recoverableMills(f)))},${c(f.missedJwUnits)},${c(dollarsExact(f.missedJwMills))},` +
    `${c(f.underUnits)},${c(dollarsExact(f.underMills))},${c(f.wrongCodes)},${c(dollarsExact(f.wrongCodeMills))},` +
    `${c(f.missingJz)},${c(dollarsExact(f.missingJzMills))},${c(f.overUnits)},${c(dollarsExact(f.overMills))},` +
    `${c(e.gaps.length)},${c(gapCodes)},${c(dollarsExact(e.atRiskMills))},${c(encounterPricedWith(e))},` +
    `${c(illustrative || e.pricesIllustrative)}\n`
  );
}

export function lineCsvRows(e: EncounterAudit, illustrative: boolean): string {
  let out = '';
  const subject = c(e.subject);
  for (const l of e.auditLines) {
    out +=
      `${subject},${c(l.date)},${c(l.code)},${c(l.modifiers)},${c(l.unitsDocumented)},${c(l.unitsPosted)},` +
      `${c(l.postedModifiers)},${c(l.postedCode)},${c(l.findings.join(';'))},${c(l.unitsRecoverable)},` +
      `${c(dollarsExact(l.recoverableMills))},${c(l.unitsOver)},${c(dollarsExact(l.overMills))},` +
      `${c(l.priceMills === undefined ? undefined : dollarsExact(l.priceMills))},${c(linePricedWith(l))},` +
      `${c(l.gaps.join(';'))},${c(l.gapText.join(' | '))},${c(illustrative || l.priceIllustrative)}\n`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The JSON record: lossless (money as exact dollars, read back to mills).

type FiguresJson = Record<string, number>;

/** The JSON name of each figure: money as `...Value` in dollars. */
const FIGURE_NAMES = CODE_FIGURES.map(
  (k) => [k, k.endsWith('Mills') ? `${k.slice(0, -5)}Value` : k] as const,
);

function figuresFrom(j: unknown): CodeFigures {
  const f = emptyCodeFigures();
  const o = (j ?? {}) as FiguresJson;
  for (const [k, name] of FIGURE_NAMES) {
    const v = o[name];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new RecordError(`figure ${name} is not a number`);
    f[k] = name === k ? v : toMills(v);
  }
  return f;
}

export class RecordError extends Error {}

const q = JSON.stringify;
const strings = (xs: readonly string[]) => `[${xs.map((x) => q(x)).join(',')}]`;

/** Figures of one code as JSON; zeros left out (a record reads back the same). */
function figuresText(f: Readonly<CodeFigures>): string {
  let out = '';
  for (const [k, name] of FIGURE_NAMES) {
    const v = f[k];
    if (v !== 0) out += `${out ? ',' : ''}"${name}":${name === k ? v : dollarsExact(v)}`;
  }
  return `{${out}}`;
}

/** A line-level row as JSON, without its default values (read back as such). */
function lineText(l: AuditLine): string {
  let o = `{"date":${q(l.date)},"code":${q(l.code)},"modifiers":${q(l.modifiers)},"unitsDocumented":${l.unitsDocumented},"unitsPosted":${l.unitsPosted},"findings":${strings(l.findings)}`;
  if (l.postedModifiers) o += `,"postedModifiers":${q(l.postedModifiers)}`;
  if (l.postedCode) o += `,"postedCode":${q(l.postedCode)}`;
  if (l.unitsRecoverable) o += `,"unitsRecoverable":${l.unitsRecoverable}`;
  if (l.recoverableMills) o += `,"recoverableValue":${dollarsExact(l.recoverableMills)}`;
  if (l.unitsOver) o += `,"unitsOver":${l.unitsOver}`;
  if (l.overMills) o += `,"overValue":${dollarsExact(l.overMills)}`;
  if (l.priceMills !== undefined) o += `,"paymentLimit":${dollarsExact(l.priceMills)}`;
  if (l.priceQuarter) o += `,"priceQuarter":${q(l.priceQuarter)}`;
  if (l.priceLaterQuarter) o += ',"priceLaterQuarter":true';
  if (l.priceIllustrative) o += ',"priceIllustrative":true';
  if (!l.separatelyPaid) o += ',"separatelyPaid":false';
  if (l.gaps.length) o += `,"gaps":${strings(l.gaps)}`;
  if (l.gapText.length) o += `,"gapText":${strings(l.gapText)}`;
  return `${o}}`;
}

/**
 * One encounter as a JSON record on one line, written field by field (a hot path: no object
 * built only to be serialised). Strings go through JSON.stringify, numbers are finite.
 */
export function encounterRecord(e: EncounterAudit): string {
  let byCode = '';
  for (const [code, f] of e.byCode) byCode += `${byCode ? ',' : ''}${q(code)}:${figuresText(f)}`;
  const gaps = e.gaps
    .map(
      (g) =>
        `{"code":${q(g.code)},"date":${q(g.date)},"revenueAtRisk":${dollarsExact(g.mills)},"text":${q(g.text)}${g.line ? `,"line":${q(g.line)}` : ''}}`,
    )
    .join(',');
  const pricing = e.pricing
    .map(
      (p) =>
        `{"dosQuarter":${q(p.dosQuarter)},"priceQuarter":${q(p.priceQuarter)},"illustrative":${p.illustrative},"units":${p.units},"value":${dollarsExact(p.mills)}}`,
    )
    .join(',');
  return (
    `{"encounter":${q(e.subject)},"unlinked":${e.unlinked},"dateOfService":${q(e.dateOfService)},` +
    `"payer":${q(e.payerCategory)},"encounterClass":${q(e.encounterClass)},"comparedWith":${q(e.postedSource)},` +
    `"administrations":${e.administrations},"lines":${e.lines},` +
    `"recoverableValue":${dollarsExact(recoverableMills(e.figures))},"revenueAtRisk":${dollarsExact(e.atRiskMills)},` +
    `"unpricedUnits":${e.unpricedUnits},"pricesIllustrative":${e.pricesIllustrative},"pricedWith":${q(encounterPricedWith(e))},` +
    `"byCode":{${byCode}},"wrongCodePairs":${strings(e.wrongCodePairs)},"gaps":[${gaps}],"pricing":[${pricing}],` +
    `"auditLines":[${e.auditLines.map(lineText).join(',')}]}`
  );
}

const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string') throw new RecordError(`${what} missing`);
  return v;
};
const num = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RecordError(`${what} missing`);
  return v;
};
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Reads a record written by `encounterRecord` back (the merge of shards). */
export function parseEncounterRecord(text: string): EncounterAudit {
  const r = JSON.parse(text) as Record<string, unknown>;
  const posted = str(r.comparedWith, 'comparedWith');
  if (!['claim', 'charges', 'none'].includes(posted)) throw new RecordError('comparedWith invalid');
  const gaps: AuditedGap[] = list(r.gaps).map((g) => {
    const o = g as Record<string, unknown>;
    const code = str(o.code, 'gap code');
    if (!isGapCode(code)) throw new RecordError(`unknown gap code ${code}`);
    return {
      code,
      date: str(o.date, 'gap date'),
      mills: toMills(num(o.revenueAtRisk, 'gap revenueAtRisk')),
      text: str(o.text, 'gap text'),
      ...(typeof o.line === 'string' ? { line: o.line } : {}),
    };
  });
  const auditLines: AuditLine[] = list(r.auditLines).map((l) => {
    const o = l as Record<string, unknown>;
    return {
      date: str(o.date, 'line date'),
      code: str(o.code, 'line code'),
      modifiers: str(o.modifiers, 'line modifiers'),
      unitsDocumented: num(o.unitsDocumented, 'unitsDocumented'),
      unitsPosted: num(o.unitsPosted, 'unitsPosted'),
      postedModifiers: str(o.postedModifiers ?? '', 'postedModifiers'),
      postedCode: str(o.postedCode ?? '', 'postedCode'),
      findings: list(o.findings).map((x) => str(x, 'finding') as LineFinding),
      unitsRecoverable: num(o.unitsRecoverable ?? 0, 'unitsRecoverable'),
      recoverableMills: toMills(num(o.recoverableValue ?? 0, 'recoverableValue')),
      unitsOver: num(o.unitsOver ?? 0, 'unitsOver'),
      overMills: toMills(num(o.overValue ?? 0, 'overValue')),
      priceMills: typeof o.paymentLimit === 'number' ? toMills(o.paymentLimit) : undefined,
      priceQuarter: str(o.priceQuarter ?? '', 'priceQuarter'),
      priceLaterQuarter: o.priceLaterQuarter === true,
      priceIllustrative: o.priceIllustrative === true,
      separatelyPaid: o.separatelyPaid !== false,
      gaps: list(o.gaps)
        .map((x) => str(x, 'line gap'))
        .filter(isGapCode),
      gapText: list(o.gapText).map((x) => str(x, 'gap text')),
    };
  });
  const pricing: PricingRow[] = list(r.pricing).map((p) => {
    const o = p as Record<string, unknown>;
    return {
      dosQuarter: str(o.dosQuarter, 'dosQuarter'),
      priceQuarter: str(o.priceQuarter, 'priceQuarter'),
      illustrative: o.illustrative === true,
      mills: toMills(num(o.value, 'pricing value')),
      units: num(o.units, 'pricing units'),
    };
  });
  let atRisk = 0;
  for (const g of gaps) atRisk += g.mills;
  const byCode = new Map(
    Object.entries((r.byCode ?? {}) as Record<string, unknown>).map(([c, f]) => [c, figuresFrom(f)]),
  );
  // The encounter's figures are the sum of its codes' (as compare.ts makes them).
  const figures = emptyCodeFigures();
  for (const f of byCode.values()) addCodeFigures(figures, f);
  return {
    subject: str(r.encounter, 'encounter'),
    unlinked: r.unlinked === true,
    dateOfService: str(r.dateOfService, 'dateOfService'),
    payerCategory: str(r.payer, 'payer'),
    encounterClass: str(r.encounterClass, 'encounterClass'),
    administrations: num(r.administrations, 'administrations'),
    postedSource: posted as PostedSource,
    lines: num(r.lines, 'lines'),
    figures,
    byCode,
    wrongCodePairs: list(r.wrongCodePairs).map((x) => str(x, 'wrongCodePairs')),
    gaps,
    atRiskMills: atRisk,
    unpricedUnits: num(r.unpricedUnits, 'unpricedUnits'),
    pricesIllustrative: r.pricesIllustrative === true,
    pricing,
    auditLines,
  };
}
