import { PalisadeError } from '@palisade/core';

/** Why content was blocked. */
export type ContentBlockReason = 'secret' | 'pii' | 'canary' | 'injection' | 'detector-error';

/**
 * Content could not be let through: output DLP found a secret or a canary in a model's output, a tool
 * result or a tool call's arguments, or a detector failed (which blocks, never passes).
 *
 * The error names the kinds of what it found and where, never the content itself.
 *
 * @example
 * ```ts
 * try { await dlp.checkText(output); } catch (error) {
 *   if (ContentBlockedError.isInstance(error)) console.log(error.code, error.reasons);
 * }
 * ```
 */
export class ContentBlockedError extends PalisadeError {
  static override readonly kind: string = 'ContentBlockedError';
  override readonly code: string = 'ERR_CONTENT_BLOCKED';
  /** The kinds of finding that blocked the content. */
  readonly reasons: readonly ContentBlockReason[];
  /** Detector rule ids that matched (e.g. `aws-access-key`, `canary`), never matched text. */
  readonly rules: readonly string[];

  constructor(
    message: string,
    options: { reasons: readonly ContentBlockReason[]; rules?: readonly string[]; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.reasons = Object.freeze([...options.reasons]);
    this.rules = Object.freeze([...(options.rules ?? [])]);
  }
}

/**
 * A write to a guarded memory was refused: it was screened as an injection, it targeted a namespace
 * the principal may not write (another user's, another tenant's, or the organisation's), or a
 * detector failed.
 *
 * @example
 * ```ts
 * if (MemoryWriteDeniedError.isInstance(error)) console.log(error.code, error.reason);
 * ```
 */
export class MemoryWriteDeniedError extends PalisadeError {
  static override readonly kind: string = 'MemoryWriteDeniedError';
  override readonly code: string = 'ERR_MEMORY_WRITE_DENIED';
  readonly reason: 'namespace' | 'injection' | 'detector-error';

  constructor(message: string, options: { reason: MemoryWriteDeniedError['reason']; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.reason = options.reason;
  }
}
