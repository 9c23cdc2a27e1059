import { createHash, createPrivateKey, createPublicKey, hash, type KeyObject } from 'node:crypto';
import { canonicalJson } from '@palisade/core';

/** The `prev` of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** The format version of chain records. */
export const CHAIN_FORMAT = 1;

/** A record as it is stored, after parsing. */
export interface ParsedRecord {
  readonly v: number;
  readonly seq: number;
  readonly prev: string;
  readonly type: string;
  readonly time: number;
  readonly key?: string | undefined;
  readonly data: Record<string, unknown>;
  readonly hash: string;
}

/**
 * Builds the canonical text of a record from already-canonical `data`, without serialising the data
 * a second time. Member order is the RFC 8785 order of the names: data, (hash), key, prev, seq, time,
 * type, v.
 */
export function linkRecord(parts: {
  seq: number;
  prev: string;
  type: string;
  time: number;
  key: string | undefined;
  dataJson: string;
}): { hash: string; line: string } {
  const tail = `${parts.key === undefined ? '' : `"key":${JSON.stringify(parts.key)},`}"prev":"${parts.prev}","seq":${parts.seq},"time":${parts.time},"type":${JSON.stringify(parts.type)},"v":${CHAIN_FORMAT}}`;
  const hash = sha256Hex(`{"data":${parts.dataJson},${tail}`);
  return { hash, line: `{"data":${parts.dataJson},"hash":"${hash}",${tail}` };
}

/** The hash a record must carry: SHA-256 of its canonical form without the `hash` member. */
export function recordHash(record: Omit<ParsedRecord, 'hash'> & { hash?: string }): string {
  const { hash: _ignored, ...rest } = record;
  return sha256Hex(canonicalJson(rest));
}

export function sha256Hex(text: string): string {
  return hash('sha256', text, 'hex');
}

/** What a checkpoint's Ed25519 signature covers. */
export function checkpointPayload(upTo: number, head: string): Buffer {
  return Buffer.from(canonicalJson({ v: CHAIN_FORMAT, purpose: 'palisade-audit-checkpoint', upTo, head }));
}

/** Reads an Ed25519 private key from a KeyObject or PEM text. */
export function toPrivateKey(key: KeyObject | string, where: string): KeyObject {
  let object: KeyObject;
  try {
    object = typeof key === 'string' ? createPrivateKey(key) : key;
  } catch (error) {
    throw new TypeError(`${where} is not a private key: ${(error as Error).message}`);
  }
  if (object?.type !== 'private' || object.asymmetricKeyType !== 'ed25519') {
    throw new TypeError(`${where} must be an Ed25519 private key`);
  }
  return object;
}

/** Reads an Ed25519 public key from a KeyObject (public or private) or PEM text. */
export function toPublicKey(key: KeyObject | string, where: string): KeyObject {
  let object: KeyObject;
  try {
    object =
      typeof key === 'string' ? createPublicKey(key) : key.type === 'private' ? createPublicKey(key) : key;
  } catch (error) {
    throw new TypeError(`${where} is not a public key: ${(error as Error).message}`);
  }
  if (object?.asymmetricKeyType !== 'ed25519') throw new TypeError(`${where} must be an Ed25519 key`);
  return object;
}

/** A short, stable id for a key: base64url of the first 12 bytes of SHA-256 over its SPKI DER. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url').slice(0, 16);
}
