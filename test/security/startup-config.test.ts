/**
 * Configuration checked at start (SPEC section 1), on the real entry point `node src/main.ts`:
 * outside embedded mode the service refuses to start without a WEBHOOK_SECRET of at least 24
 * characters, and an API_TOKEN, when set, must have 24 (printable, no spaces) and differ from the
 * webhook secret; plain http to a FHIR server, token endpoint or public URL on another machine is
 * refused (issue 12); what FHIR_BASE_URL and FHIR_TOKEN_URL point at is tried, and a mistake
 * (DNS, TLS, 401, not a FHIR base) is named (issue 15). An invalid value exits with code 2 and
 * one line naming the variable, and never prints a secret's value.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestListener } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createLogger } from '../../src/logger.ts';
import { prepareStart, startFailure } from '../../src/preflight.ts';
import { logLines, runToExit, START_ENTRY, startService } from '../logs/child-process.ts';
import { listen, startTokenEndpoint, type Listening, type TokenEndpoint } from './fake-servers.ts';

// Nothing listens on port 2 (not port 9: fetch never connects to it, a blocked port).
const EXTERNAL = 'http://127.0.0.1:2/fhir/R4';
const SHORT_SECRET = 'canary-short-Zq9x7';
const CLIENT_SECRET = 'canary-client-secret-Kp3w';
const SHORT_API_TOKEN = 'canary-api-short-Wq2';
const dir = mkdtempSync(join(tmpdir(), 'vialwise-config-'));
const notAKey = join(dir, 'not-a-key.pem');
writeFileSync(
  notAKey,
  `-----BEGIN PRIVATE KEY-----\n${Buffer.from(CLIENT_SECRET).toString('base64')}\n-----END PRIVATE KEY-----\n`,
);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * What `node src/main.ts` would print and exit with for `env`, run in process: the same checks
 * (`prepareStart`) and the same line (`startFailure`), with its log kept to look for secrets.
 */
async function checkInProcess(
  env: Record<string, string>,
): Promise<{ code: number; line: string; log: string }> {
  let log = '';
  const logger = (level: string) => createLogger(level, { write: (chunk: string) => void (log += chunk) });
  try {
    await prepareStart(env, logger);
    return { code: 0, line: '', log };
  } catch (err) {
    const { line, code } = startFailure(err);
    return { code, line, log };
  }
}

/** Cases also run as the real process. */
const AS_PROCESS = [
  'a short WEBHOOK_SECRET',
  'PORT is not a number',
  'private-key-jwt with a key file that is not a key',
];
const PROBES_AS_PROCESS = [
  'a host name that does not resolve',
  'a token endpoint that refuses the client secret',
];

interface Case {
  readonly name: string;
  readonly env: Record<string, string>;
  /** The variable the one line must name. */
  readonly names: string;
  /** Values that must not be printed. */
  readonly secrets?: readonly string[];
}

const cases: Case[] = [
  { name: 'FHIR_BASE_URL without WEBHOOK_SECRET', env: { FHIR_BASE_URL: EXTERNAL }, names: 'WEBHOOK_SECRET' },
  {
    name: 'a short WEBHOOK_SECRET',
    env: { FHIR_BASE_URL: EXTERNAL, WEBHOOK_SECRET: SHORT_SECRET },
    names: 'WEBHOOK_SECRET',
    secrets: [SHORT_SECRET],
  },
  {
    name: 'a WEBHOOK_SECRET of 23 characters',
    env: { FHIR_BASE_URL: EXTERNAL, WEBHOOK_SECRET: 'x'.repeat(23) },
    names: 'WEBHOOK_SECRET',
    secrets: ['x'.repeat(23)],
  },
  {
    name: 'a blank WEBHOOK_SECRET',
    env: { FHIR_BASE_URL: EXTERNAL, WEBHOOK_SECRET: '' },
    names: 'WEBHOOK_SECRET',
  },
  {
    name: 'a short API_TOKEN',
    env: { FHIR_BASE_URL: EXTERNAL, WEBHOOK_SECRET: 'z'.repeat(30), API_TOKEN: SHORT_API_TOKEN },
    names: 'API_TOKEN',
    secrets: [SHORT_API_TOKEN, 'z'.repeat(30)],
  },
  {
    name: 'a short API_TOKEN in embedded mode',
    env: { API_TOKEN: SHORT_API_TOKEN },
    names: 'API_TOKEN',
    secrets: [SHORT_API_TOKEN],
  },
  {
    name: 'an API_TOKEN with a space',
    env: { API_TOKEN: 'canary api token 0123456789abcdef' },
    names: 'API_TOKEN',
    secrets: ['canary api token 0123456789abcdef'],
  },
  {
    name: 'API_TOKEN equal to WEBHOOK_SECRET',
    env: { FHIR_BASE_URL: EXTERNAL, WEBHOOK_SECRET: 'q'.repeat(30), API_TOKEN: 'q'.repeat(30) },
    names: 'API_TOKEN',
    secrets: ['q'.repeat(30)],
  },
  { name: 'PORT is not a number', env: { PORT: 'eighty' }, names: 'PORT' },
  { name: 'PORT above 65535', env: { PORT: '70000' }, names: 'PORT' },
  { name: 'PORT negative', env: { PORT: '-1' }, names: 'PORT' },
  { name: 'PORT not an integer', env: { PORT: '80.5' }, names: 'PORT' },
  { name: 'EMBEDDED_FHIR_PORT invalid', env: { EMBEDDED_FHIR_PORT: 'x' }, names: 'EMBEDDED_FHIR_PORT' },
  {
    name: 'FHIR_BASE_URL not http(s)',
    env: { FHIR_BASE_URL: 'ftp://fhir.example.org/', WEBHOOK_SECRET: 'y'.repeat(32) },
    names: 'FHIR_BASE_URL',
    secrets: ['y'.repeat(32)],
  },
  { name: 'LOG_LEVEL unknown', env: { LOG_LEVEL: 'verbose' }, names: 'LOG_LEVEL' },
  { name: 'HOST not an address', env: { HOST: 'local host' }, names: 'HOST' },
  {
    name: 'EMBEDDED_FHIR_HOST not an address',
    env: { EMBEDDED_FHIR_HOST: '0.0.0.0/0' },
    names: 'EMBEDDED_FHIR_HOST',
  },
  { name: 'WEBHOOK_AUTH unknown', env: { WEBHOOK_AUTH: 'both' }, names: 'WEBHOOK_AUTH' },
  {
    name: 'WEBHOOK_AUTH=header in embedded mode (the embedded server signs)',
    env: { WEBHOOK_AUTH: 'header' },
    names: 'WEBHOOK_AUTH',
  },
  {
    name: 'ALLOW_INSECURE_HTTP not a boolean',
    env: { ALLOW_INSECURE_HTTP: 'maybe' },
    names: 'ALLOW_INSECURE_HTTP',
  },
  {
    name: 'FHIR_BASE_URL over plain http to another machine',
    env: { FHIR_BASE_URL: 'http://fhir.hospital.example/fhir/R4', WEBHOOK_SECRET: 'y'.repeat(32) },
    names: 'FHIR_BASE_URL must use https for fhir.hospital.example',
    secrets: ['y'.repeat(32)],
  },
  {
    name: 'FHIR_TOKEN_URL over plain http to another machine',
    env: {
      FHIR_BASE_URL: 'https://fhir.hospital.example/fhir/R4',
      WEBHOOK_SECRET: 'z'.repeat(30),
      FHIR_AUTH: 'client-credentials',
      FHIR_TOKEN_URL: 'http://login.hospital.example/token',
      FHIR_CLIENT_ID: 'vialwise',
      FHIR_CLIENT_SECRET: CLIENT_SECRET,
    },
    names: 'FHIR_TOKEN_URL must use https for login.hospital.example',
    secrets: [CLIENT_SECRET, 'z'.repeat(30)],
  },
  {
    name: 'PUBLIC_URL over plain http to another machine, with a real FHIR server',
    env: {
      FHIR_BASE_URL: 'https://fhir.hospital.example/fhir/R4',
      WEBHOOK_SECRET: 'z'.repeat(30),
      PUBLIC_URL: 'http://vialwise.hospital.example',
    },
    names: 'PUBLIC_URL must use https for vialwise.hospital.example',
  },
  { name: 'FHIR_AUTH unknown', env: { FHIR_AUTH: 'basic' }, names: 'FHIR_AUTH' },
  {
    name: 'client-credentials without a token URL',
    env: {
      FHIR_BASE_URL: EXTERNAL,
      WEBHOOK_SECRET: 'z'.repeat(30),
      FHIR_AUTH: 'client-credentials',
      FHIR_CLIENT_ID: 'vialwise',
      FHIR_CLIENT_SECRET: CLIENT_SECRET,
    },
    names: 'FHIR_TOKEN_URL',
    secrets: [CLIENT_SECRET, 'z'.repeat(30)],
  },
  {
    name: 'private-key-jwt with a key file that is not a key',
    env: {
      FHIR_BASE_URL: EXTERNAL,
      WEBHOOK_SECRET: 'z'.repeat(30),
      FHIR_AUTH: 'private-key-jwt',
      FHIR_TOKEN_URL: 'http://127.0.0.1:9/token',
      FHIR_CLIENT_ID: 'vialwise',
      FHIR_PRIVATE_KEY_FILE: notAKey,
    },
    names: 'FHIR_PRIVATE_KEY_FILE',
    secrets: [CLIENT_SECRET, Buffer.from(CLIENT_SECRET).toString('base64'), 'z'.repeat(30)],
  },
  {
    name: 'private-key-jwt with a missing key file',
    env: {
      FHIR_BASE_URL: EXTERNAL,
      WEBHOOK_SECRET: 'z'.repeat(30),
      FHIR_AUTH: 'private-key-jwt',
      FHIR_TOKEN_URL: 'http://127.0.0.1:9/token',
      FHIR_CLIENT_ID: 'vialwise',
      FHIR_PRIVATE_KEY_FILE: join(dir, 'missing.pem'),
    },
    names: 'FHIR_PRIVATE_KEY_FILE',
  },
];

describe('node src/main.ts refuses an invalid configuration', () => {
  test('plain http is accepted for this machine, and elsewhere only with ALLOW_INSECURE_HTTP=true', async () => {
    const { loadConfig } = await import('../../src/config.ts');
    const base = { WEBHOOK_SECRET: 'w'.repeat(24) };
    for (const url of ['http://localhost:8080/fhir', 'http://127.0.0.1/fhir', 'http://[::1]:9/fhir'])
      expect(loadConfig({ ...base, FHIR_BASE_URL: url }).fhirBaseUrl).toBe(url);
    const remote = { ...base, FHIR_BASE_URL: 'http://hapi:8080/fhir', PUBLIC_URL: 'http://vialwise:8080' };
    expect(() => loadConfig(remote)).toThrow(/^FHIR_BASE_URL must use https/);
    expect(loadConfig({ ...remote, ALLOW_INSECURE_HTTP: 'true' }).allowInsecureHttp).toBe(true);
    // In embedded mode PUBLIC_URL names this machine for its own FHIR server.
    expect(loadConfig({ PUBLIC_URL: 'http://192.168.1.20:8080' }).publicUrl).toBe('http://192.168.1.20:8080');
  });

  // Every case through the start-up checks main.ts runs, in process; a few also as the real
  // process, which proves main.ts prints that line and exits with that code.
  test.each(cases.map((c) => [c.name, c] as const))(
    '%s: exit 2, one line naming the variable',
    async (_name, c) => {
      const r = await checkInProcess(c.env);
      expect(r.code).toBe(2);
      expect(r.line).toMatch(new RegExp(`^vialwise: ${c.names}\\b`));
      expect(r.line).not.toContain('\n');
      for (const s of c.secrets ?? []) expect(r.line + r.log).not.toContain(s);
    },
  );

  test.concurrent.each(cases.filter((c) => AS_PROCESS.includes(c.name)).map((c) => [c.name, c] as const))(
    '%s, as the process: exit 2, one line on stderr, nothing on stdout',
    async (_name, c) => {
      const r = await runToExit(c.env);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toBe((await checkInProcess(c.env)).line);
      for (const s of c.secrets ?? []) expect(r.stderr).not.toContain(s);
    },
  );

  test('a WEBHOOK_SECRET of 24 characters is enough to start against a FHIR server', async () => {
    const secret = 'w'.repeat(24);
    // The FHIR server is unreachable: the service starts anyway and retries registration.
    const { main, url } = await startService({
      FHIR_BASE_URL: EXTERNAL,
      WEBHOOK_SECRET: secret,
      LOG_LEVEL: 'info',
    });
    try {
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(503);
      // Without API_TOKEN the API is off.
      expect((await fetch(`${url}/api/ui/worklist`)).status).toBe(403);
    } finally {
      const exit = await main.terminate();
      expect(exit.code).toBe(0);
    }
    expect(main.stdout() + main.stderr()).not.toContain(secret);
  });

  test('an API_TOKEN of 24 characters is enough; /api then needs it, and it is never printed', async () => {
    const token = 'canary-api-token-24-Xk7m';
    expect(token).toHaveLength(24);
    const { main, url } = await startService({
      FHIR_BASE_URL: EXTERNAL,
      WEBHOOK_SECRET: 'w'.repeat(24),
      API_TOKEN: token,
      LOG_LEVEL: 'debug',
    });
    try {
      expect((await fetch(`${url}/api/ui/worklist`)).status).toBe(401);
      // Accepted; the FHIR server is unreachable, so the answer is 503.
      const res = await fetch(`${url}/api/ui/worklist`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(503);
      expect(await res.text()).not.toContain(token);
    } finally {
      const exit = await main.terminate();
      expect(exit.code).toBe(0);
    }
    expect(main.stdout() + main.stderr()).not.toContain(token);
  });
});

describe('what FHIR_BASE_URL and FHIR_TOKEN_URL point at is tried at start', () => {
  const servers: Listening[] = [];
  let tokens: TokenEndpoint;
  const CLIENT_SECRET_OK = 'canary-client-secret-right-Hq4';
  const answering = async (status: number, body: unknown = {}, headers: Record<string, string> = {}) => {
    const handler: RequestListener = (_req, res) => {
      res.writeHead(status, { 'content-type': 'application/fhir+json', ...headers });
      res.end(JSON.stringify(body));
    };
    const s = await listen(handler);
    servers.push(s);
    return s.url;
  };
  const urls: Record<string, string> = {};

  beforeAll(async () => {
    urls.unauthorized = await answering(401, { resourceType: 'OperationOutcome' });
    urls.notFhir = await answering(404, { error: 'no such page' });
    urls.redirect = await answering(302, {}, { location: 'https://elsewhere.example/fhir' });
    urls.html = await answering(200, '<html>sign in</html>');
    // http server spoken to with https: the TLS handshake fails.
    urls.plain = (await answering(200, { resourceType: 'CapabilityStatement' })).replace('http:', 'https:');
    // Metadata is public; Subscriptions need a token this client's scope does not grant.
    const metadataOnly = await listen((req, res) => {
      const ok = req.url?.endsWith('/metadata');
      res.writeHead(ok ? 200 : 403, { 'content-type': 'application/fhir+json' });
      res.end(
        JSON.stringify(ok ? { resourceType: 'CapabilityStatement' } : { resourceType: 'OperationOutcome' }),
      );
    });
    servers.push(metadataOnly);
    urls.metadataOnly = metadataOnly.url;
    tokens = await startTokenEndpoint({ clientId: 'vialwise', clientSecret: CLIENT_SECRET_OK });
    servers.push(tokens);
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  const SECRET = 'z'.repeat(30);
  const withAuth = (extra: Record<string, string>) => ({
    WEBHOOK_SECRET: SECRET,
    FHIR_AUTH: 'client-credentials',
    FHIR_CLIENT_ID: 'vialwise',
    ...extra,
  });

  const cases: [string, () => Record<string, string>, RegExp, string[]][] = [
    [
      'a host name that does not resolve',
      () => ({ FHIR_BASE_URL: 'https://fhir.example.invalid/fhir/R4', WEBHOOK_SECRET: SECRET }),
      /^vialwise: FHIR_BASE_URL https:\/\/fhir\.example\.invalid\/fhir\/R4 cannot be reached: the host name fhir\.example\.invalid does not resolve \(DNS\)$/,
      [SECRET],
    ],
    [
      'https to a server that does not speak it (TLS)',
      () => ({ FHIR_BASE_URL: `${urls.plain}/fhir`, WEBHOOK_SECRET: SECRET }),
      /^vialwise: FHIR_BASE_URL https:\/\/127\.0\.0\.1:\d+\/fhir cannot be reached: TLS handshake failed/,
      [SECRET],
    ],
    [
      'a server that needs authorization, with FHIR_AUTH=none',
      () => ({ FHIR_BASE_URL: `${urls.unauthorized}/fhir`, WEBHOOK_SECRET: SECRET }),
      /^vialwise: FHIR_BASE_URL http:\/\/127\.0\.0\.1:\d+\/fhir answered 401 to GET metadata: it needs authorization; set FHIR_AUTH/,
      [SECRET],
    ],
    [
      'a URL that is not a FHIR base (404)',
      () => ({ FHIR_BASE_URL: `${urls.notFhir}/fhir`, WEBHOOK_SECRET: SECRET }),
      /^vialwise: FHIR_BASE_URL http:\/\/127\.0\.0\.1:\d+\/fhir is not a FHIR R4 base URL: GET metadata answered 404/,
      [SECRET],
    ],
    [
      'a URL answering a sign-in page (200, not a CapabilityStatement)',
      () => ({ FHIR_BASE_URL: `${urls.html}/fhir`, WEBHOOK_SECRET: SECRET }),
      /^vialwise: FHIR_BASE_URL .* is not a FHIR R4 base URL/,
      [SECRET],
    ],
    [
      'a URL that redirects',
      () => ({ FHIR_BASE_URL: `${urls.redirect}/fhir`, WEBHOOK_SECRET: SECRET }),
      /^vialwise: FHIR_BASE_URL .* redirects \(302\): set it to the address it redirects to$/,
      [SECRET],
    ],
    [
      'a token endpoint that refuses the client secret',
      () =>
        withAuth({
          FHIR_BASE_URL: `${urls.metadataOnly}/fhir`,
          FHIR_TOKEN_URL: tokens.tokenUrl,
          FHIR_CLIENT_SECRET: CLIENT_SECRET,
        }),
      /^vialwise: FHIR_TOKEN_URL http:\/\/127\.0\.0\.1:\d+\/auth\/token refused the client \(401\): check FHIR_CLIENT_ID, FHIR_CLIENT_SECRET and FHIR_SCOPE$/,
      [CLIENT_SECRET, SECRET],
    ],
    [
      'a token endpoint whose host does not resolve',
      () =>
        withAuth({
          FHIR_BASE_URL: `${urls.metadataOnly}/fhir`,
          FHIR_TOKEN_URL: 'https://login.example.invalid/oauth2/token',
          FHIR_CLIENT_SECRET: CLIENT_SECRET,
        }),
      /^vialwise: FHIR_TOKEN_URL https:\/\/login\.example\.invalid\/oauth2\/token cannot be reached: the host name login\.example\.invalid does not resolve \(DNS\)$/,
      [CLIENT_SECRET, SECRET],
    ],
    [
      'a token the FHIR server does not accept for Subscriptions (403)',
      () =>
        withAuth({
          FHIR_BASE_URL: `${urls.metadataOnly}/fhir`,
          FHIR_TOKEN_URL: tokens.tokenUrl,
          FHIR_CLIENT_SECRET: CLIENT_SECRET_OK,
        }),
      /^vialwise: FHIR_BASE_URL .* answered 403 to a Subscription search .* with the token from FHIR_TOKEN_URL: check FHIR_SCOPE/,
      [CLIENT_SECRET_OK, SECRET],
    ],
  ];

  cases.push([
    'a port fetch never connects to',
    () => ({ FHIR_BASE_URL: 'http://127.0.0.1:9/fhir/R4', WEBHOOK_SECRET: SECRET }),
    /^vialwise: FHIR_BASE_URL http:\/\/127\.0\.0\.1:9\/fhir\/R4 cannot be reached: fetch refuses port 9/,
    [SECRET],
  ]);

  test.concurrent.each(cases)(
    '%s: exit 2, one line naming the variable and the cause',
    async (_name, env, line, secrets) => {
      const r = await checkInProcess(env());
      expect(r.code, r.line).toBe(2);
      expect(r.line).not.toContain('\n');
      expect(r.line).toMatch(line);
      for (const s of secrets) expect(r.line + r.log).not.toContain(s);
    },
  );

  test.concurrent.each(cases.filter(([name]) => PROBES_AS_PROCESS.includes(name)))(
    '%s, as the process: exit 2, the same one line on stderr',
    async (_name, env, line, secrets) => {
      const r = await runToExit(env(), 20_000, START_ENTRY);
      expect(r.code, r.stderr).toBe(2);
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(line);
      for (const s of secrets) expect(r.stderr + r.stdout).not.toContain(s);
    },
  );

  test('a FHIR server that is only down for now: the service starts, logs why, and keeps trying', async () => {
    const { main, url } = await startService({
      FHIR_BASE_URL: EXTERNAL,
      WEBHOOK_SECRET: 'w'.repeat(24),
      LOG_LEVEL: 'info',
    });
    try {
      expect((await fetch(`${url}/readyz`)).status).toBe(503);
      const warn = logLines(main.stdout()).find((l) => l.event === 'fhir-unreachable');
      expect(warn).toMatchObject({ reason: 'FHIR_BASE_URL: connection refused' });
    } finally {
      await main.terminate();
    }
  });
});
