import { AccessDeniedError, type Decision } from '@palisade/core';

/**
 * The guarded `fetch` refused an outbound request (or one of its redirects): the policy did not allow
 * it, the scheme is not HTTP, or the name did not resolve. Nothing was sent.
 *
 * @example
 * ```ts
 * if (EgressDeniedError.isInstance(error)) console.log(error.url, error.decision?.reason);
 * ```
 */
export class EgressDeniedError extends AccessDeniedError {
  static override readonly kind: string = 'EgressDeniedError';
  override readonly code: string = 'ERR_EGRESS_DENIED';
  /** The URL that was refused (after any redirects that led to it). */
  readonly url: string;

  constructor(
    message: string,
    options: { url: string; decision?: Decision | undefined; callId?: string | undefined; cause?: unknown },
  ) {
    super(message, {
      stage: 'execute',
      tool: 'fetch',
      callId: options.callId,
      decision: options.decision,
      cause: options.cause,
    });
    this.url = options.url;
  }
}
