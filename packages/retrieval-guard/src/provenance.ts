import type { RetrievedDocument } from './document.js';
import { hmacHex, hmacVerifyHex, sha256Hex } from './internal/web-crypto.js';
import type { WebCryptoKey } from './web-crypto-key.js';

/** What ingestion records in `metadata.provenance`, and retrieval checks. */
export interface ProvenanceRecord {
  /** The source the document came from (a key of the allowlist). */
  readonly source: string;
  /** Hex SHA-256 of `pageContent` at ingestion. */
  readonly sha256: string;
  /** When the document was ingested (ISO 8601). */
  readonly ingestedAt: string;
  /** Hex HMAC-SHA-256 over `source`, `sha256` and `ingestedAt`, when the source has a key. */
  readonly signature?: string | undefined;
}

/** Options of {@link sealDocument}. */
export interface SealOptions {
  readonly source: string;
  /** HMAC-SHA-256 key of the source; the record is signed when given. */
  readonly key?: WebCryptoKey | undefined;
  /** Ingestion time (default: now). */
  readonly ingestedAt?: Date | undefined;
}

function signedText(record: { source: string; sha256: string; ingestedAt: string }): string {
  return `palisade-provenance-v1\n${record.source}\n${record.sha256}\n${record.ingestedAt}`;
}

/**
 * Records a document's provenance at ingestion: its source, the SHA-256 of its content, the time,
 * and (with the source's key) an HMAC signature over them. Returns a copy with
 * `metadata.provenance` set; the retrieval guard checks it with {@link createProvenanceCheck}.
 *
 * @example
 * ```ts
 * const sealed = await sealDocument({ pageContent: 'Refunds take 5 days.', metadata: {} }, { source: 'kb', key });
 * await store.addDocuments([sealed]);
 * ```
 */
export async function sealDocument<D extends RetrievedDocument>(
  document: D,
  options: SealOptions,
): Promise<D> {
  if (typeof document?.pageContent !== 'string')
    throw new TypeError('sealDocument(): document.pageContent must be a string');
  if (typeof options?.source !== 'string' || options.source === '')
    throw new TypeError('sealDocument(): options.source must be a non-empty string');
  const ingestedAt = (options.ingestedAt ?? new Date()).toISOString();
  const sha256 = await sha256Hex(document.pageContent);
  const record: { source: string; sha256: string; ingestedAt: string; signature?: string } = {
    source: options.source,
    sha256,
    ingestedAt,
  };
  if (options.key !== undefined) record.signature = await hmacHex(options.key, signedText(record));
  return { ...document, metadata: { ...document.metadata, provenance: record } };
}

/** How documents of one allowed source are checked. */
export interface SourceRule {
  /** Documents older than this (since ingestion) are withheld. */
  readonly maxAgeMs?: number | undefined;
  /** The source's HMAC key: its documents must carry a valid signature. */
  readonly key?: WebCryptoKey | undefined;
}

/** Options of {@link createProvenanceCheck}. */
export interface ProvenanceCheckOptions {
  /** The allowlist: only documents from these sources pass. */
  readonly sources: Readonly<Record<string, SourceRule>>;
  /** Clock (epoch ms), for tests. */
  readonly now?: (() => number) | undefined;
  /** Tolerated clock skew for ingestion times in the future (default 60 s). */
  readonly clockSkewMs?: number | undefined;
}

/** Why a document failed its provenance check. */
export type ProvenanceFailure = 'missing' | 'source' | 'hash' | 'signature' | 'stale';

/** The outcome of checking one document. */
export type ProvenanceVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: ProvenanceFailure };

/** Checks documents' recorded provenance at retrieval. */
export interface ProvenanceCheck {
  check(document: RetrievedDocument): Promise<ProvenanceVerdict>;
}

/**
 * Creates the provenance and freshness check: a document passes only if it came from an allowed
 * source, its content still hashes to what ingestion recorded, its signature verifies when the
 * source has a key, and it is younger than the source's maximum age.
 *
 * @example
 * ```ts
 * const provenance = createProvenanceCheck({ sources: { kb: { key, maxAgeMs: 30 * 86_400_000 } } });
 * const verdict = await provenance.check(document); // { ok: false, reason: 'hash' } when edited
 * ```
 * @see sealDocument
 */
export function createProvenanceCheck(options: ProvenanceCheckOptions): ProvenanceCheck {
  if (typeof options?.sources !== 'object' || options.sources === null)
    throw new TypeError('createProvenanceCheck(): options.sources must be an object');
  const sources = new Map<string, SourceRule>();
  for (const [source, rule] of Object.entries(options.sources)) {
    if (rule.maxAgeMs !== undefined && !(Number.isFinite(rule.maxAgeMs) && rule.maxAgeMs > 0))
      throw new TypeError(`createProvenanceCheck(): sources.${source}.maxAgeMs must be a positive number`);
    sources.set(source, rule);
  }
  const now = options.now ?? Date.now;
  const skew = options.clockSkewMs ?? 60_000;
  return {
    async check(document) {
      const record = document.metadata?.provenance as Partial<ProvenanceRecord> | undefined;
      if (
        typeof record !== 'object' ||
        record === null ||
        typeof record.source !== 'string' ||
        typeof record.sha256 !== 'string' ||
        typeof record.ingestedAt !== 'string'
      )
        return { ok: false, reason: 'missing' };
      const rule = Object.hasOwn(options.sources, record.source) ? sources.get(record.source) : undefined;
      if (rule === undefined) return { ok: false, reason: 'source' };
      if ((await sha256Hex(document.pageContent)) !== record.sha256) return { ok: false, reason: 'hash' };
      if (rule.key !== undefined) {
        const valid =
          typeof record.signature === 'string' &&
          (await hmacVerifyHex(rule.key, record.signature, signedText(record as ProvenanceRecord)));
        if (!valid) return { ok: false, reason: 'signature' };
      }
      const ingested = Date.parse(record.ingestedAt);
      if (Number.isNaN(ingested) || ingested > now() + skew) return { ok: false, reason: 'stale' };
      if (rule.maxAgeMs !== undefined && now() - ingested > rule.maxAgeMs)
        return { ok: false, reason: 'stale' };
      return { ok: true };
    },
  };
}
