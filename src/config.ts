/**
 * The one place that reads the environment (SPEC section 1). `loadConfig(env)` is pure and
 * returns a frozen object; an invalid value is a ConfigError naming the variable (never its value
 * when it is a secret). main.ts turns that into exit code 2.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

export class ConfigError extends Error {
  readonly code = 'config-invalid';
}

const port = z.coerce.number().int().min(0).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const url = z.url({ protocol: /^https?$/ });
const positiveInt = z.coerce.number().int().positive();

const SECRETS = new Set(['WEBHOOK_SECRET', 'FHIR_CLIENT_SECRET', 'API_TOKEN']);
/** Outside embedded mode the webhook secret must be long enough to resist guessing. */
export const MIN_WEBHOOK_SECRET_LENGTH = 24;
/** The API token is always long enough to resist guessing, and fits in an HTTP header as it is. */
export const MIN_API_TOKEN_LENGTH = 24;
const API_TOKEN_CHARS = /^[\x21-\x7e]+$/;

/**
 * Who may call `/api/*` (the API and the web UI's JSON): anyone (embedded demo without
 * API_TOKEN), holders of `Authorization: Bearer <API_TOKEN>`, or nobody (a real FHIR server and
 * no API_TOKEN: the service reads patient data with its own credentials, so it never serves
 * them unauthenticated).
 */
export type ApiAccess =
  | { readonly mode: 'open' }
  | { readonly mode: 'token'; readonly token: string }
  | { readonly mode: 'disabled' };

const envSchema = z.object({
  PORT: port.default(8080),
  FHIR_BASE_URL: url.optional(),
  EMBEDDED_FHIR_PORT: port.default(8103),
  EMBEDDED_FHIR_HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:-]{1,253}$/, 'expected a host name or IP address')
    .default('127.0.0.1'),
  DEMO_DATA: bool.optional(),
  PUBLIC_URL: url.optional(),
  WEBHOOK_SECRET: z.string().optional(),
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
  SWEEP_INTERVAL_SECONDS: positiveInt.default(300),
  SWEEP_LOOKBACK_HOURS: positiveInt.default(72),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
});

export interface Config {
  readonly port: number;
  readonly embedded: boolean;
  readonly fhirBaseUrl: string | undefined;
  readonly embeddedFhirPort: number;
  /** Interface the embedded FHIR server listens on (0.0.0.0 in a container). */
  readonly embeddedFhirHost: string;
  readonly demoData: boolean;
  readonly publicUrl: string | undefined;
  readonly webhookSecret: string;
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
  const apiAccess: ApiAccess =
    e.API_TOKEN !== undefined
      ? { mode: 'token', token: e.API_TOKEN }
      : embedded
        ? { mode: 'open' }
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
    embedded,
    fhirBaseUrl: e.FHIR_BASE_URL?.replace(/\/+$/, ''),
    embeddedFhirPort: e.EMBEDDED_FHIR_PORT,
    embeddedFhirHost: e.EMBEDDED_FHIR_HOST,
    demoData,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    webhookSecret: e.WEBHOOK_SECRET ?? randomBytes(32).toString('hex'),
    apiAccess: Object.freeze(apiAccess),
    fhirAuth,
    billingProvider: e.BILLING_PROVIDER,
    catalogDir: e.CATALOG_DIR,
    payerRulesFile: e.PAYER_RULES_FILE,
    chargemasterFile: e.CHARGEMASTER_FILE,
    sweepIntervalSeconds: e.SWEEP_INTERVAL_SECONDS,
    sweepLookbackHours: e.SWEEP_LOOKBACK_HOURS,
    // The demo prints a summary to read; its request logs would bury it.
    logLevel: e.LOG_LEVEL ?? (demoData ? 'warn' : 'info'),
  });
}
