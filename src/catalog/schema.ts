/** zod schemas of the catalog folder's JSON files (docs/catalog.md "On disk"). */
import { z } from 'zod';
import { CATALOG_FORMAT } from './files.ts';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');
const quarter = z.string().regex(/^\d{4}Q[1-4]$/, 'expected a quarter such as 2025Q4');
const code = z.string().regex(/^(?:[A-Z]\d{4}|\d{4}[0-9A-Z])$/, 'expected a HCPCS or CPT code such as J2919');
const source = z.string().min(3, 'every catalog entry names its source');
const measure = z.enum(['mg', 'ug', 'g', 'mL', 'unit']);
const format = z.literal(CATALOG_FORMAT, {
  error: `expected "format": "${CATALOG_FORMAT}" (rebuild the catalog)`,
});
const quarterFile = z.tuple([quarter, z.string().min(1)]);

export const priceSchema = z.object({
  code,
  quarter,
  paymentLimit: z.number().positive(),
  source,
  illustrative: z.boolean().optional(),
});

/** Extra price files (the demo's or the audit generator's illustrative prices). */
export const pricesFileSchema = z.object({ prices: z.array(priceSchema) });

export const codeRecordSchema = z.object({
  code,
  long: z.string().min(1).optional(),
  short: z.string(),
  dosages: z.array(z.tuple([quarter, z.string()])).min(1),
  prices: z.array(z.tuple([quarter, z.number().positive().nullable()])).min(1),
  notes: z.array(z.tuple([quarter, z.string()])).optional(),
  opps: z.array(z.tuple([quarter, z.string().min(1).max(2), z.string()])).optional(),
  xwDosages: z.array(z.tuple([quarter, z.string()])).optional(),
  clottingFactor: z.array(quarter).optional(),
  family: z.string().min(1),
  unitDosages: z.array(z.tuple([quarter, z.string()])).optional(),
  suspectPrices: z.array(z.tuple([quarter, z.string().min(1)])).optional(),
  unit: z.object({ amount: z.number().positive(), measure, upTo: z.literal(true).optional() }).optional(),
  per: z.string().optional(),
  unitNote: z.string().optional(),
  effective: isoDate.optional(),
  effectiveBasis: z.string().optional(),
  terminated: isoDate.optional(),
  terminatedBasis: z.string().optional(),
});

export const codesFileSchema = z.object({
  format,
  sources: z.object({
    pricing: z.array(quarterFile),
    crosswalk: z.array(quarterFile),
    opps: z.array(quarterFile),
    oppsSuperseded: z.array(quarterFile),
    descriptors: z.string().nullable(),
  }),
  codes: z.array(codeRecordSchema),
  unpriced: z
    .array(
      z.object({
        code,
        long: z.string().min(1).optional(),
        opps: z.array(z.tuple([quarter, z.string().min(1).max(2), z.string()])).optional(),
        xwDosages: z.array(z.tuple([quarter, z.string()])).optional(),
      }),
    )
    .optional(),
});

const listing = z.tuple([code, quarter, quarter, z.number(), z.number(), z.number(), z.number()]);

export const productRecordSchema = z.object({
  ndc: z.string().regex(/^\d{11}$/, 'expected an 11-digit NDC without hyphens'),
  labeler: z.string(),
  name: z.string(),
  listings: z.array(listing).min(1),
  family: z.string().min(1),
  amount: z.object({ value: z.number().positive(), measure }).optional(),
  amountBasis: z.string().optional(),
  volumeMl: z.number().positive().optional(),
  volumeBasis: z.string().optional(),
});

export const productsFileSchema = z.object({
  format,
  products: z.array(productRecordSchema),
  unpriced: z
    .array(
      z.object({
        ndc: z.string().regex(/^\d{11}$/),
        labeler: z.string(),
        name: z.string(),
        listings: z.array(listing).min(1),
      }),
    )
    .optional(),
});

export const familiesFileSchema = z.object({
  format,
  families: z.array(
    z.object({
      key: z.string().min(1),
      name: z.string().min(1),
      codes: z.array(code).min(1),
      terms: z.array(z.string().min(1)),
    }),
  ),
});

const ndcOrProduct = z
  .string()
  .regex(/^(?:\d{4,5}-\d{3,4}(?:-\d{1,2})?|\d{9}|\d{11})$/, 'expected an NDC or a labeler+product code');

export const curatedFileSchema = z.object({
  rxnorm: z.array(
    z
      .object({
        rxcui: z.string().regex(/^\d+$/),
        name: z.string().min(1),
        families: z.array(code).min(1).optional(),
        ndcs: z.array(ndcOrProduct).min(1).optional(),
        source,
      })
      .refine((r) => r.families || r.ndcs, 'an RxNorm entry names families or NDCs'),
  ),
  synonyms: z.array(z.object({ term: z.string().min(3), family: code, source })),
  excludedTerms: z.array(z.object({ term: z.string().min(3), source })),
  mues: z.array(
    z.object({
      code,
      value: z.number().int().positive(),
      adjudicationIndicator: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
      scope: z.enum(['practitioner', 'facility'], {
        error: 'expected "scope": "practitioner" or "facility" (the NCCI MUE table the value is from)',
      }),
      source,
    }),
  ),
  containers: z.array(
    z.object({
      ndc: ndcOrProduct,
      label: z.string().min(1),
      containerUse: z.enum(['single-dose', 'multi-dose']),
      volumeMl: z.number().positive().optional(),
      source,
    }),
  ),
});

export type PricesFile = z.infer<typeof pricesFileSchema>;
