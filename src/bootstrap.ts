/**
 * Composition: config -> reference data -> (embedded FHIR server) -> gateway -> service -> HTTP.
 * `startVialwise` is what main.ts and the integration tests run; it returns handles to stop it.
 */
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { loadFacilities } from './catalog/facilities.ts';
import { loadCatalog } from './catalog/load.ts';
import { loadPayerRules } from './catalog/payer-rules.ts';
import { ChargemasterError, type Chargemaster } from './catalog/chargemaster.ts';
import { loadChargemaster } from './catalog/load-chargemaster.ts';
import { ConfigError, displayHost, listenError, loadConfigured, localHost, type Config } from './config.ts';
import type { FacilityResolver } from './domain/facility.ts';
import { AuthError, createTokenSource } from './fhir/auth.ts';
import { createGateway, isUnavailable, type FhirGateway } from './fhir/gateway.ts';
import type { FetchHooks, RetryPolicy } from './fhir/http-fetch.ts';
import { createInProcessGateway, type InProcessHandler } from './fhir/in-process-gateway.ts';
import { createInProcessFhirServer } from './fhir-server/in-process.ts';
import { conformanceBundle, supportedProfiles } from './fhir/conformance.ts';
import { registerDevice, registerSubscriptions } from './fhir/registration.ts';
import {
  startEmbeddedFhirServer,
  type DeliveryOptions,
  type EmbeddedFhirServer,
} from './fhir-server/index.ts';
import { createApp } from './http/app.ts';
import { createMetrics, statusClass, type Metrics } from './metrics.ts';
import { createLimitedServer, type ServerLimits } from './server-limits.ts';
import { Service } from './evaluate/service.ts';
import { mountUi } from './ui/mount.ts';
import type express from 'express';

export const DEMO_BILLING_PROVIDER = 'Organization/demo-hospital';

export interface StartOptions {
  /** Extra price files (e.g. the demo's illustrative prices). */
  readonly priceFiles?: readonly string[];
  readonly delivery?: DeliveryOptions;
  readonly retry?: RetryPolicy;
  readonly clock?: () => Date;
  /** Interval between registration attempts while the FHIR server is down. */
  readonly registrationRetryMs?: number;
  readonly extendApp?: (app: express.Express, service: Service) => void;
  /** How long a shutdown waits for requests in flight (default 25 s). */
  readonly drainTimeoutMs?: number;
  /** Timeouts and connection cap of both HTTP servers (tests shorten them). */
  readonly serverLimits?: Partial<ServerLimits>;
  /** Least time between a requested catch-up sweep and the previous one (default 10 s; docs/notifications.md). */
  readonly sweepMinIntervalMs?: number;
  /** How long a readiness answer is reused (default 5 s). */
  readonly readyCacheMs?: number;
  /** In embedded mode, run the FHIR server without a socket (tests, benchmarks). */
  readonly inProcessFhir?: boolean;
}

export interface Running {
  readonly serviceUrl: string;
  readonly fhirBaseUrl: string;
  readonly service: Service;
  readonly gateway: FhirGateway;
  readonly metrics: Metrics;
  /** The hospital's standard charges, when CHARGEMASTER_FILE is set. */
  readonly chargemaster?: Chargemaster;
  /** The embedded FHIR server, when FHIR_BASE_URL is not set. */
  readonly embedded?: EmbeddedFhir;
  /** Resolves once the Device and Subscriptions are registered on the FHIR server. */
  readonly registered: Promise<void>;
  /** Stops accepting, finishes in-flight evaluations, stops the embedded server. */
  stop(): Promise<void>;
}

/** FACILITIES_FILE and FACILITY_TIME_ZONE; a file that cannot be read or is malformed is a configuration error. */
export function facilitiesOf(config: Pick<Config, 'facilitiesFile' | 'facilityTimeZone'>): FacilityResolver {
  return loadConfigured('FACILITIES_FILE', config.facilitiesFile, () =>
    loadFacilities(config.facilitiesFile, config.facilityTimeZone),
  );
}

/** What the service and its tests use of the embedded FHIR server, over HTTP or in process. */
export type EmbeddedFhir = Pick<
  EmbeddedFhirServer,
  'repo' | 'deliveries' | 'addProfiles' | 'restrictDelivery' | 'stop'
> & {
  readonly baseUrl: string;
  /** The request handler, when the server runs in process (no socket). */
  readonly handle?: InProcessHandler;
};

let inProcessServers = 0;

/**
 * The FHIR server and the gateway to it: FHIR_BASE_URL, or the embedded server on its port, or
 * (tests and benchmarks: `inProcessFhir`) the embedded server without a socket.
 */
async function connectFhir(
  config: Config,
  logger: Logger,
  opts: StartOptions,
  hooks: FetchHooks,
): Promise<{ gateway: FhirGateway; baseUrl: string; embedded?: EmbeddedFhir }> {
  const tokens = createTokenSource(config.fhirAuth);
  const over = (baseUrl: string) =>
    createGateway({
      baseUrl,
      hooks,
      ...(tokens ? { tokens } : {}),
      ...(opts.retry ? { retry: opts.retry } : {}),
    });
  if (!config.embedded) {
    if (!config.fhirBaseUrl) throw new Error('no FHIR base URL');
    return { gateway: over(config.fhirBaseUrl), baseUrl: config.fhirBaseUrl };
  }
  const delivery = opts.delivery ? { delivery: opts.delivery } : {};
  if (opts.inProcessFhir) {
    const server = createInProcessFhirServer({ logger, ...delivery });
    // One name per server, never connected to (RFC 6761 `.invalid`), so tests can tell them apart.
    const baseUrl = `http://fhir-${++inProcessServers}.in-process.invalid/fhir/R4`;
    const embedded = { ...server, baseUrl };
    await loadConformance(embedded);
    return { gateway: createInProcessGateway({ handle: server.handle, baseUrl, hooks }), baseUrl, embedded };
  }
  const server = await startEmbeddedFhirServer({
    port: config.embeddedFhirPort,
    host: config.embeddedFhirHost,
    logger,
    ...delivery,
    ...(opts.serverLimits ? { limits: opts.serverLimits } : {}),
  }).catch((err: unknown) => {
    const names = { port: 'EMBEDDED_FHIR_PORT', host: 'EMBEDDED_FHIR_HOST' };
    throw listenError(err, names, config.embeddedFhirPort, config.embeddedFhirHost);
  });
  await loadConformance(server);
  return { gateway: over(server.baseUrl), baseUrl: server.baseUrl, embedded: server };
}

/** The project's profiles, extensions, CodeSystems and CapabilityStatement, readable from the embedded server. */
async function loadConformance(embedded: EmbeddedFhir): Promise<void> {
  for (const entry of conformanceBundle().entry ?? []) {
    if (entry.resource) await embedded.repo.updateResource(entry.resource);
  }
  embedded.addProfiles(supportedProfiles());
}

/** CHARGEMASTER_FILE, read at start: a file that cannot be used is a configuration error (exit 2). */
function readChargemaster(file: string, logger: Logger): Chargemaster {
  let chargemaster: Chargemaster;
  try {
    chargemaster = loadChargemaster(file);
  } catch (err) {
    if (err instanceof ChargemasterError) throw new ConfigError(`CHARGEMASTER_FILE ${err.message}`);
    throw err;
  }
  const conflicts = chargemaster.conflicts();
  logger.info({ event: 'chargemaster-loaded', count: chargemaster.size }, 'chargemaster loaded');
  if (conflicts.length) {
    logger.warn(
      { event: 'chargemaster-conflicts', count: conflicts.length, codes: conflicts.slice(0, 20) },
      'chargemaster lists different gross charges for the same code: those lines are priced as estimates',
    );
  }
  return chargemaster;
}

export async function startVialwise(
  config: Config,
  logger: Logger,
  opts: StartOptions = {},
): Promise<Running> {
  const reference = {
    catalog: loadConfigured('CATALOG_DIR', config.catalogDir, () =>
      loadCatalog(config.catalogDir, [...(opts.priceFiles ?? [])]),
    ),
    payerRules: loadConfigured('PAYER_RULES_FILE', config.payerRulesFile, () =>
      loadPayerRules(config.payerRulesFile),
    ),
    facilities: facilitiesOf(config),
  };
  const chargemaster = config.chargemasterFile
    ? readChargemaster(config.chargemasterFile, logger)
    : undefined;
  const metrics = createMetrics();

  // Every FHIR answer tells the service's readiness that the server answers (set once it exists).
  let noteAnswer: (status: number) => void = () => undefined;
  const {
    gateway,
    baseUrl: fhirBaseUrl,
    embedded,
  } = await connectFhir(config, logger, opts, {
    onRequest: (status) => {
      metrics.fhirRequests.inc({ status: statusClass(status) });
      noteAnswer(status);
    },
  });
  const service = new Service({
    gateway,
    reference,
    logger,
    metrics,
    sweepLookbackHours: config.sweepLookbackHours,
    ...(chargemaster ? { chargemaster } : {}),
    ...(opts.sweepMinIntervalMs !== undefined ? { sweepMinIntervalMs: opts.sweepMinIntervalMs } : {}),
    ...(opts.readyCacheMs !== undefined ? { readyCacheMs: opts.readyCacheMs } : {}),
    // README "Configuration": in embedded mode the demo hospital bills when an Encounter names no serviceProvider.
    ...(config.billingProvider || config.embedded
      ? { billingProvider: config.billingProvider ?? DEMO_BILLING_PROVIDER }
      : {}),
    ...(opts.clock ? { clock: opts.clock } : {}),
  });
  noteAnswer = (status) => service.noteFhirAnswer(status);
  const app = createApp({
    service,
    metrics,
    logger,
    webhookSecret: config.webhookSecret,
    apiAccess: config.apiAccess,
    extend: (a: express.Express) => {
      const clock = opts.clock ? { clock: opts.clock } : {};
      mountUi(a, {
        gateway,
        service,
        catalog: reference.catalog,
        facilities: reference.facilities,
        logger,
        ...clock,
      });
      opts.extendApp?.(a, service);
    },
  });
  const server: Server = createLimitedServer(app, opts.serverLimits);
  // Requests being answered, so that a shutdown answers them before it exits.
  let inFlight = 0;
  let drained: (() => void) | undefined;
  server.on('request', (_req, res: ServerResponse) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) drained?.();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  }).catch(async (err: unknown) => {
    await embedded?.stop();
    throw listenError(err, { port: 'PORT', host: 'HOST' }, config.port, config.host);
  });
  const port = (server.address() as AddressInfo).port;
  const serviceUrl = `http://${displayHost(config.host)}:${port}`;
  const endpoint = `${config.publicUrl ?? `http://${localHost(config.host)}:${port}`}/notify`;
  // The embedded server notifies the service and nothing else (no SSRF through a Subscription).
  embedded?.restrictDelivery([endpoint]);
  logger.info({ event: 'listening', port }, 'vialwise listening');

  // Register at start; while the FHIR server is down, keep trying (readyz says so meanwhile).
  let stopping = false;
  let registrationTimer: NodeJS.Timeout | undefined;
  const registered = new Promise<void>((resolve) => {
    const attempt = async () => {
      try {
        service.device = await registerDevice(gateway);
        const written = await registerSubscriptions(
          gateway,
          endpoint,
          config.webhookSecret,
          config.webhookAuth,
        );
        logger.info({ event: 'registered', count: written }, 'subscriptions registered');
        resolve();
      } catch (err) {
        logger.warn(
          {
            event: 'registration-failed',
            errorCode: isUnavailable(err)
              ? 'fhir-unavailable'
              : err instanceof AuthError
                ? err.code
                : 'error',
          },
          'registration failed, retrying',
        );
        if (!stopping)
          registrationTimer = setTimeout(() => void attempt(), opts.registrationRetryMs ?? 5_000);
      }
    };
    void attempt();
  });

  const sweepTimer = setInterval(() => {
    service.periodicSweep().catch((err: unknown) => {
      metrics.errors.inc({ kind: 'sweep' });
      logger.warn(
        { event: 'sweep-failed', errorCode: isUnavailable(err) ? 'fhir-unavailable' : 'error' },
        'catch-up sweep failed',
      );
    });
  }, config.sweepIntervalSeconds * 1000);
  sweepTimer.unref();

  let stopped: Promise<void> | undefined;
  return {
    serviceUrl,
    fhirBaseUrl,
    service,
    gateway,
    metrics,
    ...(chargemaster ? { chargemaster } : {}),
    ...(embedded ? { embedded } : {}),
    registered,
    stop() {
      stopped ??= (async () => {
        stopping = true;
        clearInterval(sweepTimer);
        service.stop();
        if (registrationTimer) clearTimeout(registrationTimer);
        // Stop accepting, answer what was accepted (bounded), then close what is left.
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (inFlight > 0) {
          await Promise.race([
            new Promise<void>((resolve) => (drained = resolve)),
            new Promise<void>((resolve) => setTimeout(resolve, opts.drainTimeoutMs ?? 25_000).unref()),
          ]);
        }
        await service.idle();
        server.closeAllConnections();
        await closed;
        await embedded?.stop();
      })();
      return stopped;
    },
  };
}
