/**
 * `npm start` (through bin/vialwise-start.mjs, which checks the Node version first): read the
 * configuration, check what it points at, start the service (and the embedded FHIR server with
 * the demo data unless FHIR_BASE_URL is set), print the summary, and shut down cleanly on a
 * signal. A configuration mistake is one line on stderr naming the variable, exit code 2.
 */
import type { Running } from './bootstrap.ts';
import { ConfigError, displayHost, isLoopbackHost, loadConfig, type Config } from './config.ts';
import { AuthError, checkSigningKey } from './fhir/auth.ts';
import { createLogger } from './logger.ts';
import { checkPaths, probeFhir } from './preflight.ts';

function fail(message: string, code: number): never {
  process.stderr.write(`vialwise: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  const config: Config = loadConfig(process.env);
  if (config.fhirAuth.mode === 'private-key-jwt') {
    // A key that cannot sign is a configuration error: say so now, not on the first request.
    await checkSigningKey(config.fhirAuth.privateKeyFile).catch((err: unknown) => {
      throw err instanceof AuthError ? new ConfigError(err.message) : err;
    });
  }
  await checkPaths(config);
  const logger = createLogger(config.logLevel);
  if (config.allowInsecureHttp) {
    logger.warn(
      { event: 'insecure-http-allowed', reason: 'ALLOW_INSECURE_HTTP=true' },
      'plain http accepted for remote FHIR, token and public URLs',
    );
  }
  if (config.apiAccess.mode === 'open' && !isLoopbackHost(config.host)) {
    // The Host check stops browsers turned against the demo, not clients that connect directly.
    logger.warn(
      { event: 'api-open-on-network', listen: config.host },
      'the open demo API answers every client that reaches this port: publish it on 127.0.0.1 or set API_TOKEN',
    );
  }
  await probeFhir(config, logger);
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
  // Every configuration mistake, including reference files (CATALOG_DIR, CHARGEMASTER_FILE...).
  if (err instanceof ConfigError) fail(err.message, 2);
  const e = err as { message?: string };
  fail((e?.message ?? 'failed to start').split('\n')[0] || 'failed to start', 1);
});
