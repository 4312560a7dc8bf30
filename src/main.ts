/**
 * `npm start` (through bin/vialwise-start.mjs, which checks the Node version first): read the
 * configuration, check what it points at, start the service (and the embedded FHIR server with
 * the demo data unless FHIR_BASE_URL is set), print the summary, and shut down cleanly on a
 * signal. A configuration mistake is one line on stderr naming the variable, exit code 2.
 */
import type { Running } from './bootstrap.ts';
import { displayHost } from './config.ts';
import { prepareStart, startFailure } from './preflight.ts';

const FLUSH_DEADLINE_MS = 2_000;

async function main(): Promise<void> {
  // The summary and the address go to stdout too: a reader that went away must not stop the service.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  const { config, logger } = await prepareStart(process.env);
  let running: Running | undefined = undefined;
  let stopping = false;
  /**
   * Exits once the log is flushed, or after FLUSH_DEADLINE_MS whatever the log does: when the
   * reader of stdout has gone away (a log shipper that died), pino's flush never completes, and a
   * SIGTERM must still stop the process.
   */
  const exit = (code: number) => {
    setTimeout(() => process.exit(code), FLUSH_DEADLINE_MS);
    try {
      logger.flush(() => process.exit(code));
    } catch {
      process.exit(code);
    }
  };
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    try {
      logger.info({ event: 'shutdown', reason: signal }, 'shutting down');
    } catch {
      // The log cannot be written: stop anyway.
    }
    const done = running ? running.stop() : Promise.resolve();
    done.then(
      () => exit(0),
      () => exit(1),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  // Loaded once the configuration is valid, so that a configuration error answers at once.
  const [{ startVialwise }, { seedDemo }, { formatSummary, summarize }] = await Promise.all([
    import('./bootstrap.ts'),
    import('./demo/seed.ts'),
    import('./demo/summary.ts'),
  ]);
  // The demo is priced with the CMS payment limits of the catalog (its dates are after the last
  // loaded quarter: every figure says which quarter's limits it uses).
  running = await startVialwise(config, logger);
  if (config.demoData) {
    await running.registered;
    const ids = await seedDemo(running.gateway);
    const results = [];
    for (const id of ids) results.push(await running.service.evaluate(id));
    const fhirPort = new URL(running.fhirBaseUrl).port;
    process.stdout.write(
      formatSummary(
        summarize(results),
        {
          service: running.serviceUrl,
          // The embedded server's address as people type it: the same host name as the service's.
          fhir: config.embedded
            ? `http://${displayHost(config.embeddedFhirHost)}:${fhirPort}${new URL(running.fhirBaseUrl).pathname}`
            : running.fhirBaseUrl,
        },
        running.chargemaster?.info.hospitalName,
      ),
    );
  } else {
    process.stdout.write(`vialwise listening at ${running.serviceUrl}\n`);
  }
}

main().catch((err: unknown) => {
  const { line, code } = startFailure(err);
  process.stderr.write(`${line}\n`);
  process.exit(code);
});
