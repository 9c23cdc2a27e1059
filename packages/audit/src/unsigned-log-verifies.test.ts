/**
 * Attack (issue 12, item 8): pass `verifyAuditChain(..., { publicKey })` with a log the key never
 * signed: a log rebuilt from scratch with a fresh chain, one whose anchors were removed, one with
 * records appended after the last signed checkpoint, one signed by the attacker's own key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuditChain } from './audit-chain.js';
import { createMemoryChainStore } from './memory-chain-store.js';
import { verifyAuditChain } from './verify-audit-chain.js';

const owner = generateKeyPairSync('ed25519');
const attacker = generateKeyPairSync('ed25519');

async function log(signingKey: typeof owner.privateKey | undefined, records: number) {
  const store = createMemoryChainStore();
  const chain = createAuditChain({ store, signingKey, checkpointEvery: 1_000, checkpointIntervalMillis: 0 });
  for (let index = 0; index < records; index += 1) await chain.append({ type: 'event', data: { index } });
  return { store, chain };
}

describe('a log verified against a public key proves what it claims', () => {
  it('the genuine, signed and anchored log verifies', async () => {
    const { store, chain } = await log(owner.privateKey, 5);
    await chain.close();
    expect(await verifyAuditChain(store, { publicKey: owner.publicKey })).toMatchObject({
      ok: true,
      unsignedTail: 0,
    });
  });

  it('a log rebuilt from scratch with a fresh chain (no signature) does not verify', async () => {
    const { store, chain } = await log(undefined, 5);
    await chain.close();
    expect(await verifyAuditChain(store)).toMatchObject({ ok: true }); // internally consistent...
    expect(await verifyAuditChain(store, { publicKey: owner.publicKey })).toMatchObject({
      ok: false,
      problem: 'unsigned',
    });
  });

  it('a log whose anchors are missing or empty does not verify', async () => {
    const { store, chain } = await log(owner.privateKey, 5);
    await chain.close();
    store.anchored.length = 0;
    const verdict = await verifyAuditChain(store, { publicKey: owner.publicKey });
    expect(verdict).toMatchObject({ ok: false, problem: 'unsigned' });
    expect(verdict.ok ? '' : verdict.message).toMatch(/anchors are missing or empty/);
  });

  it('records after the last signed checkpoint fail unless the unsigned tail is allowed', async () => {
    const { store, chain } = await log(owner.privateKey, 3);
    await chain.close();
    // Appended by someone who can write the log but holds no key: a fresh, correctly linked tail.
    const reopened = createAuditChain({ store, checkpointEvery: 1_000, checkpointIntervalMillis: 0 });
    await reopened.append({ type: 'event', data: { forged: true } });
    const verdict = await verifyAuditChain(store, { publicKey: owner.publicKey });
    expect(verdict).toMatchObject({ ok: false, problem: 'unsigned-tail' });
    expect(
      await verifyAuditChain(store, { publicKey: owner.publicKey, allowUnsignedTail: true }),
    ).toMatchObject({
      ok: true,
      unsignedTail: 1,
    });
  });

  it('a log signed by another key says the key does not match', async () => {
    const { store, chain } = await log(attacker.privateKey, 5);
    await chain.close();
    expect(await verifyAuditChain(store, { publicKey: owner.publicKey })).toMatchObject({
      ok: false,
      problem: 'wrong-key',
    });
  });
});
