/** zod schemas of the catalog folder's JSON files (SPEC section 8). */
import { z } from 'zod';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');
const ndc11 = z.string().regex(/^\d{11}$/, 'expected an 11-digit NDC without hyphens');
const source = z.string().min(3, 'every catalog entry names its source');
const measure = z.enum(['mg', 'ug', 'g', 'mL', 'unit']);

export const priceSchema = z.object({
  quarter: z.string().regex(/^\d{4}Q[1-4]$/, 'expected a quarter such as 2025Q4'),
  paymentLimit: z.number().positive(),
  source,
  illustrative: z.boolean().optional(),
});

export const codeSchema = z.object({
  code: z.string().regex(/^[A-Z]\d{4}$/, 'expected a HCPCS Level II code such as J2930'),
  descriptor: z.string().min(1),
  ingredient: z.string().min(1),
  unit: z.object({ amount: z.number().positive(), measure }),
  effective: isoDate.optional(),
  terminated: isoDate.optional(),
  oppsStatusIndicator: z.object({ value: z.string().min(1).max(2), source }).optional(),
  mue: z
    .object({
      value: z.number().int().positive(),
      source,
      adjudicationIndicator: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
    })
    .optional(),
  prices: z.array(priceSchema).optional(),
  source,
});

export const productSchema = z.object({
  ndc: ndc11,
  outerNdcs: z.array(ndc11).optional(),
  description: z.string().min(1),
  labeler: z.string().min(1),
  ingredient: z.string().min(1),
  rxnorm: z.array(z.string().regex(/^\d+$/)).optional(),
  hcpcs: z.array(z.string().regex(/^[A-Z]\d{4}$/)).min(1),
  amount: z.object({ value: z.number().positive(), measure }),
  volumeMl: z.number().positive().optional(),
  containerUse: z.enum(['single-dose', 'multi-dose']).optional(),
  source,
});

export const ingredientSchema = z.object({
  key: z.string().min(1),
  name: z.string().min(1),
  rxnorm: z.array(z.string().regex(/^\d+$/)),
  synonyms: z.array(z.string().min(3)),
  source,
});

export const ambiguousSchema = z.object({
  term: z.string().min(3),
  rxnorm: z.array(z.string().regex(/^\d+$/)),
  ingredients: z.array(z.string()).min(2),
  source,
});

export const codesFileSchema = z.object({ codes: z.array(codeSchema) });
export const productsFileSchema = z.object({ products: z.array(productSchema) });
export const ingredientsFileSchema = z.object({
  ingredients: z.array(ingredientSchema),
  ambiguous: z.array(ambiguousSchema).default([]),
});
export const pricesFileSchema = z.object({
  prices: z.array(priceSchema.extend({ code: z.string().regex(/^[A-Z]\d{4}$/) })),
});

export type CodesFile = z.infer<typeof codesFileSchema>;
export type ProductsFile = z.infer<typeof productsFileSchema>;
export type IngredientsFile = z.infer<typeof ingredientsFileSchema>;
export type PricesFile = z.infer<typeof pricesFileSchema>;
