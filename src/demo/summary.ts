/**
 * The short summary `npm start` prints after processing the demo (counts, codes and gap names
 * only: no patient data), with the addresses to open.
 *
 * A "billing line" is a line on a draft Claim, as the dashboard counts it (what the FHIR server
 * holds). Lines the engine derived for an Encounter that got no draft Claim (no coverage, or a
 * Claim already submitted) are reported on a line of their own with the reason, so the two
 * figures reconcile.
 */
import { GAPS, isGapCode } from '../domain/gaps.ts';
import type { EvaluationResult } from '../evaluate/evaluate-encounter.ts';
import { priceBasisOf } from '../fhir/codec/index.ts';

export interface Summary {
  readonly encounters: number;
  readonly claimsDrafted: number;
  /** Lines on draft Claims and their units. */
  readonly lines: number;
  readonly units: number;
  /** Lines derived for Encounters without a draft Claim, and why they have none. */
  readonly notDrafted: {
    readonly encounters: number;
    readonly lines: number;
    readonly units: number;
    readonly reasons: readonly string[];
  };
  readonly jwUnits: number;
  readonly jwValue: number;
  readonly atRisk: number;
  readonly illustrative: boolean;
  readonly gapsByCode: ReadonlyMap<string, number>;
  /** Draft Claims with charges from the hospital's chargemaster, and with CMS payment-limit estimates (meta.tag). */
  readonly chargemasterClaims: number;
  readonly estimateClaims: number;
}

export function summarize(results: readonly EvaluationResult[]): Summary {
  const gapsByCode = new Map<string, number>();
  let claimsDrafted = 0;
  let lines = 0;
  let units = 0;
  const notDrafted = { encounters: 0, lines: 0, units: 0, reasons: new Set<string>() };
  let jwUnits = 0;
  let jwValue = 0;
  let atRisk = 0;
  let illustrative = false;
  let chargemasterClaims = 0;
  let estimateClaims = 0;
  for (const r of results) {
    const derived = r.evaluation.lines;
    if (r.plan.claim) {
      claimsDrafted++;
      const basis = priceBasisOf(r.plan.claim);
      if (basis.includes('chargemaster')) chargemasterClaims++;
      if (basis.includes('payment-limit-estimate')) estimateClaims++;
      for (const l of derived) {
        lines++;
        units += l.units;
        if (l.priceIllustrative) illustrative = true;
        if (l.modifiers.includes('JW')) {
          jwUnits += l.units;
          jwValue += l.net?.value ?? 0;
        }
      }
    } else if (derived.length) {
      notDrafted.encounters++;
      notDrafted.lines += derived.length;
      notDrafted.units += derived.reduce((sum, l) => sum + l.units, 0);
      // plan.ts drafts no Claim without a payer to bill, and never touches a submitted one.
      const noCoverage = r.evaluation.gaps.some((g) => g.code === 'no-coverage');
      notDrafted.reasons.add(noCoverage ? 'no coverage' : 'Claim already submitted');
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
    notDrafted: { ...notDrafted, reasons: [...notDrafted.reasons].sort() },
    jwUnits,
    jwValue,
    atRisk,
    illustrative,
    gapsByCode,
    chargemasterClaims,
    estimateClaims,
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * `urls.service` and `urls.fhir` are full base URLs with the host name people type (`localhost`);
 * `chargemaster` names the hospital whose CHARGEMASTER_FILE prices the Claims, when one is loaded.
 */
export function formatSummary(
  s: Summary,
  urls: { service: string; fhir: string },
  chargemaster?: string,
): string {
  const usd = (n: number) => `$${n.toFixed(2)}`;
  const note = s.illustrative ? ' (ILLUSTRATIVE demo prices, not CMS payment limits)' : '';
  const gaps = [...s.gapsByCode.entries()]
    .map(([code, n]) => ({ n, name: isGapCode(code) ? GAPS[code].display : code }))
    .sort((a, b) => b.n - a.n || a.name.localeCompare(b.name));
  const open = gaps.reduce((sum, g) => sum + g.n, 0);
  const nd = s.notDrafted;
  const fhir = urls.fhir.replace(/\/+$/, '');
  return [
    '',
    `vialwise demo: ${plural(s.encounters, 'encounter')} evaluated`,
    '',
    `  Open the worklist: ${urls.service.replace(/\/+$/, '')}/`,
    '',
    `  draft Claims         ${s.claimsDrafted}`,
    `  billing lines        ${s.lines} on those Claims (${plural(s.units, 'unit')})`,
    ...(nd.lines
      ? [
          `                       + ${plural(nd.lines, 'line')} (${plural(nd.units, 'unit')}) derived for ${plural(nd.encounters, 'encounter')} without a Claim: ${nd.reasons.join(', ')}`,
        ]
      : []),
    ...(chargemaster
      ? [
          `  charges              ${chargemaster}'s chargemaster (CHARGEMASTER_FILE) on ${plural(s.chargemasterClaims, 'Claim')}` +
            (s.estimateClaims ? `; CMS payment-limit estimates on ${plural(s.estimateClaims, 'Claim')}` : ''),
        ]
      : [`  charges              CMS payment-limit estimates (no CHARGEMASTER_FILE)`]),
    `  JW units captured    ${s.jwUnits} worth ${usd(s.jwValue)} at CMS payment limits${note}`,
    `  revenue at risk      ${usd(s.atRisk)}${note}`,
    `  documentation gaps   ${open} open`,
    ...gaps.map((g) => `    ${String(g.n).padStart(3)}  ${g.name}`),
    '',
    `  FHIR server          ${fhir}`,
    `    draft Claims       ${fhir}/Claim?status=draft`,
    `    open gaps          ${fhir}/DetectedIssue?status=preliminary`,
    '',
    '  Ctrl-C stops both.',
    '',
  ].join('\n');
}
