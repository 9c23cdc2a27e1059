import { AccessDeniedError } from '@palisade/core';

/**
 * A rate limit or budget of the policy would be passed by this call, so it was refused before the
 * tool body ran.
 *
 * @example
 * ```ts
 * if (LimitExceededError.isInstance(error)) console.log(error.limit, error.total, error.max);
 * ```
 */
export class LimitExceededError extends AccessDeniedError {
  static override readonly kind: string = 'LimitExceededError';
  override readonly code: string = 'ERR_LIMIT_EXCEEDED';
  /** The limit's id in the policy. */
  readonly limit: string;
  /** The counter (limit id and the values it is kept per). */
  readonly key: string;
  readonly max: number;
  /** The counter's value in the current window, without this call. */
  readonly total: number;
  readonly amount: number;

  constructor(options: {
    limit: string;
    key: string;
    max: number;
    total: number;
    amount: number;
    tool?: string | undefined;
    callId?: string | undefined;
  }) {
    super(
      `Limit "${options.limit}" reached: ${options.total} + ${options.amount} would pass ${options.max}`,
      {
        stage: 'obligation',
        tool: options.tool,
        callId: options.callId,
      },
    );
    this.limit = options.limit;
    this.key = options.key;
    this.max = options.max;
    this.total = options.total;
    this.amount = options.amount;
  }
}
