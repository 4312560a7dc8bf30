/**
 * `npm start`: read the configuration, start the service (and the embedded FHIR server with the
 * demo data unless FHIR_BASE_URL is set), print the summary, and shut down cleanly on a signal.
 */
import type { Running } from './bootstrap.ts';
import { ConfigError, loadConfig } from './config.ts';
import { AuthError, checkSigningKey } from './fhir/auth.ts';
import { createLogger } from './logger.ts';

function fail(message: string, code: number): never {
  process.stderr.write(`vialwise: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 2);
    throw err;
  }
  if (config.fhirAuth.mode === 'private-key-jwt') {
    // A key that cannot sign is a configuration error: say so now, not on the first request.
    await checkSigningKey(config.fhirAuth.privateKeyFile).catch((err: unknown) => {
      if (err instanceof AuthError) fail(err.message, 2);
      throw err;
    });
  }
  const logger = createLogger(config.logLevel);
  let running: Running | undefined = undefined;
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ event: 'shutdown', reason: signal }, 'shutting down');
    const done = running ? running.stop() : Promise.resolve();
    done.then(
      () => logger.flush(() => process.exit(0)),
      () => logger.flush(() => process.exit(1)),
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  // Loaded once the configuration is valid, so that a configuration error answers at once.
  const [{ startVialwise }, { DEMO_PRICES, seedDemo }, { formatSummary, summarize }] = await Promise.all([
    import('./bootstrap.ts'),
    import('./demo/seed.ts'),
    import('./demo/summary.ts'),
  ]);
  running = await startVialwise(config, logger, {
    ...(config.demoData ? { priceFiles: [DEMO_PRICES] } : {}),
  });
  if (config.demoData) {
    await running.registered;
    const ids = await seedDemo(running.gateway);
    const results = [];
    for (const id of ids) results.push(await running.service.evaluate(id));
    process.stdout.write(
      formatSummary(summarize(results), { service: running.serviceUrl, fhir: running.fhirBaseUrl }),
    );
  } else {
    process.stdout.write(`vialwise listening at ${running.serviceUrl}\n`);
  }
}

main().catch((err: unknown) => {
  // Reference files named by the configuration (e.g. CHARGEMASTER_FILE) are checked at start.
  if (err instanceof ConfigError) fail(err.message, 2);
  const e = err as { code?: string; message?: string };
  const reason =
    e?.code === 'EADDRINUSE'
      ? 'a port is already in use (set PORT or EMBEDDED_FHIR_PORT)'
      : (e?.message ?? 'failed to start').split('\n')[0];
  fail(reason ?? 'failed to start', 1);
});
