import {
  AuditChainConflictError,
  type AuditChainHead,
  type AuditChainLine,
  type AuditChainStore,
} from '@palisade/core';

/** An in-memory chain store whose lines can be inspected (and, in tests, tampered with). */
export interface MemoryChainStore extends AuditChainStore {
  /** The stored lines, in order. */
  readonly lines: string[];
  /** The anchored checkpoint lines, in order. */
  readonly anchored: string[];
}

/**
 * Creates an audit chain store that keeps its lines in memory: for tests and short-lived tools.
 *
 * @example
 * ```ts
 * const store = createMemoryChainStore();
 * const chain = createAuditChain({ store });
 * ```
 */
export function createMemoryChainStore(): MemoryChainStore {
  const lines: string[] = [];
  const anchored: string[] = [];
  const keys: string[] = [];
  let head: AuditChainHead | undefined;
  return {
    lines,
    anchored,
    async open({ recentKeys }) {
      return { head, recentKeys: recentKeys > 0 ? keys.slice(-recentKeys) : [] };
    },
    async append(batch: readonly AuditChainLine[]) {
      const first = batch[0];
      const next = head ? head.sequence + 1 : 0;
      if (first && first.sequence !== next) throw new AuditChainConflictError(first.sequence);
      for (const line of batch) {
        lines.push(line.line);
        if (line.key !== undefined) keys.push(line.key);
        head = { sequence: line.sequence, hash: line.hash };
      }
    },
    async *read() {
      yield* lines;
    },
    async anchor(line) {
      anchored.push(line);
    },
    async *anchors() {
      yield* anchored;
    },
    async close() {},
  };
}
