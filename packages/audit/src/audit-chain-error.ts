import { PalisadeError } from '@palisade/core';

/**
 * The audit chain could not write a record (the disk is full, the database is gone) and refuses every
 * later append, because a chain with a hole in it proves nothing. In strict mode the guarded call
 * that needed the record is denied.
 *
 * @example
 * ```ts
 * if (AuditChainError.isInstance(error.cause)) alertOnCall('the audit log is down');
 * ```
 */
export class AuditChainError extends PalisadeError {
  static override readonly kind: string = 'AuditChainError';
  override readonly code: string = 'ERR_AUDIT_CHAIN_FAILED';
}
