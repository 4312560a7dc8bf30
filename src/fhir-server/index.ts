/**
 * The embedded FHIR R4 server: Medplum's FhirRouter + MemoryRepository behind express 5 at
 * `/fhir/R4`, with Medplum-style rest-hook subscription delivery. The composition root starts it
 * when no FHIR_BASE_URL is configured (SPEC section 1); tests start it on port 0.
 *
 * How it differs from a production FHIR server (see also FHIR-NOTES.md), so that nothing that
 * passes here is mistaken for proof that it works against Medplum or HAPI:
 *
 * - Storage is in memory, in one process: everything is lost on stop or exit.
 * - Transactions are NOT atomic: when an entry fails, the entries before it stay written (and
 *   their subscription notifications go out), although the response is an error.
 * - Nothing is validated on write (no cardinality, no profiles, no reference checks).
 * - Search: string parameters match "contains" (not "starts with"); number, quantity, composite
 *   and special parameters and `_has` never match in MemoryRepository, so HTTP searches using
 *   them, or using an unknown parameter (which would silently match nothing), get a 400 here, as
 *   on Medplum or HAPI; so do conditional writes (If-None-Exist, conditional update, patch and
 *   delete) with such criteria or none. Batch and transaction entries skip these checks, and
 *   their searches skip the default page size.
 *   `_elements`, `_total` and every `_summary` but `count` are ignored; `_sort` works.
 * - Paging is by `_offset` (default page 50, `_count` capped at 1000): writes between two page
 *   fetches shift the pages. Instance history is not paged.
 * - Version ids are UUIDs, not 1, 2, 3. A delete leaves no tombstone: reading a deleted resource
 *   gives 404 (not 410) and its history is gone from the API. Updating a missing id creates it
 *   (answered 201 here).
 * - Transaction references are rewritten only for `urn:uuid:` fullUrls holding a lower-case
 *   RFC 4122 UUID.
 * - No authentication, CORS, XML, `Prefer` handling, conditional read, type/system history or
 *   operations (other than the router's `$graphql`). Because anyone who reaches it can read and
 *   write everything, it listens on 127.0.0.1 unless EMBEDDED_FHIR_HOST opts in (with a warning),
 *   answers only Host headers naming this machine while on loopback (DNS rebinding), never
 *   returns a Subscription's secret, and notifies only the service (subscriptions.ts).
 * - Subscriptions follow Medplum, not the R4 spec: only `status = active` rest-hook
 *   Subscriptions fire (a `requested` one is not activated), `channel.payload` is ignored (always
 *   the full resource, `{}` on delete), there is no handshake or heartbeat, and notifications
 *   live in memory only. Ordering: see subscriptions.ts.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { CapabilityStatement } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { createLimitedServer, type ServerLimits } from '../server-limits.ts';
import { createEmbeddedFhirApp, FHIR_BASE_PATH } from './app.ts';
import { buildCapabilityStatement } from './capability.ts';
import type { SupportedProfile } from './capability.ts';
import { NotifyingMemoryRepository } from './repository.ts';
import { SubscriptionDispatcher } from './subscriptions.ts';
import type { DeliveryLog, DeliveryOptions } from './subscriptions.ts';

export { createEmbeddedFhirApp, FHIR_BASE_PATH } from './app.ts';
export type { EmbeddedFhirAppOptions } from './app.ts';
export { addSupportedProfiles, buildCapabilityStatement } from './capability.ts';
export type { CapabilityStatementOptions, SupportedProfile } from './capability.ts';
export { NotifyingMemoryRepository } from './repository.ts';
export type { ResourceWriteEvent, WriteInteraction } from './repository.ts';
export {
  DEFAULT_MAX_ATTEMPTS,
  SUBSCRIPTION_MAX_ATTEMPTS_URL,
  SUBSCRIPTION_SECRET_URL,
  SubscriptionDispatcher,
} from './subscriptions.ts';
export type { DeliveryAttempt, DeliveryLog, DeliveryOptions } from './subscriptions.ts';

export interface EmbeddedFhirServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  readonly logger: Logger;
  /** Interface to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** Subscription delivery tuning; tests shorten `retryBaseDelayMs`. */
  readonly delivery?: DeliveryOptions;
  /** Start from an existing repository (e.g. pre-seeded). */
  readonly repo?: NotifyingMemoryRepository;
  /** Profiles to list in the CapabilityStatement from the start; more via `addProfiles`. */
  readonly profiles?: readonly SupportedProfile[];
  /** See EmbeddedFhirAppOptions. */
  readonly publicBaseUrl?: string;
  readonly bodyLimit?: number | string;
  readonly defaultPageSize?: number;
  readonly maxPageSize?: number;
  /** Timeouts and connection cap (server-limits.ts). */
  readonly limits?: Partial<ServerLimits>;
}

export interface EmbeddedFhirServer {
  /** `http://127.0.0.1:PORT/fhir/R4` (the listening host, with wildcard hosts shown as 127.0.0.1). */
  readonly baseUrl: string;
  readonly port: number;
  readonly repo: NotifyingMemoryRepository;
  /** Notification attempts, for tests and diagnostics. */
  readonly deliveries: DeliveryLog;
  /** Lists more profiles (e.g. loaded StructureDefinitions) in `GET metadata`. */
  addProfiles(profiles: readonly SupportedProfile[]): void;
  /** Notifications go to these endpoints only from now on (before: loopback URLs only). */
  restrictDelivery(endpoints: readonly string[]): void;
  /** Drops every connection and listens again on the same port, keeping data and subscriptions. */
  restart(): Promise<void>;
  /** Cancels pending notification retries and closes the server; safe to call twice. */
  stop(): Promise<void>;
}

export async function startEmbeddedFhirServer(
  options: EmbeddedFhirServerOptions,
): Promise<EmbeddedFhirServer> {
  const { logger } = options;
  const host = options.host ?? '127.0.0.1';
  const repo = options.repo ?? new NotifyingMemoryRepository();
  const dispatcher = new SubscriptionDispatcher(repo, logger, options.delivery);

  const profiles: SupportedProfile[] = [...(options.profiles ?? [])];
  let statement: CapabilityStatement | undefined;
  const app = createEmbeddedFhirApp({
    logger,
    repo,
    capabilityStatement: () => (statement ??= buildCapabilityStatement({ profiles })),
    ...(options.publicBaseUrl !== undefined ? { publicBaseUrl: options.publicBaseUrl } : {}),
    ...(options.bodyLimit !== undefined ? { bodyLimit: options.bodyLimit } : {}),
    ...(options.defaultPageSize !== undefined ? { defaultPageSize: options.defaultPageSize } : {}),
    ...(options.maxPageSize !== undefined ? { maxPageSize: options.maxPageSize } : {}),
  });

  // On loopback, a request naming another host is a web page that rebound its DNS name here.
  const guarded = isLoopbackHost(host)
    ? (req: IncomingMessage, res: ServerResponse) => {
        if (isLoopbackHost(hostName(req.headers.host))) return void app(req, res);
        res.writeHead(421, { 'Content-Type': 'application/fhir+json', 'Cache-Control': 'no-store' });
        res.end(JSON.stringify(MISDIRECTED));
      }
    : app;
  const newServer = () => createLimitedServer(guarded, options.limits);
  let server: Server = newServer();
  let port: number;
  try {
    port = await listen(server, options.port, host);
  } catch (err) {
    dispatcher.stop();
    throw err;
  }
  const shownHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  const baseUrl = `http://${shownHost}:${port}${FHIR_BASE_PATH}`;
  logger.info({ event: 'fhir-server.listening', port, listen: host }, 'embedded FHIR server listening');
  if (!isLoopbackHost(host)) {
    logger.warn(
      { event: 'fhir-server.exposed', port, listen: host },
      'the embedded FHIR server has no authentication and is reachable from other machines (EMBEDDED_FHIR_HOST)',
    );
  }

  let stopped: Promise<void> | undefined;
  return {
    baseUrl,
    port,
    repo,
    deliveries: dispatcher,
    addProfiles(more) {
      profiles.push(...more);
      statement = undefined;
    },
    restrictDelivery(endpoints) {
      dispatcher.restrictTo(endpoints);
    },
    async restart() {
      if (stopped) throw new Error('embedded FHIR server is stopped');
      await close(server, 0);
      server = newServer();
      await listen(server, port, host);
      logger.info({ event: 'fhir-server.restarted', port });
    },
    stop() {
      stopped ??= (async () => {
        dispatcher.stop();
        await close(server, 1000);
        logger.info({ event: 'fhir-server.stopped', port });
      })();
      return stopped;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Stops accepting, closes idle keep-alive connections, and cuts the rest after `graceMs`. */
function close(server: Server, graceMs: number): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close((err) => {
      clearTimeout(force);
      if (err) reject(err);
      else resolve();
    });
    server.closeIdleConnections();
    if (graceMs === 0) server.closeAllConnections();
  });
}

const MISDIRECTED = {
  resourceType: 'OperationOutcome',
  issue: [
    {
      severity: 'error',
      code: 'forbidden',
      details: { text: 'This server answers only at localhost, 127.0.0.1 or [::1]' },
    },
  ],
};

/** The host name of a Host header (`name:port`, `[v6]:port`). */
function hostName(header: string | undefined): string {
  return /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/.exec(header ?? '')?.[1] ?? '';
}

function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}
