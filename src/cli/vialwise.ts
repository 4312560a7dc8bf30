#!/usr/bin/env node
/**
 * The vialwise command line. Each command group lives in its own module and registers itself on
 * the program here. Exit codes: 0 done, 1 the command failed, 2 the command line was wrong.
 */
import { Command, CommanderError } from 'commander';
import { registerAuditCommands } from './audit-commands.ts';
import { registerCatalogCommands } from './catalog-commands.ts';

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

export function createProgram(): Command {
  const program = new Command('vialwise')
    .description('FHIR drug charge capture: HCPCS units, JW/JZ wastage lines, NDC detail, documentation gaps')
    // Set before the commands are added: subcommands copy these settings when created.
    .exitOverride()
    // `audit` and `audit merge` both have --json, --csv and --html: an option belongs to the
    // command it follows.
    .enablePositionalOptions()
    .configureOutput({ outputError: (text, write) => write(`vialwise: ${text.replace(/^error: /, '')}`) })
    .showHelpAfterError('(add --help for usage)');
  registerCatalogCommands(program);
  registerAuditCommands(program);
  return program;
}

export async function run(argv: readonly string[]): Promise<number> {
  try {
    await createProgram().parseAsync([...argv]);
    return 0;
  } catch (err) {
    // Commander has already printed its message (usage errors) or the help text.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
    console.error(`vialwise: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT_FAILED;
  }
}

process.exitCode = await run(process.argv);
