/**
 * Limits of the HTTP servers this process runs (the service and the embedded FHIR server), so that
 * a slow or idle client cannot hold a connection for Node's default 300 s request timeout and a
 * flood of connections cannot exhaust file descriptors (docs/security.md).
 *
 * `requestTimeout` bounds how long a client may take to SEND its request (headers and body: 1 MiB
 * at 35 KiB/s still fits); it does not bound how long the service takes to answer, so a long
 * evaluation is never cut. `keepAliveTimeout` stays below `headersTimeout`, as Node requires; a
 * load balancer in front should close idle connections before this server does (idle timeout
 * under 5 s), or lower it there.
 */
import { createServer, type RequestListener, type Server } from 'node:http';

export interface ServerLimits {
  /** Time to receive the request headers. */
  readonly headersTimeoutMs: number;
  /** Time to receive the whole request, body included. */
  readonly requestTimeoutMs: number;
  /** Idle time of a kept-alive connection between two requests. */
  readonly keepAliveTimeoutMs: number;
  /** Connections open at once; more are closed as they arrive. */
  readonly maxConnections: number;
  /** How often Node checks the two timeouts above (it checks nothing in between). */
  readonly checkIntervalMs: number;
}

export const DEFAULT_SERVER_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1_000,
  checkIntervalMs: 1_000,
};

export function createLimitedServer(listener: RequestListener, limits: Partial<ServerLimits> = {}): Server {
  const l = { ...DEFAULT_SERVER_LIMITS, ...limits };
  const server = createServer(
    {
      headersTimeout: l.headersTimeoutMs,
      requestTimeout: l.requestTimeoutMs,
      keepAliveTimeout: Math.min(l.keepAliveTimeoutMs, l.headersTimeoutMs - 1),
      connectionsCheckingInterval: l.checkIntervalMs,
    },
    listener,
  );
  server.maxConnections = l.maxConnections;
  return server;
}
