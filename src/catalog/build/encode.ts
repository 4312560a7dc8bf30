/**
 * The catalog files as text (one record per line, so a quarter's import shows in a diff as the
 * records it changed), and back from the files to the raw CMS facts they keep. Pure.
 */
import type { CodesFile, FamiliesFile, ProductsFile } from '../files.ts';
import type { RawCatalog, RawCode, RawNdc } from './raw.ts';

/** JSON with each listed array one record per line; the other members on one line each. */
function records(
  head: Record<string, unknown>,
  lists: Record<string, readonly unknown[] | undefined>,
): string {
  const members = [
    ...Object.entries(head).map(([k, v]) => `  ${JSON.stringify(k)}: ${JSON.stringify(v)}`),
    ...Object.entries(lists)
      .filter((e): e is [string, readonly unknown[]] => e[1] !== undefined)
      .map(([k, list]) =>
        list.length === 0
          ? `  ${JSON.stringify(k)}: []`
          : [
              `  ${JSON.stringify(k)}: [`,
              list.map((r) => `    ${JSON.stringify(r)}`).join(',\n'),
              '  ]',
            ].join('\n'),
      ),
  ];
  return `{\n${members.join(',\n')}\n}\n`;
}

export function codesText(f: CodesFile): string {
  return records({ format: f.format, sources: f.sources }, { codes: f.codes, unpriced: f.unpriced });
}

export function productsText(f: ProductsFile): string {
  return records({ format: f.format }, { products: f.products, unpriced: f.unpriced });
}

export function familiesText(f: FamiliesFile): string {
  return records({ format: f.format }, { families: f.families });
}

/** The value of a change-point list in a quarter: the last point at or before it. */
function at<T>(points: readonly (readonly [string, T])[] | undefined, quarter: string, fallback: T): T {
  let v = fallback;
  for (const [q, value] of points ?? []) if (q <= quarter) v = value;
  return v;
}

/** The raw facts a built catalog keeps: add a new quarter's file to them and derive again. */
export function rawFromFiles(codes: CodesFile, products: ProductsFile): RawCatalog {
  const s = codes.sources;
  const qf = (list: readonly (readonly [string, string])[]) =>
    list.map(([quarter, file]) => ({ quarter, file }));
  const raw: RawCatalog = {
    sources: {
      pricing: qf(s.pricing),
      crosswalk: qf(s.crosswalk),
      opps: qf(s.opps),
      oppsSuperseded: qf(s.oppsSuperseded),
      descriptors: s.descriptors ?? undefined,
    },
    codes: new Map(),
    ndcs: new Map(),
    unpriced: new Map(),
    xwDosages: new Map(),
  };
  for (const u of codes.unpriced ?? []) {
    if (u.long || u.opps?.length)
      raw.unpriced.set(u.code, {
        long: u.long,
        opps: (u.opps ?? []).map(([quarter, si, apc]) => ({ quarter, si, apc })),
      });
    if (u.xwDosages?.length) raw.xwDosages.set(u.code, new Map(u.xwDosages));
  }
  for (const c of codes.codes) {
    const firstDosage = c.dosages[0]?.[1] ?? '';
    const code: RawCode = {
      code: c.code,
      pricing: c.prices.map(([quarter, paymentLimit]) => ({
        quarter,
        shortDescription: c.short,
        dosage: at(c.dosages, quarter, firstDosage),
        paymentLimit,
        note: at(c.notes, quarter, ''),
        clottingFactor: c.clottingFactor?.includes(quarter) ?? false,
      })),
      opps: (c.opps ?? []).map(([quarter, si, apc]) => ({ quarter, si, apc })),
      long: c.long,
    };
    raw.codes.set(c.code, code);
    if (c.xwDosages?.length) raw.xwDosages.set(c.code, new Map(c.xwDosages));
  }
  const quarters = raw.sources.crosswalk.map((x) => x.quarter);
  for (const p of [...products.products, ...(products.unpriced ?? [])]) {
    const n: RawNdc = raw.ndcs.get(p.ndc) ?? {
      ndc: p.ndc,
      labeler: p.labeler,
      drugName: p.name,
      listings: [],
    };
    for (const [code, from, to, billUnits, billUnitsPkg, pkgSize, pkgQty] of p.listings) {
      for (const quarter of quarters) {
        if (quarter >= from && quarter <= to)
          n.listings.push({ quarter, code, billUnits, billUnitsPkg, pkgSize, pkgQty });
      }
    }
    n.listings.sort((a, b) => a.quarter.localeCompare(b.quarter) || a.code.localeCompare(b.code));
    raw.ndcs.set(p.ndc, n);
  }
  return raw;
}
