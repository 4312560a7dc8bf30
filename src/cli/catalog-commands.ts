/**
 * `vialwise catalog ...`: build the drug catalog from a folder of CMS files, and add each new
 * quarter's files to it (docs/catalog.md).
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
// The build and import code is loaded by the command that runs it, not by every command line.
import type { CmsKind } from '../catalog/build/run.ts';
import { formatSkipped, parseQuarter } from '../catalog/import/cms-files.ts';
import { ImportError } from '../catalog/import/errors.ts';
import { SHIPPED_CATALOG_DIR } from '../catalog/load.ts';
import { say, type CliIo } from './output.ts';

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function quarterOption(value: string): string {
  try {
    return parseQuarter(value);
  } catch (err) {
    throw new InvalidArgumentError(
      err instanceof ImportError ? 'expected a quarter such as 2025Q4' : String(err),
    );
  }
}

const CATALOG_DIR_HELP = 'catalog folder to update (the shipped catalog unless given)';

const IMPORTS: readonly { command: string; alias?: string; kind: CmsKind; what: string }[] = [
  {
    command: 'import-crosswalk',
    kind: 'crosswalk',
    what: 'an ASP NDC-HCPCS crosswalk CSV (products, billing units per item)',
  },
  {
    command: 'import-pricing',
    alias: 'import-prices',
    kind: 'pricing',
    what: 'an ASP pricing file CSV (codes, billing units, payment limits)',
  },
  {
    command: 'import-opps',
    kind: 'opps',
    what: 'an OPPS Addendum B CSV (status indicator and APC per code)',
  },
  {
    command: 'import-descriptors',
    kind: 'descriptors',
    what: 'a HCPCS long descriptor CSV (HCPCS, LONG_DESCRIPTION)',
  },
];

/** Registers the `catalog` command and its subcommands on the program. */
export function registerCatalogCommands(program: Command, io: CliIo): Command {
  const catalog = program
    .command('catalog')
    .description('maintain the drug catalog: build it from the CMS files, import each new quarter');

  catalog
    .command('build')
    .description('build the catalog from a folder of CMS files (pricing, crosswalk, Addendum B, descriptors)')
    .argument('<folder>', 'folder of CMS CSV files as CMS publishes them')
    .option(
      '--catalog-dir <dir>',
      'catalog folder to write (the shipped catalog unless given)',
      SHIPPED_CATALOG_DIR,
    )
    .action(async (folder: string, options: { catalogDir: string }) => {
      const { buildFromFolder, writeBuild } = await import('../catalog/build/run.ts');
      const result = buildFromFolder(folder);
      writeBuild(options.catalogDir, result);
      const { codes, products, findings } = result.derived;
      for (const r of result.folder.recovered) say(io, `recovered ${formatSkipped(r)}`);
      say(
        io,
        `${folder}: ${plural(result.folder.files.length, 'file')} read, ${plural(codes.codes.length, 'code')} ` +
          `(${findings.unparsed.length} with a dosage not parsed), ${plural(products.products.length, 'NDC')}, ` +
          `${plural(result.folder.skipped.length, 'row')} skipped, ${plural(result.folder.recovered.length, 'row')} recovered; ` +
          `wrote ${options.catalogDir} (see BUILD-REPORT.md)`,
      );
    });

  for (const spec of IMPORTS) {
    const cmd = catalog
      .command(spec.command)
      .description(`add ${spec.what} to the catalog: its quarter replaces the same quarter, the rest is kept`)
      .argument('<file>', 'the CSV as CMS publishes it (latin-1, title rows above the header)')
      .option(
        '--quarter <quarter>',
        'quarter the file is for, e.g. 2026Q2 (else its title row or name)',
        quarterOption,
      )
      .option('--catalog-dir <dir>', CATALOG_DIR_HELP, SHIPPED_CATALOG_DIR);
    if (spec.alias) cmd.alias(spec.alias);
    cmd.action(async (file: string, options: { quarter?: string; catalogDir: string }) => {
      const { importCmsFile } = await import('../catalog/build/import.ts');
      const r = importCmsFile({
        catalogDir: options.catalogDir,
        file,
        kind: spec.kind,
        ...(options.quarter ? { quarter: options.quarter } : {}),
      });
      for (const s of r.skipped) say(io, formatSkipped(s));
      for (const s of r.recovered) say(io, `recovered ${formatSkipped(s)}`);
      say(
        io,
        `${file}: ${spec.kind}${r.quarter ? ` ${r.quarter}` : ''}, ${plural(r.rows, 'row')} read, ` +
          `${plural(r.skipped.length, 'row')} skipped, ${plural(r.recovered.length, 'row')} recovered` +
          (r.replacedRelease ? `, replaces ${r.replacedRelease}` : '') +
          `; codes ${r.before.codes} -> ${r.after.codes}, NDCs ${r.before.products} -> ${r.after.products}; ` +
          `wrote ${options.catalogDir}`,
      );
    });
  }
  return catalog;
}
