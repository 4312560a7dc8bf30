/**
 * The embedded FHIR server without a socket: the same repository, request handler and
 * subscription delivery as `startEmbeddedFhirServer`, reached through `handle` (for the
 * in-process gateway, src/fhir/in-process-gateway.ts). Rest-hook notifications still go out
 * through `fetch` (or `delivery.fetch`) to whatever endpoint a Subscription names.
 */
import type { CapabilityStatement } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import { buildCapabilityStatement, type SupportedProfile } from './capability.ts';
import { createFhirHandler, type FhirHandler } from './handler.ts';
import { NotifyingMemoryRepository } from './repository.ts';
import { SubscriptionDispatcher, type DeliveryLog, type DeliveryOptions } from './subscriptions.ts';

export interface InProcessFhirServerOptions {
  readonly logger: Logger;
  readonly repo?: NotifyingMemoryRepository;
  readonly delivery?: DeliveryOptions;
  readonly profiles?: readonly SupportedProfile[];
  readonly defaultPageSize?: number;
  readonly maxPageSize?: number;
}

export interface InProcessFhirServer {
  readonly handle: FhirHandler;
  readonly repo: NotifyingMemoryRepository;
  readonly deliveries: DeliveryLog;
  addProfiles(profiles: readonly SupportedProfile[]): void;
  /** Notifications go to these endpoints only from now on (as startEmbeddedFhirServer's). */
  restrictDelivery(endpoints: readonly string[]): void;
  /** Cancels pending notification retries; from then on every request fails, as if refused. */
  stop(): Promise<void>;
}

export function createInProcessFhirServer(options: InProcessFhirServerOptions): InProcessFhirServer {
  const repo = options.repo ?? new NotifyingMemoryRepository();
  const dispatcher = new SubscriptionDispatcher(repo, options.logger, options.delivery);
  const profiles: SupportedProfile[] = [...(options.profiles ?? [])];
  let statement: CapabilityStatement | undefined;
  let stopped = false;
  const handler = createFhirHandler({
    repo,
    capabilityStatement: () => (statement ??= buildCapabilityStatement({ profiles })),
    ...(options.defaultPageSize !== undefined ? { defaultPageSize: options.defaultPageSize } : {}),
    ...(options.maxPageSize !== undefined ? { maxPageSize: options.maxPageSize } : {}),
  });
  // A stopped server answers nothing, as a closed port would.
  const handle: FhirHandler = (request) =>
    stopped ? Promise.reject(new Error('the in-process FHIR server is stopped')) : handler(request);
  return {
    handle,
    repo,
    deliveries: dispatcher,
    addProfiles(more) {
      profiles.push(...more);
      statement = undefined;
    },
    restrictDelivery(endpoints) {
      dispatcher.restrictTo(endpoints);
    },
    stop() {
      stopped = true;
      dispatcher.stop();
      return Promise.resolve();
    },
  };
}
