/**
 * Holds the labels of agent sessions (`tainted` once untrusted content was read). Labels only
 * accumulate: nothing in the loop removes one.
 */
export interface SessionStore {
  labels(sessionId: string): Promise<readonly string[]>;
  addLabels(sessionId: string, labels: readonly string[]): Promise<void>;
}

/**
 * An in-process `SessionStore`. Suited to one process; use a shared store when agents of one session
 * run on several replicas.
 *
 * @example
 * ```ts
 * const sessions = createMemorySessionStore();
 * await sessions.addLabels('s-1', ['tainted']);
 * ```
 */
export function createMemorySessionStore(): SessionStore {
  const sessions = new Map<string, Set<string>>();
  return {
    async labels(sessionId) {
      return [...(sessions.get(sessionId) ?? [])];
    },
    async addLabels(sessionId, labels) {
      let set = sessions.get(sessionId);
      if (!set) {
        set = new Set();
        sessions.set(sessionId, set);
      }
      for (const label of labels) set.add(label);
    },
  };
}
