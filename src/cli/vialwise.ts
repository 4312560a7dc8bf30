#!/usr/bin/env node
/**
 * `node src/cli/vialwise.ts ...` (and bin/vialwise.mjs): the command line of program.ts on this
 * process's arguments, streams and exit code.
 */
import { run } from './program.ts';

process.exitCode = await run(process.argv);
