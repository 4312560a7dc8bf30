#!/usr/bin/env node
// `npx vialwise ...` and `npm run vialwise -- ...`: check the Node.js version first (one line
// with the fix, exit code 2, on an older Node.js), then run the command line from its TypeScript
// sources.
import { checkNode } from './node-check.mjs';

checkNode('vialwise');
await import('../src/cli/vialwise.ts');
