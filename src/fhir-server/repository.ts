/**
 * MemoryRepository that reports every successful write, so subscriptions see writes made through
 * any path: plain REST, batch and transaction entries, conditional create/update/delete, patch,
 * and direct calls on the repository (e.g. seeding demo data in-process).
 *
 * A Subscription's secret (Medplum's subscription-secret extension) is write-only: it is kept
 * here, out of the stored resource, so that no read, search, history or export of this
 * unauthenticated server returns it; delivery asks `subscriptionSecret(id)`. A write without the
 * extension keeps the secret already set (a client that read the Subscription and writes it back
 * cannot see it), a write with it replaces it, and a delete drops it.
 */
import { isCreated } from '@medplum/core';
import type { SearchRequest, WithId } from '@medplum/core';
import type { CreateResourceOptions, DeleteResourceOptions } from '@medplum/fhir-router';
import { MemoryRepository } from '@medplum/fhir-router';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { takeSubscriptionSecret } from './subscriptions.ts';

export type WriteInteraction = 'create' | 'update' | 'delete';

export interface ResourceWriteEvent {
  readonly interaction: WriteInteraction;
  /** The version written; on delete, the last version before the delete. */
  readonly resource: WithId<Resource>;
  /** The version this write replaced (update and delete). */
  readonly previous?: WithId<Resource>;
}

export type WriteListener = (event: ResourceWriteEvent) => void;

export class NotifyingMemoryRepository extends MemoryRepository {
  readonly #listeners = new Set<WriteListener>();
  readonly #secrets = new Map<string, string>();

  /** The signing secret last written with Subscription `id`, if any. */
  subscriptionSecret(id: string): string | undefined {
    return this.#secrets.get(id);
  }

  /** Registers a listener called synchronously after each successful write; returns its removal. */
  onWrite(listener: WriteListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  // updateResource and patchResource end here with update = true; updating a missing id creates it.
  override async createResource<T extends Resource>(
    resource: T,
    options?: CreateResourceOptions,
    update: boolean = false,
  ): Promise<WithId<T>> {
    const previous = update && resource.id ? this.#current(resource.resourceType, resource.id) : undefined;
    const { resource: stored, secret } = takeSubscriptionSecret(resource);
    const result = await super.createResource(stored, options, update);
    if (secret !== undefined) this.#secrets.set(result.id, secret);
    const before = await previous;
    this.#emit(
      before
        ? { interaction: 'update', resource: result, previous: before }
        : { interaction: 'create', resource: result },
    );
    return result;
  }

  // MemoryRepository's conditional create writes without going through createResource.
  override async conditionalCreate<T extends Resource>(
    resource: T,
    search: SearchRequest<T>,
    options?: CreateResourceOptions,
  ): Promise<{ resource: WithId<T>; outcome: OperationOutcome }> {
    const { resource: stored, secret } = takeSubscriptionSecret(resource);
    const result = await super.conditionalCreate(stored, search, options);
    if (!isCreated(result.outcome)) return result;
    if (secret !== undefined) this.#secrets.set(result.resource.id, secret);
    this.#emit({ interaction: 'create', resource: result.resource });
    return result;
  }

  override async deleteResource(
    resourceType: string,
    id: string,
    options?: DeleteResourceOptions,
  ): Promise<void> {
    const previous = this.#current(resourceType, id);
    await super.deleteResource(resourceType, id, options);
    if (resourceType === 'Subscription') this.#secrets.delete(id);
    const before = await previous;
    if (before) this.#emit({ interaction: 'delete', resource: before, previous: before });
  }

  /**
   * The stored version at the moment of the call. MemoryRepository.readResource does its lookup
   * synchronously before returning its promise, so calling this just before a write captures the
   * state that write replaces, even when other requests interleave.
   */
  #current(resourceType: string, id: string): Promise<WithId<Resource> | undefined> {
    return this.readResource<WithId<Resource>>(resourceType, id).catch(() => undefined);
  }

  #emit(event: ResourceWriteEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch {
        // A listener must never turn a successful write into a failed request.
      }
    }
  }
}
