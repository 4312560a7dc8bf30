/**
 * Lines: the code of each administration, then units decided once per (code, date of service)
 * on the day's total, a JW line for billable waste and JZ when nothing was wasted, and the day's
 * units split over one line per NDC (CMS Claims Processing Manual ch.17 sections 40 and 70;
 * docs/billing-rules.md, "Units" and "NDC lines").
 */
import type { DrugCatalog } from '../../catalog/catalog.ts';
import type { HcpcsCode } from '../../catalog/types.ts';
import type { BillingSetting } from '../../domain/facility.ts';
import { paymentFor } from '../../domain/money.ts';
import type { BillingLine, Modifier, Money } from '../../domain/types.ts';
import type { Fact } from '../facts.ts';
import type { GapList } from '../gap-list.ts';
import type { PayerContext } from '../payer.ts';
import { readyToInfuse } from '../dose.ts';
import { administeredUnits, allocateUnits, decideWaste, type WasteDecision } from '../units.ts';
import { groupBy, inMeasure, sum } from './amounts.ts';
import { assignCodes } from './code.ts';
import { lineContainers, type LineContainers } from './containers.ts';
import { line, ndcDetail } from './line.ts';
import { lineRules, type LineRules } from './modifiers.ts';

export { chooseCode } from './code.ts';

/**
 * vialwise's own plausibility bounds, not CMS rules. More units than this for one code on one
 * day is a unit error in the documentation (the UB-04 units field holds 7 digits; no drug here
 * comes near 10,000 units a day).
 */
const MAX_UNITS_PER_DAY = 9_999;
/**
 * Less than this share of one billing unit for a code on a day is not a real dose but a unit
 * error (a dose in g charted as mg, in ng as mcg): it is a gap, never one unit.
 */
export const MIN_SHARE_OF_UNIT = 1 / 1000;

export function buildLines(
  facts: readonly Fact[],
  catalog: DrugCatalog,
  payer: PayerContext,
  setting: BillingSetting,
  gaps: GapList,
): BillingLine[] {
  const lines: BillingLine[] = [];
  const coded = assignCodes(facts, gaps);
  // Infusions of each code, for drips that cross midnight (judged over the whole drip).
  const infusions = groupBy(
    coded.filter((x) => x.fact.infusion),
    (x) => x.code.code,
  );
  for (const day of groupBy(coded, (x) => `${x.code.code}|${x.fact.dos}`).values()) {
    const first = day[0];
    if (!first) continue;
    const rules = lineRules(first.code.code, first.fact.dos, payer, setting, catalog);
    const otherDays = (infusions.get(first.code.code) ?? [])
      .filter((x) => x.fact.dos !== first.fact.dos)
      .map((x) => x.fact);
    lines.push(
      ...dayLines(
        first.code,
        day.map((d) => d.fact),
        rules,
        catalog,
        gaps,
        otherDays,
      ),
    );
  }
  return lines.sort((a, b) => a.key.localeCompare(b.key));
}

/** The lines of one code on one date of service. */
function dayLines(
  code: HcpcsCode,
  facts: readonly Fact[],
  rules: LineRules,
  catalog: DrugCatalog,
  gaps: GapList,
  otherDays: readonly Fact[],
): BillingLine[] {
  const dos = (facts[0] as Fact).dos;
  const given = sum(facts.map((f) => inMeasure(f.given, code, f.mgPerMl) ?? 0));
  if (given < code.unit.amount * MIN_SHARE_OF_UNIT) {
    implausiblySmall(facts, code, given, gaps);
    return [];
  }
  // Waste is judged on the single-dose containers: on a day that also drew from multi-dose vials
  // of the code, their units carry neither JW nor JZ (CMS JW/JZ FAQ: the modifiers are for
  // single-dose containers), while the day's units are still rounded once on the whole.
  const multi = facts.filter((f) => f.containerUse === 'multi-dose');
  const mixed =
    multi.length > 0 &&
    multi.length < facts.length &&
    facts.every((f) => f.singleDose || f.containerUse === 'multi-dose');
  const judged = mixed ? facts.filter((f) => f.singleDose) : facts;
  const givenOf = (fs: readonly Fact[]) => sum(fs.map((f) => inMeasure(f.given, code, f.mgPerMl) ?? 0));
  const containers = lineContainers(judged, code, mixed ? givenOf(judged) : given, gaps, otherDays);
  const billable = mixed
    ? containers.billable + lineContainers(multi, code, givenOf(multi), gaps).billable
    : containers.billable;
  const decision = decideWaste({
    given: containers.billable,
    discarded: containers.discarded,
    unitSize: code.unit.amount,
    capacity: containers.capacity,
    singleDose: judged.every((f) => f.singleDose),
    jwRequired: rules.jwRequired,
    jzRequired: rules.jzRequired,
    wasteUnconfirmed: containers.stoppedUndocumented.length > 0,
  });
  const units = mixed ? administeredUnits(billable, code.unit.amount) : decision.units;
  if (units > MAX_UNITS_PER_DAY) {
    implausibleUnits(facts, code, units, gaps);
    return [];
  }
  inconsistentWaste(judged, code, dos, containers, decision, gaps);
  const jwUnits = decision.jwUnits > MAX_UNITS_PER_DAY ? 0 : decision.jwUnits;
  if (jwUnits !== decision.jwUnits) implausibleWaste(judged, code, decision.jwUnits, gaps);
  const wasteApplies = (rules.jwRequired || rules.jzRequired) && judged.every((f) => f.singleDose);
  if (wasteApplies) stoppedWithoutWaste(containers.stoppedUndocumented, dos, gaps);
  if (
    rules.jzRequired &&
    !decision.jz &&
    jwUnits === 0 &&
    decision.undocumentedWasteUnits === 0 &&
    !decision.inconsistency &&
    containers.stoppedUndocumented.length === 0
  )
    modifierUndecidable(judged, dos, gaps);

  const price = catalog.priceOn(code.code, dos);
  const extra = optional(rules.modifier340B);
  const jz = decision.jz ? (['JZ'] as const) : [];
  // JZ goes on the units of single-dose containers only (all of them, unless the day is mixed).
  const main = (fs: readonly Fact[]): Modifier[] =>
    !mixed || fs.every((f) => f.singleDose) ? [...jz, ...extra] : [...extra];
  const waste: Modifier[] = ['JW', ...extra];
  const out = ndcLines(code, facts, main, units, billable / given, 'given', price);
  if (jwUnits > 0) out.push(...ndcLines(code, judged, () => waste, jwUnits, 1, 'discarded', price));
  if (decision.undocumentedWasteUnits > 0) {
    const risk = price ? paymentFor(decision.undocumentedWasteUnits, price.paymentLimit) : undefined;
    wasteUndocumented(containers.undocumented, dos, risk, gaps);
  }
  return out;
}

function optional<T>(x: T | undefined): T[] {
  return x === undefined ? [] : [x];
}

/**
 * The day's units over one line per NDC, in proportion to each NDC's amount. An administration
 * without an NDC joins the day's only NDC, when there is exactly one.
 */
function ndcLines(
  code: HcpcsCode,
  facts: readonly Fact[],
  modifiers: (fs: readonly Fact[]) => Modifier[],
  units: number,
  scale: number,
  what: 'given' | 'discarded',
  price: Parameters<typeof line>[5],
): BillingLine[] {
  const first = facts[0] as Fact;
  const dos = first.dos;
  const amountOf = (f: Fact) => {
    const a = what === 'given' ? f.given : f.discarded;
    return a ? (inMeasure(a, code, f.mgPerMl) ?? 0) * scale : 0;
  };
  if (facts.length === 1) {
    // The common case: one administration, one line.
    const detail = ndcDetail(first.ndc, amountOf(first), code, first.product, first.ndcMgPerMl);
    return [line(code.code, modifiers([first]), units, dos, detail, price, [first.ref], first.diagnoses)];
  }
  const buckets = ndcBuckets(facts);
  const amounts = buckets.map(([, fs]) => sum(fs.map(amountOf)));
  const shares = allocateUnits(units, amounts);
  const out: BillingLine[] = [];
  const orphans: string[] = [];
  buckets.forEach(([ndc, fs], i) => {
    const refs = fs.map((f) => f.ref);
    if (!shares[i]) {
      // Too few units for every NDC: its administrations are billed on the largest NDC's line.
      orphans.push(...refs);
      return;
    }
    const own = fs.find((f) => f.ndc) ?? fs[0];
    const detail = ndcDetail(ndc || undefined, amounts[i] ?? 0, code, own?.product, own?.ndcMgPerMl);
    const dx = [...new Set(fs.flatMap((f) => f.diagnoses))];
    out.push(line(code.code, modifiers(fs), shares[i], dos, detail, price, refs, dx));
  });
  if (orphans.length && out[0]) {
    const largest = out.reduce((a, b) => (b.units > a.units ? b : a));
    out[out.indexOf(largest)] = {
      ...largest,
      sourceAdministrations: [...new Set([...largest.sourceAdministrations, ...orphans])],
    };
  }
  return out;
}

/** Administrations by NDC, in NDC order, those without one last (or with the day's only NDC). */
function ndcBuckets(facts: readonly Fact[]): (readonly [string, readonly Fact[]])[] {
  const ndcs = new Set(facts.map((f) => f.ndc).filter((n): n is string => n !== undefined));
  const only = ndcs.size === 1 ? [...ndcs][0] : undefined;
  return [...groupBy(facts, (f) => f.ndc ?? only ?? '').entries()].sort(([a], [b]) =>
    a === '' ? 1 : b === '' ? -1 : a.localeCompare(b),
  );
}

// ---------------------------------------------------------------------------------------------
// The gaps a day's lines raise.

function implausiblySmall(facts: readonly Fact[], code: HcpcsCode, given: number, gaps: GapList): void {
  for (const f of facts) {
    gaps.add(
      'dose-unit-unconvertible',
      f.id,
      [f.ref],
      `The ${f.ingredientName} documented on ${f.dos} comes to ${round(given)} ${code.unit.measure}, less than a thousandth of one ${code.code} unit (${code.unit.amount} ${code.unit.measure}), which is implausible: check the dose and its unit.`,
    );
  }
}

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
  containers: LineContainers,
  decision: WasteDecision,
  gaps: GapList,
): void {
  const { capacity, discarded, billable } = containers;
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
      `The ${f.ingredientName} given plus discarded on ${dos} (${round(billable + discarded)} ${code.unit.measure}) does not match the containers opened (${round(capacity)} ${code.unit.measure}): correct the discarded amount or the number of containers opened.`,
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

/** A stopped infusion: the rest of the container may have been discarded, or hung again later. */
function stoppedWithoutWaste(stopped: readonly Fact[], dos: string, gaps: GapList): void {
  for (const f of stopped) {
    gaps.add(
      'wastage-undocumented',
      f.id,
      [f.ref],
      `The ${f.ingredientName} infusion was stopped on ${dos} before its container was used up: document the amount discarded (or that none was), so JW or JZ can be decided.`,
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

/** The day's whole unbilled waste is at risk, carried by the first administration (by id) so totals add up. */
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
      `Document the amount of ${f.ingredientName} discarded from the single-dose ${readyToInfuse(f.product) ? 'bag' : 'vial'} on ${dos} (or that none was discarded), so the waste can be billed with JW.`,
      i === 0 ? risk : undefined,
    );
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
