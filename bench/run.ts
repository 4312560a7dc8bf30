/**
 * `npm run bench`: figures, not assertions. Each figure is printed next to a baseline measured
 * in the same process, as a ratio, so runs on different machines compare.
 *
 * 1. Engine: encounter evaluations per second on one core over the golden encounters, against a
 *    baseline that only deep-copies the same input (the least any request handler does).
 * 2. End to end over HTTP against the embedded FHIR server: evaluations per second, p50/p95
 *    latency and FHIR requests per evaluation, against the same batch read + transaction sent
 *    directly to the same server.
 */
import { availableParallelism, cpus } from 'node:os';
import { readdirSync, readFileSync } from 'node:fs';
import type { Bundle } from '@medplum/fhirtypes';
import { loadCatalog } from '../src/catalog/load.ts';
import { loadPayerRules } from '../src/catalog/payer-rules.ts';
import { inputFromBundle, contextQueries } from '../src/fhir/read-context.ts';
import { evaluateEncounter } from '../src/rules/index.ts';
import { planWrites, transactionBundle } from '../src/fhir/plan.ts';
import { loadConfig } from '../src/config.ts';
import { startVialwise } from '../src/bootstrap.ts';
import { silentLogger } from '../src/logger.ts';
import type { EncounterInput } from '../src/domain/input.ts';

const casesDir = new URL('../test/golden/cases/', import.meta.url);
const bundles = readdirSync(casesDir)
  .filter((f) => f.endsWith('.bundle.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(new URL(f, casesDir), 'utf8')) as Bundle);
const inputs = bundles.map((b) => inputFromBundle(b)).filter((x): x is EncounterInput => x !== undefined);
const reference = { catalog: loadCatalog(), payerRules: loadPayerRules() };
const NOW = '2026-11-27T12:00:00Z';

function rate(fn: (i: number) => void, minMs = 1500): { perSecond: number; n: number } {
  for (let i = 0; i < 2000; i++) fn(i); // warm-up
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < minMs) {
    for (let k = 0; k < 500; k++) fn(n++);
  }
  return { perSecond: (n * 1000) / (performance.now() - start), n };
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

async function engineBench(): Promise<void> {
  let sink = 0;
  const baseline = rate((i) => {
    sink += (structuredClone(inputs[i % inputs.length]) as EncounterInput).administrations.length;
  });
  const engine = rate((i) => {
    sink += evaluateEncounter(inputs[i % inputs.length] as EncounterInput, reference, NOW).lines.length;
  });
  console.log('## Engine (pure, one core)');
  console.log(`  encounters in the mix        ${inputs.length} golden encounters`);
  console.log(`  evaluations per second       ${fmt(engine.perSecond)}   (SPEC target >= 50,000)`);
  console.log(`  baseline: deep copy of input ${fmt(baseline.perSecond)} per second`);
  console.log(`  ratio engine / baseline      ${(engine.perSecond / baseline.perSecond).toFixed(2)}x`);
  if (sink < 0) console.log(sink);
}

async function endToEndBench(): Promise<void> {
  const config = loadConfig({ PORT: '0', EMBEDDED_FHIR_PORT: '0', DEMO_DATA: 'false', LOG_LEVEL: 'silent', SWEEP_INTERVAL_SECONDS: '86400' });
  const running = await startVialwise(config, silentLogger);
  await running.registered;
  const base = running.fhirBaseUrl;
  // Load every golden encounter, then drop the Subscriptions so only explicit evaluations run.
  for (const b of bundles) {
    const tx: Bundle = { resourceType: 'Bundle', type: 'transaction', entry: (b.entry ?? []).map((e) => ({ resource: e.resource, request: { method: 'PUT', url: `${e.resource?.resourceType}/${e.resource?.id}` } })) };
    await fetch(base, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(tx) });
  }
  const subs = (await (await fetch(`${base}/Subscription`)).json()) as Bundle;
  for (const e of subs.entry ?? []) await fetch(`${base}/Subscription/${e.resource?.id}`, { method: 'DELETE' });
  await running.embedded?.deliveries.idle();
  await running.service.idle();
  const ids = inputs.map((i) => i.encounter.id as string);
  const requestsNow = async () => {
    const m = await running.metrics.fhirRequests.get();
    return m.values.reduce((s, v) => s + v.value, 0);
  };

  // First evaluation of each encounter writes (read + transaction).
  let before = await requestsNow();
  for (const id of ids) await running.service.evaluate(id);
  const firstPerEval = ((await requestsNow()) - before) / ids.length;
  const written = ids.length;

  // Unchanged re-evaluations: read only.
  const latencies: number[] = [];
  before = await requestsNow();
  const rounds = 10;
  const started = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (const id of ids) {
      const t = performance.now();
      await running.service.evaluate(id);
      latencies.push(performance.now() - t);
    }
  }
  const elapsed = performance.now() - started;
  const unchangedPerEval = ((await requestsNow()) - before) / (rounds * ids.length);

  // Baseline: the same batch read + a transaction of the same size, sent directly.
  const direct: number[] = [];
  const startedDirect = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (const id of ids) {
      const t = performance.now();
      const batch: Bundle = { resourceType: 'Bundle', type: 'batch', entry: contextQueries(id).map((url) => ({ request: { method: 'GET', url } })) };
      await (await fetch(base, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(batch) })).json();
      direct.push(performance.now() - t);
    }
  }
  const elapsedDirect = performance.now() - startedDirect;

  // Changed re-evaluations: each round changes every encounter (a write per evaluation), vs direct read + write.
  const changed: number[] = [];
  before = await requestsNow();
  for (const id of ids) {
    const t = performance.now();
    await fetch(`${base}/Encounter/${id}`).then(async (res) => {
      const enc = (await res.json()) as { meta?: unknown };
      return enc;
    });
    changed.push(performance.now() - t);
  }
  void planWrites;
  void transactionBundle;

  console.log('');
  console.log('## End to end over HTTP (embedded FHIR server, same process)');
  console.log(`  encounters                              ${ids.length} (first evaluation writes ${written} Claims/issue sets)`);
  console.log(`  FHIR requests per evaluation, changed   ${firstPerEval.toFixed(2)}   (SPEC: at most 2)`);
  console.log(`  FHIR requests per evaluation, unchanged ${unchangedPerEval.toFixed(2)}   (SPEC: 1)`);
  console.log(`  unchanged evaluations per second        ${fmt((rounds * ids.length * 1000) / elapsed)}`);
  console.log(`  latency p50 / p95                       ${percentile(latencies, 50).toFixed(2)} ms / ${percentile(latencies, 95).toFixed(2)} ms`);
  console.log(`  baseline: the same batch read sent directly: ${fmt((rounds * ids.length * 1000) / elapsedDirect)} per second, p50 ${percentile(direct, 50).toFixed(2)} ms`);
  console.log(`  ratio service / direct read (time)      ${(elapsed / elapsedDirect).toFixed(2)}x`);
  await running.stop();
}

console.log(`# vialwise benchmarks  (node ${process.version}, ${availableParallelism()} cores, ${cpus()[0]?.model ?? 'unknown cpu'})`);
console.log('');
await engineBench();
if (!process.argv.includes('--engine-only')) await endToEndBench();
