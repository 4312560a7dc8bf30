/**
 * The containers and the waste documentation of one line (one code and date of service): how
 * much drug the opened containers held, how much was documented as discarded, and how much of
 * what was charted can be billed (never the overfill above the labeled content). A drip
 * titrated over several administrations draws on one bag, so containers are counted per drip,
 * not per administration (docs/billing-rules.md, "Containers, overfill and waste").
 */
import type { HcpcsCode } from '../../catalog/types.ts';
import type { Fact } from '../facts.ts';
import type { GapList } from '../gap-list.ts';
import { amountValue } from '../quantity.ts';
import { containerTolerance, fewestContainers } from '../units.ts';
import { inMeasure, massOrUnits, sum } from './amounts.ts';

export interface LineContainers {
  /** Drug in the opened containers, in the code's measure; undefined when not known. */
  readonly capacity: number | undefined;
  /** What can be billed as given: the amount charted, capped at the labeled content (overfill). */
  readonly billable: number;
  /** Documented discarded amount in the code's measure; undefined when some drip leaves it open. */
  readonly discarded: number | undefined;
  /** Administrations that opened a container whose leftover is not documented. */
  readonly undocumented: readonly Fact[];
  /** Stopped administrations of a drip without a documented discard. */
  readonly stoppedUndocumented: readonly Fact[];
}

/** Within half a percent: documented volumes are rounded (CONTAINER_TOLERANCE in units.ts). */
export const tolerance = containerTolerance;

/**
 * vialwise's own bound: up to 20% above the labeled content of the opened containers is read as
 * overfill (USP <1151> excess volumes stay well below it); more than that, the number of
 * containers documented is wrong.
 */
export const OVERFILL_BOUND = 0.2;

/** Segments of one drip follow each other within this gap (a pump paused or re-programmed). */
const DRIP_GAP_MS = 60 * 60_000;

export function lineContainers(
  facts: readonly Fact[],
  code: HcpcsCode,
  given: number,
  gaps: GapList,
  otherDays: readonly Fact[] = [],
): LineContainers {
  const parts = dripParts(facts, otherDays);
  const inferred = containersOfDrips(parts.map((p) => [...p.before, ...p.today, ...p.after]));
  const openedAll = (f: Fact): number | undefined =>
    f.openedDocumented ? f.opened : (inferred.get(f) ?? f.opened);
  let openedOf = openedAll;
  // A drip across midnight: what its containers hold for this date (see `contentToday`).
  const across = parts.filter((p) => p.before.length || p.after.length);
  const inAcross = new Set(across.flatMap((p) => p.today));
  const capacityOf = (opened: (f: Fact) => number | undefined) =>
    sum(
      facts.map((f) =>
        inAcross.has(f)
          ? 0
          : (inMeasure(massOrUnits(f, (opened(f) ?? 0) * (f.containerAmount ?? 0)), code, f.mgPerMl) ?? 0),
      ),
    ) +
    sum(
      across.map((p) => {
        const f = p.today[0] as Fact;
        return inMeasure(massOrUnits(f, contentToday(p, opened, openedAll)), code, f.mgPerMl) ?? 0;
      }),
    );
  const known = facts.every((f) => f.containerAmount !== undefined && openedOf(f) !== undefined);
  let capacity = known ? capacityOf(openedOf) : undefined;
  let billable = given;
  if (capacity !== undefined && given > capacity + tolerance(capacity)) {
    const documented = facts.filter((x) => x.openedDocumented);
    if (documented.length === facts.length && given <= capacity * (1 + OVERFILL_BOUND)) {
      // Overfill: 42 CFR 414.904(a) pays for the labeled amount, never the excess in the vial.
      billable = capacity;
      for (const f of documented) {
        gaps.add(
          'wastage-inconsistent',
          f.id,
          [f.ref],
          `${fmt(given, code)} of ${f.ingredientName} was charted from containers labeled ${fmt(capacity, code)} in all: the amount above the label (overfill) is not billable, so ${fmt(capacity, code)} is billed; if another container was opened, record it.`,
        );
      }
    } else {
      // Fewer containers documented than the dose needs: flag it, and judge waste on the fewest
      // containers that hold each dose instead.
      for (const f of documented) {
        gaps.add(
          'wastage-inconsistent',
          f.id,
          [f.ref],
          `More ${f.ingredientName} was given (${fmt(given, code)}) than the containers documented as opened hold (${fmt(capacity, code)}): correct the number of containers opened.`,
        );
      }
      openedOf = (f) =>
        f.containerAmount ? fewestContainers(amountValue(f.given), f.containerAmount) : f.opened;
      capacity = capacityOf(openedOf);
    }
  } else if (capacity !== undefined && given > capacity) {
    // Within the measurement tolerance above the label (40.1 mg from a 40 mg vial): the
    // container's labeled content is what was given and what is billed; nothing to ask.
    billable = capacity;
  }

  // Waste is documented for a drip when one of its administrations documents it, or when
  // nothing is left over; for the line, when it is documented for every drip.
  let discarded: number | undefined = 0;
  const undocumented: Fact[] = [];
  const stoppedUndocumented: Fact[] = [];
  for (const part of parts) {
    const drip = part.today;
    const withWaste = drip.filter((f) => f.discarded);
    if (withWaste.length) {
      for (const f of withWaste)
        discarded += f.discarded ? (inMeasure(f.discarded, code, f.mgPerMl) ?? 0) : 0;
      continue;
    }
    // The drip runs on past this date: its waste is judged on the date it ends.
    if (part.after.length) continue;
    stoppedUndocumented.push(...drip.filter((f) => f.stopped));
    const opened = drip.map(openedOf);
    const left = part.before.length
      ? contentToday(part, openedOf, openedAll) - sum(drip.map((f) => amountValue(f.given)))
      : drip.every((f, i) => f.containerAmount !== undefined && opened[i] !== undefined)
        ? sum(drip.map((f, i) => (opened[i] ?? 0) * (f.containerAmount ?? 0) - amountValue(f.given)))
        : undefined;
    if (left === undefined || left > 1e-9) {
      // The gap goes to the administrations that opened the containers (for a drip opened on an
      // earlier date, to its last segment, where the discarded amount is charted).
      const openers = drip.filter((_f, i) => opened[i] !== 0);
      const last = drip[drip.length - 1] as Fact;
      undocumented.push(...(openers.length ? openers : part.before.length ? [last] : drip));
    }
  }
  if (undocumented.length) discarded = undefined;
  return { capacity, billable, discarded, undocumented, stoppedUndocumented };
}

/** The segments of one drip on a line's date, and those on the dates before and after it. */
interface DripPart {
  readonly today: readonly Fact[];
  readonly before: readonly Fact[];
  readonly after: readonly Fact[];
}

/**
 * The line's drips, each with its segments on other dates of service: a drip that crosses
 * midnight is one bag, so its containers are judged over the whole drip, not per date.
 */
function dripParts(facts: readonly Fact[], otherDays: readonly Fact[]): DripPart[] {
  if (!otherDays.length) return dripsOf(facts).map((today) => ({ today, before: [], after: [] }));
  const own = new Set(facts);
  const parts: DripPart[] = [];
  for (const drip of dripsOf([...facts, ...otherDays])) {
    const today = drip.filter((f) => own.has(f));
    if (!today.length) continue;
    const first = drip.indexOf(today[0] as Fact);
    const last = drip.indexOf(today[today.length - 1] as Fact);
    parts.push({ today, before: drip.slice(0, first), after: drip.slice(last + 1) });
  }
  return parts;
}

/**
 * What the containers of a drip across midnight hold for its segments on this date, in the
 * drip's own amount: while the drip runs on past the date, exactly what was given that day
 * (nothing is left over to discard yet); on the date it ends, what the earlier dates left in
 * the containers plus what was opened that day.
 */
function contentToday(
  part: DripPart,
  openedToday: (f: Fact) => number | undefined,
  openedAll: (f: Fact) => number | undefined,
): number {
  if (part.after.length) return sum(part.today.map((f) => amountValue(f.given)));
  const carried = sum(
    part.before.map((f) => (openedAll(f) ?? 0) * (f.containerAmount ?? 0) - amountValue(f.given)),
  );
  const opened = sum(part.today.map((f) => (openedToday(f) ?? 0) * (f.containerAmount ?? 0)));
  return Math.max(0, carried) + opened;
}

/**
 * The administrations of a line grouped into drips: infusions of the same product and order
 * that follow each other without overlapping. Anything else is a drip of its own.
 */
export function dripsOf(facts: readonly Fact[]): Fact[][] {
  if (facts.length === 1 || !facts.some((f) => f.infusion)) return facts.map((f) => [f]);
  const drips: Fact[][] = [];
  const byKey = new Map<string, Fact[]>();
  for (const f of facts) {
    if (!f.infusion || f.containerAmount === undefined) {
      drips.push([f]);
      continue;
    }
    const key = `${f.ndc ?? f.product?.ndc ?? ''}|${f.infusion.request ?? ''}|${f.containerAmount}`;
    const list = byKey.get(key);
    if (list) list.push(f);
    else byKey.set(key, [f]);
  }
  for (const list of byKey.values()) {
    const sorted = [...list].sort((a, b) => (a.infusion?.start ?? 0) - (b.infusion?.start ?? 0));
    let current: Fact[] = [];
    let end = -Infinity;
    for (const f of sorted) {
      const start = f.infusion?.start ?? 0;
      if (current.length && (start < end - 60_000 || start > end + DRIP_GAP_MS)) {
        drips.push(current);
        current = [];
      }
      current.push(f);
      end = Math.max(end, f.infusion?.end ?? start);
    }
    if (current.length) drips.push(current);
  }
  return drips;
}

/**
 * Containers each undocumented segment of a drip opened: the drip pours from the containers
 * already opened, and opens another only when they are empty.
 */
function containersOfDrips(drips: readonly Fact[][]): Map<Fact, number> {
  const out = new Map<Fact, number>();
  for (const drip of drips) {
    if (drip.length < 2) continue;
    let poured = 0;
    let available = 0;
    for (const f of drip) {
      const size = f.containerAmount as number;
      poured += amountValue(f.given);
      if (f.openedDocumented) {
        available += (f.opened ?? 0) * size;
        continue;
      }
      const needed = Math.max(0, Math.ceil((poured - available) / size - 1e-9));
      out.set(f, needed);
      available += needed * size;
    }
  }
  return out;
}

function fmt(n: number, code: HcpcsCode): string {
  return `${Math.round(n * 1000) / 1000} ${code.unit.measure}`;
}
