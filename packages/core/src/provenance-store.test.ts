import { describe, expect, it } from 'vitest';
import { createMemoryProvenanceStore, type ValueObservation } from './provenance-store.js';

const seen = (origin: ValueObservation['origin'], tool = 'read_inbox'): ValueObservation => ({
  origin,
  tool,
  field: 'body',
  labels: [],
});

describe('createMemoryProvenanceStore', () => {
  it('remembers values per session, with every distinct sighting', async () => {
    const store = createMemoryProvenanceStore();
    await store.record('s1', {
      values: [
        { value: 'a@x.example', observation: seen('untrusted') },
        { value: 'a@x.example', observation: seen('trusted', 'directory') },
        { value: 'a@x.example', observation: seen('untrusted') },
      ],
      complete: true,
    });
    const view = await store.view('s1');
    expect(view.find('a@x.example').map((item) => item.origin)).toEqual(['untrusted', 'trusted']);
    expect(view.complete).toBe(true);
    expect((await store.view('s2')).find('a@x.example')).toEqual([]);
  });

  it('marks a session incomplete at its cap instead of growing', async () => {
    const store = createMemoryProvenanceStore({ maxValuesPerSession: 2 });
    await store.record('s1', {
      values: ['1', '2', '3'].map((value) => ({ value, observation: seen('untrusted') })),
      complete: true,
    });
    const view = await store.view('s1');
    expect(view.find('3')).toEqual([]);
    expect(view.complete).toBe(false);
  });

  it('keeps an incomplete record incomplete', async () => {
    const store = createMemoryProvenanceStore();
    await store.record('s1', { values: [], complete: false });
    expect((await store.view('s1')).complete).toBe(false);
  });

  it('refuses a new session at the session cap until idle ones expire', async () => {
    let now = 0;
    const store = createMemoryProvenanceStore({ maxSessions: 1, ttlMs: 1000, now: () => now });
    await store.record('s1', { values: [], complete: true });
    await expect(store.record('s2', { values: [], complete: true })).rejects.toThrow(/maximum of 1 sessions/);
    now = 1000;
    await store.record('s2', { values: [], complete: true });
    expect((await store.view('s2')).complete).toBe(true);
  });

  it('rejects misuse', async () => {
    expect(() => createMemoryProvenanceStore({ maxValuesPerSession: 0 })).toThrow(TypeError);
    expect(() => createMemoryProvenanceStore({ ttlMs: -1 })).toThrow(TypeError);
    await expect(createMemoryProvenanceStore().view('')).rejects.toThrow(TypeError);
  });
});
