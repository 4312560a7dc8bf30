/**
 * The one error class and the one registry of error codes. Every error vialwise raises on
 * purpose carries a stable `code`; the registry says what HTTP status and public text that code
 * answers with, and whether the caller should retry (`Retry-After`, in seconds). The message is
 * for logs and the command line, never for an HTTP client: a client sees the registry's text, or
 * the error's own `publicText` when vialwise wrote it (never text from the FHIR server).
 * The codes are listed in docs/operations.md.
 */

export interface ErrorSpec {
  readonly status: number;
  /** FHIR `OperationOutcome.issue.code` (http://hl7.org/fhir/R4/valueset-issue-type.html). */
  readonly issue:
    | 'invalid'
    | 'login'
    | 'forbidden'
    | 'not-found'
    | 'conflict'
    | 'too-costly'
    | 'not-supported'
    | 'transient'
    | 'exception'
    | 'processing'
    | 'incomplete'
    | 'throttled';
  readonly text: string;
  /** Seconds a sender should wait before retrying (503). */
  readonly retryAfter?: number;
}

export const ERRORS = {
  // The caller's request.
  'invalid-body': { status: 400, issue: 'invalid', text: 'The body could not be read' },
  'invalid-id': { status: 400, issue: 'invalid', text: 'Invalid id' },
  'body-too-large': { status: 413, issue: 'too-costly', text: 'Body is larger than 1 MiB' },
  'unsupported-media-type': {
    status: 415,
    issue: 'not-supported',
    text: 'Content-Type must be application/fhir+json or application/json (UTF-8)',
  },
  'unsupported-encoding': { status: 415, issue: 'not-supported', text: 'Unsupported body encoding' },
  unauthorized: { status: 401, issue: 'login', text: 'Missing or invalid signature or bearer token' },
  'api-disabled': {
    status: 403,
    issue: 'forbidden',
    text: 'The vialwise API and web UI are disabled until API_TOKEN is set on the service',
  },
  'not-found': { status: 404, issue: 'not-found', text: 'Not found' },
  'host-not-allowed': {
    status: 421,
    issue: 'forbidden',
    text: 'This demo answers only at localhost (or the host of PUBLIC_URL): open it at http://localhost:<PORT>/',
  },
  'cross-site-request': {
    status: 403,
    issue: 'forbidden',
    text: 'Cross-site requests to the API are refused',
  },
  'encounter-not-found': { status: 404, issue: 'not-found', text: 'Encounter not found' },
  'resource-not-found': {
    status: 404,
    issue: 'not-found',
    text: 'The resource the notification names is not on the FHIR server',
  },
  // The web UI's requests (src/ui).
  'invalid-filter': { status: 400, issue: 'invalid', text: 'Invalid filter' },
  'invalid-acknowledgement': { status: 400, issue: 'invalid', text: 'Invalid acknowledgement' },
  'invalid-action': { status: 400, issue: 'invalid', text: 'The change cannot be recorded' },
  'not-a-gap': { status: 404, issue: 'not-found', text: 'No such documentation gap' },
  'gap-closed': { status: 409, issue: 'conflict', text: 'This gap is no longer open: reload the worklist' },
  'stale-version': {
    status: 412,
    issue: 'conflict',
    text: 'This gap changed since the page loaded it: reload and acknowledge again',
  },
  // The FHIR server behind vialwise: never the caller's fault, so never a 4xx to the caller.
  'fhir-unavailable': {
    status: 503,
    issue: 'transient',
    text: 'The FHIR server is unavailable; retry later',
    retryAfter: 5,
  },
  'fhir-auth-failed': {
    status: 503,
    issue: 'transient',
    text: 'The FHIR server did not accept the service credentials; retry later',
    retryAfter: 5,
  },
  'write-conflict': {
    status: 503,
    issue: 'conflict',
    text: 'Concurrent updates kept conflicting; retry later',
    retryAfter: 5,
  },
  'fhir-not-found': { status: 404, issue: 'not-found', text: 'Not found on the FHIR server' },
  'fhir-refused': {
    status: 502,
    issue: 'processing',
    text: 'The FHIR server refused the request',
  },
  'fhir-paging': {
    status: 502,
    issue: 'processing',
    text: 'The FHIR server sent a paging link the service does not follow',
  },
  'fhir-incomplete': {
    status: 502,
    issue: 'incomplete',
    text: 'The FHIR server answered a search only in part',
  },
  // Not HTTP errors (start-up, command line, catalog): a 500 if one ever reached a client.
  'config-invalid': { status: 500, issue: 'exception', text: 'Internal error' },
  'catalog-invalid': { status: 500, issue: 'exception', text: 'Internal error' },
  'ndc-malformed': { status: 500, issue: 'exception', text: 'Internal error' },
  internal: { status: 500, issue: 'exception', text: 'Internal error' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export interface ErrorOptions {
  /** Text written by vialwise for the HTTP client, more precise than the registry's. */
  readonly publicText?: string;
  readonly cause?: unknown;
}

export class VialwiseError<C extends string = ErrorCode> extends Error {
  readonly code: C;
  readonly publicText: string | undefined;

  constructor(code: C, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VialwiseError';
    this.code = code;
    this.publicText = options.publicText;
  }
}

export function isVialwiseError<C extends ErrorCode>(err: unknown, code?: C): err is VialwiseError<C> {
  return err instanceof VialwiseError && (code === undefined || err.code === code);
}

/** The registry entry of a code; an unregistered code is an internal error. */
export function errorSpec(code: string): ErrorSpec {
  return (ERRORS as Record<string, ErrorSpec>)[code] ?? ERRORS.internal;
}
