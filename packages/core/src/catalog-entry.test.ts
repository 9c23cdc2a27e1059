import { describe, expect, it } from 'vitest';
import { catalogEntry } from './catalog-entry.js';

const withTools = (tools: unknown) => ({ decider: { decide: () => undefined, document: { tools } } });

describe('catalogEntry', () => {
  it('reads the effect, kind and target of a listed tool from the decider document', () => {
    const enforcement = withTools({
      refund: { effect: 'write', target: 'payments', description: 'Refund an order' },
      kb_search: { effect: 'read', kind: 'retrieval' },
    });
    expect(catalogEntry(enforcement, 'refund')).toEqual({
      effect: 'write',
      kind: undefined,
      target: 'payments',
    });
    expect(catalogEntry(enforcement, 'kb_search')).toEqual({
      effect: 'read',
      kind: 'retrieval',
      target: undefined,
    });
  });

  it('finds nothing without a catalog, for an unlisted tool, or for inherited names', () => {
    expect(catalogEntry(undefined, 'refund')).toBeUndefined();
    expect(catalogEntry({ decider: { decide: () => undefined } }, 'refund')).toBeUndefined();
    expect(catalogEntry(withTools(null), 'refund')).toBeUndefined();
    expect(catalogEntry(withTools(['refund']), 'refund')).toBeUndefined();
    const enforcement = withTools({ refund: { effect: 'write' } });
    expect(catalogEntry(enforcement, 'send_email')).toBeUndefined();
    expect(catalogEntry(enforcement, 'constructor')).toBeUndefined();
    expect(catalogEntry(enforcement, 'toString')).toBeUndefined();
  });

  it('reads the document in force on every lookup', () => {
    const decider = { decide: () => undefined, document: { tools: { refund: { effect: 'write' } } } };
    expect(catalogEntry({ decider }, 'refund')?.effect).toBe('write');
    decider.document = { tools: { refund: { effect: 'execute' } } };
    expect(catalogEntry({ decider }, 'refund')?.effect).toBe('execute');
  });

  it('throws a TypeError for a listed but malformed entry instead of finding nothing', () => {
    expect(() => catalogEntry(withTools({ refund: 'write' }), 'refund')).toThrow(TypeError);
    expect(() => catalogEntry(withTools({ refund: { effect: 'peek' } }), 'refund')).toThrow(
      /tool catalog entry "refund": effect must be one of/,
    );
    expect(() => catalogEntry(withTools({ refund: { effect: 'write', kind: 'rpc' } }), 'refund')).toThrow(
      /kind must be one of/,
    );
    expect(() => catalogEntry(withTools({ refund: { effect: 'write', target: 7 } }), 'refund')).toThrow(
      /target must be a string/,
    );
  });
});
