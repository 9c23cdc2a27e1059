import { PalisadeError } from '../errors.js';

/**
 * An in-memory store is at its size cap and refuses new entries rather than growing: the work that
 * needed the entry does not happen (fail closed). Existing entries keep working, and room returns as
 * they expire.
 *
 * @example
 * ```ts
 * if (StoreFullError.isInstance(error)) console.warn(`${error.store} is full (${error.maxEntries})`);
 * ```
 */
export class StoreFullError extends PalisadeError {
  override readonly code: 'ERR_STORE_FULL' = 'ERR_STORE_FULL';
  static override readonly kind: string = 'StoreFullError';
  /** Which store refused (`session store`, `counter store`, ...). */
  readonly store: string;
  /** The cap it is at. */
  readonly maxEntries: number;

  constructor(options: { store: string; maxEntries: number }) {
    super(
      `The ${options.store} holds its maximum of ${options.maxEntries} entries and refuses new ones until some expire`,
    );
    this.store = options.store;
    this.maxEntries = options.maxEntries;
  }
}
