import { describe, expect, it } from 'vitest';
import { createCallJournal, graphTaskOf, journalKey, sameOwner } from './call-journal.js';

const OWNER = { agent: 'support-bot', user: 'alice' };

describe('call journal', () => {
  it('identifies a call by graph task, tool call id and fingerprint', () => {
    const task = graphTaskOf({ thread_id: 't', checkpoint_ns: 'tools:1' });
    expect(task).toBeDefined();
    expect(graphTaskOf({ thread_id: 't' })).toBeUndefined();
    expect(journalKey(task, undefined, 'refund', {})).toBeUndefined();
    expect(journalKey(undefined, 'c1', 'refund', {})).toBeUndefined();

    const journal = createCallJournal<string, string>(10);
    const key = journalKey(task, 'c1', 'refund', { amount: 1 })!;
    journal.hold(key, 'paused');
    expect(journal.pending(key)).toBe('paused');
    expect(journal.pending(journalKey(task, 'c1', 'refund', { amount: 2 })!)).toBeUndefined();
    journal.settle(key, 'done', OWNER);
    expect(journal.pending(key)).toBeUndefined();
    expect(journal.settled(key)).toEqual({ value: 'done', owner: OWNER });
  });

  it('binds a final outcome to the agent and the user it was reached for', () => {
    const journal = createCallJournal<string, string>(10);
    const key = journalKey('task', 'c1', 'refund', {})!;
    journal.settle(key, 'done', OWNER);
    const owner = journal.settled(key)!.owner;
    expect(sameOwner(owner, { agent: 'support-bot', user: 'alice' })).toBe(true);
    expect(sameOwner(owner, { agent: 'support-bot', user: 'bob' })).toBe(false);
    expect(sameOwner(owner, { agent: 'support-bot', user: undefined })).toBe(false);
    expect(sameOwner(owner, { agent: 'billing-bot', user: 'alice' })).toBe(false);
  });

  it('does not journal arguments that are not JSON', () => {
    expect(journalKey('task', 'c1', 'refund', { amount: Number.NaN })).toBeUndefined();
  });

  it('forgets the oldest calls beyond its limit', () => {
    const journal = createCallJournal<string, string>(2);
    const keys = ['a', 'b', 'c'].map((id) => journalKey('task', id, 'tool', {})!);
    for (const key of keys) journal.settle(key, key.slot, OWNER);
    expect(journal.settled(keys[0]!)).toBeUndefined();
    expect(journal.settled(keys[2]!)?.value).toBe(keys[2]!.slot);
  });
});
