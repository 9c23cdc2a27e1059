/** Largest page a store returns from one `list` call. */
export const MAX_LIST_LIMIT = 1000;

/** Validates a `list` limit; absent means the maximum. */
export function checkListLimit(limit: number | undefined): number {
  if (limit === undefined) return MAX_LIST_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new TypeError(`list(): limit must be an integer in [1, ${MAX_LIST_LIMIT}], got ${String(limit)}`);
  }
  return limit;
}
