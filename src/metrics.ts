/** Prometheus metrics: evaluations, writes, FHIR requests, errors, sweeps, latency (README, HTTP interface). */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  readonly registry: Registry;
  readonly evaluations: Counter<'result'>;
  readonly writes: Counter<'kind'>;
  readonly fhirRequests: Counter<'status'>;
  readonly errors: Counter<'kind'>;
  readonly notifications: Counter<'form'>;
  readonly skippedAdministrations: Counter;
  readonly sweeps: Counter;
  readonly evaluationSeconds: Histogram;
}

export function createMetrics(withDefaults = true): Metrics {
  const registry = new Registry();
  if (withDefaults) collectDefaultMetrics({ register: registry, prefix: 'vialwise_' });
  const registers = [registry];
  return {
    registry,
    evaluations: new Counter({
      name: 'vialwise_evaluations_total',
      help: 'Encounter evaluations by result',
      labelNames: ['result'],
      registers,
    }),
    writes: new Counter({
      name: 'vialwise_writes_total',
      help: 'Resources written by kind',
      labelNames: ['kind'],
      registers,
    }),
    fhirRequests: new Counter({
      name: 'vialwise_fhir_requests_total',
      help: 'HTTP requests sent to the FHIR server, by status class',
      labelNames: ['status'],
      registers,
    }),
    errors: new Counter({
      name: 'vialwise_errors_total',
      help: 'Errors by kind',
      labelNames: ['kind'],
      registers,
    }),
    notifications: new Counter({
      name: 'vialwise_notifications_total',
      help: 'Notifications received by form',
      labelNames: ['form'],
      registers,
    }),
    skippedAdministrations: new Counter({
      name: 'vialwise_skipped_administrations_total',
      help: 'Administrations of drugs the catalog does not bill',
      registers,
    }),
    sweeps: new Counter({
      name: 'vialwise_sweeps_total',
      help: 'Catch-up sweeps run (periodic and on empty notifications, rate-limited)',
      registers,
    }),
    evaluationSeconds: new Histogram({
      name: 'vialwise_evaluation_duration_seconds',
      help: 'Time to read, evaluate and write one Encounter',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}

export function statusClass(status: number): string {
  return status === 0 ? 'network-error' : `${Math.floor(status / 100)}xx`;
}
