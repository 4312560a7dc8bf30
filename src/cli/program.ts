/**
 * The vialwise command line. Each command group lives in its own module and registers itself on
 * the program here. Exit codes: 0 done, 1 the command failed, 2 the command line was wrong.
 * vialwise.ts runs it on the process's arguments; tests call `run` with their own `io`.
 */
import { Command, CommanderError } from 'commander';
import { registerAuditCommands } from './audit-commands.ts';
import { registerCatalogCommands } from './catalog-commands.ts';
import { PROCESS_IO, type CliIo } from './output.ts';

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

export function createProgram(io: CliIo = PROCESS_IO): Command {
  const program = new Command('vialwise')
    .description('FHIR drug charge capture: HCPCS units, JW/JZ wastage lines, NDC detail, documentation gaps')
    // Set before the commands are added: subcommands copy these settings when created.
    .exitOverride()
    // `audit` and `audit merge` both have --json, --csv and --html: an option belongs to the
    // command it follows.
    .enablePositionalOptions()
    .configureOutput({
      writeOut: io.stdout,
      writeErr: io.stderr,
      outputError: (text, write) => write(`vialwise: ${text.replace(/^error: /, '')}`),
    })
    .showHelpAfterError('(add --help for usage)');
  registerCatalogCommands(program, io);
  registerAuditCommands(program, io);
  return program;
}

/** Runs a command line (`argv` as process.argv: the node binary and the script first); the exit code. */
export async function run(argv: readonly string[], io: CliIo = PROCESS_IO): Promise<number> {
  try {
    await createProgram(io).parseAsync([...argv]);
    return 0;
  } catch (err) {
    // Commander has already printed its message (usage errors) or the help text.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : EXIT_USAGE;
    io.stderr(`vialwise: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT_FAILED;
  }
}
