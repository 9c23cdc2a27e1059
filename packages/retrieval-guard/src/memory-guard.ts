import type { Principal } from '@palisade/core';
import { MemoryWriteDeniedError } from './errors.js';
import type { Redactor } from './redactor.js';
import { createScreener, type Screener } from './screener.js';

/** An item as LangGraph's `BaseStore` returns it. */
export interface MemoryItem {
  readonly namespace: string[];
  readonly key: string;
  readonly value: Record<string, unknown>;
  readonly createdAt?: Date | undefined;
  readonly updatedAt?: Date | undefined;
}

/**
 * The part of LangGraph's `BaseStore` (`@langchain/langgraph`) the memory guard uses; an
 * `InMemoryStore` or `PostgresStore` satisfies it.
 */
export interface MemoryStoreLike {
  get(namespace: string[], key: string): Promise<MemoryItem | null>;
  put(namespace: string[], key: string, value: Record<string, unknown>): Promise<void>;
  delete(namespace: string[], key: string): Promise<void>;
  search(
    namespacePrefix: string[],
    options?: { filter?: Record<string, unknown>; limit?: number; offset?: number; query?: string },
  ): Promise<MemoryItem[]>;
}

/** Options of {@link createMemoryGuard}. */
export interface MemoryGuardOptions {
  readonly store: MemoryStoreLike;
  /** Screens every string written (default: the built-in rules); a flagged write is refused. */
  readonly screener?: Screener | undefined;
  /** Redacts every string written (e.g. secrets), when given. */
  readonly redactor?: Redactor | undefined;
}

/** One principal's view of guarded memory: its own partition, and the organisation's (read only). */
export interface MemoryView {
  /** Reads from the principal's own partition (tenant, then user). */
  get(namespace: readonly string[], key: string): Promise<MemoryItem | null>;
  /** Writes to the principal's own partition, after screening. */
  put(namespace: readonly string[], key: string, value: Record<string, unknown>): Promise<void>;
  delete(namespace: readonly string[], key: string): Promise<void>;
  search(
    namespacePrefix: readonly string[],
    options?: { limit?: number; offset?: number; query?: string },
  ): Promise<MemoryItem[]>;
  /** Reads the tenant's organisation-level memory; there is no way to write it from here. */
  getShared(namespace: readonly string[], key: string): Promise<MemoryItem | null>;
  searchShared(
    namespacePrefix: readonly string[],
    options?: { limit?: number; offset?: number; query?: string },
  ): Promise<MemoryItem[]>;
}

/** Guarded memory. Created by {@link createMemoryGuard}. */
export interface MemoryGuard {
  /** The view of one verified principal. */
  forPrincipal(principal: Principal): MemoryView;
  /**
   * Writes organisation-level memory for a tenant: the administrative path (an ingestion job, an
   * approved change), never reachable through a user's view. Screened like every write.
   */
  putShared(
    tenant: string,
    namespace: readonly string[],
    key: string,
    value: Record<string, unknown>,
  ): Promise<void>;
}

// LangGraph namespace labels may not contain dots; ids (e-mail addresses) often do.
function label(value: string): string {
  if (typeof value !== 'string' || value === '')
    throw new TypeError('memory guard: namespace labels must be non-empty strings');
  return value.replace(/%/g, '%25').replace(/\./g, '%2E');
}

function labels(namespace: readonly string[]): string[] {
  if (!Array.isArray(namespace)) throw new TypeError('memory guard: namespace must be an array of strings');
  return namespace.map(label);
}

function unlabel(namespace: string[], prefixLength: number): string[] {
  return namespace.slice(prefixLength).map((part) => part.replace(/%2E/g, '.').replace(/%25/g, '%'));
}

function strings(value: unknown, out: string[], depth = 0): void {
  if (depth > 32) throw new TypeError('memory guard: value nested too deeply');
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, out, depth + 1);
  else if (typeof value === 'object' && value !== null)
    for (const item of Object.values(value)) strings(item, out, depth + 1);
}

async function redactValue(value: unknown, redactor: Redactor, depth = 0): Promise<unknown> {
  if (typeof value === 'string') return (await redactor.redact(value)).text;
  if (Array.isArray(value)) return Promise.all(value.map((item) => redactValue(item, redactor, depth + 1)));
  if (typeof value === 'object' && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = await redactValue(item, redactor, depth + 1);
    return copy;
  }
  return value;
}

/**
 * Guards an agent's long-term memory (LangGraph's store interface): every write is screened for
 * injection (memory poisoning) and refused when flagged or when a detector fails; reads and writes
 * are partitioned by tenant and user, so one user's memory never reaches another's session; and
 * organisation-level memory is readable by every user of the tenant but writable only through
 * {@link MemoryGuard.putShared}.
 *
 * @example
 * ```ts
 * const memory = createMemoryGuard({ store: new InMemoryStore() });
 * const mine = memory.forPrincipal(principal);
 * await mine.put(['preferences'], 'language', { value: 'French' });
 * await mine.getShared(['policies'], 'refunds');
 * ```
 */
export function createMemoryGuard(options: MemoryGuardOptions): MemoryGuard {
  const store = options?.store;
  if (
    typeof store?.get !== 'function' ||
    typeof store.put !== 'function' ||
    typeof store.search !== 'function'
  )
    throw new TypeError(
      'createMemoryGuard(): options.store must be a LangGraph BaseStore (get, put, delete, search)',
    );
  const screener = options.screener ?? createScreener();
  const redactor = options.redactor;

  const screenedValue = async (value: Record<string, unknown>): Promise<Record<string, unknown>> => {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new TypeError('memory guard: value must be an object');
    const texts: string[] = [];
    strings(value, texts);
    let results: Awaited<ReturnType<Screener['screen']>>[];
    try {
      results = await Promise.all(texts.map((text) => screener.screen(text)));
    } catch (error) {
      throw new MemoryWriteDeniedError('memory write refused: screening failed', {
        reason: 'detector-error',
        cause: error,
      });
    }
    if (results.some((result) => result.failedDetectors.length > 0))
      throw new MemoryWriteDeniedError('memory write refused: screening failed', {
        reason: 'detector-error',
      });
    if (results.some((result) => result.flagged))
      throw new MemoryWriteDeniedError('memory write refused: the value was screened as an injection', {
        reason: 'injection',
      });
    if (redactor === undefined) return value;
    try {
      return (await redactValue(value, redactor)) as Record<string, unknown>;
    } catch (error) {
      throw new MemoryWriteDeniedError('memory write refused: redaction failed', {
        reason: 'detector-error',
        cause: error,
      });
    }
  };

  const tenantOf = (principal: Principal): string => {
    const claim = principal.claims?.tenant;
    const tenant = principal.user?.tenant ?? (typeof claim === 'string' ? claim : undefined);
    if (tenant === undefined || tenant === '' || (typeof claim === 'string' && claim !== tenant))
      throw new MemoryWriteDeniedError('memory refused: the principal has no (consistent) tenant', {
        reason: 'namespace',
      });
    return tenant;
  };

  return {
    forPrincipal(principal) {
      if (typeof principal?.agent?.id !== 'string')
        throw new TypeError('forPrincipal(): a verified principal is required');
      const tenant = tenantOf(principal);
      // Without a user, the agent's own partition.
      const owner =
        principal.user !== undefined ? ['user', principal.user.id] : ['agent', principal.agent.id];
      const own = ['tenant', label(tenant), owner[0]!, label(owner[1]!)];
      const shared = ['tenant', label(tenant), 'org'];
      const strip = (item: MemoryItem | null, prefix: string[]): MemoryItem | null =>
        item === null ? null : { ...item, namespace: unlabel(item.namespace, prefix.length) };
      return {
        async get(namespace, key) {
          return strip(await store.get([...own, ...labels(namespace)], key), own);
        },
        async put(namespace, key, value) {
          await store.put([...own, ...labels(namespace)], key, await screenedValue(value));
        },
        async delete(namespace, key) {
          await store.delete([...own, ...labels(namespace)], key);
        },
        async search(namespacePrefix, searchOptions) {
          const items = await store.search([...own, ...labels(namespacePrefix)], { ...searchOptions });
          return items.map((item) => strip(item, own)!);
        },
        async getShared(namespace, key) {
          return strip(await store.get([...shared, ...labels(namespace)], key), shared);
        },
        async searchShared(namespacePrefix, searchOptions) {
          const items = await store.search([...shared, ...labels(namespacePrefix)], { ...searchOptions });
          return items.map((item) => strip(item, shared)!);
        },
      };
    },
    async putShared(tenant, namespace, key, value) {
      await store.put(
        ['tenant', label(tenant), 'org', ...labels(namespace)],
        key,
        await screenedValue(value),
      );
    },
  };
}
