/**
 * The containers and the waste documentation of one line (one code, date of service and NDC):
 * how much drug the opened containers held, and how much was documented as discarded. A drip
 * titrated over several administrations draws on one bag, so containers are counted per line,
 * not per administration.
 */
import type { HcpcsCode } from '../../catalog/types.ts';
import type { Fact } from '../facts.ts';
import type { GapList } from '../gap-list.ts';
import { amountValue } from '../quantity.ts';
import { fewestContainers } from '../units.ts';
import { fmt, inMeasure, massOrUnits, sum } from './amounts.ts';

export interface LineContainers {
  /** Drug in the opened containers, in the code's measure; undefined when not known. */
  readonly capacity: number | undefined;
  /** Documented discarded amount in the code's measure; undefined when some administration leaves it open. */
  readonly discarded: number | undefined;
  /** Administrations whose leftover is not documented. */
  readonly undocumented: readonly Fact[];
}

/** Within half a percent: documented volumes are rounded. */
export function tolerance(capacity: number): number {
  return Math.max(capacity * 0.005, 1e-6);
}

export function lineContainers(
  facts: readonly Fact[],
  code: HcpcsCode,
  given: number,
  gaps: GapList,
): LineContainers {
  const capacityOf = (openedOf: (f: Fact) => number | undefined) =>
    sum(
      facts.map(
        (f) => inMeasure(massOrUnits(f, (openedOf(f) ?? 0) * (f.containerAmount ?? 0)), code, f.mgPerMl) ?? 0,
      ),
    );
  const known = facts.every((f) => f.containerAmount !== undefined && f.opened !== undefined);
  let openedOf = (f: Fact): number | undefined => f.opened;
  let capacity = known ? capacityOf(openedOf) : undefined;
  if (capacity !== undefined && given > capacity + tolerance(capacity)) {
    // Fewer containers documented than the dose needs: flag it, and judge waste on the fewest
    // containers that hold each dose instead.
    for (const f of facts.filter((x) => x.openedDocumented)) {
      gaps.add(
        'wastage-inconsistent',
        f.id,
        [f.ref],
        `More ${f.ingredientName} was given (${fmt(given)}) than the containers documented as opened hold (${fmt(capacity)}): correct the number of containers opened.`,
      );
    }
    openedOf = (f) =>
      f.containerAmount ? fewestContainers(amountValue(f.given), f.containerAmount) : f.opened;
    capacity = capacityOf(openedOf);
  }
  // Waste is documented for the line when every administration documents it, or has nothing left over.
  let discarded: number | undefined = 0;
  const undocumented: Fact[] = [];
  for (const f of facts) {
    if (f.discarded) discarded += inMeasure(f.discarded, code, f.mgPerMl) ?? 0;
    else {
      const opened = openedOf(f);
      const left =
        f.containerAmount !== undefined && opened !== undefined
          ? opened * f.containerAmount - amountValue(f.given)
          : undefined;
      if (left === undefined || left > 1e-9) undocumented.push(f);
    }
  }
  if (undocumented.length) discarded = undefined;
  return { capacity, discarded, undocumented };
}
