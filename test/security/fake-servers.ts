/**
 * Small real HTTP servers on port 0 for the authentication, log and lifecycle tests: an OAuth2
 * token endpoint that checks what a client sends (client credentials with Basic auth, or a SMART
 * Backend Services client assertion verified with the public key), a fake FHIR endpoint that
 * only accepts issued bearer tokens, and a proxy in front of a real FHIR server that can check
 * tokens, hold requests, play dead, and record what went through it.
 */
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  decodeProtectedHeader,
  jwtVerify,
  type CryptoKey,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from 'jose';

export interface Listening {
  readonly url: string;
  readonly close: () => Promise<void>;
}

export async function listen(handler: RequestListener): Promise<Listening & { server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

// ---------------------------------------------------------------------------------------------
// Token endpoint

export interface TokenRequest {
  readonly headers: IncomingMessage['headers'];
  readonly params: URLSearchParams;
  /** Decoded `client_secret_basic` credentials (form-decoded as RFC 6749 section 2.3.1 says). */
  readonly basic?: { readonly id: string; readonly secret: string };
  readonly assertion?: { readonly header: ProtectedHeaderParameters; readonly payload: JWTPayload };
  /** Why the request was refused, when it was. */
  readonly refused?: string;
}

export interface ClientRegistration {
  readonly clientId: string;
  /** client_credentials with a secret. */
  readonly clientSecret?: string;
  /** private_key_jwt: the registered public key, its algorithm and key id. */
  readonly jwt?: { readonly publicKey: CryptoKey; readonly alg: 'RS384' | 'ES384'; readonly kid: string };
}

export interface TokenEndpoint extends Listening {
  /** The token URL (the `aud` of client assertions). */
  readonly tokenUrl: string;
  readonly requests: TokenRequest[];
  /** Access tokens issued, in order. */
  readonly issued: string[];
  /** `expires_in` of the next tokens (a number, or a string as some servers send it). */
  expiresIn: number | string;
  /** When set, every request is answered with this status (e.g. 503: the endpoint is down). */
  failWith: number | undefined;
}

export async function startTokenEndpoint(client: ClientRegistration): Promise<TokenEndpoint> {
  const seenJti = new Set<string>();
  const requests: TokenRequest[] = [];
  const issued: string[] = [];

  const refuse = (res: ServerResponse, record: Omit<TokenRequest, 'refused'>, why: string) => {
    requests.push({ ...record, refused: why });
    sendJson(res, 401, { error: 'invalid_client' });
  };

  const handler: RequestListener = (req, res) => {
    void (async () => {
      const params = new URLSearchParams((await readBody(req)).toString('utf8'));
      const record: { -readonly [K in keyof TokenRequest]: TokenRequest[K] } = {
        headers: req.headers,
        params,
      };
      if (endpoint.failWith) {
        requests.push({ ...record, refused: `down (${endpoint.failWith})` });
        return sendJson(res, endpoint.failWith, { error: 'temporarily_unavailable' });
      }
      if (
        req.method !== 'POST' ||
        !String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')
      ) {
        return refuse(res, record, 'not a form POST');
      }
      if (params.get('grant_type') !== 'client_credentials') return refuse(res, record, 'grant_type');

      const auth = req.headers.authorization ?? '';
      if (auth.startsWith('Basic ')) {
        const decoded = Buffer.from(auth.slice('Basic '.length), 'base64').toString('utf8');
        const colon = decoded.indexOf(':');
        const formDecode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
        record.basic = {
          id: formDecode(decoded.slice(0, colon)),
          secret: formDecode(decoded.slice(colon + 1)),
        };
        if (record.basic.id !== client.clientId || record.basic.secret !== client.clientSecret)
          return refuse(res, record, 'bad client secret');
      } else if (params.has('client_assertion')) {
        if (!client.jwt) return refuse(res, record, 'no key registered');
        if (
          params.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
        ) {
          return refuse(res, record, 'client_assertion_type');
        }
        const jwt = params.get('client_assertion') ?? '';
        let header: ProtectedHeaderParameters;
        try {
          header = decodeProtectedHeader(jwt);
          // SMART Backend Services: signature with the registered key, iss = sub = client_id,
          // aud = token URL, exp no more than five minutes ahead, a jti not seen before.
          const { payload } = await jwtVerify(jwt, client.jwt.publicKey, {
            algorithms: [client.jwt.alg],
            issuer: client.clientId,
            subject: client.clientId,
            audience: endpoint.tokenUrl,
            typ: 'JWT',
            requiredClaims: ['exp', 'jti'],
          });
          record.assertion = { header, payload };
        } catch (err) {
          return refuse(res, record, `assertion: ${(err as Error).message}`);
        }
        const { payload } = record.assertion;
        const now = Math.floor(Date.now() / 1000);
        if (header.kid !== client.jwt.kid) return refuse(res, record, `kid ${String(header.kid)}`);
        if (typeof payload.exp !== 'number' || payload.exp > now + 300 + 5)
          return refuse(res, record, 'exp too far ahead');
        if (typeof payload.jti !== 'string' || seenJti.has(payload.jti))
          return refuse(res, record, 'jti replayed');
        seenJti.add(payload.jti);
      } else {
        return refuse(res, record, 'no client authentication');
      }
      requests.push(record);
      const token = `tok-${issued.length + 1}-${Math.random().toString(36).slice(2, 10)}`;
      issued.push(token);
      sendJson(res, 200, {
        access_token: token,
        token_type: 'bearer',
        expires_in: endpoint.expiresIn,
        scope: params.get('scope') ?? '',
      });
    })().catch(() => sendJson(res, 500, { error: 'server_error' }));
  };

  const l = await listen(handler);
  // Requests arrive only after this is set: the handler reads the settings from it.
  const endpoint: TokenEndpoint = {
    url: l.url,
    tokenUrl: `${l.url}/auth/token`,
    requests,
    issued,
    expiresIn: 300,
    failWith: undefined,
    close: l.close,
  };
  return endpoint;
}

// ---------------------------------------------------------------------------------------------
// Fake FHIR endpoint

export interface FhirRequestRecord {
  readonly method: string;
  readonly url: string;
  readonly token: string | undefined;
  readonly status: number;
}

export interface FakeFhir extends Listening {
  readonly base: string;
  readonly requests: FhirRequestRecord[];
  /** Tokens answered with 401 even though they were issued (e.g. revoked early). */
  readonly rejected: Set<string>;
  /** Reject every token. */
  rejectAll: boolean;
}

/** A FHIR endpoint that answers reads only with a token the token endpoint issued. */
export async function startFakeFhir(tokens: TokenEndpoint): Promise<FakeFhir> {
  const requests: FhirRequestRecord[] = [];
  const l = await listen((req, res) => {
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
    const ok = !!token && tokens.issued.includes(token) && !fake.rejected.has(token) && !fake.rejectAll;
    const record = (status: number) =>
      requests.push({ method: req.method ?? '', url: req.url ?? '', token, status });
    if (!ok) {
      record(401);
      return sendJson(
        res,
        401,
        {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'login', details: { text: 'Unauthorized' } }],
        },
        { 'www-authenticate': 'Bearer error="invalid_token"' },
      );
    }
    const m = /^\/fhir\/Patient\/([A-Za-z0-9\-.]+)$/.exec(req.url ?? '');
    if (req.method === 'GET' && m) {
      record(200);
      return sendJson(res, 200, { resourceType: 'Patient', id: m[1], meta: { versionId: '1' } });
    }
    if (req.method === 'GET' && req.url === '/fhir/metadata') {
      record(200);
      return sendJson(res, 200, {
        resourceType: 'CapabilityStatement',
        status: 'active',
        kind: 'instance',
        fhirVersion: '4.0.1',
        format: ['json'],
      });
    }
    record(404);
    return sendJson(res, 404, {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'not-found' }],
    });
  });
  const fake: FakeFhir = {
    url: l.url,
    base: `${l.url}/fhir`,
    requests,
    rejected: new Set(),
    rejectAll: false,
    close: l.close,
  };
  return fake;
}

// ---------------------------------------------------------------------------------------------
// Proxy in front of a real FHIR server

export interface ProxyRecord {
  readonly method: string;
  /** Path and query below the proxy's base. */
  readonly url: string;
  readonly status: number;
  /** The request body (a batch Bundle holds the searches), as text. */
  readonly request: string;
  /** The response body, as text. */
  readonly response: string;
}

export interface FhirProxy extends Listening {
  readonly base: string;
  readonly records: ProxyRecord[];
  /** `up`: forward; `down`: 503 with Retry-After: 0; `hold`: keep requests pending until `release()`. */
  mode: 'up' | 'down' | 'hold';
  /** Requests currently held. */
  readonly held: number;
  /** With a token endpoint: refuse even issued tokens (revoked). */
  rejectTokens: boolean;
  readonly release: () => void;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
  'host',
  'upgrade',
]);

/**
 * Forwards `{proxy}/fhir/...` to `target` (a FHIR base URL). With `tokens`, only bearer tokens
 * that endpoint issued pass; anything else gets 401.
 */
export async function startFhirProxy(target: string, tokens?: TokenEndpoint): Promise<FhirProxy> {
  const records: ProxyRecord[] = [];
  let releaseAll: (() => void) | undefined;
  let holding: Promise<void> | undefined;
  let held = 0;
  const l = await listen((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = (req.url ?? '/').replace(/^\/fhir/, '');
      if (tokens) {
        const auth = req.headers.authorization;
        const token = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
        if (!token || !tokens.issued.includes(token) || proxy.rejectTokens) {
          records.push({
            method: req.method ?? '',
            url: path,
            status: 401,
            request: body.toString('utf8'),
            response: '',
          });
          return sendJson(res, 401, {
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'login' }],
          });
        }
      }
      if (proxy.mode === 'down') {
        records.push({
          method: req.method ?? '',
          url: path,
          status: 503,
          request: body.toString('utf8'),
          response: '',
        });
        return sendJson(
          res,
          503,
          { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'transient' }] },
          { 'retry-after': '0' },
        );
      }
      if (proxy.mode === 'hold') {
        holding ??= new Promise<void>((resolve) => (releaseAll = resolve));
        held++;
        await holding;
        held--;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (!HOP_BY_HOP.has(k) && k !== 'authorization' && typeof v === 'string') headers[k] = v;
      const upstream = await fetch(`${target}${path}`, {
        method: req.method ?? 'GET',
        headers,
        ...(body.length ? { body: Uint8Array.from(body) } : {}),
      });
      const text = await upstream.text();
      records.push({
        method: req.method ?? '',
        url: path,
        status: upstream.status,
        request: body.toString('utf8'),
        response: text,
      });
      const out: Record<string, string> = {};
      upstream.headers.forEach((v, k) => {
        if (!HOP_BY_HOP.has(k)) out[k] = v;
      });
      res.writeHead(upstream.status, out);
      res.end(text);
    })().catch(() => {
      if (!res.headersSent)
        sendJson(res, 502, {
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'exception' }],
        });
      else res.destroy();
    });
  });
  const proxy: FhirProxy = {
    url: l.url,
    base: `${l.url}/fhir`,
    records,
    mode: 'up',
    rejectTokens: false,
    get held() {
      return held;
    },
    release: () => {
      releaseAll?.();
      holding = undefined;
      releaseAll = undefined;
    },
    close: l.close,
  };
  return proxy;
}
