/**
 * JOSE conformance: every JWS vector of Project Wycheproof (`json_web_signature_test.json`), verified
 * with the group's key and an algorithm allow-list pinned to the key's `alg`, as the data README asks.
 */
import {
  createHmac,
  createSecretKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
} from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { ALGORITHMS, type JwsAlgorithm } from './algorithms.js';
import { parseCompactJws, verifyParsedJws } from './compact-jws.js';
import { importVerificationKey, type VerificationKey } from './jwk.js';

const DATA = fileURLToPath(
  new URL('../../../../../shared/data/jose/json_web_signature_test.json', import.meta.url),
);

interface Vector {
  tcId: number;
  comment: string;
  jws: unknown;
  result: 'valid' | 'invalid';
  flags: string[];
}
interface Group {
  comment: string;
  private?: Record<string, unknown>;
  public?: Record<string, unknown>;
  tests: Vector[];
}

/**
 * Vectors where the file's expectation cannot be met by a strict verifier, each with the outcome we
 * assert instead and why. Nothing else may disagree with the file.
 */
const DEVIATIONS: Readonly<Record<number, { outcome: 'accept' | 'reject'; why: string }>> = {
  367: {
    outcome: 'accept',
    why: 'byte-identical to tcId 357 (valid, same key): the padding defect was lost from the file',
  },
  370: {
    outcome: 'accept',
    why: 'byte-identical to tcId 357 (valid, same key): the padding defect was lost from the file',
  },
  372: { outcome: 'reject', why: '"?" is outside the base64url alphabet; RFC 7515 §2 forbids it' },
  373: { outcome: 'reject', why: '"?" is outside the base64url alphabet; RFC 7515 §2 forbids it' },
  346: {
    outcome: 'reject',
    why: 'header alg PS384 but the key pins alg PS256: a key verifies only its own algorithm',
  },
  350: {
    outcome: 'reject',
    why: 'header alg PS384 but the key pins alg PS256: a key verifies only its own algorithm',
  },
  347: {
    outcome: 'reject',
    why: 'the key pins alg "ES521", which is not a registered JWS algorithm (ES512 is)',
  },
  351: {
    outcome: 'reject',
    why: 'the key pins alg "ES521", which is not a registered JWS algorithm (ES512 is)',
  },
};

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];

/** The verification key of a group: its public JWK, or the public part of its private one. */
function groupKey(group: Group): VerificationKey | Error {
  const source = group.public ?? group.private ?? {};
  const jwk =
    source.kty === 'oct'
      ? source
      : Object.fromEntries(Object.entries(source).filter(([name]) => !PRIVATE_MEMBERS.includes(name)));
  try {
    return importVerificationKey(jwk, { allowSymmetric: true });
  } catch (error) {
    return error as Error;
  }
}

function outcome(vector: Vector, key: VerificationKey | Error): 'accept' | 'reject' {
  if (key instanceof Error) return 'reject';
  try {
    const parsed = parseCompactJws(vector.jws, { maxLength: 65_536, algorithms: new Set([key.alg]) });
    verifyParsedJws(parsed, key);
    return 'accept';
  } catch {
    return 'reject';
  }
}

const present = existsSync(DATA);
if (!present) console.warn(`SKIPPED: JOSE conformance vectors not found at ${DATA}`);

describe.skipIf(!present)('JOSE conformance (Wycheproof JWS)', () => {
  const file = present
    ? (JSON.parse(readFileSync(DATA, 'utf8')) as { numberOfTests: number; testGroups: Group[] })
    : undefined;
  const counts = { total: 0, valid: 0, invalid: 0, accepted: 0, rejected: 0, agree: 0, deviations: 0 };
  const byFlag = new Map<string, number>();

  afterAll(() => {
    if (!file) return;
    console.log(
      `JOSE conformance: ${counts.total}/${file.numberOfTests} vectors (${counts.valid} valid, ${counts.invalid} invalid): ` +
        `${counts.agree} as the file expects, ${counts.deviations} documented deviations; ` +
        `accepted ${counts.accepted}, rejected ${counts.rejected}; ` +
        `always-reject flags: ${[...byFlag].map(([flag, n]) => `${flag} ${n}/${n} rejected`).join(', ')}`,
    );
  });

  for (const group of file?.testGroups ?? []) {
    const key = groupKey(group);
    it(`${group.comment} (${group.tests.length} vectors, key ${key instanceof Error ? 'refused' : key.alg})`, () => {
      for (const vector of group.tests) {
        const got = outcome(vector, key);
        const deviation = DEVIATIONS[vector.tcId];
        const expected = deviation ? deviation.outcome : vector.result === 'valid' ? 'accept' : 'reject';
        expect(got, `tcId ${vector.tcId} ${vector.comment}${deviation ? ` (${deviation.why})` : ''}`).toBe(
          expected,
        );
        counts.total += 1;
        counts[vector.result] += 1;
        counts[got === 'accept' ? 'accepted' : 'rejected'] += 1;
        counts[deviation ? 'deviations' : 'agree'] += 1;
        for (const flag of vector.flags) {
          if (['AlgIsNone', 'WrongPrimitive', 'ModifiedSignature'].includes(flag)) {
            expect(got, `tcId ${vector.tcId} carries ${flag}`).toBe('reject');
            byFlag.set(flag, (byFlag.get(flag) ?? 0) + 1);
          }
        }
      }
    });
  }

  it('covers every vector in the file', () => {
    expect(file?.testGroups.reduce((sum, group) => sum + group.tests.length, 0)).toBe(file?.numberOfTests);
  });
});

describe('algorithms the Wycheproof file does not cover', () => {
  const cases: [JwsAlgorithm, () => { privateKey: KeyObject; publicKey: KeyObject }][] = [
    ['EdDSA', () => generateKeyPairSync('ed25519')],
    ['Ed25519', () => generateKeyPairSync('ed25519')],
    ['ES384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' })],
    ['ES512', () => generateKeyPairSync('ec', { namedCurve: 'P-521' })],
    [
      'HS384',
      () => {
        const secret = createSecretKey(randomBytes(48));
        return { privateKey: secret, publicKey: secret };
      },
    ],
    [
      'HS512',
      () => {
        const secret = createSecretKey(randomBytes(64));
        return { privateKey: secret, publicKey: secret };
      },
    ],
  ];
  for (const [alg, make] of cases) {
    it(`${alg}: accepts its own signature, rejects a flipped bit and another algorithm`, () => {
      const { privateKey, publicKey } = make();
      const spec = ALGORITHMS[alg];
      const input = `${Buffer.from(JSON.stringify({ alg, kid: 'k' })).toString('base64url')}.${Buffer.from('payload').toString('base64url')}`;
      const signature =
        spec.kty === 'oct'
          ? createHmac(spec.hash!, privateKey).update(input).digest()
          : sign(
              spec.hash,
              Buffer.from(input),
              spec.kty === 'EC' ? { key: privateKey, dsaEncoding: 'ieee-p1363' } : privateKey,
            );
      const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), alg, kid: 'k' };
      const key = importVerificationKey(jwk, { allowSymmetric: true });
      const token = `${input}.${signature.toString('base64url')}`;
      expect(() =>
        verifyParsedJws(parseCompactJws(token, { maxLength: 4096, algorithms: new Set([alg]) }), key),
      ).not.toThrow();
      const flipped = Buffer.from(signature);
      flipped[0]! ^= 1;
      const tampered = `${input}.${flipped.toString('base64url')}`;
      expect(() =>
        verifyParsedJws(parseCompactJws(tampered, { maxLength: 4096, algorithms: new Set([alg]) }), key),
      ).toThrow(/signature is invalid/);
      const other =
        alg === 'HS384' ? 'HS512' : alg === 'HS512' ? 'HS384' : alg === 'ES384' ? 'ES512' : 'ES384';
      const otherKey = { ...key, alg: other as JwsAlgorithm };
      expect(() =>
        verifyParsedJws(
          parseCompactJws(token, { maxLength: 4096, algorithms: new Set([alg, other]) }),
          otherKey,
        ),
      ).toThrow(/does not allow/);
    });
  }
});
