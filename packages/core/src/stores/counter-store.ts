/** The outcome of one `consume`. */
export interface CounterConsumeResult {
  /** True when the amount was added; false when adding it would have passed the limit (nothing added). */
  readonly allowed: boolean;
  /** The counter's value after the call (unchanged when refused). */
  readonly total: number;
}

/**
 * Shared counters for rate limits and budgets, in fixed windows. Implementations must make
 * `consume` atomic: under any number of concurrent callers the counter never ends above `limit`.
 */
export interface CounterStore {
  /**
   * Adds `amount` (> 0) to the counter `key` in the window of `windowMs` milliseconds that contains
   * `now`, unless the result would exceed `limit`.
   */
  consume(options: {
    readonly key: string;
    readonly amount: number;
    readonly limit: number;
    readonly windowMs: number;
    readonly now: number;
  }): Promise<CounterConsumeResult>;
  /** The counter's value in the window that contains `now` (0 when absent). */
  peek(options: { readonly key: string; readonly windowMs: number; readonly now: number }): Promise<number>;
  /** Removes every window of the counter. */
  reset(key: string): Promise<void>;
}
