/** Subscriptions and the Device are registered idempotently at start (SPEC section 7). */
import type { Device, Subscription } from '@medplum/fhirtypes';
import { afterAll, describe, expect, it } from 'vitest';
import { startVialwise, type Running } from '../../src/bootstrap.ts';
import { loadConfig } from '../../src/config.ts';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../../src/fhir-server/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { fhir, searchResources } from '../support/service.ts';
import { MEDPLUM_SECRET_EXT } from '../../src/domain/vocabulary.ts';

const started: Running[] = [];
let server: EmbeddedFhirServer;

async function start(secret: string, publicUrl: string): Promise<Running> {
  const config = loadConfig({
    PORT: '0',
    FHIR_BASE_URL: server.baseUrl,
    WEBHOOK_SECRET: secret,
    PUBLIC_URL: publicUrl,
    LOG_LEVEL: 'silent',
  });
  const r = await startVialwise(config, silentLogger);
  started.push(r);
  await r.registered;
  return r;
}

afterAll(async () => {
  for (const r of started) await r.stop();
  await server?.stop();
});

describe('registration at start', () => {
  it('a restart creates nothing new; a changed secret updates the Subscriptions in place; a stray duplicate is removed', async () => {
    server = await startEmbeddedFhirServer({ port: 0, logger: silentLogger });
    const first = await start('first-secret-0123456789abcdef', 'http://vialwise.internal:8080');
    const subs = await searchResources<Subscription>(server.baseUrl, 'Subscription');
    expect(subs.map((s) => s.criteria).sort()).toEqual([
      'ChargeItem',
      'Condition',
      'Coverage',
      'Encounter',
      'MedicationAdministration',
    ]);
    expect(new Set(subs.map((s) => s.channel.endpoint))).toEqual(
      new Set(['http://vialwise.internal:8080/notify']),
    );
    await first.stop();

    await start('first-secret-0123456789abcdef', 'http://vialwise.internal:8080');
    const again = await searchResources<Subscription>(server.baseUrl, 'Subscription');
    expect(again.map((s) => `${s.id}@${s.meta?.versionId}`).sort()).toEqual(
      subs.map((s) => `${s.id}@${s.meta?.versionId}`).sort(),
    );
    expect(await searchResources<Device>(server.baseUrl, 'Device')).toHaveLength(1);

    const dup = subs[0] as Subscription;
    const created = await fhir<Subscription>(server.baseUrl, 'POST', 'Subscription', {
      ...dup,
      id: undefined,
      meta: undefined,
    });
    await start('second-secret-0123456789abcdef', 'http://vialwise.internal:8080');
    const rotated = await searchResources<Subscription>(server.baseUrl, 'Subscription');
    expect(rotated.map((s) => s.criteria).sort()).toEqual([
      'ChargeItem',
      'Condition',
      'Coverage',
      'Encounter',
      'MedicationAdministration',
    ]);
    const known = new Set([...subs.map((s) => s.id), created.body.id]);
    for (const s of rotated) expect(known.has(s.id)).toBe(true);
    for (const s of rotated) {
      expect(s.extension?.find((e) => e.url === MEDPLUM_SECRET_EXT)?.valueString).toBe(
        'second-secret-0123456789abcdef',
      );
    }
  });
});
