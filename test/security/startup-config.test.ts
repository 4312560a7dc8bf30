/**
 * Configuration checked at start (SPEC section 1), on the real entry point `node src/main.ts`:
 * outside embedded mode the service refuses to start without a WEBHOOK_SECRET of at least 24
 * characters, and an API_TOKEN, when set, must have 24 (printable, no spaces) and differ from the
 * webhook secret; an invalid value exits with code 2 and one line naming the variable, and never
 * prints a secret's value.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { runToExit, startService } from '../logs/child-process.ts';

const EXTERNAL = 'http://127.0.0.1:9/fhir/R4';
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
  test.concurrent.each(cases.map((c) => [c.name, c] as const))(
    '%s: exit 2, one line naming the variable',
    async (_name, c) => {
      const r = await runToExit(c.env);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^vialwise: ${c.names}\\b`));
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
