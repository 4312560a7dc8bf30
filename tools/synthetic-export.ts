/**
 * `npm run synthetic-export -- --encounters N --out DIR [--seed S]`: writes a SYNTHETIC NDJSON
 * export with known audit answers (tools/synthetic-export/), for trying `vialwise audit` out,
 * tests and benchmarks. A development tool, not part of the product's command line.
 */
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { generateExport } from './synthetic-export/generate.ts';

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 100_000_000)
    throw new InvalidArgumentError('expected a whole number from 1 to 100,000,000');
  return Number(value);
}

const program = new Command('synthetic-export')
  .description('write a SYNTHETIC NDJSON export of N encounters with known audit answers (answers.json)')
  .requiredOption('--encounters <n>', 'how many encounters', positiveInt)
  .requiredOption('--out <dir>', 'folder to write (created if missing)')
  .option(
    '--seed <s>',
    'random seed (same seed, same export)',
    (v) => {
      if (!/^-?\d{1,9}$/.test(v)) throw new InvalidArgumentError('expected a whole number');
      return Number(v);
    },
    1,
  )
  .action((options: { encounters: number; out: string; seed: number }) => {
    const out = resolve(options.out);
    const answers = generateExport({ encounters: options.encounters, outDir: out, seed: options.seed });
    const t = answers.totals;
    process.stdout.write(
      `wrote ${answers.encounters.toLocaleString('en-US')} synthetic encounters ` +
        `(${t.administrationsInExport.toLocaleString('en-US')} administrations, dates of service ${answers.range.since} to ${answers.range.until}) to ${out}, with answers.json\n` +
        `audit it with:\n  npx vialwise audit --ndjson ${options.out} --since ${answers.range.since} --until ${answers.range.until}` +
        ' --html audit.html\n' +
        `(the answers use the CMS 2026Q1 payment limits, also in ${join(options.out, answers.priceFile)})\n`,
    );
  });

await program.parseAsync(process.argv);
