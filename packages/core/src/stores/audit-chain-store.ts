import { PalisadeError } from '../errors.js';

/** The last link of an audit chain. */
export interface AuditChainHead {
  /** Sequence number of the last record (the first record is 0). */
  readonly sequence: number;
  /** Its hash (SHA-256, lowercase hex). */
  readonly hash: string;
}

/** One linked record as a store keeps it: its place, its hash, and its exact canonical text. */
export interface AuditChainLine {
  readonly sequence: number;
  readonly hash: string;
  /** The record's type (`intent`, `result`, `event`, `checkpoint`). */
  readonly type: string;
  /** The record's idempotency key, when it has one. */
  readonly key?: string | undefined;
  /** The record as canonical JSON (RFC 8785), hash included; what a verifier reads back. */
  readonly line: string;
}

/** What a store knows when a writer opens it. */
export interface AuditChainState {
  readonly head: AuditChainHead | undefined;
  /** Idempotency keys of the most recent records, oldest first. */
  readonly recentKeys: readonly string[];
}

/**
 * Where a hash-chained audit log is kept: a JSON-lines file (`@palisade/audit`) or a database
 * (`@palisade/store-postgres`). The store holds lines; linking, hashing, signing and verification
 * happen in `@palisade/audit`, so every store is verified by the same code.
 */
export interface AuditChainStore {
  /**
   * Reads the head and the most recent idempotency keys. Called before the first append and again
   * after an `AuditChainConflictError`.
   */
  open(options: { readonly recentKeys: number }): Promise<AuditChainState>;
  /**
   * Appends linked lines, in order, all or none. `lines[0].sequence` must follow the stored head: a
   * store shared by several writers rejects with `AuditChainConflictError` (and writes nothing) when
   * another writer appended first. With `durable`, resolves only once the lines survive a crash
   * (fsync, commit).
   */
  append(lines: readonly AuditChainLine[], options: { readonly durable: boolean }): Promise<void>;
  /** Every stored line in storage order, unsorted and unparsed, so a verifier sees what is there. */
  read(): AsyncIterable<string>;
  /**
   * Keeps a signed checkpoint line apart from the record stream too, so that cutting records off
   * the end of the log (checkpoints included) is still detected.
   */
  anchor(line: string): Promise<void>;
  /** Every anchored checkpoint line, oldest first. */
  anchors(): AsyncIterable<string>;
  close(): Promise<void>;
}

/**
 * Another writer appended to a shared audit chain first; the writer re-reads the head and links its
 * records again.
 *
 * @example
 * ```ts
 * if (AuditChainConflictError.isInstance(error)) state = await store.open({ recentKeys: 0 });
 * ```
 */
export class AuditChainConflictError extends PalisadeError {
  static override readonly kind: string = 'AuditChainConflictError';
  override readonly code: string = 'ERR_AUDIT_CHAIN_CONFLICT';
  /** The sequence number that was already taken. */
  readonly sequence: number;

  constructor(sequence: number, options?: { cause?: unknown }) {
    super(`Audit chain sequence ${sequence} was already written by another writer`, options);
    this.sequence = sequence;
  }
}
