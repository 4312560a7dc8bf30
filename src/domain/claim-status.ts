/**
 * When a Claim counts as submitted. R4 `Claim.status` (financial-resource-status-codes) is
 * active | cancelled | draft | entered-in-error: a draft is vialwise's to change, a cancelled or
 * entered-in-error Claim is void, and anything else (active, or a value a server should not hold)
 * has left for the payer and is never modified. The one statement of this rule: the engine's
 * submitted-claim check, the write plan, the web UI and the audit all call it.
 */
const NOT_SUBMITTED: ReadonlySet<unknown> = new Set(['draft', 'cancelled', 'entered-in-error']);

export function isSubmittedStatus(status: unknown): boolean {
  return !NOT_SUBMITTED.has(status);
}

/** Cancelled or entered in error: neither billable nor blocking a new draft. */
export function isVoidStatus(status: unknown): boolean {
  return status === 'cancelled' || status === 'entered-in-error';
}
