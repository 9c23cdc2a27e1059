import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalJson } from '@palisade/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditChain } from './audit-chain.js';
import { createFileChainStore } from './file-chain-store.js';
import { linkRecord, recordHash } from './internal/chain-record.js';
import { createMemoryChainStore } from './memory-chain-store.js';
import { verifyAuditChain } from './verify-audit-chain.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
let dir: string;
let pristine: string[];
let pristineAnchors: string;
const path = () => join(dir, 'audit.jsonl');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-verify-'));
  const chain = createAuditChain({
    store: createFileChainStore({ path: path() }),
    signingKey: privateKey,
    checkpointEvery: 10,
    now: () => 1_700_000_000_000,
  });
  // 45 records, a checkpoint after every 10 and one on close: 50 lines.
  await Promise.all(
    Array.from({ length: 45 }, (_, index) =>
      chain.append({
        type: index % 2 ? 'result' : 'intent',
        key: `k${index}`,
        data: { index, tool: 'refund' },
      }),
    ),
  );
  await chain.close();
  pristine = readFileSync(path(), 'utf8').trimEnd().split('\n');
  pristineAnchors = readFileSync(`${path()}.anchors`, 'utf8');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `lines` as the log (and the original anchors), then verifies it. */
async function verifyLines(lines: string[], withKey = true) {
  writeFileSync(path(), lines.map((line) => `${line}\n`).join(''));
  writeFileSync(`${path()}.anchors`, pristineAnchors);
  return verifyAuditChain(createFileChainStore({ path: path() }), withKey ? { publicKey } : {});
}

function parsed(line: string): Record<string, unknown> {
  return JSON.parse(line) as Record<string, unknown>;
}

/** Re-hashes a record after editing it, as an attacker who knows the format would. */
function rehash(record: Record<string, unknown>): string {
  const { hash: _old, ...rest } = record;
  return canonicalJson({ ...rest, hash: recordHash(rest as never) });
}

describe('verifyAuditChain', () => {
  it('accepts an untouched log, with every checkpoint signature verified', async () => {
    expect(pristine).toHaveLength(50);
    const verdict = await verifyLines(pristine);
    expect(verdict).toMatchObject({
      ok: true,
      records: 50,
      checkpoints: 5,
      signedThrough: 49,
      unsignedTail: 0,
      signatures: 'verified',
    });
    expect((await verifyLines(pristine, false)).ok).toBe(true);
  });

  it('detects a modified record, at its position', async () => {
    const lines = [...pristine];
    lines[17] = lines[17]!.replace('"tool":"refund"', '"tool":"refunX"');
    expect(await verifyLines(lines)).toMatchObject({ ok: false, problem: 'hash-mismatch', position: 17 });
  });

  it('detects a modified record whose hash was recomputed, where the next record no longer links', async () => {
    const lines = [...pristine];
    const record = parsed(lines[17]!);
    lines[17] = rehash({ ...record, data: { ...(record.data as object), tool: 'nothing-to-see' } });
    expect(await verifyLines(lines)).toMatchObject({ ok: false, problem: 'broken-link', position: 18 });
  });

  it('detects a deleted record, at its position', async () => {
    const lines = pristine.filter((_, index) => index !== 23);
    expect(await verifyLines(lines)).toMatchObject({
      ok: false,
      problem: 'out-of-sequence',
      position: 23,
      sequence: 23,
    });
  });

  it('detects an inserted record, at its position', async () => {
    const lines = [...pristine];
    lines.splice(30, 0, lines[12]!);
    expect(await verifyLines(lines)).toMatchObject({ ok: false, problem: 'out-of-sequence', position: 30 });
  });

  it('detects a forged record inserted with a correct sequence, link and hash, where the chain breaks', async () => {
    const lines = [...pristine];
    const before = parsed(lines[29]!);
    const forged = linkRecord({
      seq: 30,
      prev: String(before.hash),
      type: 'event',
      time: 1,
      key: undefined,
      dataJson: canonicalJson({ note: 'all fine' }),
    });
    lines.splice(30, 0, forged.line);
    expect(await verifyLines(lines)).toMatchObject({ ok: false, problem: 'out-of-sequence', position: 31 });
  });

  it('detects two records swapped, at the first of them', async () => {
    const lines = [...pristine];
    [lines[5], lines[6]] = [lines[6]!, lines[5]!];
    expect(await verifyLines(lines)).toMatchObject({ ok: false, problem: 'out-of-sequence', position: 5 });
  });

  it('detects a log cut mid-record, at the cut', async () => {
    const lines = pristine.slice(0, 40);
    lines[39] = lines[39]!.slice(0, 25);
    expect(await verifyLines(lines)).toMatchObject({ ok: false, problem: 'malformed', position: 39 });
  });

  it('detects whole records cut off the end, through the anchored checkpoints', async () => {
    const verdict = await verifyLines(pristine.slice(0, 37));
    expect(verdict).toMatchObject({ ok: false, problem: 'truncated', position: 37, sequence: 37 });
  });

  it('detects a chain rewritten from a point on, at the first re-signed checkpoint', async () => {
    // The attacker edits record 3 and rebuilds every later link; the checkpoints are copied over.
    const lines = [...pristine];
    let prev = String(parsed(lines[2]!).hash);
    for (let index = 3; index < lines.length; index += 1) {
      const record = parsed(lines[index]!);
      const data = index === 3 ? { ...(record.data as object), tool: 'rewritten' } : record.data;
      const rebuilt = linkRecord({
        seq: index,
        prev,
        type: String(record.type),
        time: Number(record.time),
        key: record.key as string | undefined,
        dataJson: canonicalJson(data),
      });
      lines[index] = rebuilt.line;
      prev = rebuilt.hash;
    }
    expect(await verifyLines(lines)).toMatchObject({ ok: false, problem: 'bad-checkpoint', position: 10 });
  });

  it('says the key does not match when checkpoints are signed by another key (not tampering)', async () => {
    writeFileSync(path(), pristine.map((line) => `${line}\n`).join(''));
    const verdict = await verifyAuditChain(createFileChainStore({ path: path() }), {
      publicKey: other.publicKey,
    });
    expect(verdict).toMatchObject({ ok: false, problem: 'wrong-key', position: 10 });
    expect(verdict.ok ? '' : verdict.message).toMatch(/does not match this log/);
  });

  it('reports an unsigned tail when records follow the last checkpoint', async () => {
    const store = createMemoryChainStore();
    const chain = createAuditChain({
      store,
      signingKey: privateKey,
      checkpointEvery: 4,
      checkpointIntervalMillis: 0,
    });
    for (let index = 0; index < 6; index += 1) await chain.append({ type: 'event', data: { index } });
    // With a public key, an unsigned tail fails unless explicitly allowed.
    expect(await verifyAuditChain(store, { publicKey })).toMatchObject({
      ok: false,
      problem: 'unsigned-tail',
      position: 5,
    });
    expect(await verifyAuditChain(store, { publicKey, allowUnsignedTail: true })).toMatchObject({
      ok: true,
      records: 7,
      checkpoints: 1,
      signedThrough: 4,
      unsignedTail: 2,
    });
    await chain.close();
    expect(await verifyAuditChain(store, { publicKey })).toMatchObject({
      ok: true,
      records: 8,
      unsignedTail: 0,
    });
  });

  it('accepts an empty log', async () => {
    expect(await verifyAuditChain(createMemoryChainStore())).toMatchObject({
      ok: true,
      records: 0,
      head: undefined,
    });
  });

  it('builds the same canonical text as canonicalJson, for any data (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
        fc.nat(),
        (data, key, seq) => {
          const { hash, line } = linkRecord({
            seq,
            prev: '0'.repeat(64),
            type: 'event',
            time: 5,
            key,
            dataJson: canonicalJson(data),
          });
          const record = JSON.parse(line) as Record<string, unknown>;
          expect(canonicalJson(record)).toBe(line);
          expect(recordHash(record as never)).toBe(hash);
        },
      ),
    );
  });
});
