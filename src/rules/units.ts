/**
 * Units and JW/JZ arithmetic (CMS Claims Processing Manual ch.17 section 40; docs/billing-rules.md).
 * All amounts are in the billing code's measure.
 */

/** Float noise tolerance: 0.1 + 0.2 mg must not become an extra unit. */
const EPS = 1e-9;

/** ceil(A / U), at least 1 when anything was given. "Up to X" and "per X" bill the same way. */
export function administeredUnits(given: number, unitSize: number): number {
  if (!(given > 0)) return 0;
  return Math.max(1, Math.ceil(given / unitSize - EPS));
}

/** Waste rounds down and never re-bills what rounding the dose up already billed. */
export function wastedUnits(given: number, discarded: number, unitSize: number): number {
  // Nothing given bills no waste (a claim with only a JW line is rejected); no usable discard is none.
  if (!(given > 0) || !(discarded > 0)) return 0;
  const units = administeredUnits(given, unitSize);
  return Math.max(0, Math.floor((given + discarded) / unitSize + EPS) - units);
}

export interface WasteDecisionInput {
  /** Total given on the line. */
  readonly given: number;
  /** Total documented as discarded; undefined when not documented. */
  readonly discarded: number | undefined;
  readonly unitSize: number;
  /** Drug amount in the containers opened (documented, else the fewest that hold the dose), when known. */
  readonly capacity: number | undefined;
  readonly singleDose: boolean;
  /** The payer requires JW (and the setting is not excluded). */
  readonly jwRequired: boolean;
  /** The payer requires JZ (and the setting is not excluded). */
  readonly jzRequired: boolean;
  /**
   * An infusion on the line was stopped early and nobody documented what was discarded: nothing
   * says the rest was not wasted, so JZ ("zero discarded") cannot be claimed.
   */
  readonly wasteUnconfirmed?: boolean;
}

export interface WasteDecision {
  readonly units: number;
  readonly jwUnits: number;
  readonly jz: boolean;
  /** JW units that would be billable if the discarded amount were documented. */
  readonly undocumentedWasteUnits: number;
  readonly inconsistency?: 'multi-dose-waste' | 'amounts-do-not-match-containers';
}

/**
 * vialwise's own measurement tolerance: a charted amount up to 0.5% above the labeled content of
 * the containers is read as that content. Charted doses are rounded (40.1 mg keyed for a 40 mg
 * vial, a volume read off a syringe's 0.1 mL marks and converted), and no container holds more
 * billable drug than its label (42 CFR 414.904(a): overfill is not billed), so such a dose
 * neither opens another container nor bills a unit above the label.
 */
export const CONTAINER_TOLERANCE = 0.005;

/** The tolerance above `capacity` (in the same measure) that still counts as `capacity`. */
export function containerTolerance(capacity: number): number {
  return Math.max(capacity * CONTAINER_TOLERANCE, 1e-6);
}

/** Fewest containers that hold the dose, within the measurement tolerance. */
export function fewestContainers(given: number, containerAmount: number): number {
  return Math.max(1, Math.ceil(given / (containerAmount * (1 + CONTAINER_TOLERANCE)) - EPS));
}

/**
 * Waste documentation that cannot be right (wastage-inconsistent): waste on a
 * multi-dose container, or given + discarded not matching the opened single-dose containers.
 */
export function wasteInconsistency(
  given: number,
  discarded: number | undefined,
  capacity: number | undefined,
  container: 'single-dose' | 'multi-dose' | undefined,
): WasteDecision['inconsistency'] {
  if (discarded === undefined) return undefined;
  if (container === 'multi-dose' && discarded > 0) return 'multi-dose-waste';
  if (container === 'single-dose' && capacity !== undefined) {
    // Overfill is never billable; a small tolerance absorbs rounding in documented volumes.
    if (Math.abs(given + discarded - capacity) > containerTolerance(capacity))
      return 'amounts-do-not-match-containers';
  }
  return undefined;
}

export function decideWaste(input: WasteDecisionInput): WasteDecision {
  const { given, discarded, unitSize, capacity, singleDose } = input;
  // Nothing given: no line at all, so neither a JW line nor a JZ modifier.
  if (!(given > 0)) return { units: 0, jwUnits: 0, jz: false, undocumentedWasteUnits: 0 };
  const units = administeredUnits(given, unitSize);

  const inconsistency = wasteInconsistency(
    given,
    discarded,
    capacity,
    singleDose ? 'single-dose' : 'multi-dose',
  );
  const none = {
    units,
    jwUnits: 0,
    jz: false,
    undocumentedWasteUnits: 0,
    ...(inconsistency ? { inconsistency } : {}),
  };
  if (!singleDose || !(input.jwRequired || input.jzRequired)) return none;

  // Waste beyond the opened containers (overfill) is not billable.
  const billableDiscard =
    discarded === undefined
      ? undefined
      : capacity !== undefined
        ? Math.min(discarded, Math.max(0, capacity - given))
        : discarded;
  const jwUnits =
    input.jwRequired && billableDiscard !== undefined ? wastedUnits(given, billableDiscard, unitSize) : 0;
  if (jwUnits > 0) return { ...none, jwUnits };

  const coversContainers = capacity !== undefined && units * unitSize + EPS >= capacity;
  const coversDocumented = discarded !== undefined && units * unitSize + EPS >= given + discarded;
  if (
    !input.wasteUnconfirmed &&
    (discarded === 0 || coversContainers || (discarded !== undefined && coversDocumented))
  ) {
    return { ...none, jz: input.jzRequired };
  }
  if (discarded === undefined && capacity !== undefined) {
    const possible = Math.floor(capacity / unitSize + EPS) - units;
    if (possible > 0) return { ...none, undocumentedWasteUnits: possible };
  }
  return none;
}

/**
 * Splits a day's units over its NDC lines in proportion to their amounts (largest remainder):
 * every share at least one unit while there are units enough, the sum always `total`. Ties go
 * to the larger amount, then to the earlier share.
 */
export function allocateUnits(total: number, weights: readonly number[]): number[] {
  const n = weights.length;
  if (n === 1) return [Math.max(0, total)];
  const out: number[] = new Array<number>(n).fill(0);
  const sumW = weights.reduce((a, b) => a + Math.max(0, b), 0);
  if (n === 0 || !(total > 0)) return out;
  const order = (key: (i: number) => number) =>
    [...Array(n).keys()].sort((a, b) => key(b) - key(a) || (weights[b] ?? 0) - (weights[a] ?? 0) || a - b);
  if (!(sumW > 0)) {
    out[0] = total;
    return out;
  }
  const quota = weights.map((w) => (total * Math.max(0, w)) / sumW);
  if (total < n) {
    // Not a unit for every share: the largest shares get one each.
    for (const i of order((i) => quota[i] ?? 0).slice(0, total)) out[i] = 1;
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = Math.max(1, Math.floor((quota[i] ?? 0) + EPS));
  let left = total - out.reduce((a, b) => a + b, 0);
  // Too few: largest remainders first. Too many (the one-unit floor): smallest remainders give back.
  const remainder = (i: number) => (quota[i] ?? 0) - (out[i] ?? 0);
  for (const i of order(remainder)) {
    if (left <= 0) break;
    out[i] = (out[i] ?? 0) + 1;
    left--;
  }
  while (left < 0) {
    const i = order((k) => -remainder(k)).find((k) => (out[k] ?? 0) > 1);
    if (i === undefined) break;
    out[i] = (out[i] ?? 0) - 1;
    left++;
  }
  return out;
}
