import { canonicalJson } from '@palisade/core';

/**
 * Remembers, per LangGraph task and tool call id, what happened to a tool call, so that a node
 * LangGraph re-runs after an interrupt neither proposes the same approval twice nor runs a call
 * that already ran.
 *
 * Entries are bound to the call's fingerprint (tool name + canonical arguments): a different call
 * that reuses an id is not mistaken for the remembered one. A final outcome is also bound to the
 * principal it was reached for, so that only the same agent acting for the same user is answered
 * from it (and only once its credential verifies again). The journal is per process and bounded;
 * the oldest entries are dropped first.
 */
export interface CallJournal<Pending, Settled> {
  /** A call paused for approval, with what it was paused with. */
  pending(key: JournalKey): Pending | undefined;
  hold(key: JournalKey, value: Pending): void;
  /** A call that reached its final outcome, with the principal it was reached for. */
  settled(key: JournalKey): SettledCall<Settled> | undefined;
  settle(key: JournalKey, value: Settled, owner: JournalOwner): void;
}

/** The verified principal a final outcome belongs to: the agent and the user it acted for. */
export interface JournalOwner {
  readonly agent: string;
  readonly user: string | undefined;
}

/** A final outcome and the principal it belongs to. */
export interface SettledCall<Settled> {
  readonly value: Settled;
  readonly owner: JournalOwner;
}

/** Where a call lives (graph task + tool call id) and what it is (fingerprint). */
export interface JournalKey {
  readonly slot: string;
  readonly fingerprint: string;
}

type Entry<Pending, Settled> =
  | { readonly fingerprint: string; readonly state: 'pending'; readonly value: Pending }
  | {
      readonly fingerprint: string;
      readonly state: 'settled';
      readonly value: Settled;
      readonly owner: JournalOwner;
    };

/**
 * The graph task a call runs in: LangGraph's `thread_id` and `checkpoint_ns`. The namespace names
 * the task (`tools:<task id>`), which is the same when an interrupted task re-runs on resume and
 * different for a later step, so a later call that happens to reuse a tool call id is never
 * answered from the journal.
 */
export function graphTaskOf(configurable: Readonly<Record<string, unknown>> | undefined): string | undefined {
  const threadId = configurable?.thread_id;
  const namespace = configurable?.checkpoint_ns;
  if (typeof threadId !== 'string' || typeof namespace !== 'string' || namespace === '') return undefined;
  return `${threadId}\u0000${namespace}`;
}

/** The journal key of a call, or `undefined` when the call cannot be identified across re-runs. */
export function journalKey(
  graphTask: string | undefined,
  toolCallId: string | undefined,
  name: string,
  args: unknown,
): JournalKey | undefined {
  if (graphTask === undefined || toolCallId === undefined || toolCallId === '') return undefined;
  let fingerprint: string;
  try {
    fingerprint = canonicalJson({ name, args });
  } catch {
    // Arguments that are not JSON cannot be compared; such a call is simply not journalled.
    return undefined;
  }
  return { slot: `${graphTask}\u0000${toolCallId}`, fingerprint };
}

/** Creates a journal holding at most `limit` calls. */
export function createCallJournal<Pending, Settled>(limit: number): CallJournal<Pending, Settled> {
  const entries = new Map<string, Entry<Pending, Settled>>();

  function find(key: JournalKey): Entry<Pending, Settled> | undefined {
    const entry = entries.get(key.slot);
    return entry?.fingerprint === key.fingerprint ? entry : undefined;
  }

  function put(key: JournalKey, entry: Entry<Pending, Settled>): void {
    entries.delete(key.slot);
    entries.set(key.slot, entry);
    while (entries.size > limit) {
      const oldest = entries.keys().next();
      if (oldest.done) break;
      entries.delete(oldest.value);
    }
  }

  return {
    pending(key) {
      const entry = find(key);
      return entry?.state === 'pending' ? entry.value : undefined;
    },
    hold(key, value) {
      put(key, { fingerprint: key.fingerprint, state: 'pending', value });
    },
    settled(key) {
      const entry = find(key);
      return entry?.state === 'settled' ? { value: entry.value, owner: entry.owner } : undefined;
    },
    settle(key, value, owner) {
      put(key, {
        fingerprint: key.fingerprint,
        state: 'settled',
        value,
        owner: { agent: owner.agent, user: owner.user },
      });
    },
  };
}

/** True when both owners name the same agent acting for the same user (or both for no user). */
export function sameOwner(a: JournalOwner, b: JournalOwner): boolean {
  return a.agent === b.agent && a.user === b.user;
}
