/** units-exceed-mue: units of a code on one date of service (JW included) above its MUE. */
import type { MueScope } from '../../catalog/types.ts';
import type { BillingSetting } from '../../domain/facility.ts';
import type { Check } from './check.ts';

/**
 * The NCCI MUE table a claim is edited with: the practitioner table for professional claims (a
 * physician office; an ASC bills its facility fee on the same 837P to the A/B MAC), the facility
 * (outpatient hospital) table for hospital and CAH outpatient claims; none for an inpatient stay or
 * an RHC/FQHC encounter (docs/catalog.md, "MUE").
 */
function mueTable(s: BillingSetting): MueScope | undefined {
  if (s.inpatient) return undefined;
  if (s.setting === 'physician-office' || s.setting === 'asc') return 'practitioner';
  if (s.setting === 'hospital-outpatient' || s.setting === 'critical-access-hospital') return 'facility';
  return undefined;
}

export const checkMue: Check = ({ lines, catalog, encounter }, gaps) => {
  const table = mueTable(encounter.setting);
  if (!table) return;
  const perCodeDay = new Map<string, { units: number; refs: string[] }>();
  for (const l of lines) {
    // Only the codes with an MUE of this claim's table are counted.
    if (catalog.codes.get(l.code)?.mue?.scope !== table) continue;
    const k = `${l.code}:${l.dateOfService}`;
    const e = perCodeDay.get(k) ?? { units: 0, refs: [] };
    e.units += l.units;
    e.refs.push(...l.sourceAdministrations);
    perCodeDay.set(k, e);
  }
  for (const [k, e] of perCodeDay) {
    const code = catalog.codes.get(k.split(':')[0] ?? '');
    if (code?.mue && code.mue.scope === table && e.units > code.mue.value) {
      gaps.add(
        'units-exceed-mue',
        k,
        e.refs,
        `${e.units} units of ${code.code} on one day exceed the limit of ${code.mue.value}: check the dose documented.`,
      );
    }
  }
};
