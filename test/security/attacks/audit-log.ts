/** Issue 12, item 8: a log verified against a public key must be covered by that key's signatures. */
import { generateKeyPairSync } from 'node:crypto';
import { createAuditChain, createMemoryChainStore, verifyAuditChain } from '@palisade/audit';
import { broken, defineAttack, held } from '../attack-scenario.js';

export const attacks = [
  defineAttack({
    name: 'rebuilt-audit-log-verifies',
    item: 8,
    summary:
      'rebuild the log from scratch (fresh chain, no anchors) or append after the last checkpoint, and pass verify',
    async run() {
      const owner = generateKeyPairSync('ed25519');
      // Rebuilt from scratch: consistent hashes and links, but signed by nobody.
      const rebuilt = createMemoryChainStore();
      const fresh = createAuditChain({ store: rebuilt });
      for (let index = 0; index < 5; index += 1) await fresh.append({ type: 'event', data: { index } });
      await fresh.close();
      if ((await verifyAuditChain(rebuilt, { publicKey: owner.publicKey })).ok)
        return broken('a log rebuilt from scratch verified against the public key');
      // Genuine log, then a forged record appended after its last signed checkpoint.
      const genuine = createMemoryChainStore();
      const signed = createAuditChain({
        store: genuine,
        signingKey: owner.privateKey,
        checkpointIntervalMillis: 0,
      });
      await signed.append({ type: 'event', data: { real: true } });
      await signed.close();
      const forger = createAuditChain({ store: genuine, checkpointIntervalMillis: 0 });
      await forger.append({ type: 'event', data: { forged: true } });
      if ((await verifyAuditChain(genuine, { publicKey: owner.publicKey })).ok)
        return broken('records after the last signed checkpoint verified');
      // Anchors removed.
      genuine.lines.pop();
      genuine.anchored.length = 0;
      if ((await verifyAuditChain(genuine, { publicKey: owner.publicKey })).ok)
        return broken('a log without anchors verified');
      return held();
    },
  }),
];
