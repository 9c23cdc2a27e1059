/**
 * A bounded map from token string to what its signature and claims proved. An entry is never
 * served at or past its `expiresAt`: `get` drops it then (lazy expiry). When full, the oldest entry
 * goes first. Insert, lookup and eviction are O(1): the map's insertion order is the age order, so
 * the oldest entry is always its first key and nothing is scanned. Only facts that no later event
 * can change are held here: time, audience and revocation are checked again on every use.
 */
export interface VerifiedTokenCache<T> {
  /** The cached value, or `undefined` when absent or expired at `nowSeconds` (then dropped). */
  get(token: string, nowSeconds: number): T | undefined;
  /** Caches `value` until `expiresAt` (epoch seconds); an already expired value is not cached. */
  set(token: string, value: T, expiresAt: number, nowSeconds: number): void;
  clear(): void;
  readonly size: number;
}

interface Entry<T> {
  readonly value: T;
  readonly expiresAt: number;
}

export function createVerifiedTokenCache<T>(maxEntries: number): VerifiedTokenCache<T> {
  const entries = new Map<string, Entry<T>>();
  return {
    get(token, nowSeconds) {
      const entry = entries.get(token);
      if (entry === undefined) return undefined;
      if (entry.expiresAt <= nowSeconds) {
        entries.delete(token);
        return undefined;
      }
      return entry.value;
    },
    set(token, value, expiresAt, nowSeconds) {
      if (maxEntries === 0) return;
      // Re-inserting moves the token to the young end, so the first key stays the oldest.
      entries.delete(token);
      if (expiresAt <= nowSeconds) return;
      // Expired entries not looked up again age out from the front like any other.
      while (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done === true) break;
        entries.delete(oldest.value);
      }
      entries.set(token, { value, expiresAt });
    },
    clear: () => entries.clear(),
    get size() {
      return entries.size;
    },
  };
}
