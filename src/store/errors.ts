/**
 * Errors of the store. Database errors are rewrapped so that nothing a driver attaches
 * (PostgreSQL's `detail` repeats the failing row, a BSN included) leaves the store: the
 * message keeps the driver's own text with digit runs that could be a BSN masked, and the
 * driver's error code; the original error is not kept as `cause`.
 */

/** An error of the store's own making: its message is safe (no personal data). */
export class StoreError extends Error {
  constructor(
    message: string,
    /** SQLSTATE (PostgreSQL) or SQLite result code, when a database error is behind it. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** Masks runs of 8 or 9 digits (the forms a BSN takes) in a message. */
export function redact(text: string): string {
  return text.replace(/(?<!\d)\d{8,9}(?!\d)/g, '<redacted>');
}

/** The SQLSTATE / SQLite code of a driver error, if any. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    const code = (err as { code: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** True when the error is a unique or primary-key violation, on either engine. */
export function isUniqueViolation(err: unknown): boolean {
  const code = errorCode(err);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Turns anything thrown inside an operation into a StoreError with a safe message. */
export function toStoreError(operation: string, err: unknown): StoreError {
  if (err instanceof StoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StoreError(`store: ${operation} failed: ${redact(message)}`, errorCode(err));
}
