/**
 * The hospital's own standard charges (docs/chargemaster.md): the gross charge
 * of each drug by HCPCS code and NDC, as published in the CMS hospital price transparency
 * machine-readable file (45 CFR 180.50; CMS template v2.0 or later), and the charge per HCPCS
 * billing unit derived from it for a claim line. Pure: built from parsed entries, no I/O.
 */
import type { Measure } from '../domain/types.ts';

export class ChargemasterError extends Error {
  readonly code = 'chargemaster-invalid';
}

/** `setting` of a standard charge (CMS data dictionary: inpatient, outpatient or both). */
export type ChargeSetting = 'inpatient' | 'outpatient' | 'both';

/**
 * `drug_type_of_measurement` (CMS data dictionary, from the NDC and NCPDP billing units):
 * GR/GM gram, ME milligram, ML milliliter, UN unit, F2 international unit, EA each.
 */
export const DRUG_MEASUREMENT_TYPES = ['GR', 'GM', 'ME', 'ML', 'UN', 'F2', 'EA'] as const;
export type DrugMeasurementType = (typeof DRUG_MEASUREMENT_TYPES)[number];

export interface ChargeEntry {
  readonly description: string;
  /** HCPCS codes of the item (`HCPCS` code type), upper case. */
  readonly hcpcs: readonly string[];
  /** 11-digit NDCs of the item (`NDC` code type). */
  readonly ndcs: readonly string[];
  /** The hospital's own charge code (`CDM` or `LOCAL`), for display. */
  readonly chargeCode?: string;
  readonly setting: ChargeSetting;
  /** Modifiers the charge applies with (`modifiers`, pipe-separated in CSV), upper case. */
  readonly modifiers: readonly string[];
  /** `standard_charge|gross` / `gross_charge`: the chargemaster price, absent any discount, USD. */
  readonly grossCharge: number;
  readonly discountedCash?: number;
  /** What the gross charge is for: `drug_unit_of_measurement` of `drug_type_of_measurement`. */
  readonly drugUnit?: { readonly amount: number; readonly type: DrugMeasurementType };
  /** Where in the file: `row 12` (CSV) or a JSON path. */
  readonly where: string;
}

export interface ChargemasterInfo {
  readonly hospitalName: string;
  /** `last_updated_on` as an ISO date. */
  readonly lastUpdatedOn: string;
  /** CMS template version the file declares, e.g. `2.2.0`. */
  readonly version: string;
  readonly format: 'csv-tall' | 'csv-wide' | 'json';
}

export interface ChargemasterData {
  readonly info: ChargemasterInfo;
  readonly entries: readonly ChargeEntry[];
  /** Items read but not indexed: no gross charge, or no HCPCS/NDC code. */
  readonly skipped: number;
}

/** The setting of the claim a line goes on: an inpatient stay, or anything else. */
export type ClaimSetting = 'inpatient' | 'outpatient';

export interface ChargeQuery {
  /** HCPCS code billed on the line. */
  readonly hcpcs: string;
  /** 11-digit NDC billed on the line, when known. */
  readonly ndc?: string;
  readonly setting: ClaimSetting;
  /** The line's modifiers (JW, JZ, JG, TB...). */
  readonly modifiers?: readonly string[];
  /** One billing unit of the HCPCS code (catalog `HcpcsCode.unit`). */
  readonly billingUnit: { readonly amount: number; readonly measure: Measure };
  /** The product of the NDC (catalog `Product`): drug per container, and its volume. */
  readonly product?: {
    readonly amount: { readonly value: number; readonly measure: Measure };
    readonly volumeMl?: number;
  };
}

export type ChargeResult =
  | {
      readonly found: true;
      /** Charge per HCPCS billing unit, USD, unrounded. */
      readonly unitPrice: number;
      readonly entry: ChargeEntry;
      /** How the unit price was derived, in one sentence (for reports and the worklist). */
      readonly basis: string;
    }
  | {
      readonly found: false;
      readonly reason: 'not-listed' | 'ambiguous' | 'unit-unconvertible';
      readonly detail: string;
    };

/** Charges that differ by less than half a cent are the same charge. */
const SAME_CHARGE = 0.005;

/**
 * What one gross charge buys, in one dimension: HCPCS billing units (a charge line coded by
 * HCPCS alone), containers of the NDC (UN/EA on a line with an NDC), mg, mL or IU.
 */
type BasisKind = 'billing-unit' | 'container' | 'mg' | 'mL' | 'IU';
interface Basis {
  readonly kind: BasisKind;
  readonly amount: number;
}

function basisOf(entry: ChargeEntry): Basis {
  const u = entry.drugUnit;
  if (!u) return { kind: 'billing-unit', amount: 1 };
  switch (u.type) {
    case 'UN':
    case 'EA':
      return { kind: entry.ndcs.length ? 'container' : 'billing-unit', amount: u.amount };
    case 'ME':
      return { kind: 'mg', amount: u.amount };
    case 'GR':
    case 'GM':
      return { kind: 'mg', amount: u.amount * 1000 };
    case 'ML':
      return { kind: 'mL', amount: u.amount };
    case 'F2':
      return { kind: 'IU', amount: u.amount };
  }
}

const MG_PER: Partial<Record<Measure, number>> = { mg: 1, ug: 0.001, g: 1000 };

function inMg(value: number, measure: Measure): number | undefined {
  const f = MG_PER[measure];
  return f === undefined ? undefined : value * f;
}

/** Drug per mL of the product (mg/mL, or IU/mL for `unit`), when its volume is known. */
function concentration(q: ChargeQuery, per: 'mg' | 'IU'): number | undefined {
  const p = q.product;
  if (!p?.volumeMl) return undefined;
  const drug =
    per === 'mg'
      ? inMg(p.amount.value, p.amount.measure)
      : p.amount.measure === 'unit'
        ? p.amount.value
        : undefined;
  return drug === undefined ? undefined : drug / p.volumeMl;
}

/** One HCPCS billing unit expressed in the basis' dimension, when the catalog says enough. */
function billingUnitIn(kind: BasisKind, q: ChargeQuery): number | undefined {
  const { amount, measure } = q.billingUnit;
  const mg = inMg(amount, measure);
  switch (kind) {
    case 'billing-unit':
      return 1;
    case 'mg': {
      if (mg !== undefined) return mg;
      const c = measure === 'mL' ? concentration(q, 'mg') : undefined;
      return c === undefined ? undefined : amount * c;
    }
    case 'IU': {
      if (measure === 'unit') return amount;
      const c = measure === 'mL' ? concentration(q, 'IU') : undefined;
      return c === undefined ? undefined : amount * c;
    }
    case 'mL': {
      if (measure === 'mL') return amount;
      const drug = mg ?? (measure === 'unit' ? amount : undefined);
      const c = concentration(q, mg !== undefined ? 'mg' : 'IU');
      return drug === undefined || c === undefined ? undefined : drug / c;
    }
    case 'container': {
      const p = q.product;
      if (!p) return undefined;
      if (measure === 'mL') return p.volumeMl ? amount / p.volumeMl : undefined;
      if (measure === 'unit') return p.amount.measure === 'unit' ? amount / p.amount.value : undefined;
      const containerMg = inMg(p.amount.value, p.amount.measure);
      return mg === undefined || containerMg === undefined ? undefined : mg / containerMg;
    }
  }
}

const BASIS_WORDS: Record<BasisKind, string> = {
  'billing-unit': 'HCPCS billing unit(s)',
  container: 'container(s) of the NDC',
  mg: 'mg',
  mL: 'mL',
  IU: 'IU',
};

export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round((value + Number.EPSILON) * f) / f;
}

function priceOf(entry: ChargeEntry, q: ChargeQuery): { unitPrice: number; basis: string } | undefined {
  const b = basisOf(entry);
  const perUnit = billingUnitIn(b.kind, q);
  if (perUnit === undefined || !(perUnit > 0)) return undefined;
  const unitPrice = (entry.grossCharge / b.amount) * perUnit;
  return {
    unitPrice,
    basis:
      `gross charge $${entry.grossCharge} per ${b.amount} ${BASIS_WORDS[b.kind]} (${entry.where})` +
      ` = $${round(unitPrice, 4)} per ${q.hcpcs} billing unit (${q.billingUnit.amount} ${q.billingUnit.measure})`,
  };
}

function sameModifiers(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && [...a].sort().join('|') === [...b].sort().join('|');
}

/**
 * The entries that apply, narrowest first: the claim's own setting before `both`; within a
 * setting, rows with exactly the line's modifiers before rows without modifiers.
 */
function narrow(entries: readonly ChargeEntry[], q: ChargeQuery): ChargeEntry[] {
  const mods = (q.modifiers ?? []).map((m) => m.toUpperCase());
  for (const setting of [q.setting, 'both'] as const) {
    const inSetting = entries.filter((e) => e.setting === setting);
    const withMods = inSetting.filter((e) => e.modifiers.length > 0 && sameModifiers(e.modifiers, mods));
    if (withMods.length) return withMods;
    const plain = inSetting.filter((e) => e.modifiers.length === 0);
    if (plain.length) return plain;
  }
  return [];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export class Chargemaster {
  readonly info: ChargemasterInfo;
  readonly entries: readonly ChargeEntry[];
  readonly skipped: number;
  /** Entries by 11-digit NDC. */
  private readonly byNdc = new Map<string, ChargeEntry[]>();
  /** Entries coded by HCPCS without any NDC. */
  private readonly byHcpcs = new Map<string, ChargeEntry[]>();

  constructor(data: ChargemasterData) {
    this.info = data.info;
    this.skipped = data.skipped;
    const seen = new Set<string>();
    const entries: ChargeEntry[] = [];
    // A tall file repeats an item once per payer and plan, with the same gross charge on each.
    for (const e of data.entries) {
      const key = JSON.stringify([
        e.hcpcs,
        e.ndcs,
        e.setting,
        e.modifiers,
        e.grossCharge,
        e.drugUnit ?? null,
      ]);
      if (seen.has(key)) continue;
      seen.add(key);
      entries.push(e);
      for (const ndc of e.ndcs) push(this.byNdc, ndc, e);
      if (!e.ndcs.length) for (const code of e.hcpcs) push(this.byHcpcs, code, e);
    }
    this.entries = entries;
  }

  get size(): number {
    return this.entries.length;
  }

  /**
   * The hospital's charge per HCPCS billing unit for a claim line. The line's NDC is looked up
   * first (rows of that NDC whose HCPCS is the line's, or absent, before the others), then rows
   * coded by the HCPCS code alone. Rows of the claim's setting win over `both`; rows with exactly
   * the line's modifiers win over rows without modifiers. Rows that still disagree on the price
   * are `ambiguous`: nothing is guessed.
   */
  chargeFor(q: ChargeQuery): ChargeResult {
    const hcpcs = q.hcpcs.toUpperCase();
    const byNdc = q.ndc ? (this.byNdc.get(q.ndc) ?? []) : [];
    const consistent = byNdc.filter((e) => e.hcpcs.length === 0 || e.hcpcs.includes(hcpcs));
    for (const tier of [consistent, byNdc, this.byHcpcs.get(hcpcs) ?? []]) {
      const candidates = narrow(tier, q);
      const first = candidates[0];
      if (!first) continue;
      const usable = candidates.flatMap((entry) => {
        const price = priceOf(entry, q);
        return price ? [{ entry, ...price }] : [];
      });
      const chosen = usable[0];
      if (!chosen) {
        const unit = first.drugUnit ? `${first.drugUnit.amount} ${first.drugUnit.type}` : '1 unit';
        return {
          found: false,
          reason: 'unit-unconvertible',
          detail:
            `${first.where} charges per ${unit}, which the catalog cannot convert into ${hcpcs} billing units` +
            ` (${q.billingUnit.amount} ${q.billingUnit.measure})`,
        };
      }
      const prices = usable.map((p) => p.unitPrice);
      if (Math.max(...prices) - Math.min(...prices) >= SAME_CHARGE) {
        return {
          found: false,
          reason: 'ambiguous',
          detail: `${hcpcs}${q.ndc ? ` / NDC ${q.ndc}` : ''} has different gross charges at ${usable.map((p) => p.entry.where).join(', ')}`,
        };
      }
      return { found: true, unitPrice: chosen.unitPrice, entry: chosen.entry, basis: chosen.basis };
    }
    return {
      found: false,
      reason: 'not-listed',
      detail: `no ${q.setting} gross charge for ${hcpcs}${q.ndc ? ` or NDC ${q.ndc}` : ''}`,
    };
  }

  /**
   * Codes whose rows give different gross charges for the same setting, modifiers and unit of
   * measure (a duplicated charge line): look-ups of these are `ambiguous`, so the loader warns.
   */
  conflicts(): string[] {
    const groups = new Map<string, Set<number>>();
    for (const e of this.entries) {
      const unit = e.drugUnit ? `${e.drugUnit.amount} ${e.drugUnit.type}` : '';
      const codes = e.ndcs.length ? e.ndcs.map((n) => `NDC ${n}`) : e.hcpcs;
      for (const code of codes) {
        const key = [code, e.setting, e.modifiers.join('|'), unit].filter(Boolean).join(' / ');
        const charges = groups.get(key) ?? new Set<number>();
        charges.add(e.grossCharge);
        groups.set(key, charges);
      }
    }
    return [...groups].filter(([, charges]) => charges.size > 1).map(([key]) => key);
  }
}
