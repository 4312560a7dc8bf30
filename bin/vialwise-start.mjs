#!/usr/bin/env node
/* global process */
// `npm start`: check the Node.js version, then run the service (src/main.ts). The import is
// dynamic so that nothing TypeScript is resolved before the check has run.
import { requireSupportedNode } from './check-node.mjs';

requireSupportedNode('npm start');
import('../src/main.ts').catch(function (/** @type {unknown} */ err) {
  var message = err instanceof Error ? err.message : 'failed to start';
  process.stderr.write('vialwise: ' + message.split('\n')[0] + '\n');
  process.exit(1);
});
