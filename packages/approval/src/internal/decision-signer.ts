import {
  createHash,
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  timingSafeEqual,
  verify,
} from 'node:crypto';
import { canonicalJson, type SignedApprovalDecision } from '@palisade/core';

/** The part of a decision that is signed, before signing. */
export type UnsignedDecision = Omit<SignedApprovalDecision, 'algorithm' | 'keyId' | 'signature'>;

/** Signs decisions with the service's key and verifies them with it (and with older keys). */
export interface DecisionSigner {
  readonly algorithm: SignedApprovalDecision['algorithm'];
  readonly keyId: string;
  sign(decision: UnsignedDecision): SignedApprovalDecision;
  /** True only for a well-formed decision whose signature one of the known keys made. */
  verify(decision: SignedApprovalDecision): boolean;
}

interface VerificationKey {
  readonly algorithm: SignedApprovalDecision['algorithm'];
  readonly key: KeyObject;
}

/**
 * Creates a signer. `signingKey` is an Ed25519 private key or a secret key (HMAC-SHA-256, at least
 * 32 bytes); without one, a fresh Ed25519 key pair lives as long as the signer.
 */
export function createDecisionSigner(
  signingKey: KeyObject | undefined,
  verificationKeys: readonly KeyObject[],
  option: string,
): DecisionSigner {
  const key = signingKey ?? generateKeyPairSync('ed25519').privateKey;
  const own = describeKey(key, option, true);
  const known = new Map<string, VerificationKey>([[own.keyId, own.verification]]);
  verificationKeys.forEach((extra, index) => {
    const described = describeKey(
      extra,
      `${option.replace(/signingKey$/, 'verificationKeys')}[${index}]`,
      false,
    );
    known.set(described.keyId, described.verification);
  });

  return {
    algorithm: own.verification.algorithm,
    keyId: own.keyId,
    sign(decision) {
      const header = { algorithm: own.verification.algorithm, keyId: own.keyId };
      const payload = signedBytes({ ...decision, ...header });
      const signature =
        header.algorithm === 'Ed25519'
          ? sign(null, payload, key).toString('base64url')
          : createHmac('sha256', key).update(payload).digest('base64url');
      return { ...decision, ...header, signature };
    },
    verify(decision) {
      try {
        const entry = known.get(decision.keyId);
        if (!entry || entry.algorithm !== decision.algorithm || typeof decision.signature !== 'string')
          return false;
        const payload = signedBytes(decision);
        const signature = Buffer.from(decision.signature, 'base64url');
        if (entry.algorithm === 'Ed25519') return verify(null, payload, entry.key, signature);
        const expected = createHmac('sha256', entry.key).update(payload).digest();
        return signature.length === expected.length && timingSafeEqual(signature, expected);
      } catch {
        return false;
      }
    },
  };
}

function signedBytes(decision: Omit<SignedApprovalDecision, 'signature'>): Buffer {
  return Buffer.from(
    canonicalJson({
      v: 1,
      approvalId: decision.approvalId,
      digest: decision.digest,
      approve: decision.approve,
      approver: decision.approver,
      approverRoles: decision.approverRoles,
      reason: decision.reason ?? null,
      decidedAt: decision.decidedAt,
      expiresAt: decision.expiresAt,
      algorithm: decision.algorithm,
      keyId: decision.keyId,
    }),
  );
}

function describeKey(
  key: KeyObject,
  option: string,
  forSigning: boolean,
): { keyId: string; verification: VerificationKey } {
  if (key?.type === 'secret') {
    if ((key.symmetricKeySize ?? 0) < 32)
      throw new TypeError(`${option}: an HMAC key needs at least 32 bytes`);
    const keyId = createHmac('sha256', key)
      .update('palisade approval key id')
      .digest('base64url')
      .slice(0, 16);
    return { keyId, verification: { algorithm: 'HS256', key } };
  }
  if (
    key?.asymmetricKeyType === 'ed25519' &&
    (key.type === 'private' || (!forSigning && key.type === 'public'))
  ) {
    const publicKey = key.type === 'private' ? createPublicKey(key) : key;
    const spki = publicKey.export({ type: 'spki', format: 'der' });
    const keyId = createHash('sha256').update(spki).digest('base64url').slice(0, 16);
    return { keyId, verification: { algorithm: 'Ed25519', key: publicKey } };
  }
  throw new TypeError(
    `${option} must be a KeyObject: an Ed25519 ${forSigning ? 'private' : 'private or public'} key or a secret key of at least 32 bytes`,
  );
}
