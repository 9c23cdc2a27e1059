import { type KeyObject, sign } from 'node:crypto';
import { type Tracer, trace } from '@opentelemetry/api';
import {
  AuditChainConflictError,
  type AuditChainHead,
  type AuditChainLine,
  type AuditChainStore,
} from '@palisade/core';
import {
  ATTR_PALISADE_AUDIT_HEAD,
  ATTR_PALISADE_AUDIT_KEY_ID,
  ATTR_PALISADE_AUDIT_SEQUENCE,
  ATTR_PALISADE_AUDIT_SIGNATURE,
  AUDIT_TRACER_NAME,
  SPAN_AUDIT_CHECKPOINT,
} from './attributes.js';
import { AuditChainError } from './audit-chain-error.js';
import {
  checkpointPayload,
  GENESIS_HASH,
  keyIdOf,
  linkRecord,
  toPrivateKey,
  toPublicKey,
} from './internal/chain-record.js';
import { fastCanonicalJson } from './internal/fast-canonical-json.js';
import { AUDIT_VERSION } from './internal/version.js';

/** The kinds of record an audit chain holds. */
export type ChainRecordType = 'intent' | 'result' | 'event' | 'checkpoint';

/** What is handed to `AuditChain.append`. */
export interface ChainEntry {
  readonly type: Exclude<ChainRecordType, 'checkpoint'>;
  /** The record's content; must be JSON (it is hashed in its RFC 8785 canonical form). */
  readonly data: Readonly<Record<string, unknown>>;
  /**
   * Idempotency key: a second entry with a key already in the chain is not appended. A resumed
   * LangGraph node re-runs its tool calls with the same call id; keyed intents record them once.
   */
  readonly key?: string | undefined;
}

/** How an append must be acknowledged. */
export interface AppendOptions {
  /**
   * Write the record now and resolve only once it is durable (fsync'd to the file, committed to the
   * database); every record queued before it is written and synced with it (group commit: one
   * fsync serves every caller waiting). Otherwise the record waits in memory for the next group
   * commit, at most `flushIntervalMillis`, and the promise resolves once it is written.
   */
  readonly durable?: boolean | undefined;
}

/** The outcome of one append. */
export type AppendReceipt =
  | { readonly status: 'appended'; readonly sequence: number; readonly hash: string }
  | { readonly status: 'duplicate'; readonly key: string };

/**
 * An append-only, hash-chained audit log. Appends are queued in call order and written in batches;
 * a write failure makes the chain refuse every later append (a chain with a hole in it is no chain).
 */
export interface AuditChain {
  /** Appends one record; resolves when it is written (and durable, when asked). */
  append(entry: ChainEntry, options?: AppendOptions): Promise<AppendReceipt>;
  /** Resolves once everything appended so far is durable. */
  flush(): Promise<void>;
  /** Writes a signed checkpoint over the current head now (needs a signing key). */
  checkpoint(): Promise<AppendReceipt>;
  /** Flushes, writes a final checkpoint when a key is configured, and closes the store. */
  close(): Promise<void>;
}

/** Options of `createAuditChain`. */
export interface AuditChainOptions {
  /** Where the lines go: `createFileChainStore`, a Postgres store, `createMemoryChainStore`. */
  readonly store: AuditChainStore;
  /** Ed25519 private key (KeyObject or PEM) that signs checkpoints. Without one, no checkpoints. */
  readonly signingKey?: KeyObject | string | undefined;
  /** Records between two signed checkpoints. Defaults to 10,000. */
  readonly checkpointEvery?: number | undefined;
  /** Also checkpoint this often (ms) while records keep coming; 0 turns it off. Defaults to 60,000. */
  readonly checkpointIntervalMillis?: number | undefined;
  /** Records per write; a queue this long is written at once. Defaults to 4,096. */
  readonly maxBatchSize?: number | undefined;
  /**
   * The loss window of records appended without `durable`, in milliseconds. Defaults to 100. They
   * are kept in memory and written, then synced, together: when this much time has passed since
   * the first of them, when `maxBatchSize` are waiting, when a durable record or a checkpoint comes,
   * on `flush()` and `close()`, and when the Node.js event loop empties (`beforeExit`). A crash (or
   * `process.exit()`, or a signal the app does not handle by closing the chain) loses at most the
   * records of the last window. 0 writes every batch at once, without syncing it.
   */
  readonly flushIntervalMillis?: number | undefined;
  /** Idempotency keys remembered for de-duplication. Defaults to 100,000. */
  readonly rememberKeys?: number | undefined;
  /**
   * Tracer on which each checkpoint is also emitted as a `palisade.audit.checkpoint` span, so the
   * collector holds signed anchors out of an attacker's reach. Defaults to the global tracer.
   */
  readonly tracer?: Tracer | undefined;
  /** Epoch milliseconds; injectable for tests. */
  readonly now?: (() => number) | undefined;
}

type Pending =
  | {
      readonly kind: 'record';
      // The entry's type and key, not the entry: its data is already serialised, and holding on to
      // the object tree until the batch is written would only keep it alive for the collector.
      readonly type: ChainEntry['type'];
      readonly key: string | undefined;
      readonly dataJson: string;
      readonly time: number;
      readonly durable: boolean;
      readonly resolve: (receipt: AppendReceipt) => void;
      readonly reject: (error: unknown) => void;
    }
  | {
      readonly kind: 'checkpoint';
      readonly durable: boolean;
      readonly resolve: (receipt: AppendReceipt) => void;
      readonly reject: (error: unknown) => void;
    }
  | {
      readonly kind: 'barrier';
      readonly durable: boolean;
      readonly resolve: (receipt: AppendReceipt) => void;
      readonly reject: (error: unknown) => void;
    };

const ENTRY_TYPES: ReadonlySet<string> = new Set(['intent', 'result', 'event']);

/**
 * Creates a hash-chained, append-only audit log over a store. Each record carries its sequence
 * number, the hash of the record before it and its own hash over its canonical (RFC 8785) form;
 * every `checkpointEvery` records a checkpoint signed with an Ed25519 key seals the chain so far and
 * is anchored apart from it. Appends made while a write is in progress are written together
 * (group commit), so a durable append costs one fsync per batch, not per record.
 *
 * @example
 * ```ts
 * const chain = createAuditChain({ store: createFileChainStore({ path: 'audit.jsonl' }), signingKey });
 * const recorder = createOtelRecorder({ chain, strict: true });
 * // ...
 * await chain.close();
 * ```
 */
export function createAuditChain(options: AuditChainOptions): AuditChain {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createAuditChain(): options must be an object');
  const { store } = options;
  for (const method of ['open', 'append', 'read', 'anchor', 'anchors', 'close'] as const) {
    if (typeof store?.[method] !== 'function') {
      throw new TypeError(
        `createAuditChain(): options.store must be an AuditChainStore (missing ${method}())`,
      );
    }
  }
  const signingKey =
    options.signingKey === undefined
      ? undefined
      : toPrivateKey(options.signingKey, 'createAuditChain(): options.signingKey');
  const keyId = signingKey ? keyIdOf(toPublicKey(signingKey, 'signingKey')) : undefined;
  const every = positiveInteger(options.checkpointEvery, 10_000, 'checkpointEvery');
  const maxBatch = positiveInteger(options.maxBatchSize, 4096, 'maxBatchSize');
  const remember = positiveInteger(options.rememberKeys, 100_000, 'rememberKeys');
  const intervalMs = options.checkpointIntervalMillis ?? 60_000;
  if (!Number.isInteger(intervalMs) || intervalMs < 0) {
    throw new TypeError(
      'createAuditChain(): options.checkpointIntervalMillis must be a non-negative integer',
    );
  }
  const flushIntervalMs = options.flushIntervalMillis ?? 100;
  if (!Number.isInteger(flushIntervalMs) || flushIntervalMs < 0) {
    throw new TypeError('createAuditChain(): options.flushIntervalMillis must be a non-negative integer');
  }
  const now = options.now ?? Date.now;
  const tracer = options.tracer ?? trace.getTracer(AUDIT_TRACER_NAME, AUDIT_VERSION);

  let queue: Pending[] = [];
  let draining: Promise<void> | undefined;
  let failure: AuditChainError | undefined;
  let closing = false;
  let closed: Promise<void> | undefined;
  let head: AuditChainHead | undefined;
  let opened = false;
  // The remembered keys, and the order they came in so the oldest is forgotten first. Evicting
  // through a Map's iterator would be quadratic: V8 leaves deleted entries in place until the
  // table is rebuilt, and `keys().next()` walks over every one of them.
  const keys = new Set<string>();
  let keyOrder: string[] = [];
  let oldestKey = 0;
  let sinceCheckpoint = 0;
  // Pending entries that must be written without waiting for the loss window (durable records,
  // checkpoints, flush barriers), and whether the window of the waiting ones has run out.
  let urgent = 0;
  let flushDue = false;
  let flushTimer: ReturnType<typeof setTimeout> | undefined;

  // When the event loop empties, write what waits; the handler adds work only when there is some,
  // so it does not keep the process alive.
  const host = (globalThis as { process?: ExitHost }).process;
  const onBeforeExit = () => {
    if (queue.length > 0 && !failure) flushDue = true;
    if (queue.length > 0) kick();
  };
  if (flushIntervalMs > 0) host?.on?.('beforeExit', onBeforeExit);

  const timer =
    signingKey && intervalMs > 0
      ? setInterval(() => {
          if (sinceCheckpoint > 0 && !failure && !closing) enqueue('checkpoint').catch(() => undefined);
        }, intervalMs)
      : undefined;
  timer?.unref();

  function remembered(key: string): void {
    if (keys.has(key)) return;
    keys.add(key);
    keyOrder.push(key);
    if (keys.size > remember) {
      keys.delete(keyOrder[oldestKey] as string);
      oldestKey += 1;
      // Drop the forgotten prefix in bulk, so the order array stays within twice `remember`.
      if (oldestKey >= remember) {
        keyOrder = keyOrder.slice(oldestKey);
        oldestKey = 0;
      }
    }
  }

  async function open(): Promise<void> {
    const state = await store.open({ recentKeys: remember });
    head = state.head;
    keys.clear();
    keyOrder = [];
    oldestKey = 0;
    for (const key of state.recentKeys) remembered(key);
    opened = true;
  }

  function enqueue(kind: 'checkpoint' | 'barrier'): Promise<AppendReceipt> {
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      queue.push(
        kind === 'checkpoint'
          ? { kind, durable: true, resolve, reject }
          : { kind, durable: true, resolve, reject },
      );
      urgent += 1;
      kick();
    });
  }

  /** Whether the queue is written now, or waits for the loss window to run out. */
  function writeNow(): boolean {
    return urgent > 0 || flushDue || closing || queue.length >= maxBatch || flushIntervalMs === 0;
  }

  function kick(): void {
    if (draining) return;
    if (!writeNow()) {
      if (flushTimer === undefined && queue.length > 0) {
        flushTimer = setTimeout(() => {
          flushTimer = undefined;
          flushDue = true;
          kick();
        }, flushIntervalMs);
        (flushTimer as { unref?: () => void }).unref?.();
      }
      return;
    }
    if (flushTimer !== undefined) {
      clearTimeout(flushTimer);
      flushTimer = undefined;
    }
    draining = (async () => {
      // Let appends made in the same tick join the batch.
      await undefined;
      while (queue.length > 0 && writeNow()) {
        const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
        queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
        urgent = queue.length === 0 ? 0 : queue.filter((pending) => pending.durable).length;
        flushDue = false;
        await write(batch);
      }
    })().finally(() => {
      draining = undefined;
      if (queue.length > 0) kick();
    });
  }

  function fail(error: unknown, batch: readonly Pending[]): void {
    failure ??= new AuditChainError(
      `The audit chain could not be written and accepts no more records: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
    const rest = queue;
    queue = [];
    for (const pending of [...batch, ...rest]) pending.reject(failure);
  }

  interface Linked {
    lines: AuditChainLine[];
    receipts: Array<[Pending, AppendReceipt]>;
    checkpoints: AuditChainLine[];
    head: AuditChainHead | undefined;
    newKeys: string[];
    sinceCheckpoint: number;
  }

  function link(batch: readonly Pending[]): Linked {
    const linked: Linked = { lines: [], receipts: [], checkpoints: [], head, newKeys: [], sinceCheckpoint };
    const batchKeys = new Set<string>();
    const push = (type: string, key: string | undefined, dataJson: string, time: number): AuditChainLine => {
      const sequence = linked.head ? linked.head.sequence + 1 : 0;
      const prev = linked.head?.hash ?? GENESIS_HASH;
      const { hash, line } = linkRecord({ seq: sequence, prev, type, time, key, dataJson });
      const stored: AuditChainLine = { sequence, hash, type, key, line };
      linked.lines.push(stored);
      linked.head = { sequence, hash };
      return stored;
    };
    const checkpoint = (): AuditChainLine | undefined => {
      if (!signingKey || !keyId || !linked.head) return undefined;
      const upTo = linked.head.sequence;
      const signature = sign(null, checkpointPayload(upTo, linked.head.hash), signingKey).toString(
        'base64url',
      );
      const dataJson = fastCanonicalJson({
        algorithm: 'Ed25519',
        head: linked.head.hash,
        keyId,
        signature,
        upTo,
      });
      const line = push('checkpoint', undefined, dataJson, now());
      linked.checkpoints.push(line);
      linked.sinceCheckpoint = 0;
      return line;
    };
    for (const pending of batch) {
      if (pending.kind === 'barrier') {
        linked.receipts.push([
          pending,
          {
            status: 'appended',
            sequence: linked.head?.sequence ?? -1,
            hash: linked.head?.hash ?? GENESIS_HASH,
          },
        ]);
        continue;
      }
      if (pending.kind === 'checkpoint') {
        const line = checkpoint();
        if (!line) {
          pending.reject(new TypeError('AuditChain.checkpoint(): the chain is empty or has no signing key'));
          continue;
        }
        linked.receipts.push([pending, { status: 'appended', sequence: line.sequence, hash: line.hash }]);
        continue;
      }
      const key = pending.key;
      if (key !== undefined && (keys.has(key) || batchKeys.has(key))) {
        linked.receipts.push([pending, { status: 'duplicate', key }]);
        continue;
      }
      if (key !== undefined) {
        batchKeys.add(key);
        linked.newKeys.push(key);
      }
      const line = push(pending.type, key, pending.dataJson, pending.time);
      linked.receipts.push([pending, { status: 'appended', sequence: line.sequence, hash: line.hash }]);
      linked.sinceCheckpoint += 1;
      if (linked.sinceCheckpoint >= every) checkpoint();
    }
    return linked;
  }

  async function write(batch: readonly Pending[]): Promise<void> {
    if (failure) {
      for (const pending of batch) pending.reject(failure);
      return;
    }
    try {
      if (!opened) await open();
      let linked = link(batch);
      for (let attempt = 0; ; attempt += 1) {
        try {
          // A batch is synced when a caller waits for it, and always once records wait for the loss
          // window: that is what bounds the window.
          const durable =
            flushIntervalMs > 0 || linked.checkpoints.length > 0 || batch.some((pending) => pending.durable);
          if (linked.lines.length > 0 || durable) await store.append(linked.lines, { durable });
          break;
        } catch (error) {
          if (!AuditChainConflictError.isInstance(error) || attempt >= 8) throw error;
          // Another writer got there first: re-read the head and link again.
          await open();
          linked = link(batch);
        }
      }
      head = linked.head;
      sinceCheckpoint = linked.sinceCheckpoint;
      for (const key of linked.newKeys) remembered(key);
      for (const line of linked.checkpoints) {
        await store.anchor(line.line);
        emitCheckpointSpan(line);
      }
      for (const [pending, receipt] of linked.receipts) pending.resolve(receipt);
    } catch (error) {
      fail(error, batch);
    }
  }

  function emitCheckpointSpan(line: AuditChainLine): void {
    const data = (JSON.parse(line.line) as { data: Record<string, string | number> }).data;
    tracer
      .startSpan(SPAN_AUDIT_CHECKPOINT, {
        attributes: {
          [ATTR_PALISADE_AUDIT_SEQUENCE]: line.sequence,
          [ATTR_PALISADE_AUDIT_HEAD]: String(data.head),
          [ATTR_PALISADE_AUDIT_SIGNATURE]: String(data.signature),
          [ATTR_PALISADE_AUDIT_KEY_ID]: String(data.keyId),
          'palisade.audit.up_to': Number(data.upTo),
          'palisade.audit.checkpoint_hash': line.hash,
        },
      })
      .end();
  }

  return {
    append(entry, appendOptions) {
      if (closing) return Promise.reject(new AuditChainError('The audit chain is closed'));
      if (failure) return Promise.reject(failure);
      let dataJson: string;
      try {
        if (typeof entry !== 'object' || entry === null || !ENTRY_TYPES.has(entry.type)) {
          throw new TypeError('AuditChain.append(): entry.type must be intent, result or event');
        }
        if (typeof entry.data !== 'object' || entry.data === null || Array.isArray(entry.data)) {
          throw new TypeError('AuditChain.append(): entry.data must be an object');
        }
        if (entry.key !== undefined && (typeof entry.key !== 'string' || entry.key === '')) {
          throw new TypeError('AuditChain.append(): entry.key must be a non-empty string');
        }
        dataJson = fastCanonicalJson(entry.data);
      } catch (error) {
        return Promise.reject(error);
      }
      const time = now();
      const durable = appendOptions?.durable === true;
      return new Promise((resolve, reject) => {
        queue.push({
          kind: 'record',
          type: entry.type,
          key: entry.key,
          dataJson,
          time,
          durable,
          resolve,
          reject,
        });
        if (durable) urgent += 1;
        kick();
      });
    },
    async flush() {
      if (closed) return closed;
      await enqueue('barrier');
    },
    checkpoint() {
      if (!signingKey)
        return Promise.reject(new TypeError('AuditChain.checkpoint(): no signingKey was configured'));
      if (closing) return Promise.reject(new AuditChainError('The audit chain is closed'));
      return enqueue('checkpoint');
    },
    close() {
      closed ??= (async () => {
        closing = true;
        if (timer) clearInterval(timer);
        host?.off?.('beforeExit', onBeforeExit);
        try {
          if (signingKey && !failure) {
            // Seal what is left so the end of the log is signed too.
            await enqueue('barrier');
            if (sinceCheckpoint > 0) await enqueue('checkpoint');
          } else if (!failure) {
            await enqueue('barrier');
          }
        } finally {
          await draining;
          await store.close();
        }
        if (failure) throw failure;
      })();
      return closed;
    },
  };
}

/** The part of Node's `process` the chain uses, read from `globalThis` so other runtimes need none. */
interface ExitHost {
  on?(event: 'beforeExit', listener: () => void): unknown;
  off?(event: 'beforeExit', listener: () => void): unknown;
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`createAuditChain(): options.${name} must be a positive integer`);
  }
  return value;
}
