import { describe, expect, it } from 'vitest';
import { readCallContext } from './read-call-context.js';

describe('readCallContext', () => {
  it('reads the run context, falling back to configurable, with the thread as the session', () => {
    expect(
      readCallContext({
        context: { credential: 'token', labels: ['tainted'], attributes: { rationale: 'customer asked' } },
        configurable: { thread_id: 'thread-1', audience: 'support-api', credential: 'ignored' },
      }),
    ).toEqual({
      credential: 'token',
      audience: 'support-api',
      sessionId: 'thread-1',
      labels: ['tainted'],
      attributes: { rationale: 'customer asked' },
    });
  });

  it('prefers a session named by the context over the thread', () => {
    expect(
      readCallContext({ context: { sessionId: 's-9' }, configurable: { thread_id: 't' } }).sessionId,
    ).toBe('s-9');
  });

  it('returns an empty context when there is nothing to read', () => {
    expect(readCallContext({ context: undefined, configurable: undefined })).toEqual({});
  });

  it('throws on a field of the wrong type instead of ignoring it', () => {
    expect(() => readCallContext({ context: { credential: 42 }, configurable: undefined })).toThrow(
      /"credential" must be a string/,
    );
    expect(() => readCallContext({ context: { labels: 'tainted' }, configurable: undefined })).toThrow(
      /"labels" must be an array of strings/,
    );
    expect(() => readCallContext({ context: { attributes: [] }, configurable: undefined })).toThrow(
      /"attributes" must be an object/,
    );
  });

  it('never reads an approval id', () => {
    expect(readCallContext({ context: { approvalId: 'a-1' }, configurable: undefined })).toEqual({});
  });
});
