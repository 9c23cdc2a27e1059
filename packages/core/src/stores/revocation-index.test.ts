import { describe, expect, it } from 'vitest';
import { createRevocationIndex, normalizeRevocationInput } from './revocation-index.js';

describe('createRevocationIndex', () => {
  it('matches token ids (own or ancestor), agents, task and key', () => {
    const index = createRevocationIndex();
    expect(index.match({ tokenIds: ['a'], agents: ['x'], task: 't', keyId: 'k' })).toBeUndefined();
    index.add({ kind: 'token', value: 'parent', revokedAt: 1 });
    index.add({ kind: 'agent', value: 'spiffe://d/agent/x', revokedAt: 2 });
    index.add({ kind: 'task', value: 't-1', revokedAt: 3 });
    index.add({ kind: 'key', value: 'k-1', revokedAt: 4 });
    expect(index.match({ tokenIds: ['child', 'parent'], agents: [] })?.value).toBe('parent');
    expect(
      index.match({ tokenIds: ['other'], agents: ['spiffe://d/agent/y', 'spiffe://d/agent/x'] })?.kind,
    ).toBe('agent');
    expect(index.match({ tokenIds: [], agents: [], task: 't-1' })?.kind).toBe('task');
    expect(index.match({ tokenIds: [], agents: [], keyId: 'k-1' })?.kind).toBe('key');
    // Values of one kind never match another kind.
    expect(
      index.match({ tokenIds: ['t-1', 'k-1'], agents: ['parent'], task: 'parent', keyId: 't-1' }),
    ).toBeUndefined();
    expect(index.size).toBe(4);
    expect(index.list().map((entry) => entry.kind)).toEqual(['token', 'agent', 'task', 'key']);
  });

  it('keeps the first revocation of a target, only ever extending how long it is remembered', () => {
    const index = createRevocationIndex();
    const first = index.add({ kind: 'token', value: 'j', revokedAt: 1, expiresAt: 100, reason: 'first' });
    expect(index.add({ kind: 'token', value: 'j', revokedAt: 2, expiresAt: 50 })).toBe(first);
    expect(index.add({ kind: 'token', value: 'j', revokedAt: 3, expiresAt: 200 })).toMatchObject({
      reason: 'first',
      expiresAt: 200,
    });
    expect(index.add({ kind: 'token', value: 'j', revokedAt: 4 })).not.toHaveProperty('expiresAt');
    expect(index.size).toBe(1);
  });

  it('prunes entries past their expiry plus grace', () => {
    const index = createRevocationIndex();
    index.add({ kind: 'token', value: 'old', revokedAt: 1, expiresAt: 100 });
    index.add({ kind: 'token', value: 'new', revokedAt: 1, expiresAt: 1000 });
    index.add({ kind: 'agent', value: 'forever', revokedAt: 1 });
    expect(index.prune(150_000, 60)).toBe(0);
    expect(index.prune(161_000, 60)).toBe(1);
    expect(index.match({ tokenIds: ['old'], agents: [] })).toBeUndefined();
    expect(index.size).toBe(2);
  });

  it('normalizeRevocationInput refuses malformed input', () => {
    expect(normalizeRevocationInput({ kind: 'task', value: 't', reason: undefined })).toEqual({
      kind: 'task',
      value: 't',
    });
    expect(() => normalizeRevocationInput({ kind: 'user' as never, value: 'x' })).toThrow(/kind/);
    expect(() => normalizeRevocationInput({ kind: 'token', value: '' })).toThrow(/value/);
    expect(() => normalizeRevocationInput({ kind: 'token', value: 'x', expiresAt: Number.NaN })).toThrow(
      /expiresAt/,
    );
  });
});
