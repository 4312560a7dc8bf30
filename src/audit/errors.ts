/**
 * Exit codes of `vialwise audit` and the error that carries one. The CLI's shared codes are 0
 * (done), 1 (failed) and 2 (wrong command line); the audit adds 3 and 4.
 */
export const AUDIT_EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  /** The FHIR server could not be reached, or stayed unavailable through the retries. */
  unavailable: 3,
  /** The reports were written, but some input lines could not be read (each is named on stderr). */
  brokenInput: 4,
} as const;

export type AuditExitCode = (typeof AUDIT_EXIT)[keyof typeof AUDIT_EXIT];

export class AuditError extends Error {
  readonly code: string;
  readonly exitCode: AuditExitCode;
  constructor(message: string, code: string, exitCode: AuditExitCode) {
    super(message);
    this.name = 'AuditError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

export function usageError(message: string): AuditError {
  return new AuditError(message, 'audit-usage', AUDIT_EXIT.usage);
}

export function unavailableError(message: string): AuditError {
  return new AuditError(message, 'fhir-unavailable', AUDIT_EXIT.unavailable);
}
