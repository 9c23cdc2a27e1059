import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuditChainConflictError, type AuditChainLine } from '@palisade/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuditChain } from './audit-chain.js';
import { AuditChainError } from './audit-chain-error.js';
import { createFileChainStore } from './file-chain-store.js';
import { createMemoryChainStore } from './memory-chain-store.js';
import { memoryTracing } from './test-support/fixtures.js';
import { verifyAuditChain } from './verify-audit-chain.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const dirs: string[] = [];
function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-chain-'));
  dirs.push(dir);
  return join(dir, 'logs', 'audit.jsonl');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('createAuditChain', () => {
  it('keeps records appended without durable in memory for at most the loss window, then writes and syncs them together', async () => {
    vi.useFakeTimers();
    try {
      const store = createMemoryChainStore();
      const writes: Array<{ lines: number; durable: boolean }> = [];
      const append = store.append.bind(store);
      store.append = async (lines, options) => {
        writes.push({ lines: lines.length, durable: options.durable });
        return append(lines, options);
      };
      const chain = createAuditChain({ store, flushIntervalMillis: 100 });
      const receipts = [1, 2, 3].map((n) => chain.append({ type: 'event', data: { n } }));
      await vi.advanceTimersByTimeAsync(99);
      expect(store.lines).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(1);
      expect(store.lines).toHaveLength(3);
      expect(writes).toEqual([{ lines: 3, durable: true }]);
      expect(await Promise.all(receipts)).toHaveLength(3);
      // close() writes what waits without waiting for the window.
      const last = chain.append({ type: 'event', data: { n: 4 } });
      await chain.close();
      await last;
      expect(store.lines).toHaveLength(4);
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes at once, with one sync for every caller waiting, when a durable record comes (group commit)', async () => {
    const store = createMemoryChainStore();
    const writes: Array<{ lines: number; durable: boolean }> = [];
    const append = store.append.bind(store);
    store.append = async (lines, options) => {
      writes.push({ lines: lines.length, durable: options.durable });
      return append(lines, options);
    };
    const chain = createAuditChain({ store, flushIntervalMillis: 60_000 });
    const waiting = chain.append({ type: 'event', data: { before: true } });
    const strict = await Promise.all(
      Array.from({ length: 10 }, (_, index) =>
        chain.append({ type: 'intent', data: { index } }, { durable: true }),
      ),
    );
    expect(strict.every((receipt) => receipt.status === 'appended')).toBe(true);
    expect(writes).toEqual([{ lines: 11, durable: true }]);
    expect(await waiting).toMatchObject({ sequence: 0 });
    await chain.close();
  });

  it('loses no acknowledged durable record when the writing process is killed mid-stream', async () => {
    const path = tempPath();
    const child = spawn(
      process.execPath,
      [
        '--conditions=@palisade/source',
        '--import',
        'tsx',
        '--no-warnings',
        fileURLToPath(new URL('./test-support/strict-writer-child.ts', import.meta.url)),
        path,
        '10',
      ],
      { cwd: fileURLToPath(new URL('../../..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk) => (err += chunk));
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        out += chunk;
        // Kill it without warning once enough calls were let through.
        if (out.split('\n').length > 300) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('close', () => reject(new Error(`the writer exited early: ${err}`)));
    });
    await exited;
    const acknowledged = out
      .split('\n')
      .filter((line) => /^\d+$/.test(line))
      .map(Number);
    expect(acknowledged.length).toBeGreaterThanOrEqual(300);
    // Every record a caller was told is durable is in the log, and the log is one unbroken chain
    // (a record cut short by the kill can only follow them, and is reported, not hidden).
    const lines = readFileSync(path, 'utf8').split('\n');
    const complete = lines.filter((line) => line.endsWith('}'));
    const sequences = new Set(complete.map((line) => (JSON.parse(line) as { seq: number }).seq));
    for (const sequence of acknowledged) expect(sequences.has(sequence)).toBe(true);
    const store = createMemoryChainStore();
    store.lines.push(...complete);
    expect(await verifyAuditChain(store)).toMatchObject({ ok: true, records: complete.length });
  }, 60_000);

  it('links records in append order and writes concurrent appends in one batch', async () => {
    const store = createMemoryChainStore();
    const batches: number[] = [];
    const append = store.append.bind(store);
    store.append = async (lines, options) => {
      batches.push(lines.length);
      return append(lines, options);
    };
    const chain = createAuditChain({ store, now: () => 42 });
    const receipts = await Promise.all(
      Array.from({ length: 100 }, (_, index) => chain.append({ type: 'event', data: { index } })),
    );
    expect(receipts.map((receipt) => (receipt.status === 'appended' ? receipt.sequence : -1))).toEqual(
      Array.from({ length: 100 }, (_, index) => index),
    );
    expect(batches).toEqual([100]);
    const records = store.lines.map(
      (line) => JSON.parse(line) as { seq: number; prev: string; time: number },
    );
    expect(records[0]!.prev).toBe('0'.repeat(64));
    expect(records[1]!.prev).toBe((JSON.parse(store.lines[0]!) as { hash: string }).hash);
    expect(records.every((record) => record.time === 42)).toBe(true);
    expect(await verifyAuditChain(store)).toMatchObject({ ok: true, records: 100 });
  });

  it('without a loss window, asks the store for durability only when a record in the batch needs it', async () => {
    const store = createMemoryChainStore();
    const seen: boolean[] = [];
    const append = store.append.bind(store);
    store.append = async (lines, options) => {
      seen.push(options.durable);
      return append(lines, options);
    };
    const chain = createAuditChain({ store, flushIntervalMillis: 0 });
    await chain.append({ type: 'event', data: { a: 1 } });
    await chain.append({ type: 'intent', data: { a: 2 } }, { durable: true });
    await chain.flush();
    expect(seen).toEqual([false, true, true]);
  });

  it('records an idempotency key once, also across a restart of the file store', async () => {
    const path = tempPath();
    const first = createAuditChain({ store: createFileChainStore({ path }) });
    const [a, b] = await Promise.all([
      first.append({ type: 'intent', key: 'intent:call-1', data: { n: 1 } }),
      first.append({ type: 'intent', key: 'intent:call-1', data: { n: 2 } }),
    ]);
    expect(a).toMatchObject({ status: 'appended', sequence: 0 });
    expect(b).toEqual({ status: 'duplicate', key: 'intent:call-1' });
    await first.close();

    const second = createAuditChain({ store: createFileChainStore({ path }) });
    expect(await second.append({ type: 'intent', key: 'intent:call-1', data: { n: 3 } })).toEqual({
      status: 'duplicate',
      key: 'intent:call-1',
    });
    expect(await second.append({ type: 'intent', key: 'intent:call-2', data: {} })).toMatchObject({
      sequence: 1,
    });
    await second.close();
    expect(readFileSync(path, 'utf8').trimEnd().split('\n')).toHaveLength(2);
    expect(await verifyAuditChain(createFileChainStore({ path }))).toMatchObject({ ok: true, records: 2 });
  });

  it('fails closed: after a write error every pending and later append is refused', async () => {
    const store = createMemoryChainStore();
    let broken = false;
    const append = store.append.bind(store);
    store.append = async (lines, options) => {
      if (broken) throw new Error('ENOSPC: no space left on device');
      return append(lines, options);
    };
    const chain = createAuditChain({ store });
    await chain.append({ type: 'event', data: {} });
    broken = true;
    const failed = chain.append({ type: 'intent', data: {} }, { durable: true });
    await expect(failed).rejects.toSatisfy((error) => AuditChainError.isInstance(error));
    await expect(failed).rejects.toThrow(/ENOSPC/);
    broken = false;
    await expect(chain.append({ type: 'event', data: {} })).rejects.toThrow(/accepts no more records/);
    await expect(chain.close()).rejects.toThrow(/accepts no more records/);
  });

  it('refuses entries that are not JSON or not well formed, without breaking the chain', async () => {
    const chain = createAuditChain({ store: createMemoryChainStore() });
    await expect(chain.append({ type: 'event', data: { n: 10n } })).rejects.toThrow(/bigint/);
    await expect(chain.append({ type: 'checkpoint' as never, data: {} })).rejects.toThrow(/entry.type/);
    await expect(chain.append({ type: 'event', data: [] as never })).rejects.toThrow(/entry.data/);
    await expect(chain.append({ type: 'event', key: '', data: {} })).rejects.toThrow(/entry.key/);
    expect(await chain.append({ type: 'event', data: { ok: true } })).toMatchObject({ status: 'appended' });
  });

  it('re-reads the head and links again when another writer appended first', async () => {
    const store = createMemoryChainStore();
    const writer = createAuditChain({ store });
    await writer.append({ type: 'event', data: { by: 'a' } });
    // A second writer on the same store, as another replica would be.
    const replica = createAuditChain({ store });
    await replica.append({ type: 'event', data: { by: 'b' } });
    await writer.append({ type: 'event', data: { by: 'a' } });
    expect(await verifyAuditChain(store)).toMatchObject({ ok: true, records: 3 });
  });

  it('gives up after repeated conflicts', async () => {
    const store = createMemoryChainStore();
    store.append = async (lines: readonly AuditChainLine[]) => {
      throw new AuditChainConflictError(lines[0]!.sequence);
    };
    const chain = createAuditChain({ store });
    await expect(chain.append({ type: 'event', data: {} })).rejects.toThrow(/already written/);
  });

  it('signs checkpoints, anchors them and emits them as spans; close seals the tail', async () => {
    const { provider, exporter } = memoryTracing();
    const store = createMemoryChainStore();
    const chain = createAuditChain({
      store,
      signingKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      checkpointEvery: 3,
      tracer: provider.getTracer('audit'),
    });
    for (let index = 0; index < 4; index += 1) await chain.append({ type: 'event', data: { index } });
    expect(await chain.checkpoint()).toMatchObject({ status: 'appended', sequence: 5 });
    await chain.append({ type: 'event', data: { last: true } });
    await chain.close();
    const types = store.lines.map((line) => (JSON.parse(line) as { type: string }).type);
    expect(types).toEqual([
      'event',
      'event',
      'event',
      'checkpoint',
      'event',
      'checkpoint',
      'event',
      'checkpoint',
    ]);
    expect(store.anchored).toHaveLength(3);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((span) => [span.name, span.attributes['palisade.audit.sequence']])).toEqual([
      ['palisade.audit.checkpoint', 3],
      ['palisade.audit.checkpoint', 5],
      ['palisade.audit.checkpoint', 7],
    ]);
    expect(spans[0]!.attributes['palisade.audit.signature']).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(await verifyAuditChain(store, { publicKey })).toMatchObject({
      ok: true,
      checkpoints: 3,
      unsignedTail: 0,
    });
    await expect(chain.append({ type: 'event', data: {} })).rejects.toThrow(/closed/);
  });

  it('checkpoints on a timer while records keep coming, and not when idle', async () => {
    vi.useFakeTimers();
    try {
      const store = createMemoryChainStore();
      const chain = createAuditChain({
        store,
        signingKey: privateKey,
        checkpointIntervalMillis: 1000,
        flushIntervalMillis: 0,
      });
      await chain.append({ type: 'event', data: { n: 1 } });
      await vi.advanceTimersByTimeAsync(1000);
      await vi.advanceTimersByTimeAsync(3000);
      const types = () => store.lines.map((line) => (JSON.parse(line) as { type: string }).type);
      expect(types()).toEqual(['event', 'checkpoint']);
      await chain.append({ type: 'event', data: { n: 2 } });
      await vi.advanceTimersByTimeAsync(1000);
      expect(types()).toEqual(['event', 'checkpoint', 'event', 'checkpoint']);
      await chain.close();
      expect(types()).toHaveLength(4);
      expect(await verifyAuditChain(store, { publicKey })).toMatchObject({
        ok: true,
        checkpoints: 2,
        unsignedTail: 0,
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it('validates its options when created', () => {
    const store = createMemoryChainStore();
    expect(() => createAuditChain({} as never)).toThrow(/options.store/);
    expect(() => createAuditChain({ store, signingKey: publicKey })).toThrow(/Ed25519 private key/);
    expect(() =>
      createAuditChain({ store, signingKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey }),
    ).toThrow(/Ed25519/);
    expect(() => createAuditChain({ store, checkpointEvery: 0 })).toThrow(/checkpointEvery/);
    expect(() => createAuditChain({ store, checkpointIntervalMillis: -1 })).toThrow(
      /checkpointIntervalMillis/,
    );
    return expect(createAuditChain({ store }).checkpoint()).rejects.toThrow(/no signingKey/);
  });
});

describe('createFileChainStore', () => {
  it('keeps a second writer out while the first holds the log, and takes over a stale lock', async () => {
    const path = tempPath();
    const first = createAuditChain({ store: createFileChainStore({ path }) });
    await first.append({ type: 'event', data: {} });
    const second = createAuditChain({ store: createFileChainStore({ path }) });
    await expect(second.append({ type: 'event', data: {} })).rejects.toThrow(/being written by process/);
    await first.close();

    // A lock left by a process that no longer exists does not block.
    appendFileSync(`${path}.lock`, '999999999');
    const third = createAuditChain({ store: createFileChainStore({ path }) });
    expect(await third.append({ type: 'event', data: {} })).toMatchObject({ sequence: 1 });
    await third.close();
  });

  it('refuses to extend a log whose last record was cut short', async () => {
    const path = tempPath();
    const chain = createAuditChain({ store: createFileChainStore({ path }) });
    await chain.append({ type: 'event', data: {} });
    await chain.close();
    appendFileSync(path, '{"data":{},"ha');
    const next = createAuditChain({ store: createFileChainStore({ path }) });
    await expect(next.append({ type: 'event', data: {} })).rejects.toThrow(/partial record|damaged/);
  });
});
