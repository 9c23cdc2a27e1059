import type { ApprovalRequest } from '@palisade/core';
import { describe, expect, it } from 'vitest';
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
});
