import { describe, expect, it } from 'vitest';
import { type CallContext, createCallScope, mergeCallContext } from './call-context.js';

describe('createCallScope', () => {
  it('carries context through async work and nests', async () => {
    const scope = createCallScope();
    expect(scope.current()).toBeUndefined();
    await scope.run({ credential: 'outer', labels: ['a'], sessionId: 's1' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(scope.current()?.credential).toBe('outer');
      await scope.run({ credential: 'inner', labels: ['b'] }, async () => {
        expect(scope.current()).toMatchObject({ credential: 'inner', sessionId: 's1', labels: ['a', 'b'] });
      });
      expect(scope.current()?.credential).toBe('outer');
    });
    expect(scope.current()).toBeUndefined();
  });

  it('keeps two scopes apart', () => {
    const first = createCallScope();
    const second = createCallScope();
    first.run({ credential: 'x' }, () => expect(second.current()).toBeUndefined());
  });
});

describe('mergeCallContext', () => {
  it('lets explicit fields win, accumulates labels, messages and attributes', () => {
    const merged = mergeCallContext(
      { credential: 'a', labels: ['tainted'], userMessages: ['hi'], attributes: { x: 1 } },
      { credential: 'b', labels: ['x'], userMessages: ['there'], attributes: { y: 2 }, sessionId: undefined },
    );
    expect(merged).toEqual({
      credential: 'b',
      labels: ['tainted', 'x'],
      userMessages: ['hi', 'there'],
      attributes: { x: 1, y: 2 },
    });
  });

  it('never lets an explicit context drop a stored label', () => {
    expect(mergeCallContext({ labels: ['tainted'] }, { labels: [] }).labels).toEqual(['tainted']);
  });
});

describe('createCallScope on any runtime', () => {
  it('uses an injected async-context store', async () => {
    const { AsyncLocalStorage } = await import('node:async_hooks');
    const storage = new AsyncLocalStorage<CallContext>();
    const scope = createCallScope({ storage });
    await scope.run({ credential: 'x' }, async () => {
      await Promise.resolve();
      expect(storage.getStore()?.credential).toBe('x');
      expect(scope.current()?.credential).toBe('x');
    });
  });

  it('refuses, visibly, on a runtime with no AsyncLocalStorage and none injected', () => {
    const runtime = globalThis as { process?: unknown };
    const saved = runtime.process;
    runtime.process = undefined;
    try {
      expect(() => createCallScope()).toThrow(/no AsyncLocalStorage/);
    } finally {
      runtime.process = saved;
    }
  });
});
