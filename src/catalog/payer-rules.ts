/**
 * Payer rules: what each payer category requires (JW, JZ, NDC, 340B modifier, prior
 * authorization, sites of care, supporting diagnoses), how a Coverage's payer is classified
 * (SOPT prefixes, then the hospital's own payors and financial classes), and per-payor
 * overrides. The schema rejects a malformed file with a message naming the path of the first
 * problem (docs/billing-rules.md, "Payer classification").
 */
import { z } from 'zod';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PayerCategory } from '../domain/types.ts';
import { readJsonFile } from './load.ts';

const encounterClass = z.enum([
  'AMB',
  'EMER',
  'IMP',
  'OBSENC',
  'SS',
  'VR',
  'HH',
  'ACUTE',
  'NONAC',
  'PRENC',
  'FLD',
]);
const hcpcs = z.string().regex(/^[A-Z]\d{4}$/, 'expected a HCPCS Level II code such as J2930');
const category = z.enum(['medicare', 'medicaid', 'commercial', 'other']);

export const categoryRulesSchema = z.strictObject({
  jwRequired: z.boolean(),
  jzRequired: z.boolean(),
  ndcRequired: z.boolean(),
  /** The payer takes the 340B modifiers JG/TB on separately payable drug lines (Medicare Part B). */
  report340B: z.boolean().optional(),
  priorAuth: z.strictObject({
    codes: z.array(hcpcs),
    exemptEncounterClasses: z.array(encounterClass),
  }),
  notAllowed: z.array(z.strictObject({ code: hcpcs, encounterClasses: z.array(encounterClass).min(1) })),
  /** ICD-10-CM codes or prefixes (without the dot) that support each HCPCS code. */
  supportingDiagnoses: z.record(
    hcpcs,
    z.array(z.string().regex(/^[A-Z][0-9A-Z]{1,6}$/, 'ICD-10-CM code or prefix without the dot')),
  ),
  source: z.string().optional(),
});

export const payerRulesSchema = z.strictObject({
  $comment: z.string().optional(),
  defaultCategory: category,
  sopt: z.array(
    z.strictObject({ prefix: z.string().regex(/^\d{1,4}$/), category, source: z.string().optional() }),
  ),
  categories: z.strictObject({
    medicare: categoryRulesSchema,
    medicaid: categoryRulesSchema,
    commercial: categoryRulesSchema,
    other: categoryRulesSchema,
  }),
  payors: z.array(
    z
      .strictObject({
        /** `Organization/<id>` as in Coverage.payor, or `system|value` of the payor's identifier. */
        payor: z.string().min(1).optional(),
        /** The payor's name as in Coverage.payor.display (case and spacing ignored). */
        name: z.string().min(1).optional(),
        category,
        overrides: categoryRulesSchema.partial().optional(),
        source: z.string().optional(),
      })
      .refine((p) => p.payor !== undefined || p.name !== undefined, 'a payor entry needs "payor" or "name"'),
  ),
  /**
   * The hospital's financial classes: a Coverage.type coding (`system` and `code`, or `code`
   * alone for any system) or its text, mapped to a category.
   */
  financialClasses: z
    .array(
      z
        .strictObject({
          system: z.string().min(1).optional(),
          code: z.string().min(1).optional(),
          text: z.string().min(1).optional(),
          category,
          source: z.string().optional(),
        })
        .refine(
          (f) => f.code !== undefined || f.text !== undefined,
          'a financial class needs "code" or "text"',
        ),
    )
    .default([]),
});

export type PayerRules = z.infer<typeof payerRulesSchema>;
export type CategoryRules = z.infer<typeof categoryRulesSchema>;
export type { PayerCategory };

export const SHIPPED_PAYER_RULES_FILE = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../catalog/payer-rules.json',
);

export function loadPayerRules(file: string = SHIPPED_PAYER_RULES_FILE): PayerRules {
  return readJsonFile(file, payerRulesSchema);
}

export function parsePayerRules(raw: unknown): PayerRules {
  return payerRulesSchema.parse(raw);
}
