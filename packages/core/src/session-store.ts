import { createExpiringMap } from './stores/expiring-map.js';

/**
 * Holds the labels of agent sessions (`tainted` once untrusted content was read). Labels only
 * accumulate: nothing in the loop removes one.
 */
export interface SessionStore {
  labels(sessionId: string): Promise<readonly string[]>;
  addLabels(sessionId: string, labels: readonly string[]): Promise<void>;
}

/** Options for `createMemorySessionStore`. */
export interface MemorySessionStoreOptions {
  /**
   * A session unused for this long (milliseconds) has ended and is forgotten, labels included.
   * Default 24 hours. A session id seen again after that starts afresh, so keep it longer than any
   * pause an agent session can take.
   */
  readonly idleTtlMs?: number | undefined;
  /**
   * The most sessions held at once. Default 100,000. At the cap a session the store has not seen is
   * refused (`labels()` and `addLabels()` throw `StoreFullError`, so its calls are denied before
   * they run) until idle ones expire; sessions already held carry on.
   */
  readonly maxSessions?: number | undefined;
  /** How often idle sessions are swept while the store is not used (milliseconds). Default 60 s. */
  readonly sweepIntervalMs?: number | undefined;
  /** Epoch milliseconds; injectable for tests. */
  readonly now?: (() => number) | undefined;
}

/** An in-process `SessionStore` with bounded memory. */
export interface MemorySessionStore extends SessionStore {
  /** Sessions held now (idle ones not yet swept included). */
  readonly size: number;
  /** Stops the sweep timer. */
  dispose(): void;
}

const NO_LABELS: readonly string[] = Object.freeze([]);
/** A session's idle deadline moves at most this often, so a busy session does not rewrite its entry per call. */
const REFRESH_MS = 1_000;

/**
 * An in-process `SessionStore` with bounded memory: every session a call names takes an entry (so
 * its labels have a place before any untrusted content is read), sessions idle for `idleTtlMs` are
 * forgotten, and at `maxSessions` new sessions are refused rather than the store growing. Suited to
 * one process; use a shared store when agents of one session run on several replicas.
 *
 * @example
 * ```ts
 * const sessions = createMemorySessionStore({ idleTtlMs: 3_600_000, maxSessions: 50_000 });
 * await sessions.addLabels('s-1', ['tainted']);
 * ```
 */
export function createMemorySessionStore(options: MemorySessionStoreOptions = {}): MemorySessionStore {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createMemorySessionStore(): options must be an object');
  const idleTtlMs = options.idleTtlMs ?? 86_400_000;
  if (!Number.isFinite(idleTtlMs) || idleTtlMs <= 0)
    throw new TypeError('createMemorySessionStore(): idleTtlMs must be a positive number');
  const now = options.now ?? (() => Date.now());
  if (typeof now !== 'function') throw new TypeError('createMemorySessionStore(): now must be a function');
  const sessions = createExpiringMap<{ labels: readonly string[]; expiresAt: number }>({
    store: 'session store',
    maxEntries: options.maxSessions ?? 100_000,
    sweepIntervalMs: options.sweepIntervalMs ?? 60_000,
    now,
  });

  /** The session's entry, created or kept alive; throws `StoreFullError` for a new one at the cap. */
  const touch = (sessionId: string) => {
    if (typeof sessionId !== 'string') throw new TypeError('A session id must be a string');
    const time = now();
    const session = sessions.get(sessionId, time);
    if (session !== undefined && session.expiresAt - time > idleTtlMs - REFRESH_MS) return session;
    const kept = { labels: session?.labels ?? NO_LABELS, expiresAt: time + idleTtlMs };
    sessions.set(sessionId, kept, kept.expiresAt, time);
    return kept;
  };

  return {
    async labels(sessionId) {
      return touch(sessionId).labels;
    },
    async addLabels(sessionId, labels) {
      const session = touch(sessionId);
      const added = labels.filter((label) => !session.labels.includes(label));
      if (added.length > 0) session.labels = Object.freeze([...session.labels, ...new Set(added)]);
    },
    get size() {
      return sessions.size;
    },
    dispose() {
      sessions.dispose();
    },
  };
}
