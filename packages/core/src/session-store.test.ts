import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AccessDeniedError } from './errors.js';
import { guard } from './guard.js';
import { createMemoryRecorder } from './memory-recorder.js';
import { createMemorySessionStore } from './session-store.js';
import { StoreFullError } from './stores/store-full-error.js';

describe('createMemorySessionStore', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.UTC(2026, 10, 2));
  });
  afterEach(() => vi.useRealTimers());

  it('keeps labels while the session is in use, and forgets an idle session after idleTtlMs', async () => {
    const sessions = createMemorySessionStore({ idleTtlMs: 60_000, sweepIntervalMs: 10_000 });
    await sessions.addLabels('s-1', ['tainted']);
    for (let minute = 0; minute < 5; minute += 1) {
      vi.advanceTimersByTime(50_000);
      expect(await sessions.labels('s-1')).toEqual(['tainted']);
    }
    vi.advanceTimersByTime(70_000);
    expect(sessions.size).toBe(0);
    expect(await sessions.labels('s-1')).toEqual([]);
    sessions.dispose();
  });

  it('returns its memory while idle: every session is swept', async () => {
    const sessions = createMemorySessionStore({ idleTtlMs: 1_000, maxSessions: 20_000 });
    for (let index = 0; index < 20_000; index += 1) await sessions.labels(`s-${index}`);
    expect(sessions.size).toBe(20_000);
    vi.advanceTimersByTime(61_000);
    expect(sessions.size).toBe(0);
    sessions.dispose();
  });

  it('at its cap refuses a new session (fail closed) while known sessions carry on', async () => {
    const sessions = createMemorySessionStore({ maxSessions: 2, idleTtlMs: 60_000 });
    await sessions.addLabels('a', ['tainted']);
    await sessions.labels('b');
    await expect(sessions.labels('c')).rejects.toSatisfy((error) => StoreFullError.isInstance(error));
    await expect(sessions.addLabels('c', ['tainted'])).rejects.toMatchObject({ code: 'ERR_STORE_FULL' });
    expect(await sessions.labels('a')).toEqual(['tainted']);
    await sessions.addLabels('b', ['secret']);
    expect(sessions.size).toBe(2);
    vi.advanceTimersByTime(61_000);
    expect(await sessions.labels('c')).toEqual([]);
    sessions.dispose();
  });

  it('gives a labelled session its labels once, whatever was added twice', async () => {
    const sessions = createMemorySessionStore();
    await sessions.addLabels('s', ['tainted', 'tainted']);
    await sessions.addLabels('s', ['tainted', 'pii']);
    expect(await sessions.labels('s')).toEqual(['tainted', 'pii']);
    sessions.dispose();
  });

  it('rejects bad options when created', () => {
    expect(() => createMemorySessionStore({ idleTtlMs: 0 })).toThrow(TypeError);
    expect(() => createMemorySessionStore({ maxSessions: -1 })).toThrow(TypeError);
  });

  it('a guarded call of a new session is refused before its body runs while the store is full', async () => {
    const sessions = createMemorySessionStore({ maxSessions: 1 });
    const body = vi.fn(async () => 'read');
    const tool = guard(
      {
        name: 'get_ticket',
        description: 'Read a ticket',
        inputSchema: { '~standard': { version: 1, vendor: 'test', validate: (value) => ({ value }) } },
        effect: 'read',
        execute: body,
      },
      {
        verifier: {
          verify: async () => ({
            agent: { id: 'spiffe://acme.example/agent/a' },
            delegation: [],
            scopes: [],
            claims: {},
          }),
        },
        decider: {
          decide: () => ({
            effect: 'allow',
            reason: 'ok',
            ruleIds: ['r'],
            policyVersion: 'v',
            obligations: [],
          }),
        },
        recorder: createMemoryRecorder(),
        sessions,
      },
    );
    await tool.call({}, { credential: 'token', sessionId: 'first' });
    const refused = await tool.call({}, { credential: 'token', sessionId: 'second' }).catch((error) => error);
    expect(AccessDeniedError.isInstance(refused)).toBe(true);
    expect(body).toHaveBeenCalledOnce();
    sessions.dispose();
  });
});
