/**
 * The one place that reads the environment (SPEC section 1). `loadConfig(env)` is pure and
 * returns a frozen object; an invalid value is a ConfigError naming the variable (never its value
 * when it is a secret). main.ts turns that into exit code 2.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { isTimeZone } from './domain/time-zone.ts';

export class ConfigError extends Error {
  readonly code = 'config-invalid';
}

const port = z.coerce.number().int().min(0).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const url = z.url({ protocol: /^https?$/ });
const positiveInt = z.coerce.number().int().positive();
const listenHost = z
  .string()
  .regex(/^[A-Za-z0-9.:-]{1,253}$/, 'expected a host name or IP address, e.g. 127.0.0.1 or 0.0.0.0');

const SECRETS = new Set(['WEBHOOK_SECRET', 'FHIR_CLIENT_SECRET', 'API_TOKEN']);
/** The demo hospital's chargemaster excerpt (CMS price transparency CSV), used when the demo runs. */
export const DEMO_CHARGEMASTER_FILE = fileURLToPath(
  new URL('../demo/chargemaster/vialwise-demo-hospital_standardcharges.csv', import.meta.url),
);

/** Outside embedded mode the webhook secret must be long enough to resist guessing. */
export const MIN_WEBHOOK_SECRET_LENGTH = 24;
/** The API token is always long enough to resist guessing, and fits in an HTTP header as it is. */
export const MIN_API_TOKEN_LENGTH = 24;
const API_TOKEN_CHARS = /^[\x21-\x7e]+$/;

/**
 * Who may call `/api/*` (the API and the web UI's JSON): anyone (embedded demo without
 * API_TOKEN), holders of `Authorization: Bearer <API_TOKEN>`, or nobody (a real FHIR server and
 * no API_TOKEN: the service reads patient data with its own credentials, so it never serves
 * them unauthenticated). "Anyone" means anyone on this machine's browsers: the open demo answers
 * only requests addressed to `hosts` (http/host-guard.ts, a DNS-rebinding defence).
 */
export type ApiAccess =
  | { readonly mode: 'open'; readonly hosts: readonly string[] }
  | { readonly mode: 'token'; readonly token: string }
  | { readonly mode: 'disabled' };

/**
 * How the FHIR server authenticates its notifications (docs/security.md): `signature` puts the
 * secret in Medplum's subscription-secret extension, and the server signs each body (Medplum,
 * the embedded server); `header` puts it in `channel.header` as `Authorization: Bearer`, which
 * HAPI FHIR and servers like it send as they are. The secret is written only where it is used.
 */
export type WebhookAuth = 'signature' | 'header';

/** Host names of this machine's loopback interface: plain http to them never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(h) || h === '::1';
}

/** The wildcard addresses: listen on every interface. */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

/** `host` as it appears in a URL (IPv6 in brackets). */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

const envSchema = z.object({
  PORT: port.default(8080),
  // Outside a container the service answers this machine only; the image sets 0.0.0.0.
  HOST: listenHost.default('127.0.0.1'),
  FHIR_BASE_URL: url.optional(),
  EMBEDDED_FHIR_PORT: port.default(8103),
  // The embedded server has no authentication: loopback unless the operator opts in.
  EMBEDDED_FHIR_HOST: listenHost.default('127.0.0.1'),
  DEMO_DATA: bool.optional(),
  PUBLIC_URL: url.optional(),
  WEBHOOK_SECRET: z.string().optional(),
  WEBHOOK_AUTH: z.enum(['signature', 'header']).default('signature'),
  ALLOW_INSECURE_HTTP: bool.default(false),
  API_TOKEN: z.string().optional(),
  FHIR_AUTH: z.enum(['none', 'client-credentials', 'private-key-jwt']).default('none'),
  FHIR_TOKEN_URL: url.optional(),
  FHIR_CLIENT_ID: z.string().min(1).optional(),
  FHIR_CLIENT_SECRET: z.string().min(1).optional(),
  FHIR_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  FHIR_SCOPE: z.string().min(1).optional(),
  FHIR_KEY_ID: z.string().min(1).max(256).optional(),
  BILLING_PROVIDER: z
    .string()
    .regex(/^Organization\/[A-Za-z0-9\-.]{1,64}$/, 'expected Organization/<id>')
    .optional(),
  CATALOG_DIR: z.string().min(1).optional(),
  PAYER_RULES_FILE: z.string().min(1).optional(),
  CHARGEMASTER_FILE: z.string().min(1).optional(),
  FACILITIES_FILE: z.string().min(1).optional(),
  FACILITY_TIME_ZONE: z
    .string()
    .refine(isTimeZone, 'expected an IANA time zone such as America/Chicago')
    .optional(),
  SWEEP_INTERVAL_SECONDS: positiveInt.default(300),
  SWEEP_LOOKBACK_HOURS: positiveInt.default(72),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
});

export interface Config {
  readonly port: number;
  /** Interface the service listens on (127.0.0.1 by default; 0.0.0.0 in the container image). */
  readonly host: string;
  readonly embedded: boolean;
  readonly fhirBaseUrl: string | undefined;
  readonly embeddedFhirPort: number;
  /** Interface the embedded FHIR server listens on (loopback unless EMBEDDED_FHIR_HOST opts in). */
  readonly embeddedFhirHost: string;
  readonly demoData: boolean;
  readonly publicUrl: string | undefined;
  readonly webhookSecret: string;
  readonly webhookAuth: WebhookAuth;
  /** ALLOW_INSECURE_HTTP: plain http accepted for remote FHIR, token and public URLs. */
  readonly allowInsecureHttp: boolean;
  readonly apiAccess: ApiAccess;
  readonly fhirAuth:
    | { readonly mode: 'none' }
    | {
        readonly mode: 'client-credentials';
        readonly tokenUrl: string;
        readonly clientId: string;
        readonly clientSecret: string;
        readonly scope?: string;
      }
    | {
        readonly mode: 'private-key-jwt';
        readonly tokenUrl: string;
        readonly clientId: string;
        readonly privateKeyFile: string;
        readonly scope: string;
        /** JWT `kid`: the key's id in the JWK Set registered with the server (default: its RFC 7638 thumbprint). */
        readonly keyId?: string;
      };
  readonly billingProvider: string | undefined;
  readonly catalogDir: string | undefined;
  readonly payerRulesFile: string | undefined;
  /** The hospital's standard charges (CMS price transparency file, CSV or JSON): docs/chargemaster.md. */
  readonly chargemasterFile: string | undefined;
  /** Billing settings per facility (JSON); unset: one hospital outpatient facility. */
  readonly facilitiesFile: string | undefined;
  /** IANA time zone of the default facility; unset: dates of service as written. */
  readonly facilityTimeZone: string | undefined;
  readonly sweepIntervalSeconds: number;
  readonly sweepLookbackHours: number;
  readonly logLevel: string;
}

export function loadConfig(env: Record<string, string | undefined>): Config {
  // Blank variables count as unset, as in most deployment tools.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'environment');
    const what = SECRETS.has(name) ? 'is invalid' : `is invalid: ${issue?.message ?? ''}`;
    throw new ConfigError(`${name} ${what}`.trim());
  }
  const e = parsed.data;
  const embedded = e.FHIR_BASE_URL === undefined;
  if (!embedded && (!e.WEBHOOK_SECRET || e.WEBHOOK_SECRET.length < MIN_WEBHOOK_SECRET_LENGTH)) {
    throw new ConfigError(
      `WEBHOOK_SECRET is required with FHIR_BASE_URL and must be at least ${MIN_WEBHOOK_SECRET_LENGTH} characters`,
    );
  }
  if (
    e.API_TOKEN !== undefined &&
    (e.API_TOKEN.length < MIN_API_TOKEN_LENGTH || !API_TOKEN_CHARS.test(e.API_TOKEN))
  ) {
    throw new ConfigError(
      `API_TOKEN must be at least ${MIN_API_TOKEN_LENGTH} characters, printable ASCII without spaces`,
    );
  }
  // The webhook secret is shared with the FHIR server's administrators: it must not open the API.
  if (e.API_TOKEN !== undefined && e.API_TOKEN === e.WEBHOOK_SECRET) {
    throw new ConfigError('API_TOKEN must differ from WEBHOOK_SECRET');
  }
  // Patient data, tokens and the webhook's bearer secret cross the network to these URLs.
  requireHttps('FHIR_BASE_URL', e.FHIR_BASE_URL, e.ALLOW_INSECURE_HTTP);
  requireHttps('FHIR_TOKEN_URL', e.FHIR_TOKEN_URL, e.ALLOW_INSECURE_HTTP);
  // In embedded mode the FHIR server runs in this process and PUBLIC_URL names this machine.
  if (!embedded) requireHttps('PUBLIC_URL', e.PUBLIC_URL, e.ALLOW_INSECURE_HTTP);
  if (embedded && e.WEBHOOK_AUTH === 'header') {
    throw new ConfigError(
      'WEBHOOK_AUTH=header needs FHIR_BASE_URL: the embedded FHIR server signs its notifications',
    );
  }
  const apiAccess: ApiAccess =
    e.API_TOKEN !== undefined
      ? { mode: 'token', token: e.API_TOKEN }
      : embedded
        ? { mode: 'open', hosts: openDemoHosts(e.HOST, e.PUBLIC_URL) }
        : { mode: 'disabled' };
  const need = (name: keyof typeof e): string => {
    const v = e[name];
    if (typeof v !== 'string') throw new ConfigError(`${name} is required when FHIR_AUTH=${e.FHIR_AUTH}`);
    return v;
  };
  let fhirAuth: Config['fhirAuth'] = { mode: 'none' };
  if (e.FHIR_AUTH === 'client-credentials') {
    fhirAuth = {
      mode: 'client-credentials',
      tokenUrl: need('FHIR_TOKEN_URL'),
      clientId: need('FHIR_CLIENT_ID'),
      clientSecret: need('FHIR_CLIENT_SECRET'),
      ...(e.FHIR_SCOPE ? { scope: e.FHIR_SCOPE } : {}),
    };
  } else if (e.FHIR_AUTH === 'private-key-jwt') {
    fhirAuth = {
      mode: 'private-key-jwt',
      tokenUrl: need('FHIR_TOKEN_URL'),
      clientId: need('FHIR_CLIENT_ID'),
      privateKeyFile: need('FHIR_PRIVATE_KEY_FILE'),
      scope:
        e.FHIR_SCOPE ??
        'system/*.read system/Claim.write system/DetectedIssue.write system/Subscription.write',
      ...(e.FHIR_KEY_ID ? { keyId: e.FHIR_KEY_ID } : {}),
    };
  }
  const demoData = e.DEMO_DATA ?? embedded;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    embedded,
    fhirBaseUrl: e.FHIR_BASE_URL?.replace(/\/+$/, ''),
    embeddedFhirPort: e.EMBEDDED_FHIR_PORT,
    embeddedFhirHost: e.EMBEDDED_FHIR_HOST,
    demoData,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    webhookSecret: e.WEBHOOK_SECRET ?? randomBytes(32).toString('hex'),
    webhookAuth: e.WEBHOOK_AUTH,
    allowInsecureHttp: e.ALLOW_INSECURE_HTTP,
    apiAccess: Object.freeze(apiAccess),
    fhirAuth,
    billingProvider: e.BILLING_PROVIDER,
    catalogDir: e.CATALOG_DIR,
    payerRulesFile: e.PAYER_RULES_FILE,
    // The demo is priced by the demo hospital's own excerpt unless another file is named (demo/README.md).
    chargemasterFile: e.CHARGEMASTER_FILE ?? (demoData ? DEMO_CHARGEMASTER_FILE : undefined),
    facilitiesFile: e.FACILITIES_FILE,
    facilityTimeZone: e.FACILITY_TIME_ZONE,
    sweepIntervalSeconds: e.SWEEP_INTERVAL_SECONDS,
    sweepLookbackHours: e.SWEEP_LOOKBACK_HOURS,
    // The demo prints a summary to read; its request logs would bury it.
    logLevel: e.LOG_LEVEL ?? (demoData ? 'warn' : 'info'),
  });
}

/**
 * Refuses plain http to a host other than this machine: the FHIR server's answers carry patient
 * data, the token endpoint's carry credentials, and notifications to PUBLIC_URL carry both.
 * ALLOW_INSECURE_HTTP=true accepts it where the network encrypts by other means (a service mesh).
 */
function requireHttps(name: string, value: string | undefined, allowInsecure: boolean): void {
  if (value === undefined || allowInsecure) return;
  const u = new URL(value);
  if (u.protocol === 'http:' && !isLoopbackHost(u.hostname)) {
    throw new ConfigError(
      `${name} must use https for ${u.hostname} (plain http sends patient data and credentials in clear); set ALLOW_INSECURE_HTTP=true only where the network encrypts it`,
    );
  }
}

/** Host names the open demo answers to: this machine's loopback names, HOST and PUBLIC_URL's host. */
function openDemoHosts(host: string, publicUrl: string | undefined): string[] {
  const hosts = new Set(['localhost', '127.0.0.1', '[::1]']);
  if (!isWildcardHost(host)) hosts.add(urlHost(host).toLowerCase());
  if (publicUrl) hosts.add(new URL(publicUrl).hostname.toLowerCase());
  return [...hosts];
}

/**
 * A failed `listen` as the configuration error it is: which variable, which value, what to do.
 * Anything else is returned as it was.
 */
export function listenError(
  err: unknown,
  names: { readonly port: string; readonly host: string },
  port: number,
  host: string,
): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE')
    return new ConfigError(`${names.port} ${port} is already in use: set ${names.port} to a free port`);
  if (code === 'EACCES')
    return new ConfigError(
      `${names.port} ${port} needs privileges this process does not have: set ${names.port} above 1023`,
    );
  if (code === 'EADDRNOTAVAIL')
    return new ConfigError(
      `${names.host} ${host} is not an address of this machine: use 127.0.0.1, 0.0.0.0 or one of its addresses`,
    );
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new ConfigError(`${names.host} ${host} does not resolve to an address of this machine`);
  return err;
}

/**
 * Loads reference data a variable points at; a file that is missing or invalid there is a
 * configuration error naming the variable (the loaders' CatalogError names the file and why).
 */
export function loadConfigured<T>(variable: string, value: string | undefined, load: () => T): T {
  try {
    return load();
  } catch (err) {
    // CatalogError (catalog/catalog.ts), matched by its code so that this module stays light.
    if (value !== undefined && (err as { code?: unknown } | null)?.code === 'catalog-invalid')
      throw new ConfigError(`${variable}: ${(err as Error).message}`);
    throw err;
  }
}

/** How people on this machine reach a server listening on `host`: one name, `localhost`, for loopback and wildcard. */
export function displayHost(host: string): string {
  return isWildcardHost(host) || isLoopbackHost(host) ? 'localhost' : urlHost(host);
}

/** Where a server listening on `host` is reached from this machine (the wildcard via loopback). */
export function localHost(host: string): string {
  return isWildcardHost(host) ? '127.0.0.1' : urlHost(host);
}
