/**
 * Which modifiers a line can carry. JW and JZ apply to a drug from a single-dose container that
 * is separately payable where it was given and whose payer requires them (CMS Claims Processing
 * Manual ch.17 section 40; CMS JW/JZ FAQ); a 340B covered entity adds JG or TB to its separately
 * payable Part B drug lines, the JW line included (docs/billing-rules.md, "Settings").
 */
import type { DrugCatalog } from '../../catalog/catalog.ts';
import type { BillingSetting, Program340B } from '../../domain/facility.ts';
import type { PayerContext } from '../payer.ts';

/** JW is required from 2017-01-01 (CMS Claims Processing Manual ch.17 section 40). */
const JW_REQUIRED_FROM = '2017-01-01';
/** JZ is required on claims from 2023-07-01 (CMS JW/JZ FAQ). */
const JZ_REQUIRED_FROM = '2023-07-01';
/** OPPS status indicators of separately payable drugs: K (paid at ASP + 6%), G (pass-through). */
const SEPARATELY_PAID = new Set(['K', 'G']);

export interface LineRules {
  /** Paid apart from the visit in this setting (not packaged, not bundled). */
  readonly separatelyPayable: boolean;
  readonly jwRequired: boolean;
  readonly jzRequired: boolean;
  /** JG or TB, when the facility is a 340B covered entity and the payer takes the modifier. */
  readonly modifier340B?: Program340B;
}

/**
 * Separately payable in the setting, on the date of service:
 * - inpatient stays: never, Part A pays the drugs with the stay (IPPS);
 * - RHC and FQHC: never, the visit's all-inclusive rate pays them;
 * - critical access hospitals: yes, drugs are paid at cost (CMS JW/JZ FAQ on CAHs);
 * - physician office: yes, Part B drugs are paid at ASP + 6%;
 * - hospital outpatient: only with OPPS status indicator K or G for the quarter (N is packaged);
 * - ASC: only drugs with payment indicator K2; ASC Addendum BB is not loaded, so the OPPS status
 *   stands in for it (CMS assigns K2 to the drugs OPPS pays separately).
 * A code whose status the catalog does not give is taken as separately payable (the line keeps
 * JW/JZ and its waste, as before settings were known); the catalog's status decides as soon as
 * it has one.
 */
export function separatelyPayable(
  code: string,
  dos: string,
  setting: BillingSetting,
  catalog: DrugCatalog,
): boolean {
  if (setting.inpatient) return false;
  switch (setting.setting) {
    case 'rhc':
    case 'fqhc':
      return false;
    case 'critical-access-hospital':
    case 'physician-office':
      return true;
    case 'hospital-outpatient':
    case 'asc': {
      const si = catalog.statusOn(code, dos)?.indicator;
      return si === undefined || SEPARATELY_PAID.has(si);
    }
  }
}

export function lineRules(
  code: string,
  dos: string,
  payer: PayerContext,
  setting: BillingSetting,
  catalog: DrugCatalog,
): LineRules {
  const payable = separatelyPayable(code, dos, setting, catalog);
  const modifier340B =
    payable && payer.rules.report340B && setting.program340B ? setting.program340B : undefined;
  return {
    separatelyPayable: payable,
    jwRequired: payable && payer.rules.jwRequired && dos >= JW_REQUIRED_FROM,
    jzRequired: payable && payer.rules.jzRequired && dos >= JZ_REQUIRED_FROM,
    ...(modifier340B ? { modifier340B } : {}),
  };
}
