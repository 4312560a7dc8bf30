/**
 * Medplum-style rest-hook delivery for the embedded server (FHIR-NOTES "Subscription
 * notifications"): after each write, every active rest-hook Subscription whose criteria match
 * gets a POST of the resource at that version (`{}` on delete), signed with the Subscription's
 * secret, retried with exponential backoff.
 *
 * Ordering: notifications for one Subscription and one resource are delivered strictly in write
 * order, one at a time; a version is only sent once the previous one succeeded or ran out of
 * attempts, so a retry never lets an older version land after a newer one. Different
 * Subscriptions and different resources are delivered independently. This holds within one
 * process; nothing is persisted, so `stop()` drops what is still queued.
 *
 * Security (the server has no authentication, docs/security.md): a Subscription's secret is
 * write-only (NotifyingMemoryRepository keeps it out of the stored resource, so no read, search,
 * history or export returns it), and notifications go only to allowed endpoints: loopback URLs
 * until `restrictTo` names the service's own `/notify`, then exactly those. A Subscription
 * pointing elsewhere is skipped with one warning, so nobody can make the server send patient
 * data to a host of their choosing (SSRF, exfiltration).
 */
import { createHmac } from 'node:crypto';
import { getExtensionValue, Operator, resourceMatchesSubscriptionCriteria } from '@medplum/core';
import type { WithId } from '@medplum/core';
import type { Extension, Resource, Subscription } from '@medplum/fhirtypes';
import type { Logger } from 'pino';
import type { NotifyingMemoryRepository, ResourceWriteEvent, WriteInteraction } from './repository.ts';

export const SUBSCRIPTION_SECRET_URL = 'https://www.medplum.com/fhir/StructureDefinition/subscription-secret';
/** The extension's first URL, which Medplum still honours. */
const LEGACY_SECRET_URL = 'https://www.medplum.com/fhir/StructureDefinition-subscriptionSecret';
export const SUBSCRIPTION_MAX_ATTEMPTS_URL =
  'https://medplum.com/fhir/StructureDefinition/subscription-max-attempts';
/** Medplum's docs also show the extension with http. */
const MAX_ATTEMPTS_URL_HTTP = 'http://medplum.com/fhir/StructureDefinition/subscription-max-attempts';

export const DEFAULT_MAX_ATTEMPTS = 4;
/** Medplum accepts 1-18 attempts. */
const MAX_ATTEMPTS_LIMIT = 18;

export interface DeliveryOptions {
  /** Delay before the 2nd attempt; the n-th retry waits base x 2^(n-1). Default 1000 (Medplum's). */
  readonly retryBaseDelayMs?: number;
  /** Upper bound for one backoff delay. Default 60 000. */
  readonly retryMaxDelayMs?: number;
  /** Timeout of one POST. Default 10 000. */
  readonly timeoutMs?: number;
  /** How many attempts `DeliveryLog.attempts` keeps (oldest dropped first). Default 1000. */
  readonly keepAttempts?: number;
  /** Defaults to the global fetch, looked up at call time so that nock can intercept it. */
  readonly fetch?: typeof fetch;
}

export interface DeliveryAttempt {
  readonly subscriptionId: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly versionId: string | undefined;
  readonly interaction: WriteInteraction;
  /** 1 for the first try. */
  readonly attempt: number;
  /** The receiver's HTTP status; absent when the request failed (refused, reset, timed out). */
  readonly status?: number;
  readonly ok: boolean;
  /** True when no further attempt follows for this notification. */
  readonly final: boolean;
}

/** Read-only view of delivery for tests and diagnostics. */
export interface DeliveryLog {
  /** The most recent attempts, oldest first. */
  readonly attempts: readonly DeliveryAttempt[];
  /** Notifications written but not yet delivered or given up (including waits between retries). */
  readonly pending: number;
  /** Resolves once nothing is pending. */
  idle(): Promise<void>;
}

interface Notification {
  readonly subscription: WithId<Subscription>;
  readonly interaction: WriteInteraction;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly versionId: string | undefined;
  readonly body: string;
  readonly maxAttempts: number;
}

export class SubscriptionDispatcher implements DeliveryLog {
  readonly #repo: NotifyingMemoryRepository;
  readonly #logger: Logger;
  readonly #retryBaseDelayMs: number;
  readonly #retryMaxDelayMs: number;
  readonly #timeoutMs: number;
  readonly #keepAttempts: number;
  readonly #fetch: typeof fetch;
  readonly #attempts: DeliveryAttempt[] = [];
  /** Per subscription + resource, in write order; the head is being delivered. */
  readonly #queues = new Map<string, Notification[]>();
  readonly #timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  readonly #abort = new AbortController();
  readonly #idleWaiters: (() => void)[] = [];
  readonly #unsubscribe: () => void;
  /** Endpoints notifications may go to; undefined: loopback URLs only. */
  #allowedEndpoints: ReadonlySet<string> | undefined;
  /** Subscription + endpoint pairs already reported as refused (one warning each). */
  readonly #refused = new Set<string>();
  /** Write events are matched one at a time, in write order. */
  #matching: Promise<void> = Promise.resolve();
  #pendingEvents = 0;
  #pendingNotifications = 0;
  #stopped = false;

  constructor(repo: NotifyingMemoryRepository, logger: Logger, options: DeliveryOptions = {}) {
    this.#repo = repo;
    this.#logger = logger;
    this.#retryBaseDelayMs = options.retryBaseDelayMs ?? 1000;
    this.#retryMaxDelayMs = options.retryMaxDelayMs ?? 60_000;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#keepAttempts = options.keepAttempts ?? 1000;
    const injected = options.fetch;
    this.#fetch = injected ?? ((input, init) => globalThis.fetch(input, init));
    this.#unsubscribe = repo.onWrite((event) => this.#onWrite(event));
  }

  get attempts(): readonly DeliveryAttempt[] {
    return this.#attempts;
  }

  get pending(): number {
    return this.#pendingEvents + this.#pendingNotifications;
  }

  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** From now on, notifications go to these endpoints only (exact URLs); others are skipped and logged. */
  restrictTo(endpoints: readonly string[]): void {
    this.#allowedEndpoints = new Set(endpoints.map(normalizeEndpoint));
  }

  #endpointAllowed(subscription: WithId<Subscription>, endpoint: string): boolean {
    const normalized = normalizeEndpoint(endpoint);
    const allowed = this.#allowedEndpoints
      ? this.#allowedEndpoints.has(normalized)
      : isLoopbackUrl(normalized);
    if (!allowed) {
      const key = `${subscription.id}|${normalized}`;
      if (!this.#refused.has(key)) {
        this.#refused.add(key);
        // The id is enough to find it; the endpoint is not logged (it can carry anything).
        this.#logger.warn(
          {
            event: 'subscription.endpoint-refused',
            subscription: subscription.id,
            reason: 'endpoint is not the vialwise service',
          },
          'notification not sent: the embedded FHIR server only notifies the vialwise service',
        );
      }
    }
    return allowed;
  }

  /** Stops matching and delivering: cancels waits between retries, aborts requests in flight, drops the queues. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#unsubscribe();
    this.#abort.abort();
    for (const t of this.#timers) {
      clearTimeout(t.timer);
      t.resolve();
    }
    this.#timers.clear();
    this.#queues.clear();
    this.#pendingEvents = 0;
    this.#pendingNotifications = 0;
    this.#settleIdle();
  }

  #onWrite(event: ResourceWriteEvent): void {
    if (this.#stopped) return;
    // Serialize now: the body must be this version's bytes whatever happens to the object later.
    const body = event.interaction === 'delete' ? '{}' : JSON.stringify(event.resource);
    const resource = JSON.parse(JSON.stringify(event.resource)) as WithId<Resource>;
    const previous = event.previous;
    this.#pendingEvents++;
    this.#matching = this.#matching
      .then(() => this.#match(event.interaction, resource, previous, body))
      .catch(() =>
        this.#logger.warn({ event: 'subscription.match-failed', resourceType: resource.resourceType }),
      )
      .finally(() => {
        if (this.#stopped) return;
        this.#pendingEvents--;
        this.#settleIdle();
      });
  }

  async #match(
    interaction: WriteInteraction,
    resource: WithId<Resource>,
    previous: WithId<Resource> | undefined,
    body: string,
  ): Promise<void> {
    if (this.#stopped) return;
    const subscriptions = await this.#repo.searchResources<Subscription>({
      resourceType: 'Subscription',
      filters: [{ code: 'status', operator: Operator.EQUALS, value: 'active' }],
    });
    const now = Date.now();
    for (const subscription of subscriptions) {
      if (subscription.channel?.type !== 'rest-hook' || !subscription.channel.endpoint) continue;
      if (subscription.end && Date.parse(subscription.end) < now) continue;
      if (!this.#endpointAllowed(subscription, subscription.channel.endpoint)) continue;
      let matches = false;
      try {
        // Medplum's own matcher: criteria via parseSearchRequest + matchesSearchRequest, plus its
        // supported-interaction and FHIRPath-criteria extensions.
        matches = await resourceMatchesSubscriptionCriteria({
          resource,
          subscription,
          context: { interaction },
          getPreviousResource: () => Promise.resolve(previous),
        });
      } catch {
        this.#logger.warn({ event: 'subscription.bad-criteria', subscription: subscription.id });
      }
      if (!matches || this.#stopped) continue;
      this.#enqueue({
        subscription,
        interaction,
        resourceType: resource.resourceType,
        resourceId: resource.id,
        versionId: resource.meta?.versionId,
        body,
        maxAttempts: maxAttemptsOf(subscription),
      });
    }
  }

  #enqueue(notification: Notification): void {
    const key = `${notification.subscription.id}|${notification.resourceType}/${notification.resourceId}`;
    this.#pendingNotifications++;
    const queue = this.#queues.get(key);
    if (queue) {
      queue.push(notification);
      return;
    }
    this.#queues.set(key, [notification]);
    void this.#drain(key);
  }

  async #drain(key: string): Promise<void> {
    const queue = this.#queues.get(key);
    try {
      while (queue && queue.length > 0 && !this.#stopped) {
        const head = queue[0];
        if (head) await this.#deliver(head);
        if (this.#stopped) return;
        queue.shift();
        this.#pendingNotifications--;
        this.#settleIdle();
      }
    } catch {
      this.#logger.error({ event: 'subscription.delivery-crashed' });
    } finally {
      if (!this.#stopped) this.#queues.delete(key);
    }
  }

  async #deliver(n: Notification): Promise<void> {
    const started = Date.now();
    for (let attempt = 1; attempt <= n.maxAttempts && !this.#stopped; attempt++) {
      const status = await this.#post(n);
      if (this.#stopped) return;
      const ok = status !== undefined && status >= 200 && status < 300;
      const final = ok || attempt === n.maxAttempts;
      this.#record({
        subscriptionId: n.subscription.id,
        resourceType: n.resourceType,
        resourceId: n.resourceId,
        versionId: n.versionId,
        interaction: n.interaction,
        attempt,
        ...(status !== undefined ? { status } : {}),
        ok,
        final,
      });
      const fields = {
        event: ok ? 'subscription.delivered' : final ? 'subscription.gave-up' : 'subscription.retry',
        subscription: n.subscription.id,
        resourceType: n.resourceType,
        resourceId: n.resourceId,
        interaction: n.interaction,
        attempt,
        status: status ?? 0,
        durationMs: Date.now() - started,
      };
      if (ok) {
        this.#logger.debug(fields);
        return;
      }
      if (final) {
        this.#logger.warn(fields);
        return;
      }
      this.#logger.info(fields);
      await this.#sleep(Math.min(this.#retryBaseDelayMs * 2 ** (attempt - 1), this.#retryMaxDelayMs));
    }
  }

  /** One POST; returns the HTTP status, or undefined when no response came back. */
  async #post(n: Notification): Promise<number | undefined> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/fhir+json',
      'X-Medplum-Subscription': n.subscription.id,
      'X-Medplum-Interaction': n.interaction,
    };
    if (n.interaction === 'delete')
      headers['X-Medplum-Deleted-Resource'] = `${n.resourceType}/${n.resourceId}`;
    for (const header of n.subscription.channel.header ?? []) {
      // Split at the first colon only: Medplum splits at every colon, which truncates values like "Bearer a:b".
      const colon = header.indexOf(':');
      const name = colon > 0 ? header.slice(0, colon).trim() : '';
      if (/^[!#$%&'*+.^`|~\w-]+$/.test(name)) headers[name] = header.slice(colon + 1).trim();
    }
    const secret = this.#repo.subscriptionSecret(n.subscription.id);
    if (secret) {
      headers['X-Signature'] = createHmac('sha256', secret).update(n.body).digest('hex');
    }
    try {
      const response = await this.#fetch(n.subscription.channel.endpoint as string, {
        method: 'POST',
        headers,
        body: n.body,
        redirect: 'manual',
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#timeoutMs)]),
      });
      await response.body?.cancel().catch(() => undefined);
      return response.status;
    } catch {
      return undefined;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => {
          this.#timers.delete(entry);
          resolve();
        }, ms),
        resolve,
      };
      this.#timers.add(entry);
    });
  }

  #record(attempt: DeliveryAttempt): void {
    this.#attempts.push(attempt);
    if (this.#attempts.length > this.#keepAttempts)
      this.#attempts.splice(0, this.#attempts.length - this.#keepAttempts);
  }

  #settleIdle(): void {
    if (this.pending !== 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }
}

function maxAttemptsOf(subscription: Subscription): number {
  const value =
    getExtensionValue(subscription, SUBSCRIPTION_MAX_ATTEMPTS_URL) ??
    getExtensionValue(subscription, MAX_ATTEMPTS_URL_HTTP);
  if (typeof value !== 'number' || !Number.isInteger(value)) return DEFAULT_MAX_ATTEMPTS;
  return Math.min(Math.max(value, 1), MAX_ATTEMPTS_LIMIT);
}

const SECRET_URLS: ReadonlySet<string> = new Set([SUBSCRIPTION_SECRET_URL, LEGACY_SECRET_URL]);

/**
 * Splits a Subscription about to be stored into the resource without its secret extension and
 * the secret (undefined when it carries none; other resources come back as they are).
 */
export function takeSubscriptionSecret<T extends Resource>(resource: T): { resource: T; secret?: string } {
  if (resource.resourceType !== 'Subscription' || !resource.extension?.length) return { resource };
  if (!resource.extension.some((e: Extension) => SECRET_URLS.has(e.url))) return { resource };
  // getExtensionValue(r, a, b) reads a nested extension, so each URL is looked up on its own.
  const value =
    getExtensionValue(resource, SUBSCRIPTION_SECRET_URL) ?? getExtensionValue(resource, LEGACY_SECRET_URL);
  const rest = resource.extension.filter((e: Extension) => !SECRET_URLS.has(e.url));
  const others = { ...resource } as T & { extension?: Extension[] };
  delete others.extension;
  return {
    resource: rest.length ? { ...others, extension: rest } : others,
    secret: typeof value === 'string' ? value : '',
  };
}

function normalizeEndpoint(endpoint: string): string {
  try {
    return new URL(endpoint).href;
  } catch {
    return endpoint;
  }
}

/** http(s) to this machine's loopback interface. */
function isLoopbackUrl(endpoint: string): boolean {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return false;
  }
  const host = url.hostname.toLowerCase();
  return (
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    (host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host))
  );
}
