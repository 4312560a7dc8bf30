/** The short summary `npm start` prints after processing (counts and codes only: no patient data). */
import type { EvaluationResult } from '../evaluate/evaluate-encounter.ts';

export interface Summary {
  readonly encounters: number;
  readonly claimsDrafted: number;
  readonly lines: number;
  readonly units: number;
  readonly jwUnits: number;
  readonly jwValue: number;
  readonly atRisk: number;
  readonly illustrative: boolean;
  readonly gapsByCode: ReadonlyMap<string, number>;
}

export function summarize(results: readonly EvaluationResult[]): Summary {
  const gapsByCode = new Map<string, number>();
  let claimsDrafted = 0;
  let lines = 0;
  let units = 0;
  let jwUnits = 0;
  let jwValue = 0;
  let atRisk = 0;
  let illustrative = false;
  for (const r of results) {
    if (r.plan.claim) claimsDrafted++;
    for (const l of r.evaluation.lines) {
      lines++;
      units += l.units;
      if (l.priceIllustrative) illustrative = true;
      if (l.modifiers.includes('JW')) {
        jwUnits += l.units;
        jwValue += l.net?.value ?? 0;
      }
    }
    for (const g of r.evaluation.gaps) {
      gapsByCode.set(g.code, (gapsByCode.get(g.code) ?? 0) + 1);
      atRisk += g.revenueAtRisk?.value ?? 0;
    }
  }
  return {
    encounters: results.length,
    claimsDrafted,
    lines,
    units,
    jwUnits,
    jwValue,
    atRisk,
    illustrative,
    gapsByCode,
  };
}

export function formatSummary(s: Summary, urls: { service: string; fhir: string }): string {
  const usd = (n: number) => `$${n.toFixed(2)}`;
  const note = s.illustrative ? ' (ILLUSTRATIVE demo prices, not CMS payment limits)' : '';
  const gaps = [...s.gapsByCode.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const width = Math.max(10, ...gaps.map(([c]) => c.length));
  return [
    '',
    'vialwise demo processed',
    `  encounters evaluated   ${s.encounters}`,
    `  claims drafted         ${s.claimsDrafted}`,
    `  billing lines          ${s.lines} (${s.units} units)`,
    `  JW units captured      ${s.jwUnits} worth ${usd(s.jwValue)}${note}`,
    `  revenue at risk        ${usd(s.atRisk)}${note}`,
    '  documentation gaps by code:',
    ...(gaps.length ? gaps.map(([c, n]) => `    ${c.padEnd(width)}  ${n}`) : ['    none']),
    '',
    `  service      ${urls.service}`,
    `  FHIR server  ${urls.fhir}  (Claim?status=draft, DetectedIssue?status=preliminary)`,
    '  Ctrl-C stops both.',
    '',
  ].join('\n');
}
