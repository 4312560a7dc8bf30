/**
 * Lines: the code of each administration, then one line per (code, date of service, NDC) with
 * its units, and a JW line for billable waste; JZ when nothing was wasted (CMS Claims
 * Processing Manual ch.17 sections 40 and 70; docs/billing-rules.md).
 */
import type { DrugCatalog } from '../../catalog/catalog.ts';
import type { HcpcsCode } from '../../catalog/types.ts';
import { money } from '../../domain/money.ts';
import type { BillingLine, Modifier, Money } from '../../domain/types.ts';
import type { Fact } from '../facts.ts';
import type { GapList } from '../gap-list.ts';
import type { PayerContext } from '../payer.ts';
import { decideWaste, type WasteDecision } from '../units.ts';
import { fmt, groupBy, inMeasure, sum } from './amounts.ts';
import { assignCodes } from './code.ts';
import { lineContainers, type LineContainers } from './containers.ts';
import { line, ndcDetail } from './line.ts';
import { wasteRules } from './modifiers.ts';

export { chooseCode } from './code.ts';

/**
 * vialwise's own plausibility bound, not a CMS rule: more units than this on one line is taken
 * as a unit error in the documentation (the UB-04 units field holds 7 digits; no drug here
 * comes near 10,000 units a day).
 */
const MAX_UNITS_PER_LINE = 9_999;

export function buildLines(
  facts: readonly Fact[],
  catalog: DrugCatalog,
  payer: PayerContext,
  encounterClass: string | undefined,
  gaps: GapList,
): BillingLine[] {
  const lines: BillingLine[] = [];
  const coded = assignCodes(facts, gaps);
  for (const group of groupBy(coded, (x) => `${x.code.code}|${x.fact.dos}|${x.fact.ndc ?? ''}`).values()) {
    const first = group[0];
    if (!first) continue;
    lines.push(
      ...linesOf(
        first.code,
        group.map((g) => g.fact),
        catalog,
        payer,
        encounterClass,
        gaps,
      ),
    );
  }
  return lines.sort((a, b) => a.key.localeCompare(b.key));
}

/** The line (and JW line) of one code, date of service and NDC. */
function linesOf(
  code: HcpcsCode,
  facts: readonly Fact[],
  catalog: DrugCatalog,
  payer: PayerContext,
  encounterClass: string | undefined,
  gaps: GapList,
): BillingLine[] {
  const first = facts[0] as Fact;
  const { dos, ndc, mgPerMl } = first;
  const given = sum(facts.map((f) => inMeasure(f.given, code, f.mgPerMl) ?? 0));
  const containers = lineContainers(facts, code, given, gaps);
  const rules = wasteRules(code.code, dos, payer, encounterClass, catalog);
  const decision = decideWaste({
    given,
    discarded: containers.discarded,
    unitSize: code.unit.amount,
    capacity: containers.capacity,
    singleDose: facts.every((f) => f.singleDose),
    ...rules,
  });
  if (decision.units > MAX_UNITS_PER_LINE) {
    implausibleUnits(facts, code, decision.units, gaps);
    return [];
  }
  inconsistentWaste(facts, code, dos, given, containers, decision, gaps);
  const jwUnits = decision.jwUnits > MAX_UNITS_PER_LINE ? 0 : decision.jwUnits;
  if (jwUnits !== decision.jwUnits) implausibleWaste(facts, code, decision.jwUnits, gaps);
  if (
    rules.jzRequired &&
    !decision.jz &&
    jwUnits === 0 &&
    decision.undocumentedWasteUnits === 0 &&
    !decision.inconsistency
  )
    modifierUndecidable(facts, dos, gaps);

  const price = catalog.priceOn(code.code, dos);
  const refs = facts.map((f) => f.ref);
  const dx = [...new Set(facts.flatMap((f) => f.diagnoses))];
  const mods: Modifier[] = decision.jz ? ['JZ'] : [];
  const out = [
    line(
      code.code,
      mods,
      decision.units,
      dos,
      ndcDetail(ndc, given, code, first.product, mgPerMl),
      price,
      refs,
      dx,
    ),
  ];
  if (jwUnits > 0) {
    const wasted = containers.discarded ?? 0;
    out.push(
      line(
        code.code,
        ['JW'],
        jwUnits,
        dos,
        ndcDetail(ndc, wasted, code, first.product, mgPerMl),
        price,
        refs,
        dx,
      ),
    );
  }
  if (decision.undocumentedWasteUnits > 0) {
    const risk = price ? money(decision.undocumentedWasteUnits * price.paymentLimit) : undefined;
    wasteUndocumented(containers.undocumented, dos, risk, gaps);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The waste gaps a line raises.

/** A unit mix-up (mcg charted as mg, mL as L) must never become a line: ask for the dose. */
function implausibleUnits(facts: readonly Fact[], code: HcpcsCode, units: number, gaps: GapList): void {
  for (const f of facts) {
    gaps.add(
      'dose-unit-unconvertible',
      f.id,
      [f.ref],
      `The ${f.ingredientName} amount documented comes to ${units} units of ${code.code}, which is implausible: check the dose and its unit.`,
    );
  }
}

function inconsistentWaste(
  facts: readonly Fact[],
  code: HcpcsCode,
  dos: string,
  given: number,
  containers: LineContainers,
  decision: WasteDecision,
  gaps: GapList,
): void {
  const { capacity, discarded } = containers;
  if (
    decision.inconsistency !== 'amounts-do-not-match-containers' ||
    capacity === undefined ||
    discarded === undefined
  )
    return;
  const documented = facts.filter((f) => f.discarded);
  for (const f of documented.length ? documented : facts) {
    gaps.add(
      'wastage-inconsistent',
      f.id,
      [f.ref],
      `The ${f.ingredientName} given plus discarded on ${dos} (${fmt(given + discarded)}) does not match the containers opened (${fmt(capacity)}): correct the discarded amount or the number of containers opened.`,
    );
  }
}

function implausibleWaste(facts: readonly Fact[], code: HcpcsCode, jwUnits: number, gaps: GapList): void {
  for (const f of facts.filter((x) => x.discarded)) {
    gaps.add(
      'wastage-inconsistent',
      f.id,
      [f.ref],
      `The ${f.ingredientName} documented as discarded comes to ${jwUnits} units of ${code.code}, which is implausible: check the amount and its unit.`,
    );
  }
}

/** The payer returns a line with neither JW nor JZ: say what is missing to decide. */
function modifierUndecidable(facts: readonly Fact[], dos: string, gaps: GapList): void {
  const unknownUse = facts.filter((f) => !f.containerUse);
  for (const f of unknownUse.length ? unknownUse : facts.filter((x) => x.singleDose)) {
    gaps.add(
      'wastage-undocumented',
      f.id,
      [f.ref],
      f.containerUse
        ? `Document the amount of ${f.ingredientName} discarded on ${dos} (or that none was discarded): the container size is not known, so JW or JZ cannot be decided.`
        : `Record the NDC of the ${f.ingredientName} given on ${dos}, or whether its container was single- or multi-dose, so JW or JZ can be decided.`,
    );
  }
}

/** The line's whole unbilled waste is at risk, carried by the first administration (by id) so totals add up. */
function wasteUndocumented(
  undocumented: readonly Fact[],
  dos: string,
  risk: Money | undefined,
  gaps: GapList,
): void {
  for (const [i, f] of [...undocumented].sort((a, b) => a.id.localeCompare(b.id)).entries()) {
    gaps.add(
      'wastage-undocumented',
      f.id,
      [f.ref],
      `Document the amount of ${f.ingredientName} discarded from the single-dose ${f.product?.volumeMl && f.product.volumeMl >= 50 ? 'bag' : 'vial'} on ${dos} (or that none was discarded), so the waste can be billed with JW.`,
      i === 0 ? risk : undefined,
    );
  }
}
