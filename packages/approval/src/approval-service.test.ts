import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { type ApprovalRequest, type ApprovalStore, actionDigest } from '@palisade/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type ApprovalProposal, createApprovalService } from './approval-service.js';
import { ApprovalStateError, ApproverRejectedError } from './errors.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';
import { createTestHumanVerifier, TEST_HUMANS, testApprovers } from './test-support/fixtures.js';

const T0 = Date.UTC(2026, 10, 1, 9, 0, 0);

function setup(overrides: Partial<Parameters<typeof createApprovalService>[0]> = {}) {
  let time = T0;
  const store = createMemoryApprovalStore();
  const service = createApprovalService({
    store,
    approvers: testApprovers(['approver']),
    defaultTtlMs: 60_000,
    now: () => time,
    ...overrides,
  });
  return {
    store,
    service,
    advance(ms: number) {
      time += ms;
    },
  };
}

const refund: ApprovalProposal = {
  tool: 'issue_refund',
  input: { order: 'A-17', amount: 500, currency: 'EUR' },
  effect: 'write',
  target: 'payments',
  agent: { id: 'spiffe://acme.test/agent/support-bot' },
  user: { id: 'alice', roles: ['support'] },
  rationale: 'The customer was charged twice',
  audience: 'payments-api',
};

/** The `actionDigest()` of the refund call: what a consuming call presents. */
const REFUND_DIGEST = actionDigest({
  tool: 'issue_refund',
  input: refund.input,
  agent: 'spiffe://acme.test/agent/support-bot',
  user: 'alice',
  audience: 'payments-api',
});

describe('createApprovalService', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('records the exact proposed action with its digest and emits approval-request', async () => {
    const { service } = setup();
    const seen: ApprovalRequest[] = [];
    service.events.on('approval-request', (request) => seen.push(request));
    const request = await service.propose(refund);
    expect(request).toMatchObject({
      status: 'pending',
      tool: 'issue_refund',
      effect: 'write',
      target: 'payments',
      input: { order: 'A-17', amount: 500, currency: 'EUR' },
      agent: { id: 'spiffe://acme.test/agent/support-bot' },
      user: { id: 'alice', roles: ['support'] },
      delegation: ['alice', 'spiffe://acme.test/agent/support-bot'],
      rationale: 'The customer was charged twice',
      sideEffects: ['creates or changes data on payments'],
      createdAt: T0,
      expiresAt: T0 + 60_000,
    });
    // What is stored and shown is the keyed digest of the call's actionDigest(), never the plain hash.
    expect(request.digest).toBe(service.digestOf(REFUND_DIGEST));
    expect(request.digest).not.toBe(REFUND_DIGEST);
    expect(seen).toEqual([request]);
    expect(await service.get(request.id)).toEqual(request);
  });

  it('stores a snapshot of the input: changing the caller object afterwards changes nothing', async () => {
    const { service } = setup();
    const input = { order: 'A-17', lines: [{ sku: 'X', quantity: 1 }] };
    const request = await service.propose({ ...refund, input });
    input.lines[0]!.quantity = 99;
    expect((await service.get(request.id))?.input).toEqual({
      order: 'A-17',
      lines: [{ sku: 'X', quantity: 1 }],
    });
  });

  it('refuses inputs that are not JSON', async () => {
    const { service } = setup();
    await expect(service.propose({ ...refund, input: { amount: Number.NaN } })).rejects.toThrow(TypeError);
    await expect(service.propose({ ...refund, input: { big: 1n } })).rejects.toThrow(TypeError);
  });

  it('lets an authorised approver decide, signing a decision bound to the digest', async () => {
    const { service } = setup();
    const request = await service.propose(refund);
    const responses: unknown[] = [];
    service.events.on('approval-response', (updated, decision) => responses.push([updated.status, decision]));
    const decision = await service.decide({
      approvalId: request.id,
      approve: true,
      approverCredential: 'bob-token',
      reason: 'checked the ledger',
    });
    expect(decision).toMatchObject({
      approvalId: request.id,
      digest: request.digest,
      approve: true,
      approver: 'bob',
      approverRoles: ['approver'],
      reason: 'checked the ledger',
      decidedAt: T0,
      expiresAt: request.expiresAt,
      algorithm: 'Ed25519',
      keyId: service.keyId,
    });
    expect(service.verifyDecision(decision)).toBe(true);
    expect(service.verifyDecision({ ...decision, digest: 'f'.repeat(64) })).toBe(false);
    expect(service.verifyDecision({ ...decision, approve: false })).toBe(false);
    expect(service.verifyDecision({ ...decision, approver: 'mallory' })).toBe(false);
    expect(responses).toEqual([['approved', decision]]);
    expect((await service.get(request.id))?.status).toBe('approved');
  });

  it.each([
    ['no credential', '', 'credential'],
    ['an unknown token', 'forged-token', 'credential'],
    ['an approver without an allowed role', 'dave-token', 'role'],
    ['the requesting user', 'alice-approver-token', 'self-approval'],
    ['an agent token', 'agent-token', 'credential'],
    ['an agent acting for an approver (act claim)', 'agent-acting-for-bob-token', 'not-human'],
    ['a token of the agent issuer naming an approver', 'agent-issuer-bob-token', 'not-human'],
    ['a token whose subject is an agent', 'agent-subject-token', 'not-human'],
  ] as const)('refuses %s', async (_label, credential, rejection) => {
    const { service } = setup();
    const request = await service.propose(refund);
    const attempt = service.decide({ approvalId: request.id, approve: true, approverCredential: credential });
    await expect(attempt).rejects.toSatisfy(
      (error) =>
        ApproverRejectedError.isInstance(error) && (error as ApproverRejectedError).rejection === rejection,
    );
    expect((await service.get(request.id))?.status).toBe('pending');
  });

  it('refuses an agent credential even when it acts for an approver with an allowed role', async () => {
    const { service } = setup({
      approvers: testApprovers(['support', 'approver']),
    });
    const request = await service.propose(refund);
    await expect(
      service.decide({
        approvalId: request.id,
        approve: true,
        approverCredential: 'agent-acting-for-bob-token',
      }),
    ).rejects.toSatisfy((error) => (error as ApproverRejectedError).rejection === 'not-human');
  });

  it('allows self-approval only when configured, and always allows declining one’s own request', async () => {
    const strict = setup();
    const first = await strict.service.propose(refund);
    const declined = await strict.service.decide({
      approvalId: first.id,
      approve: false,
      approverCredential: 'alice-approver-token',
      reason: 'changed my mind',
    });
    expect(declined.approve).toBe(false);

    const lenient = setup({ allowSelfApproval: (request) => request.tool === 'issue_refund' });
    const second = await lenient.service.propose(refund);
    const approved = await lenient.service.decide({
      approvalId: second.id,
      approve: true,
      approverCredential: 'alice-approver-token',
    });
    expect(approved.approver).toBe('alice');
  });

  it('chooses allowed roles per request', async () => {
    const { service } = setup({
      approvers: {
        verifier: createTestHumanVerifier(),
        humans: TEST_HUMANS,
        roles: (request) => (request.target === 'payments' ? ['finance'] : ['approver']),
      },
    });
    const request = await service.propose(refund);
    await expect(
      service.decide({ approvalId: request.id, approve: true, approverCredential: 'bob-token' }),
    ).rejects.toSatisfy((error) => (error as ApproverRejectedError).rejection === 'role');
  });

  it('accepts a function as the approver check and turns its failures into rejections', async () => {
    const { service } = setup({
      approvers: (credential) => {
        if (credential !== 'console-secret') throw new Error('bad token');
        return { id: 'erin', roles: ['approver'], human: true };
      },
    });
    const request = await service.propose(refund);
    await expect(
      service.decide({ approvalId: request.id, approve: true, approverCredential: 'nope' }),
    ).rejects.toSatisfy((error) => ApproverRejectedError.isInstance(error));
    const decision = await service.decide({
      approvalId: request.id,
      approve: true,
      approverCredential: 'console-secret',
    });
    expect(decision.approver).toBe('erin');
  });

  it('records exactly one decision per request', async () => {
    const { service } = setup();
    const request = await service.propose(refund);
    await service.decide({ approvalId: request.id, approve: false, approverCredential: 'bob-token' });
    await expect(
      service.decide({ approvalId: request.id, approve: true, approverCredential: 'bob-token' }),
    ).rejects.toSatisfy(
      (error) =>
        ApprovalStateError.isInstance(error) && (error as ApprovalStateError).problem === 'not-pending',
    );
    await expect(
      service.decide({ approvalId: 'missing', approve: true, approverCredential: 'bob-token' }),
    ).rejects.toSatisfy((error) => (error as ApprovalStateError).problem === 'not-found');
  });

  it('refuses decisions after expiry and reports the expiry', async () => {
    const { service, advance } = setup();
    const expired: string[] = [];
    service.events.on('approval-expire', (request) => expired.push(request.id));
    const request = await service.propose(refund);
    advance(60_000);
    await expect(
      service.decide({ approvalId: request.id, approve: true, approverCredential: 'bob-token' }),
    ).rejects.toSatisfy((error) => (error as ApprovalStateError).problem === 'expired');
    expect(expired).toEqual([request.id]);
    expect((await service.get(request.id))?.status).toBe('expired');
  });

  it('emits approval-expire from its timer when nobody decides', async () => {
    const { service, advance } = setup();
    const expired: ApprovalRequest[] = [];
    service.events.on('approval-expire', (request) => expired.push(request));
    const request = await service.propose(refund);
    advance(60_000);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(expired.map((entry) => [entry.id, entry.status])).toEqual([[request.id, 'expired']]);
    expect(await service.listPending()).toEqual([]);
    service.close();
  });

  it('lists pending requests only, oldest first, closing expired ones on the way', async () => {
    const { service, advance } = setup();
    const old = await service.propose({ ...refund, ttlMs: 1_000 });
    advance(10);
    const first = await service.propose(refund);
    advance(10);
    const second = await service.propose(refund);
    const decided = await service.propose(refund);
    await service.decide({ approvalId: decided.id, approve: true, approverCredential: 'bob-token' });
    advance(2_000);
    expect((await service.listPending()).map((request) => request.id)).toEqual([first.id, second.id]);
    expect((await service.get(old.id))?.status).toBe('expired');
    service.close();
  });

  it('consumes an approval once, for the approved digest only', async () => {
    const { service } = setup();
    const consumed: string[] = [];
    service.events.on('approval-consume', (request) => consumed.push(request.id));
    const request = await service.propose(refund);
    expect(await service.consume(request.id, REFUND_DIGEST)).toMatchObject({ ok: false, reason: 'pending' });
    await service.decide({ approvalId: request.id, approve: true, approverCredential: 'bob-token' });
    expect(await service.consume(request.id, 'a'.repeat(64))).toMatchObject({
      ok: false,
      reason: 'digest-mismatch',
    });
    const used = await service.consume(request.id, REFUND_DIGEST);
    expect(used).toMatchObject({ ok: true, decision: { approver: 'bob' } });
    const again = await service.consume(request.id, REFUND_DIGEST);
    expect(again).toMatchObject({ ok: false, reason: 'already-consumed' });
    expect(again.ok ? '' : again.message).toMatch(/already used/);
    expect(consumed).toEqual([request.id]);
  });

  it('refuses to consume denied, cancelled, expired and unknown approvals', async () => {
    const { service, advance } = setup();
    const denied = await service.propose(refund);
    await service.decide({ approvalId: denied.id, approve: false, approverCredential: 'bob-token' });
    expect(await service.consume(denied.id, REFUND_DIGEST)).toMatchObject({ ok: false, reason: 'denied' });

    const cancelled = await service.propose(refund);
    expect(await service.cancel(cancelled.id, 'caller gave up')).toMatchObject({ status: 'cancelled' });
    expect(await service.consume(cancelled.id, REFUND_DIGEST)).toMatchObject({
      ok: false,
      reason: 'cancelled',
    });

    const late = await service.propose(refund);
    await service.decide({ approvalId: late.id, approve: true, approverCredential: 'bob-token' });
    advance(60_000);
    expect(await service.consume(late.id, REFUND_DIGEST)).toMatchObject({ ok: false, reason: 'expired' });

    expect(await service.consume('nope', REFUND_DIGEST)).toMatchObject({ ok: false, reason: 'not-found' });
    expect(await service.consume('', '')).toMatchObject({ ok: false, reason: 'not-found' });
    service.close();
  });

  it('refuses an approval whose decision was not signed by the service (a forged store row)', async () => {
    const { service, store } = setup();
    const other = setup({ store });
    const request = await service.propose(refund);
    // The other service (another key) signs a perfectly shaped decision straight into the store.
    const forgedRequest = await other.service.propose(refund);
    const forged = await other.service.decide({
      approvalId: forgedRequest.id,
      approve: true,
      approverCredential: 'bob-token',
    });
    await store.decide(request.id, { ...forged, approvalId: request.id, digest: request.digest }, T0);
    const result = await service.consume(request.id, REFUND_DIGEST);
    expect(result).toMatchObject({ ok: false, reason: 'invalid-decision' });
    expect(await service.consume(request.id, REFUND_DIGEST)).toMatchObject({
      ok: false,
      reason: 'already-consumed',
    });
  });

  it('signs with an HMAC key and accepts decisions of rotated-out keys it is told about', async () => {
    const oldKey = generateKeyPairSync('ed25519').privateKey;
    const store = createMemoryApprovalStore();
    const before = setup({ store, signingKey: oldKey });
    const request = await before.service.propose(refund);
    const oldDecision = await before.service.decide({
      approvalId: request.id,
      approve: true,
      approverCredential: 'bob-token',
    });

    const secret = createSecretKey(randomBytes(32));
    const after = setup({ store, signingKey: secret, verificationKeys: [oldKey] });
    expect(after.service.verifyDecision(oldDecision)).toBe(true);
    expect(await after.service.consume(request.id, REFUND_DIGEST)).toMatchObject({ ok: true });

    const next = await after.service.propose(refund);
    const decision = await after.service.decide({
      approvalId: next.id,
      approve: true,
      approverCredential: 'bob-token',
    });
    expect(decision.algorithm).toBe('HS256');
    expect(after.service.verifyDecision(decision)).toBe(true);
    expect(before.service.verifyDecision(decision)).toBe(false);
  });

  it('keeps working when a listener throws, reporting it as approval-error', async () => {
    const { service } = setup();
    const errors: unknown[] = [];
    service.events.on('approval-error', (error) => errors.push(error));
    service.events.on('approval-request', () => {
      throw new Error('listener broke');
    });
    const request = await service.propose(refund);
    expect((await service.get(request.id))?.status).toBe('pending');
    expect(errors).toHaveLength(1);
  });

  it('validates its options once, at creation', () => {
    const store = createMemoryApprovalStore();
    const approvers = testApprovers(['approver']);
    expect(() => createApprovalService({ store, approvers: undefined as never })).toThrow(/approvers/);
    expect(() => createApprovalService({ store, approvers: testApprovers([]) })).toThrow(/roles/);
    expect(() => createApprovalService({ store: {} as ApprovalStore, approvers })).toThrow(/store/);
    expect(() => createApprovalService({ store, approvers, defaultTtlMs: 0 })).toThrow(/defaultTtlMs/);
    expect(() =>
      createApprovalService({ store, approvers, signingKey: createSecretKey(randomBytes(8)) }),
    ).toThrow(/signingKey/);
    expect(() =>
      createApprovalService({ store, approvers, signingKey: generateKeyPairSync('ed25519').publicKey }),
    ).toThrow(/signingKey/);
  });

  it('validates proposals and decisions', async () => {
    const { service } = setup();
    await expect(service.propose({ ...refund, tool: '' })).rejects.toThrow(/tool/);
    await expect(service.propose({ ...refund, effect: 'explode' as never })).rejects.toThrow(/effect/);
    await expect(service.propose({ ...refund, agent: { id: '' } })).rejects.toThrow(/agent/);
    await expect(service.propose({ ...refund, ttlMs: -1 })).rejects.toThrow(/ttlMs/);
    const request = await service.propose(refund);
    await expect(
      service.decide({ approvalId: request.id, approve: 'yes' as never, approverCredential: 'bob-token' }),
    ).rejects.toThrow(TypeError);
    await expect(
      service.decide({
        approvalId: request.id,
        approve: true,
        approverCredential: 'bob-token',
        reason: 'x'.repeat(2001),
      }),
    ).rejects.toThrow(/reason/);
  });
});
