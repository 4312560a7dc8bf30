/**
 * Checks at start that what the configuration points at is there and answers, so that a mistake
 * stops the process with one line naming the variable and the cause (exit 2, main.ts) instead of
 * a stack trace or a service that retries forever: reference-data paths, then (with
 * FHIR_BASE_URL) the token endpoint and the FHIR server. A FHIR server or token endpoint that is
 * only unavailable for now (refused, timed out, 5xx) is not a configuration error: the service
 * starts, says so in its log, and keeps trying to register (bootstrap.ts).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { CATALOG_FOLDER_FILES } from './catalog/load.ts';
import { ConfigError, isLoopbackHost, loadConfig, type Config } from './config.ts';
import { AuthError, checkSigningKey, createTokenSource } from './fhir/auth.ts';
import { createLogger } from './logger.ts';

const PROBE_TIMEOUT_MS = 8_000;

/**
 * What `node src/main.ts` does before it starts anything: read the configuration from `env`,
 * check the signing key, the reference-data paths and what FHIR_BASE_URL and FHIR_TOKEN_URL
 * point at, and warn about settings that open the service up. Throws ConfigError for a mistake
 * (main.ts prints `startFailure`'s line and exits with its code).
 */
export async function prepareStart(
  env: NodeJS.ProcessEnv,
  makeLogger: (level: string) => Logger = createLogger,
): Promise<{ config: Config; logger: Logger }> {
  const config = loadConfig(env);
  if (config.fhirAuth.mode === 'private-key-jwt') {
    // A key that cannot sign is a configuration error: say so now, not on the first request.
    await checkSigningKey(config.fhirAuth.privateKeyFile).catch((err: unknown) => {
      throw err instanceof AuthError ? new ConfigError(err.message) : err;
    });
  }
  await checkPaths(config);
  const logger = makeLogger(config.logLevel);
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
  return { config, logger };
}

/**
 * The one line on stderr and the exit code for an error raised while starting: 2 for a
 * configuration mistake (every ConfigError, reference files included), 1 otherwise, never more
 * than the message's first line.
 */
export function startFailure(err: unknown): { readonly line: string; readonly code: 1 | 2 } {
  if (err instanceof ConfigError) return { line: `vialwise: ${err.message}`, code: 2 };
  const message = (err as { message?: unknown } | null)?.message;
  const first = typeof message === 'string' ? message.split('\n')[0] : '';
  return { line: `vialwise: ${first || 'failed to start'}`, code: 1 };
}

/** CATALOG_DIR is a folder holding the catalog files; PAYER_RULES_FILE is a file. */
export async function checkPaths(config: Pick<Config, 'catalogDir' | 'payerRulesFile'>): Promise<void> {
  if (config.catalogDir !== undefined) {
    const dir = config.catalogDir;
    const hint = `set it to a catalog folder (${CATALOG_FOLDER_FILES.join(', ')}) or unset it for the shipped catalog`;
    const kind = await pathKind(dir);
    if (kind === 'missing') throw new ConfigError(`CATALOG_DIR ${dir} does not exist: ${hint}`);
    if (kind === 'unreadable') throw new ConfigError(`CATALOG_DIR ${dir} cannot be read (permission denied)`);
    if (kind !== 'folder') throw new ConfigError(`CATALOG_DIR ${dir} is not a folder: ${hint}`);
    for (const file of CATALOG_FOLDER_FILES) {
      if ((await pathKind(join(dir, file))) !== 'file')
        throw new ConfigError(`CATALOG_DIR ${dir} has no ${file}: ${hint}`);
    }
  }
  if (config.payerRulesFile !== undefined) {
    const file = config.payerRulesFile;
    const hint = 'set it to a payer rules JSON file or unset it for the shipped rules';
    const kind = await pathKind(file);
    if (kind === 'missing') throw new ConfigError(`PAYER_RULES_FILE ${file} does not exist: ${hint}`);
    if (kind === 'unreadable')
      throw new ConfigError(`PAYER_RULES_FILE ${file} cannot be read (permission denied)`);
    if (kind !== 'file') throw new ConfigError(`PAYER_RULES_FILE ${file} is not a file: ${hint}`);
  }
}

async function pathKind(path: string): Promise<'missing' | 'unreadable' | 'folder' | 'file' | 'other'> {
  try {
    const s = await stat(path);
    return s.isDirectory() ? 'folder' : s.isFile() ? 'file' : 'other';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' ? 'unreadable' : 'missing';
  }
}

/** Why a request got no HTTP answer, and whether that can pass by itself. */
export interface NetworkCause {
  readonly transient: boolean;
  readonly text: string;
}

const TLS_CODE = /CERT|SSL|TLS|EPROTO|ALTNAME|SIGNATURE/;

export function networkCause(err: unknown, url: URL): NetworkCause {
  const e = err as
    { name?: string; code?: string; cause?: { code?: string; name?: string; message?: string } } | undefined;
  const code = e?.cause?.code ?? e?.code ?? '';
  const name = e?.cause?.name ?? e?.name ?? '';
  const host = url.hostname;
  // The Fetch standard's blocked ports (9, 6000, 6665...): fetch never connects to them.
  if (e?.cause?.message === 'bad port')
    return {
      transient: false,
      text: `fetch refuses port ${url.port} (a blocked port of the Fetch standard): use another port`,
    };
  if (code === 'ENOTFOUND') return { transient: false, text: `the host name ${host} does not resolve (DNS)` };
  if (code === 'EAI_AGAIN') return { transient: true, text: `the DNS lookup of ${host} failed for now` };
  if (code === 'ECONNREFUSED') return { transient: true, text: 'connection refused' };
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return { transient: true, text: 'host unreachable' };
  if (name === 'TimeoutError' || code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT')
    return { transient: true, text: `no answer within ${PROBE_TIMEOUT_MS / 1000} s` };
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || code === 'EPROTO')
    return {
      transient: false,
      text: `TLS handshake failed (${code}): the server does not speak https there`,
    };
  if (TLS_CODE.test(code))
    return {
      transient: false,
      text: `TLS certificate not accepted (${code}): give Node the issuing CA with NODE_EXTRA_CA_CERTS, or fix the certificate`,
    };
  return { transient: true, text: code ? `network error (${code})` : 'network error' };
}

/** The URL as printed: no user info, no query. */
function shown(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

type Probe = { readonly status: number; readonly body: unknown } | { readonly cause: NetworkCause };

async function probe(url: string, init: RequestInit): Promise<Probe> {
  try {
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    const text = await res.text().catch(() => '');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    return { status: res.status, body };
  } catch (err) {
    return { cause: networkCause(err, new URL(url)) };
  }
}

/**
 * With FHIR_BASE_URL: reaches the token endpoint and gets a token, reads the server's
 * CapabilityStatement and lists Subscriptions (what registration does first). A configuration
 * mistake throws ConfigError; a server that is only down for now is logged and left to the
 * registration retries.
 */
export async function probeFhir(config: Config, logger: Logger): Promise<void> {
  const base = config.fhirBaseUrl;
  if (config.embedded || !base) return;
  const later = (variable: string, text: string) => {
    logger.warn(
      { event: 'fhir-unreachable', reason: `${variable}: ${text}` },
      'not reachable yet; the service starts and keeps trying to register',
    );
  };

  let token: string | undefined;
  if (config.fhirAuth.mode !== 'none') {
    const tokenUrl = config.fhirAuth.tokenUrl;
    // Reachability first, without credentials: any HTTP answer will do.
    const reach = await probe(tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: '',
    });
    if ('cause' in reach) {
      if (!reach.cause.transient)
        throw new ConfigError(`FHIR_TOKEN_URL ${shown(tokenUrl)} cannot be reached: ${reach.cause.text}`);
      later('FHIR_TOKEN_URL', reach.cause.text);
    } else {
      try {
        token = await createTokenSource(config.fhirAuth)?.token();
      } catch (err) {
        const status = /answered (\d{3})/.exec((err as Error).message)?.[1];
        if (status && Number(status) >= 500) later('FHIR_TOKEN_URL', `answered ${status}`);
        else {
          const credentials =
            config.fhirAuth.mode === 'client-credentials'
              ? 'FHIR_CLIENT_ID, FHIR_CLIENT_SECRET'
              : 'FHIR_CLIENT_ID, FHIR_PRIVATE_KEY_FILE (its public key registered there), FHIR_KEY_ID';
          throw new ConfigError(
            `FHIR_TOKEN_URL ${shown(tokenUrl)} refused the client${status ? ` (${status})` : ''}: check ${credentials} and FHIR_SCOPE`,
          );
        }
      }
    }
  }

  const headers: Record<string, string> = { Accept: 'application/fhir+json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  const metadata = await probe(`${base}/metadata`, { headers });
  if ('cause' in metadata) {
    if (!metadata.cause.transient)
      throw new ConfigError(`FHIR_BASE_URL ${shown(base)} cannot be reached: ${metadata.cause.text}`);
    return later('FHIR_BASE_URL', metadata.cause.text);
  }
  const refused = (status: number, what: string) =>
    new ConfigError(
      config.fhirAuth.mode === 'none'
        ? `FHIR_BASE_URL ${shown(base)} answered ${status} to ${what}: it needs authorization; set FHIR_AUTH and the OAuth2 settings`
        : `FHIR_BASE_URL ${shown(base)} answered ${status} to ${what} with the token from FHIR_TOKEN_URL: check FHIR_SCOPE and the client's access`,
    );
  const s = metadata.status;
  if (s >= 500 || s === 429) return later('FHIR_BASE_URL', `answered ${s}`);
  if (s === 401 || s === 403) {
    // Some servers protect their CapabilityStatement; without a token there is nothing more to try.
    if (!token && config.fhirAuth.mode !== 'none')
      return later('FHIR_BASE_URL', `answered ${s} without a token`);
    throw refused(s, 'GET metadata');
  }
  if (s >= 300 && s < 400)
    throw new ConfigError(
      `FHIR_BASE_URL ${shown(base)} redirects (${s}): set it to the address it redirects to`,
    );
  if (
    s !== 200 ||
    (metadata.body as { resourceType?: unknown } | undefined)?.resourceType !== 'CapabilityStatement'
  )
    throw new ConfigError(
      `FHIR_BASE_URL ${shown(base)} is not a FHIR R4 base URL: GET metadata answered ${s} without a CapabilityStatement`,
    );

  if (config.fhirAuth.mode !== 'none' && !token) return;
  const list = await probe(`${base}/Subscription?_count=1`, { headers });
  if ('cause' in list) return later('FHIR_BASE_URL', list.cause.text);
  if (list.status === 401 || list.status === 403)
    throw refused(list.status, 'a Subscription search (the service registers its Subscriptions)');
}
