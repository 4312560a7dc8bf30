/** units-exceed-mue: units of a code on one date of service (JW included) above its MUE. */
import type { Check } from './check.ts';

export const checkMue: Check = ({ lines, catalog }, gaps) => {
  const perCodeDay = new Map<string, { units: number; refs: string[] }>();
  for (const l of lines) {
    const k = `${l.code}:${l.dateOfService}`;
    const e = perCodeDay.get(k) ?? { units: 0, refs: [] };
    e.units += l.units;
    e.refs.push(...l.sourceAdministrations);
    perCodeDay.set(k, e);
  }
  for (const [k, e] of perCodeDay) {
    const code = catalog.codes.get(k.split(':')[0] ?? '');
    if (code?.mue && e.units > code.mue.value) {
      gaps.add(
        'units-exceed-mue',
        k,
        e.refs,
        `${e.units} units of ${code.code} on one day exceed the limit of ${code.mue.value}: check the dose documented.`,
      );
    }
  }
};
