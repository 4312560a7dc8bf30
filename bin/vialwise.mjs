#!/usr/bin/env node
// `npx vialwise ...` and `npm run vialwise -- ...`: the same Node.js version check as `npm start`
// first (one line with the fix, exit code 2, on a Node.js that cannot run vialwise), then the
// command line from its TypeScript sources. The import is dynamic so that nothing TypeScript is
// resolved before the check has run.
import { requireSupportedNode } from './check-node.mjs';

requireSupportedNode('npx vialwise');
await import('../src/cli/vialwise.ts');
