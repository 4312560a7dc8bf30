/**
 * When JW and JZ apply to a line (CMS Claims Processing Manual ch.17 section 40; CMS JW/JZ FAQ):
 * the payer requires them, and the drug is separately payable where it was given. Part A
 * bundles inpatient drugs, and OPPS packages status indicator N drugs.
 */
import type { DrugCatalog } from '../../catalog/catalog.ts';
import { isInstitutional } from '../../domain/encounter.ts';
import type { PayerContext } from '../payer.ts';

/** JW is required from 2017-01-01 (CMS Claims Processing Manual ch.17 section 40). */
const JW_REQUIRED_FROM = '2017-01-01';
/** JZ is required on claims from 2023-07-01 (CMS JW/JZ FAQ). */
const JZ_REQUIRED_FROM = '2023-07-01';

export interface WasteRules {
  readonly jwRequired: boolean;
  readonly jzRequired: boolean;
}

export function wasteRules(
  code: string,
  dos: string,
  payer: PayerContext,
  encounterClass: string | undefined,
  catalog: DrugCatalog,
): WasteRules {
  const excluded =
    encounterClass === 'IMP' ||
    (isInstitutional(encounterClass) && catalog.statusOn(code, dos)?.indicator === 'N');
  return {
    jwRequired: !excluded && payer.rules.jwRequired && dos >= JW_REQUIRED_FROM,
    jzRequired: !excluded && payer.rules.jzRequired && dos >= JZ_REQUIRED_FROM,
  };
}
