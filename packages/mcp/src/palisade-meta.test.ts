import { describe, expect, it } from 'vitest';
import { readPalisadeMeta, withApprovalId } from './palisade-meta.js';

describe('readPalisadeMeta()', () => {
  it('reads a denial and an approval request', () => {
    expect(
      readPalisadeMeta({
        _meta: { palisade: { outcome: 'denied', code: 'ERR_ACCESS_DENIED', reason: 'no', callId: 'c' } },
      }),
    ).toEqual({ outcome: 'denied', code: 'ERR_ACCESS_DENIED', reason: 'no', callId: 'c' });
    expect(
      readPalisadeMeta({
        _meta: {
          palisade: { outcome: 'approval-required', approvalId: 'a-1', expiresAt: 5, callId: 'c', extra: 1 },
        },
      }),
    ).toEqual({
      outcome: 'approval-required',
      code: 'ERR_APPROVAL_REQUIRED',
      approvalId: 'a-1',
      expiresAt: 5,
      callId: 'c',
    });
  });

  it('answers undefined for results that carry nothing well-formed from Palisade', () => {
    for (const meta of [
      undefined,
      {},
      { palisade: 'denied' },
      { palisade: { outcome: 'denied', code: 'ERR_ACCESS_DENIED' } },
      { palisade: { outcome: 'approval-required', approvalId: 7, expiresAt: 5, callId: 'c' } },
      { palisade: { outcome: 'allowed' } },
    ]) {
      expect(readPalisadeMeta(meta === undefined ? {} : { _meta: meta })).toBeUndefined();
    }
    expect(readPalisadeMeta(undefined)).toBeUndefined();
  });
});

describe('withApprovalId()', () => {
  it('adds the approval id and keeps the rest of _meta', () => {
    const params = {
      name: 'refund',
      arguments: { amount: 5 },
      _meta: { progressToken: 1, palisade: { note: 'x' } },
    };
    expect(withApprovalId(params, 'a-1')).toEqual({
      name: 'refund',
      arguments: { amount: 5 },
      _meta: { progressToken: 1, palisade: { note: 'x', approvalId: 'a-1' } },
    });
    expect(params._meta.palisade).toEqual({ note: 'x' });
  });

  it('refuses an empty approval id', () => {
    expect(() => withApprovalId({ name: 'refund' }, '')).toThrow(TypeError);
  });
});
