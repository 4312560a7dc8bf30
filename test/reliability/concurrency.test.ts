/**
 * Concurrency (docs/writes.md): two service processes against one FHIR server receive
 * 200 notifications for 50 encounters, concurrently, duplicated and out of order. The result
 * must be exactly one Claim per encounter with the same lines as a sequential run, one
 * DetectedIssue per gap, and no lost line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Bundle, Claim, DetectedIssue, Resource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVialwise } from '../../src/bootstrap.ts';
import { loadConfig } from '../../src/config.ts';
import { demoBundles } from '../../src/demo/seed.ts';
import { startEmbeddedFhirServer, type EmbeddedFhirServer } from '../../src/fhir-server/index.ts';
import { silentLogger } from '../../src/logger.ts';
import { writtenSnapshot } from '../support/snapshot.ts';
import { eventually, fhir, goldenAsTransaction, searchResources, freePort } from '../support/service.ts';
import { readdirSync } from 'node:fs';

const SECRET = 'concurrency-secret-0123456789abcdef';
const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Deterministic shuffle (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 50 encounters: the 14 demo scenarios (+ their shared resources) and 36 golden cases. */
function dataset(): { transactions: Bundle[]; byEncounter: Map<string, Resource[]> } {
  const transactions: Bundle[] = demoBundles().map((d) => d.bundle);
  const golden = readdirSync(new URL('../golden/cases/', import.meta.url))
    .filter((f) => f.endsWith('.bundle.json'))
    .sort()
    .slice(0, 36)
    .map((f) => goldenAsTransaction(f.replace('.bundle.json', '')));
  transactions.push(...golden);
  const byEncounter = new Map<string, Resource[]>();
  for (const tx of transactions) {
    const resources = (tx.entry ?? []).map((e) => e.resource as Resource);
    const encounters = resources.filter((r) => r.resourceType === 'Encounter');
    for (const enc of encounters) {
      const ref = `Encounter/${enc.id}`;
      const related = resources.filter(
        (r) =>
          r === enc ||
          ((r.resourceType === 'MedicationAdministration' || r.resourceType === 'ChargeItem') &&
            (r as { context?: { reference?: string } }).context?.reference === ref) ||
          (r.resourceType === 'Condition' &&
            (r as { encounter?: { reference?: string } }).encounter?.reference === ref),
      );
      byEncounter.set(enc.id as string, related);
    }
  }
  return { transactions, byEncounter };
}

function startProcess(port: number, fhirBaseUrl: string): ChildProcess {
  return spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(port),
      FHIR_BASE_URL: fhirBaseUrl,
      WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: 'silent',
      SWEEP_INTERVAL_SECONDS: '3600',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

let server: EmbeddedFhirServer;
const children: ChildProcess[] = [];
const ports: number[] = [];
const { transactions, byEncounter } = dataset();

beforeAll(async () => {
  server = await startEmbeddedFhirServer({ port: 0, logger: silentLogger });
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    ports.push(port);
    children.push(startProcess(port, server.baseUrl));
  }
  for (const port of ports) {
    await eventually(async () => {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      return ok ? true : undefined;
      // A deadline to start, not a timing: two service starts took over 20 s at load 10 to 11.
    }, 60_000);
  }
  // Both replicas register their Subscriptions; drop them so that only the notifications sent
  // by this test drive the evaluations.
  await eventually(
    async () => ((await searchResources(server.baseUrl, 'Subscription')).length >= 10 ? true : undefined),
    10_000,
  );
  for (const s of await searchResources(server.baseUrl, 'Subscription'))
    await fhir(server.baseUrl, 'DELETE', `Subscription/${s.id}`);
  for (const tx of transactions) {
    const res = await fhir<Bundle>(server.baseUrl, 'POST', '', tx);
    expect(res.status).toBe(200);
  }
}, 60_000);

afterAll(async () => {
  for (const c of children) c.kill('SIGTERM');
  await Promise.all(
    children.map(
      (c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once('exit', resolve))),
    ),
  );
  await server.stop();
});

describe('two replicas, 200 notifications for 50 encounters, concurrent, duplicated, out of order', () => {
  it('leave exactly what one sequential run leaves', async () => {
    expect(byEncounter.size).toBe(50);
    const random = rng(20261127);
    const notifications: { resource: Resource; port: number }[] = [];
    for (const resources of byEncounter.values()) {
      for (let k = 0; k < 4; k++) {
        notifications.push({
          resource: resources[Math.floor(random() * resources.length)] as Resource,
          port: ports[Math.floor(random() * ports.length)] as number,
        });
      }
    }
    for (let i = notifications.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [notifications[i], notifications[j]] = [
        notifications[j] as (typeof notifications)[number],
        notifications[i] as (typeof notifications)[number],
      ];
    }
    expect(notifications).toHaveLength(200);

    const metricsOf = async (port: number) => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const sum = (name: string, label = '') =>
        text
          .split('\n')
          .filter((l) => l.startsWith(name) && l.includes(label))
          .reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
      return {
        requests: sum('vialwise_fhir_requests_total'),
        conflicts: sum('vialwise_fhir_requests_total', 'status="4xx"'),
        evaluations: sum('vialwise_evaluations_total'),
        written: sum('vialwise_evaluations_total', 'result="written"'),
      };
    };
    const before = await Promise.all(ports.map(metricsOf));
    const started = performance.now();
    const statuses: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < notifications.length) {
        const n = notifications[next++] as (typeof notifications)[number];
        const body = JSON.stringify(n.resource);
        const res = await fetch(`http://127.0.0.1:${n.port}/notify`, {
          method: 'POST',
          headers: {
            'content-type': 'application/fhir+json',
            'x-signature': createHmac('sha256', SECRET).update(body).digest('hex'),
          },
          body,
        });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    const seconds = (performance.now() - started) / 1000;
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // The figures of the run (docs/writes.md): printed, not asserted.
    const after = await Promise.all(ports.map(metricsOf));
    const delta = (k: keyof Awaited<ReturnType<typeof metricsOf>>) =>
      after.reduce((n, a, i) => n + a[k] - (before[i]?.[k] ?? 0), 0);
    console.log(
      `two replicas: 200 notifications in ${seconds.toFixed(1)} s (16 at a time); ${delta('evaluations')} evaluations, ` +
        `${delta('written')} of them writing; ${delta('requests')} FHIR requests ` +
        `(${(delta('requests') / Math.max(1, delta('evaluations'))).toFixed(2)} per evaluation), ${delta('conflicts')} answered 4xx (version conflicts)`,
    );

    // The sequential run: a fresh server, the same data, one evaluation per encounter in turn.
    const seqServer = await startEmbeddedFhirServer({ port: 0, logger: silentLogger });
    try {
      const config = loadConfig({
        PORT: '0',
        FHIR_BASE_URL: seqServer.baseUrl,
        WEBHOOK_SECRET: SECRET,
        LOG_LEVEL: 'silent',
        SWEEP_INTERVAL_SECONDS: '3600',
      });
      const seq = await startVialwise(config, silentLogger);
      await seq.registered;
      for (const s of await searchResources(seqServer.baseUrl, 'Subscription'))
        await fhir(seqServer.baseUrl, 'DELETE', `Subscription/${s.id}`);
      for (const tx of transactions) await fhir(seqServer.baseUrl, 'POST', '', tx);
      for (const id of byEncounter.keys()) await seq.service.evaluate(id);
      const expected = await writtenSnapshot(seqServer.baseUrl);
      await seq.stop();

      const actual = await writtenSnapshot(server.baseUrl);
      expect(actual).toEqual(expected);

      // Spelled out: one Claim per identifier, one DetectedIssue per identifier, no lost line.
      const claims = await searchResources<Claim>(server.baseUrl, 'Claim?_count=1000');
      const claimIds = claims.map((c) => c.identifier?.[0]?.value);
      expect(new Set(claimIds).size).toBe(claimIds.length);
      const issues = await searchResources<DetectedIssue>(server.baseUrl, 'DetectedIssue?_count=1000');
      const issueIds = issues.map((i) => i.identifier?.[0]?.value);
      expect(new Set(issueIds).size).toBe(issueIds.length);
      const lines = (c: string[]) =>
        c.reduce(
          (n, s) =>
            n +
            (s
              .match(/\[(.*)\]/)?.[1]
              ?.split(', ')
              .filter(Boolean).length ?? 0),
          0,
        );
      expect(lines(actual.claims)).toBe(lines(expected.claims));
      expect(lines(actual.claims)).toBeGreaterThan(40);
    } finally {
      await seqServer.stop();
    }
  }, 120_000);
});
