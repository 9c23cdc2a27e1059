import { type ApprovalRequest, StoreFullError } from '@palisade/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryApprovalStore } from './memory-approval-store.js';

const request: ApprovalRequest = {
  id: 'req-1',
  digest: 'a'.repeat(64),
  status: 'pending',
  createdAt: 1_000,
  expiresAt: 61_000,
  kind: 'tool',
  tool: 'send_email',
  effect: 'send',
  input: { to: ['a@acme.test'] },
  callId: 'call-1',
  agent: { id: 'spiffe://acme.test/agent/mailer' },
  delegation: [],
  rationale: '',
  sideEffects: [],
};

describe('createMemoryApprovalStore', () => {
  it('copies requests in and out, so a stored payload cannot be changed through a reference', async () => {
    const store = createMemoryApprovalStore();
    const mine = structuredClone(request);
    await store.insert(mine);
    (mine.input as { to: string[] }).to.push('attacker@evil.test');
    const read = await store.get('req-1');
    (read!.input as { to: string[] }).to.push('attacker@evil.test');
    expect((await store.get('req-1'))?.input).toEqual({ to: ['a@acme.test'] });
  });

  it('forgets everything on dispose', async () => {
    const store = createMemoryApprovalStore();
    await store.insert(request);
    await store.dispose();
    expect(await store.list()).toEqual([]);
  });

  describe('bounded memory', () => {
    afterEach(() => vi.useRealTimers());
    const signed = {
      approvalId: 'req-1',
      digest: 'a'.repeat(64),
      approve: true,
      approver: 'bob',
      approverRoles: [],
      decidedAt: 2_000,
      expiresAt: 61_000,
      algorithm: 'HS256',
      keyId: 'k',
      signature: 's',
    } as const;

    it('forgets a request retainMs after its lifetime, so a late consume finds nothing (refused)', async () => {
      vi.useFakeTimers();
      const store = createMemoryApprovalStore({ retainMs: 10_000, sweepIntervalMs: 1_000 });
      await store.insert(request);
      expect((await store.decide('req-1', signed, 2_000)).ok).toBe(true);
      // Lifetime 60 s + 10 s retained, counted on the store's clock from the insert.
      vi.advanceTimersByTime(69_000);
      expect((await store.get('req-1'))?.status).toBe('approved');
      vi.advanceTimersByTime(2_000);
      expect(await store.get('req-1')).toBeUndefined();
      expect(await store.list()).toEqual([]);
      expect(await store.consume('req-1', request.digest, 3_000)).toMatchObject({
        ok: false,
        reason: 'not-found',
      });
      await store.dispose();
    });

    it('at its cap refuses a new request with a coded error while held requests keep working', async () => {
      vi.useFakeTimers();
      const store = createMemoryApprovalStore({ maxRequests: 2, retainMs: 0 });
      await store.insert(request);
      await store.insert({ ...request, id: 'req-2' });
      const refused = await store.insert({ ...request, id: 'req-3' }).catch((error: unknown) => error);
      expect(StoreFullError.isInstance(refused)).toBe(true);
      expect(await store.get('req-3')).toBeUndefined();
      expect((await store.decide('req-1', signed, 2_000)).ok).toBe(true);
      expect((await store.consume('req-1', request.digest, 3_000)).ok).toBe(true);
      vi.advanceTimersByTime(60_001);
      await store.insert({ ...request, id: 'req-3' });
      expect((await store.list()).map((item) => item.id)).toEqual(['req-3']);
      await store.dispose();
    });
  });
});
