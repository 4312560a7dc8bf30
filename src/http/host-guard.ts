/**
 * Two browser-borne attacks on a service that answers on this machine (docs/security.md):
 *
 * - DNS rebinding: a web page on attacker.example re-resolves its own name to 127.0.0.1 and reads
 *   the open demo's API (patient data) as same-origin. The browser still sends
 *   `Host: attacker.example`, so the open demo answers only the host names it is reached by
 *   (ApiAccess `hosts`: localhost, 127.0.0.1, [::1], HOST and PUBLIC_URL's host).
 * - Cross-site request forgery: any page can make the browser send a "simple" POST (form or
 *   text/plain, no preflight) to http://localhost:8080/api/.... A state-changing `/api/*` request
 *   that a browser marks as coming from another site (`Sec-Fetch-Site`, or an `Origin` that is
 *   not this service's) is refused. Clients that are not browsers send neither header and pass.
 *
 * Health, readiness and metrics carry no patient data and are left to probes that may address
 * the service by any name (a container orchestrator uses the pod's IP).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { ApiAccess } from '../config.ts';
import { sendError } from './errors.ts';

const PROBES = new Set(['/healthz', '/readyz', '/metrics']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The host name of a Host header value (`name:port`, `[v6]:port`), lower-case; undefined when malformed. */
export function hostName(header: string | undefined): string | undefined {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/.exec(header ?? '');
  return m?.[1]?.toLowerCase().replace(/\.$/, '');
}

/** True when a browser says the request comes from another site or origin. */
export function isCrossSite(req: Request): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site !== 'same-origin' && site !== 'none';
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  // Browsers send `Origin: null` from sandboxed frames and some redirects: never same-origin.
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return true;
  }
  return parsed.host.toLowerCase() !== (req.headers.host ?? '').toLowerCase();
}

export function hostGuard(access: ApiAccess): RequestHandler {
  const hosts = new Set(access.mode === 'open' ? access.hosts : []);
  return (req: Request, res: Response, next: NextFunction) => {
    if (PROBES.has(req.path)) return next();
    if (access.mode === 'open') {
      const name = hostName(req.headers.host);
      if (name === undefined || !hosts.has(name)) {
        res.setHeader('Cache-Control', 'no-store');
        // 421 Misdirected Request (RFC 9110 section 15.5.20): not the host this server answers for.
        return sendError(res, 'host-not-allowed');
      }
    }
    if (req.path.startsWith('/api/') && !SAFE_METHODS.has(req.method) && isCrossSite(req)) {
      return sendError(res, 'cross-site-request');
    }
    return next();
  };
}
