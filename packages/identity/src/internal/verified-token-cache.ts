/**
 * A bounded map from token string to what its signature and claims proved. Entries are dropped at
 * the token's `exp`; when full, expired entries go first, then the oldest. Only facts that no later
 * event can change are held here: time, audience and revocation are checked again on every use.
 */
export interface VerifiedTokenCache<T> {
  get(token: string): T | undefined;
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
    get(token) {
      return entries.get(token)?.value;
    },
    set(token, value, expiresAt, nowSeconds) {
      if (maxEntries === 0) return;
      if (entries.size >= maxEntries) {
        for (const [key, entry] of entries) if (entry.expiresAt <= nowSeconds) entries.delete(key);
        // Map iteration order is insertion order: the first key is the oldest.
        while (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
      }
      entries.set(token, { value, expiresAt });
    },
    clear: () => entries.clear(),
    get size() {
      return entries.size;
    },
  };
}
