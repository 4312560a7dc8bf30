/**
 * Codes that do not bill by amount (docs/billing-rules.md, "Codes the engine cannot compute units
 * for"). A code billed **per vial** (J1162 digoxin immune fab, J0850 cytomegalovirus immune
 * globulin; J9266 pegaspargase "per single dose vial") bills one unit per vial used, so a
 * documented number of vials opened (the `containers-opened` extension) computes its units. Every
 * other such code (per dose, per item, a measure no dose converts into, a combination of amounts,
 * a range, a cell count) raises `units-not-computable`, asking the charge reviewer to enter the
 * charge by hand: never a guessed unit.
 */
import type { MedicationAdministration } from '@medplum/fhirtypes';
import type { CatalogCode, HcpcsCode } from '../catalog/types.ts';
import { containersOpened } from './dose.ts';
import type { Fact, Finding } from './facts.ts';
import type { Identification } from './identify.ts';
import { containerUseOf } from './identify.ts';

/** A code billed per vial: CMS's dosage "PER VIAL", or a descriptor that ends "per (single dose) vial". */
function billsPerVial(c: CatalogCode): boolean {
  return c.per === 'vial' || /\bper (?:single[- ]dose |single[- ]use )?vial\b/i.test(c.descriptor);
}

/** The one per-vial code among those that do not bill by amount, and the vials documented. */
export function perVial(
  codes: readonly CatalogCode[],
  admin: MedicationAdministration,
): { code: CatalogCode; count: number } | undefined {
  const vial = codes.filter(billsPerVial);
  const [code] = vial;
  if (vial.length !== 1 || !code) return undefined;
  const count = containersOpened(admin);
  return typeof count === 'number' && count > 0 ? { code, count } : undefined;
}

type Identified = Extract<Identification, { kind: 'identified' }>;

/**
 * The fact of a per-vial administration: the amount is the number of vials, in a code whose unit
 * is one vial, so the line pipeline bills one unit per vial; each vial is billed whole, so nothing
 * is left to bill as waste (JW) and JZ applies where JW/JZ do.
 */
export function vialFact(
  s: {
    readonly admin: MedicationAdministration;
    readonly id: string;
    readonly ref: string;
    readonly diagnoses: () => readonly string[];
  },
  id: Identified,
  name: string,
  dos: string,
  code: CatalogCode,
  count: number,
): Fact {
  // One "unit" per vial: `per` tells the NDC quantity to count the vials (UN), not units of drug.
  const perVialCode: HcpcsCode = { ...code, per: code.per ?? 'vial', unit: { amount: 1, measure: 'unit' } };
  const containerUse = id.product?.containerUse ?? containerUseOf(id.medication);
  return {
    admin: s.admin,
    ref: s.ref,
    id: s.id,
    dos,
    ingredient: id.ingredient,
    ingredientName: name,
    ...(id.product ? { product: id.product } : {}),
    ...(id.ndc ? { ndc: id.ndc } : {}),
    candidates: [perVialCode],
    given: { kind: 'unit', units: count },
    containerAmount: 1,
    opened: count,
    openedDocumented: true,
    ...(containerUse ? { containerUse } : {}),
    singleDose: containerUse === 'single-dose',
    stopped: s.admin.status === 'stopped',
    diagnoses: s.diagnoses(),
  };
}

/** How CMS writes the unit, in words a charge reviewer reads. */
function unitInWords(c: CatalogCode): string {
  if (billsPerVial(c)) return 'per vial';
  if (c.per) return `per ${c.per}`;
  return `"${c.dosage}"`;
}

export function unitsNotComputable(codes: readonly CatalogCode[], name: string, dos: string): Finding {
  const list = codes.map((c) => `${c.code} (${unitInWords(c)})`).join(', ');
  const vial = codes.some(billsPerVial);
  return {
    gap: 'units-not-computable',
    detail: vial
      ? `The ${name} given on ${dos} bills ${list}: document the number of vials opened, or enter the charge by hand.`
      : `The ${name} given on ${dos} bills ${list}: CMS's pricing file gives this billing unit in a form vialwise cannot compute from the documented dose, so no line was drafted. Enter the charge by hand.`,
  };
}
