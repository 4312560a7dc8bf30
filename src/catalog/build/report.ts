/**
 * The build report (catalog/BUILD-REPORT.md): inputs, counts, what could not be parsed or derived,
 * and every skipped row as `file:row: reason` (runs of consecutive rows with the same reason
 * folded into `file:first-last`). Deterministic: no dates, everything sorted. Pure.
 */
import type { SkippedRow } from '../import/cms-files.ts';
import type { DerivedCatalog } from './derive.ts';

export interface FileRead {
  readonly file: string;
  readonly kind: string;
  readonly quarter: string;
  readonly rows: number;
  readonly skipped: number;
  /** Set when a later release of the same quarter replaced it. */
  readonly supersededBy?: string;
}

export interface ReportInput {
  readonly files: readonly FileRead[];
  readonly skipped: readonly SkippedRow[];
  /** Rows kept after a value was read back from the row's other cells. */
  readonly recovered?: readonly SkippedRow[];
  /** Rows of catalog codes that differ between a superseded Addendum B release and its replacement. */
  readonly releaseDiffs: readonly string[];
  readonly derived: DerivedCatalog;
}

function table(head: string[], rows: string[][]): string[] {
  if (rows.length === 0) return ['None.', ''];
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
    '',
  ];
}

/** Skipped rows with runs of consecutive rows (same file, same reason once values are hidden) folded. */
export function foldSkipped(rows: readonly SkippedRow[]): string[] {
  const out: string[] = [];
  const shape = (r: string) =>
    r.replace(/"[^"]*"/g, '"…"').replace(/\b[A-Z]\d{4}\b|\b\d{5}-\d{3,4}-\d{1,2}\b/g, '…');
  let i = 0;
  while (i < rows.length) {
    const first = rows[i];
    if (!first) break;
    let j = i;
    while (
      j + 1 < rows.length &&
      rows[j + 1]?.file === first.file &&
      (rows[j + 1]?.row ?? 0) > (rows[j]?.row ?? 0) &&
      (rows[j + 1]?.row ?? 0) - (rows[j]?.row ?? 0) <= 2 &&
      shape(rows[j + 1]?.reason ?? '') === shape(first.reason)
    )
      j++;
    if (j === i) out.push(`${first.file}:${first.row}: ${first.reason}`);
    else {
      const last = rows[j];
      out.push(`${first.file}:${first.row}-${last?.row}: ${j - i + 1} rows like: ${first.reason}`);
    }
    i = j + 1;
  }
  return out;
}

export function buildReport(input: ReportInput): string {
  const { codes, products, families, findings: f } = input.derived;
  const byAmount = codes.codes.filter((c) => c.unit).length;
  const multi = families.families.filter((x) => x.codes.length > 1);
  const withAmount = products.products.filter((p) => p.amount).length;
  const withVolume = products.products.filter((p) => p.volumeMl !== undefined).length;
  const quarters = (list: readonly (readonly [string, string])[]) =>
    list.length ? `${list[0]?.[0]}-${list.at(-1)?.[0]} (${list.length})` : 'none';
  const terminated = codes.codes.filter((c) => c.terminated).length;
  const started = codes.codes.filter((c) => c.effective).length;

  const lines: string[] = [
    '# Catalog build report',
    '',
    'Written by `npm run catalog:build` from the CMS files below (docs/catalog.md says how each',
    'field is derived). The same files give the same catalog and this same report, byte for byte.',
    '',
    '## Inputs',
    '',
    ...table(
      ['file', 'kind', 'quarter', 'rows kept', 'rows skipped'],
      input.files.map((x) => [
        x.supersededBy ? `${x.file} (superseded by ${x.supersededBy})` : x.file,
        x.kind,
        x.quarter,
        String(x.rows),
        String(x.skipped),
      ]),
    ),
    '## Counts',
    '',
    `- quarters: pricing ${quarters(codes.sources.pricing)}, crosswalk ${quarters(codes.sources.crosswalk)}, Addendum B releases ${codes.sources.opps.map((o) => o[0]).join(', ') || 'none'}`,
    `- codes: ${codes.codes.length} (billed by amount ${byAmount}; per item ${f.notByAmount.filter((x) => x.unit.startsWith('per ')).length}; other measure ${f.notByAmount.filter((x) => !x.unit.startsWith('per ')).length}; dosage not parsed ${f.unparsed.length})`,
    `- codes with a start date ${started}, with an end date ${terminated}; without a long descriptor ${f.noLong.length}`,
    `- drug families: ${families.families.length} (${multi.length} with more than one code)`,
    `- NDCs: ${products.products.length} (amount per item known ${withAmount}; volume known ${withVolume})`,
    `- payment limits: ${codes.codes.reduce((n, c) => n + c.prices.filter((p) => p[1] !== null).length, 0)} (code x quarter); \`N/A\` ${f.noLimit.length}`,
    '',
    '## Dosages not parsed (these codes cannot be billed by amount)',
    '',
    ...table(
      ['code', 'HCPCS Code Dosage', 'why'],
      f.unparsed.map((u) => [u.code, u.dosage, u.why]),
    ),
    '## Billed per item or in a measure doses are not converted into',
    '',
    ...table(['unit', 'codes'], byUnit(f.notByAmount)),
    '## Billing units that changed between quarters',
    '',
    ...table(
      ['code', 'from quarter', 'before', 'after'],
      f.unitChanges.map((u) => [u.code, u.quarter, u.from, u.to]),
    ),
    '## Pricing dosage that disagrees with the crosswalk and the long descriptor',
    '',
    "A quarter whose pricing file writes another unit than the same quarter's crosswalk `HCPCS dosage`",
    "and the long descriptor is billed by the descriptor's unit when its limit stays within 10% of the",
    'neighbouring quarters that print that unit (a slip in the pricing file, not a new unit); otherwise',
    'the pricing file\'s unit stands (docs/catalog.md "A unit that disagrees").',
    '',
    ...table(
      ['code', 'quarters', 'pricing', 'crosswalk', 'descriptor', 'limits', 'decision'],
      f.dosageConflicts.map((d) => [
        d.code,
        d.quarters,
        d.pricing,
        d.crosswalk,
        d.descriptor,
        d.limits,
        d.decision,
      ]),
    ),
    '## Suspect payment limits (kept, flagged)',
    '',
    "A limit about a power of ten away from both neighbouring quarters with the same unit is CMS's",
    'number and is kept, marked `suspect` with this note on every price built on it.',
    '',
    ...table(
      ['code', 'quarter', 'why'],
      f.suspectPrices.map((x) => [x.code, x.quarter, x.why]),
    ),
    '## Long descriptor and pricing dosage disagree',
    '',
    ...table(
      ['code', 'long descriptor', 'pricing dosage'],
      f.descriptorMismatch.map((u) => [u.code, u.long, u.dosage]),
    ),
    '## Codes without a long descriptor (the short description stands in)',
    '',
    f.noLong.length ? f.noLong.join(', ') : 'None.',
    '',
    '## Payment limit `N/A`',
    '',
    ...table(['code', 'quarters'], groupQuarters(f.noLimit)),
    '## Dates Addendum B or the crosswalk give where the pricing files are silent',
    '',
    'A pricing file leaves out a code that has no ASP data that quarter; Addendum B lists every code',
    'valid in its quarter and the crosswalk the codes it maps NDCs to, so they extend the dates',
    '(docs/catalog.md "Dates of validity").',
    '',
    ...table(
      ['code', 'dates'],
      f.oppsDates.map((o) => [o.code, o.what]),
    ),
    '## Codes not in the last files that are not given an end date',
    '',
    'A code ends only when an Addendum B release of a later quarter leaves it out; missing from the',
    'last pricing file alone (a quarter without ASP data) is not the end of a code.',
    '',
    ...table(
      ['code', 'dates'],
      f.openEnds.map((o) => [o.code, o.what]),
    ),
    '## Addendum B rows that changed between releases of one quarter',
    '',
    ...(input.releaseDiffs.length ? [...input.releaseDiffs.map((d) => `- ${d}`), ''] : ['None.', '']),
    '## Drug families with more than one code',
    '',
    ...table(
      ['family', 'codes'],
      multi.map((x) => [x.key, x.codes.join(', ')]),
    ),
    '## Codes kept in separate families although their names agree',
    '',
    ...table(
      ['name', 'families', 'why'],
      f.familiesApart.map((x) => [x.family, x.groups.join(' / '), x.why]),
    ),
    '## Codes a product is offered beyond its crosswalk listing (the by-amount rule)',
    '',
    'A product bills the codes the crosswalk lists it under in the quarter and the other codes of',
    'their families, which differ from them only in the amount (docs/catalog.md "Drug families"):',
    'per family, the products and quarters in which that offers a code the crosswalk does not list',
    'the product under that quarter.',
    '',
    ...table(
      ['family', 'codes', 'products', 'listed under', 'also offered', 'quarters'],
      f.byAmountOffers.map((x) => [x.family, x.codes, String(x.products), x.listed, x.offered, x.quarters]),
    ),
    '## Biosimilar codes kept out of a family they shared a descriptor with',
    '',
    ...table(
      ['family', 'codes'],
      f.biosimilarSplit.map((x) => [x.family, x.codes.join(', ')]),
    ),
    '## Crosswalk codes no pricing file lists (their rows are not products)',
    '',
    ...table(
      ['code', 'NDCs', 'quarters'],
      f.unknownCodes.map((u) => [u.code, String(u.ndcs), u.quarters.join(', ')]),
    ),
    '## One NDC, two codes, two amounts per item',
    '',
    ...table(
      ['NDC', 'quarter', 'listings'],
      f.amountConflicts.map((a) => [a.ndc, a.quarter, a.amounts]),
    ),
    '## Labeler+product codes whose packages hold different amounts (no 9-digit match)',
    '',
    ...table(
      ['labeler+product', 'NDCs'],
      f.prefixConflicts.map((p) => [p.prefix, p.ndcs.join(', ')]),
    ),
    '## NDCs without an amount per item',
    '',
    ...table(
      ['NDC', 'why'],
      f.noAmount.map((n) => [n.ndc, n.why]),
    ),
    '## NDCs whose PKG SIZE is not taken as a volume',
    '',
    ...table(
      ['NDC', 'why'],
      f.noVolume.map((n) => [n.ndc, n.why]),
    ),
    '## Rows recovered',
    '',
    "A count with a stray character is read as its digits when the row's other counts confirm them",
    '(BILLUNITSPKG = BILLUNITS x PKG QTY); the row is kept.',
    '',
    ...(input.recovered?.length ? input.recovered.map((r) => `${r.file}:${r.row}: ${r.reason}`) : ['None.']),
    '',
    '## Rows skipped',
    '',
    ...foldSkipped(input.skipped),
    '',
  ];
  return lines.join('\n');
}

function byUnit(list: readonly { code: string; unit: string }[]): string[][] {
  const m = new Map<string, string[]>();
  for (const x of list) m.set(x.unit, [...(m.get(x.unit) ?? []), x.code]);
  return [...m].sort((a, b) => a[0].localeCompare(b[0])).map(([u, c]) => [u, c.join(', ')]);
}

function groupQuarters(list: readonly { code: string; quarter: string }[]): string[][] {
  const m = new Map<string, string[]>();
  for (const x of list) m.set(x.code, [...(m.get(x.code) ?? []), x.quarter]);
  return [...m].sort((a, b) => a[0].localeCompare(b[0])).map(([c, q]) => [c, q.join(', ')]);
}
