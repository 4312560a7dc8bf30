/**
 * `vialwise catalog ...`: load the CMS quarterly files into a catalog folder (SPEC section 8).
 */
import { InvalidArgumentError } from 'commander';
import type { Command } from 'commander';
import { join } from 'node:path';
import { ImportError } from '../catalog/import/errors.ts';
import { parseQuarter } from '../catalog/import/prices.ts';
import { importCrosswalkFile, importPricesFile } from '../catalog/import/run.ts';
import { SHIPPED_CATALOG_DIR } from '../catalog/load.ts';
import { say } from './output.ts';

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

/** Registers the `catalog` command and its subcommands on the program. */
export function registerCatalogCommands(program: Command): Command {
  const catalog = program
    .command('catalog')
    .description('maintain the drug catalog: import the CMS quarterly files');

  catalog
    .command('import-crosswalk')
    .description('merge a CMS ASP NDC-HCPCS crosswalk CSV into products.json')
    .argument('<file>', 'crosswalk CSV as CMS publishes it (latin-1, title rows above the header)')
    .option('--catalog-dir <dir>', CATALOG_DIR_HELP, SHIPPED_CATALOG_DIR)
    .action((file: string, options: { catalogDir: string }) => {
      const result = importCrosswalkFile({ catalogDir: options.catalogDir, file });
      const { added, updated, skipped } = result.summary;
      const target = result.written
        ? `wrote ${join(options.catalogDir, 'products.json')}`
        : 'nothing to write';
      say(
        `${file}: ${plural(added, 'product')} added, ${updated} updated, ${plural(skipped, 'row')} skipped; ${target}`,
      );
    });

  catalog
    .command('import-prices')
    .description('load the payment limits of a CMS ASP pricing file into prices.json')
    .argument('<file>', 'ASP pricing CSV as CMS publishes it (latin-1, title rows above the header)')
    .requiredOption('--quarter <quarter>', 'calendar quarter the limits apply to, e.g. 2025Q4', quarterOption)
    .option('--illustrative', 'mark the prices as illustrative demo prices, not CMS payment limits', false)
    .option('--catalog-dir <dir>', CATALOG_DIR_HELP, SHIPPED_CATALOG_DIR)
    .action((file: string, options: { quarter: string; illustrative: boolean; catalogDir: string }) => {
      const result = importPricesFile({ ...options, file });
      const { imported, blank, notInCatalog } = result.summary;
      const kind = result.illustrative ? 'illustrative prices' : 'payment limits';
      const target = result.written ? `wrote ${join(options.catalogDir, 'prices.json')}` : 'nothing to write';
      say(
        `${file}: ${imported} ${kind} for ${result.quarter}, ${blank} blank skipped, ` +
          `${plural(notInCatalog, 'code')} not in the catalog skipped; ${target}`,
      );
    });

  return catalog;
}
