/**
 * Where a value the agent was given came from. The user's own messages are a fourth origin (`user`),
 * read from the request itself, never stored.
 *
 * - `trusted`: a trusted field of a trusted tool's output (an account's IBAN, a sender's address).
 * - `untrusted`: untrusted text (an e-mail body, a review, a web page, a file's contents).
 * - `requested`: untrusted text the user asked for by name: it came from a call whose every argument
 *   the user gave (the file or page the user named). Still untrusted, but what the user pointed at.
 */
export type ValueOrigin = 'trusted' | 'untrusted' | 'requested';

/** One sighting of a value in a tool's output. */
export interface ValueObservation {
  readonly origin: ValueOrigin;
  /** The tool whose output held the value. */
  readonly tool: string;
  /** The output field it was in, as dotted keys (array positions left out); `''` for the whole output. */
  readonly field: string;
  /** The sensitivity labels the catalog gives the output (`pii`, `secret`, `financial`, ...). */
  readonly labels: readonly string[];
}

/** A normalised value (see `normalizeValue`) with where it was seen. */
export interface RecordedValue {
  readonly value: string;
  readonly observation: ValueObservation;
}

/** What one call's output contributed to its session. */
export interface ProvenanceRecord {
  readonly values: readonly RecordedValue[];
  /** False when the output held more values than were kept: lookups can then no longer say "never seen". */
  readonly complete: boolean;
}

/** What a session has seen, as a policy decision reads it. Synchronous: it is built before the decision. */
export interface ProvenanceView {
  /** Every sighting of a normalised value in the session, or none. */
  find(value: string): readonly ValueObservation[];
  /**
   * False once the session saw more than the store keeps: a value not found may then have been
   * dropped, so "never seen" cannot be concluded (checks that need it are unknown, see the policy).
   */
  readonly complete: boolean;
}

/**
 * Remembers, per session, the values tool outputs carried and where each came from, so that policy
 * can ask whether an argument came from the user, a trusted source or untrusted text. `guard()`
 * records what a call returned (after its body) and hands the decision a view of the session.
 */
export interface ProvenanceStore {
  record(sessionId: string, record: ProvenanceRecord): Promise<void>;
  view(sessionId: string): Promise<ProvenanceView>;
}

/** Options for `createMemoryProvenanceStore`. */
export interface MemoryProvenanceStoreOptions {
  /** Distinct values kept per session; past it the session's view is marked incomplete. Default 20,000. */
  readonly maxValuesPerSession?: number | undefined;
  /** Sessions kept at once; past it a new session is refused (recording throws). Default 10,000. */
  readonly maxSessions?: number | undefined;
  /** A session not used for this long (ms) is forgotten. Default 24 hours. */
  readonly ttlMs?: number | undefined;
  /** Epoch milliseconds; injectable for tests. */
  readonly now?: (() => number) | undefined;
}

/** Sightings kept per value: enough to tell origins and labels apart, bounded against repetition. */
const MAX_OBSERVATIONS_PER_VALUE = 16;
const NONE: readonly ValueObservation[] = Object.freeze([]);
const EMPTY_VIEW: ProvenanceView = Object.freeze({ find: () => NONE, complete: true });

interface SessionValues {
  readonly values: Map<string, ValueObservation[]>;
  complete: boolean;
  usedAt: number;
}

/**
 * An in-process `ProvenanceStore`, bounded: at most `maxValuesPerSession` distinct values per
 * session (further values are dropped and the session is marked incomplete, which makes policy
 * checks that need "never seen" unknown, so they fail closed), at most `maxSessions` sessions (a new
 * one beyond that is refused until idle ones expire after `ttlMs`). Suited to one process; agents
 * of one session spread over replicas need a shared store.
 *
 * @example
 * ```ts
 * const provenance = createMemoryProvenanceStore({ maxValuesPerSession: 5_000 });
 * guard(tool, { verifier, decider, recorder, sessions, provenance });
 * ```
 */
export function createMemoryProvenanceStore(options: MemoryProvenanceStoreOptions = {}): ProvenanceStore {
  const maxValues = positiveInteger(options.maxValuesPerSession ?? 20_000, 'maxValuesPerSession');
  const maxSessions = positiveInteger(options.maxSessions ?? 10_000, 'maxSessions');
  const ttlMs = options.ttlMs ?? 86_400_000;
  if (typeof ttlMs !== 'number' || !(ttlMs > 0)) {
    throw new TypeError('createMemoryProvenanceStore(): ttlMs must be a positive number');
  }
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new TypeError('createMemoryProvenanceStore(): now must be a function');
  const sessions = new Map<string, SessionValues>();

  function live(sessionId: string, at: number): SessionValues | undefined {
    const session = sessions.get(sessionId);
    if (session === undefined) return undefined;
    if (at - session.usedAt >= ttlMs) {
      sessions.delete(sessionId);
      return undefined;
    }
    session.usedAt = at;
    return session;
  }

  function evictExpired(at: number): void {
    for (const [id, session] of sessions) if (at - session.usedAt >= ttlMs) sessions.delete(id);
  }

  return {
    async record(sessionId, record) {
      assertSessionId(sessionId);
      const at = now();
      let session = live(sessionId, at);
      if (session === undefined) {
        if (sessions.size >= maxSessions) evictExpired(at);
        if (sessions.size >= maxSessions) {
          throw new Error(`The provenance store holds its maximum of ${maxSessions} sessions`);
        }
        session = { values: new Map(), complete: true, usedAt: at };
        sessions.set(sessionId, session);
      }
      if (!record.complete) session.complete = false;
      for (const { value, observation } of record.values) {
        let seen = session.values.get(value);
        if (seen === undefined) {
          if (session.values.size >= maxValues) {
            session.complete = false;
            continue;
          }
          seen = [];
          session.values.set(value, seen);
        }
        if (seen.length >= MAX_OBSERVATIONS_PER_VALUE || seen.some((item) => sameSighting(item, observation)))
          continue;
        seen.push(Object.freeze({ ...observation, labels: Object.freeze([...observation.labels]) }));
      }
    },
    async view(sessionId) {
      assertSessionId(sessionId);
      const session = live(sessionId, now());
      if (session === undefined) return EMPTY_VIEW;
      return {
        find: (value: string) => session.values.get(value) ?? NONE,
        get complete() {
          return session.complete;
        },
      };
    },
  };
}

function sameSighting(a: ValueObservation, b: ValueObservation): boolean {
  return (
    a.origin === b.origin &&
    a.tool === b.tool &&
    a.field === b.field &&
    a.labels.length === b.labels.length &&
    a.labels.every((label, index) => label === b.labels[index])
  );
}

function positiveInteger(value: number, name: string): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new TypeError(`createMemoryProvenanceStore(): ${name} must be a positive integer`);
  }
  return value;
}

function assertSessionId(sessionId: unknown): void {
  if (typeof sessionId !== 'string' || sessionId === '') {
    throw new TypeError('A provenance session id must be a non-empty string');
  }
}
