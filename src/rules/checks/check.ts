/** What a check reads: the Encounter, its facts and lines, the payer; it raises gaps. */
import type { Coverage } from '@medplum/fhirtypes';
import type { DrugCatalog } from '../../catalog/catalog.ts';
import type { EncounterInput } from '../../domain/input.ts';
import type { BillingLine } from '../../domain/types.ts';
import type { EncounterContext } from '../context.ts';
import type { Fact } from '../facts.ts';
import type { GapList } from '../gap-list.ts';
import type { PayerContext } from '../payer.ts';

export interface CheckInput {
  readonly input: EncounterInput;
  readonly encounter: EncounterContext;
  readonly facts: readonly Fact[];
  readonly lines: readonly BillingLine[];
  readonly catalog: DrugCatalog;
  readonly coverage: Coverage | undefined;
  readonly payer: PayerContext;
  /** The code each administration is billed under (`MedicationAdministration/<id>` -> code). */
  readonly codeOf: ReadonlyMap<string, string>;
}

export type Check = (c: CheckInput, gaps: GapList) => void;
