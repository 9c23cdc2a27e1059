import { type KeyObject, verify } from 'node:crypto';
import type { AuditChainHead, AuditChainStore } from '@palisade/core';
import {
  CHAIN_FORMAT,
  checkpointPayload,
  GENESIS_HASH,
  keyIdOf,
  type ParsedRecord,
  recordHash,
  toPublicKey,
} from './internal/chain-record.js';

/** What can be wrong with a chain, at the first place it goes wrong. */
export type ChainProblem =
  /** Not a record: unreadable JSON, a missing field, a line cut short. */
  | 'malformed'
  /** The record's content does not match its hash: it was modified. */
  | 'hash-mismatch'
  /** The sequence number is not the next one: records were deleted, inserted or reordered. */
  | 'out-of-sequence'
  /** The record does not point at the hash of the record before it. */
  | 'broken-link'
  /** A checkpoint does not cover the chain before it, or its signature does not verify. */
  | 'bad-checkpoint'
  /** A record differs from the checkpoint anchored for it outside the chain: the chain was rewritten. */
  | 'anchor-mismatch'
  /** The chain ends before a record an anchored checkpoint covers: records were cut off the end. */
  | 'truncated'
  /** Checkpoints are signed by another key than the one given: the key does not match (no tampering shown). */
  | 'wrong-key'
  /** With a public key: no signed checkpoint covers the log, or no anchors back it (a rebuilt log). */
  | 'unsigned'
  /** With a public key: records follow the last signed checkpoint (allowed only with `allowUnsignedTail`). */
  | 'unsigned-tail';

/** The verdict on a chain. */
export type AuditChainVerification =
  | {
      readonly ok: true;
      /** Records read (checkpoints included). */
      readonly records: number;
      readonly checkpoints: number;
      /** Sequence number up to which a checkpoint signed the chain (-1 when none did). */
      readonly signedThrough: number;
      /** Records after the last checkpoint, which no signature covers yet. */
      readonly unsignedTail: number;
      /** Whether checkpoint signatures were checked (a public key was given). */
      readonly signatures: 'verified' | 'unchecked';
      readonly head: AuditChainHead | undefined;
    }
  | {
      readonly ok: false;
      readonly problem: ChainProblem;
      /** 0-based index of the offending line in storage order (line `position + 1` of a file). */
      readonly position: number;
      /** The sequence number expected at that position. */
      readonly sequence: number;
      readonly message: string;
      /** Records that verified before the break. */
      readonly records: number;
    };

/** Options of `verifyAuditChain`. */
export interface VerifyAuditChainOptions {
  /** The Ed25519 public key (or the private key, or PEM) whose checkpoint signatures to check. */
  readonly publicKey?: KeyObject | string | undefined;
  /**
   * With a public key, records after the last signed checkpoint fail the verification (nothing
   * proves they were not appended by someone else); `true` accepts them and reports them as
   * `unsignedTail`. Default `false`.
   */
  readonly allowUnsignedTail?: boolean | undefined;
}

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * Verifies an audit chain end to end and reports the first broken link and its position: each
 * record's hash over its canonical form, its sequence number, its link to the record before it,
 * every checkpoint (and its Ed25519 signature, given the public key), and the checkpoints anchored
 * outside the chain, which reveal records cut off the end.
 *
 * @example
 * ```ts
 * const verdict = await verifyAuditChain(createFileChainStore({ path: 'audit.jsonl' }), { publicKey });
 * if (!verdict.ok) console.error(`line ${verdict.position + 1}: ${verdict.message}`);
 * ```
 */
export async function verifyAuditChain(
  store: Pick<AuditChainStore, 'read' | 'anchors'>,
  options: VerifyAuditChainOptions = {},
): Promise<AuditChainVerification> {
  if (typeof store?.read !== 'function' || typeof store.anchors !== 'function') {
    throw new TypeError('verifyAuditChain(): store must have read() and anchors()');
  }
  const publicKey =
    options.publicKey === undefined
      ? undefined
      : toPublicKey(options.publicKey, 'verifyAuditChain(): options.publicKey');
  const keyId = publicKey ? keyIdOf(publicKey) : undefined;

  // Anchors first: sequence -> the hash the chain must have there.
  const anchors = new Map<number, string>();
  for await (const line of store.anchors()) {
    if (line === '') continue;
    const record = parseRecord(line);
    if (record && record.type === 'checkpoint') anchors.set(record.seq, record.hash);
  }

  let position = 0;
  let previous = GENESIS_HASH;
  let checkpoints = 0;
  let signedThrough = -1;
  let head: AuditChainHead | undefined;
  const broken = (problem: ChainProblem, message: string): AuditChainVerification => ({
    ok: false,
    problem,
    position,
    sequence: position,
    message: `line ${position + 1} (sequence ${position}): ${message}`,
    records: position,
  });

  for await (const line of store.read()) {
    const record = parseRecord(line);
    if (!record) return broken('malformed', 'not a chain record (unreadable, incomplete or cut short)');
    if (recordHash(record) !== record.hash) {
      return broken('hash-mismatch', 'the record does not match its hash: it was modified');
    }
    if (record.seq !== position) {
      return broken(
        'out-of-sequence',
        record.seq > position
          ? `found sequence ${record.seq}: record(s) ${position}..${record.seq - 1} were deleted or moved`
          : `found sequence ${record.seq} again: a record was inserted or moved`,
      );
    }
    if (record.prev !== previous) {
      return broken('broken-link', 'the record does not link to the hash of the record before it');
    }
    if (record.type === 'checkpoint') {
      if (publicKey && record.data.keyId !== keyId) {
        return broken(
          'wrong-key',
          `the checkpoint was signed by key ${String(record.data.keyId)}: the public key given (${keyId}) does not match this log`,
        );
      }
      const problem = checkCheckpoint(record, previous, publicKey, keyId);
      if (problem) return broken('bad-checkpoint', problem);
      checkpoints += 1;
      signedThrough = record.seq;
    }
    const anchored = anchors.get(record.seq);
    if (anchored !== undefined && anchored !== record.hash) {
      return broken(
        'anchor-mismatch',
        'the record differs from its anchored checkpoint: the chain was rewritten',
      );
    }
    previous = record.hash;
    head = { sequence: record.seq, hash: record.hash };
    position += 1;
  }

  const lastAnchored = Math.max(-1, ...anchors.keys());
  if (lastAnchored >= position) {
    return broken(
      'truncated',
      `the log ends here, but an anchored checkpoint covers sequence ${lastAnchored}`,
    );
  }
  const unsignedTail = position - 1 - signedThrough;
  if (publicKey) {
    // A signature proves what it covers, and only that: a log with no signed checkpoint (or one
    // rebuilt from scratch, whose anchors are gone) proves nothing, and records after the last
    // checkpoint could have been appended by anyone who can write the log.
    if (checkpoints === 0) {
      return broken('unsigned', 'no checkpoint signed by the given key covers the log');
    }
    if (anchors.size === 0) {
      return broken(
        'unsigned',
        'the anchors are missing or empty: nothing outside the log backs its checkpoints (it may have been rebuilt)',
      );
    }
    if (unsignedTail > 0 && options.allowUnsignedTail !== true) {
      const first = signedThrough + 1;
      return {
        ok: false,
        problem: 'unsigned-tail',
        position: first,
        sequence: first,
        records: first,
        message: `line ${first + 1} (sequence ${first}): ${unsignedTail} record(s) after the last signed checkpoint (sequence ${signedThrough}) are covered by no signature`,
      };
    }
  }
  return {
    ok: true,
    records: position,
    checkpoints,
    signedThrough,
    unsignedTail,
    signatures: publicKey ? 'verified' : 'unchecked',
    head,
  };
}

function checkCheckpoint(
  record: ParsedRecord,
  previous: string,
  publicKey: KeyObject | undefined,
  keyId: string | undefined,
): string | undefined {
  const { upTo, head, signature, algorithm } = record.data as Record<string, unknown>;
  if (upTo !== record.seq - 1 || head !== previous)
    return 'the checkpoint does not cover the records before it';
  if (algorithm !== 'Ed25519' || typeof signature !== 'string')
    return 'the checkpoint carries no Ed25519 signature';
  if (!publicKey) return undefined;
  if (record.data.keyId !== keyId) return `the checkpoint was signed by another key than ${keyId}`;
  const valid = verify(null, checkpointPayload(upTo, head), publicKey, Buffer.from(signature, 'base64url'));
  return valid ? undefined : 'the checkpoint signature does not verify';
}

function parseRecord(line: string): ParsedRecord | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const valid =
    record.v === CHAIN_FORMAT &&
    Number.isSafeInteger(record.seq) &&
    typeof record.prev === 'string' &&
    HEX64.test(record.prev) &&
    typeof record.hash === 'string' &&
    HEX64.test(record.hash) &&
    typeof record.type === 'string' &&
    typeof record.time === 'number' &&
    (record.key === undefined || typeof record.key === 'string') &&
    typeof record.data === 'object' &&
    record.data !== null &&
    !Array.isArray(record.data);
  return valid ? (record as unknown as ParsedRecord) : undefined;
}
