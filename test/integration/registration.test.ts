/**
 * Subscriptions and the Device are registered idempotently at start (docs/notifications.md), across
 * restarts and replicas, with the webhook secret written once, where the server uses it
 * (WEBHOOK_AUTH; issue 12 item 7). The embedded server keeps the secret write-only, so a rotation
 * is told by the fingerprint beside it.
 */
import type { Device, Subscription } from '@medplum/fhirtypes';
import { afterAll, describe, expect, it } from 'vitest';
import { startVialwise, type Running } from '../../src/bootstrap.ts';
import { loadConfig } from '../../src/config.ts';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../../src/fhir-server/index.ts';
import { secretFingerprint } from '../../src/fhir/registration.ts';
import { silentLogger } from '../../src/logger.ts';
import { fhir, searchResources } from '../support/service.ts';
import { MEDPLUM_SECRET_EXT, SECRET_FINGERPRINT_EXT } from '../../src/domain/vocabulary.ts';

const started: Running[] = [];
const servers: EmbeddedFhirServer[] = [];
const PUBLIC_URL = 'https://vialwise.internal:8080';
const TYPES = ['ChargeItem', 'Condition', 'Coverage', 'Encounter', 'MedicationAdministration'];

async function start(
  server: EmbeddedFhirServer,
  secret: string,
  env: Record<string, string> = {},
): Promise<Running> {
  const config = loadConfig({
    PORT: '0',
    FHIR_BASE_URL: server.baseUrl,
    WEBHOOK_SECRET: secret,
    PUBLIC_URL,
    LOG_LEVEL: 'silent',
    ...env,
  });
  const r = await startVialwise(config, silentLogger);
  started.push(r);
  await r.registered;
  return r;
}

async function newServer(): Promise<EmbeddedFhirServer> {
  const server = await startEmbeddedFhirServer({ port: 0, logger: silentLogger });
  servers.push(server);
  return server;
}

const versions = (subs: Subscription[]) => subs.map((s) => `${s.id}@${s.meta?.versionId}`).sort();
const fingerprintOf = (s: Subscription) =>
  s.extension?.find((e) => e.url === SECRET_FINGERPRINT_EXT)?.valueString;

afterAll(async () => {
  for (const r of started) await r.stop();
  for (const s of servers) await s.stop();
});

describe('registration at start', () => {
  it('a restart creates nothing new; a changed secret updates the Subscriptions in place; a stray duplicate is removed', async () => {
    const server = await newServer();
    const first = await start(server, 'first-secret-0123456789abcdef');
    const subs = await searchResources<Subscription>(server.baseUrl, 'Subscription');
    expect(subs.map((s) => s.criteria).sort()).toEqual(TYPES);
    expect(new Set(subs.map((s) => s.channel.endpoint))).toEqual(new Set([`${PUBLIC_URL}/notify`]));
    await first.stop();

    // The server does not return the secret: the fingerprint says it is unchanged.
    await start(server, 'first-secret-0123456789abcdef');
    const again = await searchResources<Subscription>(server.baseUrl, 'Subscription');
    expect(versions(again)).toEqual(versions(subs));
    expect(await searchResources<Device>(server.baseUrl, 'Device')).toHaveLength(1);

    const dup = subs[0] as Subscription;
    const created = await fhir<Subscription>(server.baseUrl, 'POST', 'Subscription', {
      ...dup,
      id: undefined,
      meta: undefined,
    });
    await start(server, 'second-secret-0123456789abcdef');
    const rotated = await searchResources<Subscription>(server.baseUrl, 'Subscription');
    expect(rotated.map((s) => s.criteria).sort()).toEqual(TYPES);
    const known = new Set([...subs.map((s) => s.id), created.body.id]);
    for (const s of rotated) expect(known.has(s.id)).toBe(true);
    for (const s of rotated) {
      // Held by the server, which signs with it; never in what it returns.
      expect(server.repo.subscriptionSecret(s.id!)).toBe('second-secret-0123456789abcdef');
      expect(s.extension?.find((e) => e.url === MEDPLUM_SECRET_EXT)).toBeUndefined();
      expect(fingerprintOf(s)).toBe(secretFingerprint('second-secret-0123456789abcdef'));
      expect(s.channel.header).toBeUndefined();
    }
  });

  it('replicas starting at the same moment register one Subscription per type', async () => {
    const server = await newServer();
    await Promise.all([1, 2, 3].map(() => start(server, 'replica-secret-0123456789abcdef')));
    const subs = await searchResources<Subscription>(server.baseUrl, 'Subscription');
    expect(subs.map((s) => s.criteria).sort()).toEqual(TYPES);
    expect(await searchResources<Device>(server.baseUrl, 'Device')).toHaveLength(1);
  });

  it('Subscriptions of an earlier version (secret in the extension and in channel.header) are rewritten once', async () => {
    const server = await newServer();
    const secret = 'legacy-secret-0123456789abcdef';
    for (const criteria of TYPES) {
      const res = await fhir(server.baseUrl, 'POST', 'Subscription', {
        resourceType: 'Subscription',
        status: 'active',
        reason: `vialwise: re-evaluate drug charges when a ${criteria} changes`,
        criteria,
        extension: [{ url: MEDPLUM_SECRET_EXT, valueString: secret }],
        channel: {
          type: 'rest-hook',
          endpoint: `${PUBLIC_URL}/notify`,
          payload: 'application/fhir+json',
          header: [`Authorization: Bearer ${secret}`],
        },
      });
      expect(res.status).toBe(201);
    }
    await start(server, secret);
    const rewritten = await searchResources<Subscription>(server.baseUrl, 'Subscription');
    expect(rewritten).toHaveLength(5);
    for (const s of rewritten) {
      expect(s.channel.header).toBeUndefined();
      expect(fingerprintOf(s)).toBe(secretFingerprint(secret));
      expect(server.repo.subscriptionSecret(s.id!)).toBe(secret);
    }
    await start(server, secret);
    expect(versions(await searchResources<Subscription>(server.baseUrl, 'Subscription'))).toEqual(
      versions(rewritten),
    );
  });

  it('switching WEBHOOK_AUTH to header moves the secret into channel.header and out of the extension', async () => {
    const server = await newServer();
    const secret = 'switch-secret-0123456789abcdef';
    await start(server, secret);
    await start(server, secret, { WEBHOOK_AUTH: 'header' });
    const subs = await searchResources<Subscription>(server.baseUrl, 'Subscription');
    expect(subs).toHaveLength(5);
    for (const s of subs) {
      expect(s.channel.header).toEqual([`Authorization: Bearer ${secret}`]);
      expect(fingerprintOf(s)).toBe(secretFingerprint(secret));
    }
    // Idempotent in this mode too.
    await start(server, secret, { WEBHOOK_AUTH: 'header' });
    expect(versions(await searchResources<Subscription>(server.baseUrl, 'Subscription'))).toEqual(
      versions(subs),
    );
  });
});
