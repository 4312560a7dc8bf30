/**
 * The resource types whose changes re-evaluate an Encounter: the service registers a Subscription
 * for each (registration.ts) and resolves their notifications to Encounters (evaluate/triggers.ts).
 */
export const WATCHED_TYPES = [
  'MedicationAdministration',
  'Encounter',
  'Condition',
  'Coverage',
  'ChargeItem',
] as const;
export type WatchedType = (typeof WATCHED_TYPES)[number];

export function isWatchedType(t: unknown): t is WatchedType {
  return typeof t === 'string' && (WATCHED_TYPES as readonly string[]).includes(t);
}
