import type { Principal, SessionStore } from '@palisade/core';
import type { RetrievedDocument } from './document.js';
import type { Permissions, PreQueryFilter } from './permissions.js';
import type { ProvenanceCheck } from './provenance.js';
import { createRedactor, type Redactor } from './redactor.js';
import { createScreener, type Screener } from './screener.js';
import { spotlight } from './spotlight.js';
import {
  ATTR_AGENT_ID,
  ATTR_DATA_SOURCE_ID,
  ATTR_OPERATION_NAME,
  ATTR_RETRIEVAL_DELIVERED,
  ATTR_RETRIEVAL_FINDINGS,
  ATTR_RETRIEVAL_QUARANTINED,
  ATTR_RETRIEVAL_QUERY,
  ATTR_RETRIEVAL_REDACTED,
  ATTR_RETRIEVAL_RETURNED,
  ATTR_RETRIEVAL_ROUNDS,
  ATTR_RETRIEVAL_WITHHELD,
  ATTR_SESSION_LABELS,
  ATTR_USER_ID,
  SPAN_STATUS_ERROR,
  type SpanAttributeValue,
  type TracerLike,
} from './telemetry.js';

/** What the wrapped retriever is asked for in one round. */
export interface RetrieverRequest {
  /** How many documents to fetch this round (over-fetched so that `k` survive the guard). */
  readonly k: number;
  /** The principal's pre-query filter: pass `filter.memoryVectorStore` or `filter.pgVectorStore` to the store. */
  readonly filter: PreQueryFilter;
  readonly principal: Principal;
  /** 0 for the first fetch, then 1, 2 ... up to `overfetch.maxRounds - 1`. */
  readonly round: number;
  /** Aborted when the retrieval's deadline passes. */
  readonly signal: AbortSignal;
}

/** Any retriever: a function from a query to documents. */
export type RetrieveFunction<D extends RetrievedDocument> = (
  query: string,
  request: RetrieverRequest,
) => Promise<readonly D[]>;

/** What to do with a document the screener flags. */
export type InjectionAction = 'drop' | 'quarantine' | 'spotlight';

/** Counts of what the guard did in one retrieval. */
export interface RetrievalCounts {
  /** Documents the retriever returned, over all rounds (duplicates counted once). */
  readonly fetched: number;
  readonly rounds: number;
  /** Documents withheld, by stage. */
  readonly withheld: {
    readonly permission: number;
    readonly provenance: number;
    readonly injection: number;
    /** A stage failed on the document (a detector threw): withheld, never passed. */
    readonly error: number;
  };
  readonly quarantined: number;
  readonly spotlighted: number;
  /** Delivered documents that had something redacted. */
  readonly redactedDocuments: number;
  /** Values redacted across delivered documents. */
  readonly redactions: number;
  /** Documents delivered to the caller. */
  readonly delivered: number;
}

/** The record of one retrieval: counts and kinds, never document text unless content capture is on. */
export interface RetrievalRecord {
  /** The retriever's name (shaped like `@palisade/audit`'s `RetrievalEvent`). */
  readonly source: string;
  readonly returned: number;
  readonly withheld: number;
  readonly redacted: number;
  /** Kinds found: `injection`, entity types (`email`, `secret`, ...), `provenance`, `permission`. */
  readonly findings: readonly string[];
  /** Labels put on the session (`tainted`). */
  readonly labels: readonly string[];
  readonly agentId: string;
  readonly userId?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly counts: RetrievalCounts;
  readonly outcome: 'ok' | 'error';
  readonly durationMs: number;
  /** The query, only when `captureContent` is on. */
  readonly query?: string | undefined;
}

/** Receives one record per retrieval (audit log, metrics). If it throws, the retrieval fails. */
export interface RetrievalRecorder {
  record(record: RetrievalRecord): void | Promise<void>;
}

/** Options of {@link guardRetriever}. */
export interface GuardRetrieverOptions {
  /** Names the retriever in records and spans. */
  readonly name: string;
  /** Document permissions (required): who may read what. */
  readonly permissions: Permissions;
  /** Provenance and freshness check, or `'unchecked'` to say, visibly, that there is none. */
  readonly provenance: ProvenanceCheck | 'unchecked';
  /** Injection screener (default: the built-in rules at the shipped threshold). */
  readonly screener?: Screener | undefined;
  /** What happens to a flagged document (default `drop`). */
  readonly onInjection?: InjectionAction | undefined;
  /** Redactor (default: every built-in type, masked), or `'off'` to deliver text unredacted. */
  readonly redactor?: Redactor | 'off' | undefined;
  /** Documents wanted when the caller does not say (default 4). */
  readonly k?: number | undefined;
  /** Over-fetching: each round asks for `factor` times more; at most `maxRounds` rounds (defaults 2 and 3). */
  readonly overfetch?:
    | { readonly factor?: number | undefined; readonly maxRounds?: number | undefined }
    | undefined;
  /** Deadline for each call of the wrapped retriever, in ms (default 10 000). */
  readonly timeoutMs?: number | undefined;
  /** Where the `tainted` label goes when spotlighted content is delivered. */
  readonly sessions?: SessionStore | undefined;
  readonly recorder?: RetrievalRecorder | undefined;
  readonly tracer?: TracerLike | undefined;
  /** Put the query on spans and records (off by default; documents are never recorded). */
  readonly captureContent?: boolean | undefined;
}

/** Per-call context of a guarded retrieval. */
export interface RetrievalContext {
  /** The verified principal the retrieval is for. */
  readonly principal: Principal;
  /** Documents wanted (default: the guard's `k`). */
  readonly k?: number | undefined;
  readonly sessionId?: string | undefined;
}

/** What a guarded retrieval delivers. */
export interface GuardedRetrieval<D extends RetrievedDocument> {
  /** Permitted, provenanced, screened, redacted documents (at most `k`), in retriever order. */
  readonly documents: readonly D[];
  /** Documents held back for review (with `onInjection: 'quarantine'`), redacted; not for the model. */
  readonly quarantined: readonly D[];
  /** True when delivered content was flagged (spotlighted) and the session was labelled `tainted`. */
  readonly tainted: boolean;
  readonly counts: RetrievalCounts;
}

/** A retriever behind the guard. */
export interface GuardedRetriever<D extends RetrievedDocument> {
  readonly name: string;
  retrieve(query: string, context: RetrievalContext): Promise<GuardedRetrieval<D>>;
}

const MAX_FETCH = 1000;

type Outcome<D> =
  | { kind: 'keep'; document: D; redactions: number; findings: readonly string[]; spotlighted: boolean }
  | { kind: 'quarantine'; document: D }
  | {
      kind: 'withhold';
      stage: 'permission' | 'provenance' | 'injection' | 'error';
      findings?: readonly string[];
    };

function withText<D extends RetrievedDocument>(document: D, pageContent: string): D {
  // Keep the document's class (a LangChain `Document` stays one).
  const copy = Object.assign(Object.create(Object.getPrototypeOf(document) as object | null) as D, document);
  copy.pageContent = pageContent;
  return copy;
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < 1)
    throw new TypeError(`guardRetriever(): ${name} must be a positive integer`);
  return result;
}

/**
 * Puts the content guard in front of any retriever. Each retrieval runs, in order: the permission
 * filter (user AND agent, tenant isolation; also applied inside the query through the pre-query
 * filter) -> provenance and freshness -> injection screening (drop, quarantine, or spotlight and
 * taint the session) -> redaction -> record (a span and a record with counts, never document text).
 * It over-fetches in a bounded number of rounds so that `k` documents survive. Every stage fails
 * closed: a stage that throws on a document withholds that document; a retriever, session store
 * or recorder that fails fails the whole retrieval.
 *
 * @example
 * ```ts
 * const tickets = guardRetriever(
 *   (query, { k, filter }) => vectorStore.similaritySearch(query, k, filter.memoryVectorStore),
 *   { name: 'tickets', permissions, provenance: 'unchecked', onInjection: 'spotlight', sessions },
 * );
 * const { documents, tainted } = await tickets.retrieve('refund policy', { principal, sessionId: 'chat-42' });
 * ```
 * @see createPermissions
 * @see createScreener
 * @see createRedactor
 */
export function guardRetriever<D extends RetrievedDocument>(
  retrieve: RetrieveFunction<D>,
  options: GuardRetrieverOptions,
): GuardedRetriever<D> {
  if (typeof retrieve !== 'function') throw new TypeError('guardRetriever(): retrieve must be a function');
  if (typeof options?.name !== 'string' || options.name === '')
    throw new TypeError('guardRetriever(): options.name must be a non-empty string');
  if (typeof options.permissions?.canRead !== 'function')
    throw new TypeError('guardRetriever(): options.permissions is required (createPermissions())');
  if (options.provenance !== 'unchecked' && typeof options.provenance?.check !== 'function')
    throw new TypeError("guardRetriever(): options.provenance must be a provenance check or 'unchecked'");
  const action = options.onInjection ?? 'drop';
  if (action !== 'drop' && action !== 'quarantine' && action !== 'spotlight')
    throw new TypeError('guardRetriever(): onInjection must be drop, quarantine or spotlight');
  const defaultK = positiveInteger(options.k, 4, 'k');
  const factor = options.overfetch?.factor ?? 2;
  if (!(factor >= 1 && factor <= 10))
    throw new TypeError('guardRetriever(): overfetch.factor must be in [1, 10]');
  const maxRounds = positiveInteger(options.overfetch?.maxRounds, 3, 'overfetch.maxRounds');
  if (maxRounds > 10) throw new TypeError('guardRetriever(): overfetch.maxRounds must be at most 10');
  const timeoutMs = options.timeoutMs ?? 10_000;
  if (!(timeoutMs > 0)) throw new TypeError('guardRetriever(): timeoutMs must be positive');
  const screener = options.screener ?? createScreener();
  const redactor = options.redactor === 'off' ? undefined : (options.redactor ?? createRedactor());
  const provenance = options.provenance === 'unchecked' ? undefined : options.provenance;
  const { permissions, name } = options;

  const inspect = async (principal: Principal, document: D): Promise<Outcome<D>> => {
    try {
      if (typeof document?.pageContent !== 'string') return { kind: 'withhold', stage: 'error' };
      if (!permissions.canRead(principal, document).allowed) return { kind: 'withhold', stage: 'permission' };
      if (provenance !== undefined && !(await provenance.check(document)).ok)
        return { kind: 'withhold', stage: 'provenance', findings: ['provenance'] };
      const screening = await screener.screen(document.pageContent);
      if (screening.failedDetectors.length > 0) return { kind: 'withhold', stage: 'error' };
      const classification =
        typeof document.metadata.classification === 'string' ? document.metadata.classification : undefined;
      const redaction =
        redactor === undefined ? undefined : await redactor.redact(document.pageContent, { classification });
      const text = redaction?.text ?? document.pageContent;
      const findings = [...new Set(redaction?.findings.map((finding) => finding.type) ?? [])];
      if (screening.flagged) {
        if (action === 'drop') return { kind: 'withhold', stage: 'injection', findings: ['injection'] };
        if (action === 'quarantine') return { kind: 'quarantine', document: withText(document, text) };
        return {
          kind: 'keep',
          document: withText(document, spotlight(text)),
          redactions: redaction?.findings.length ?? 0,
          findings: ['injection', ...findings],
          spotlighted: true,
        };
      }
      return {
        kind: 'keep',
        document: withText(document, text),
        redactions: redaction?.findings.length ?? 0,
        findings,
        spotlighted: false,
      };
    } catch {
      return { kind: 'withhold', stage: 'error' };
    }
  };

  const fetchRound = async (
    query: string,
    request: Omit<RetrieverRequest, 'signal'>,
  ): Promise<readonly D[]> => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`retriever "${name}" missed its ${timeoutMs} ms deadline`));
      }, timeoutMs);
    });
    try {
      const documents = await Promise.race([
        retrieve(query, { ...request, signal: controller.signal }),
        deadline,
      ]);
      if (!Array.isArray(documents)) throw new TypeError(`retriever "${name}" returned no array`);
      return documents;
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    name,
    async retrieve(query, context) {
      if (typeof query !== 'string') throw new TypeError('retrieve(): query must be a string');
      const principal = context?.principal;
      if (typeof principal?.agent?.id !== 'string')
        throw new TypeError('retrieve(): context.principal is required');
      const k = positiveInteger(context.k, defaultK, 'k');
      const started = Date.now();
      const filter = permissions.filterFor(principal);
      const delivered: D[] = [];
      const quarantined: D[] = [];
      const findings = new Set<string>();
      const withheld = { permission: 0, provenance: 0, injection: 0, error: 0 };
      let fetched = 0;
      let rounds = 0;
      let spotlighted = 0;
      let redactedDocuments = 0;
      let redactions = 0;
      let failure: unknown;
      let labels: string[] = [];
      try {
        // Stores return new objects each round: a document is the same one when its id, or
        // without an id its text, is.
        const seen = new Set<string>();
        let fetchK = Math.min(MAX_FETCH, k * factor);
        while (filter.readable && rounds < maxRounds && delivered.length < k) {
          const batch = await fetchRound(query, { k: fetchK, filter, principal, round: rounds });
          rounds += 1;
          const fresh = batch.filter((document) => {
            const key =
              typeof document?.id === 'string' ? `id:${document.id}` : `text:${document?.pageContent}`;
            if (seen.has(key)) return false;
            seen.add(key);
            return true;
          });
          fetched += fresh.length;
          const outcomes = await Promise.all(fresh.map((document) => inspect(principal, document)));
          for (const outcome of outcomes) {
            if (outcome.kind === 'withhold') {
              withheld[outcome.stage] += 1;
              for (const finding of outcome.findings ?? []) findings.add(finding);
              if (outcome.stage === 'permission') findings.add('permission');
            } else if (outcome.kind === 'quarantine') {
              quarantined.push(outcome.document);
              findings.add('injection');
            } else if (delivered.length < k) {
              delivered.push(outcome.document);
              for (const finding of outcome.findings) findings.add(finding);
              if (outcome.spotlighted) spotlighted += 1;
              if (outcome.redactions > 0) {
                redactedDocuments += 1;
                redactions += outcome.redactions;
              }
            }
          }
          // A short batch means the store has nothing more to give.
          if (batch.length < fetchK || fetchK >= MAX_FETCH) break;
          fetchK = Math.min(MAX_FETCH, Math.ceil(fetchK * factor));
        }
        if (spotlighted > 0) {
          labels = ['tainted'];
          if (options.sessions !== undefined && context.sessionId !== undefined)
            await options.sessions.addLabels(context.sessionId, labels);
        }
      } catch (error) {
        failure = error;
      }

      const counts: RetrievalCounts = {
        fetched,
        rounds,
        withheld,
        quarantined: quarantined.length,
        spotlighted,
        redactedDocuments,
        redactions,
        delivered: failure === undefined ? delivered.length : 0,
      };
      const totalWithheld =
        withheld.permission + withheld.provenance + withheld.injection + withheld.error + quarantined.length;
      const record: RetrievalRecord = {
        source: name,
        returned: fetched,
        withheld: totalWithheld,
        redacted: redactedDocuments,
        findings: [...findings].sort(),
        labels,
        agentId: principal.agent.id,
        userId: principal.user?.id,
        sessionId: context.sessionId,
        counts,
        outcome: failure === undefined ? 'ok' : 'error',
        durationMs: Date.now() - started,
        query: options.captureContent === true ? query : undefined,
      };
      if (options.tracer !== undefined) {
        const attributes: Record<string, SpanAttributeValue> = {
          [ATTR_OPERATION_NAME]: 'retrieval',
          [ATTR_DATA_SOURCE_ID]: name,
          [ATTR_RETRIEVAL_RETURNED]: fetched,
          [ATTR_RETRIEVAL_WITHHELD]: totalWithheld,
          [ATTR_RETRIEVAL_REDACTED]: redactedDocuments,
          [ATTR_RETRIEVAL_QUARANTINED]: quarantined.length,
          [ATTR_RETRIEVAL_DELIVERED]: counts.delivered,
          [ATTR_RETRIEVAL_ROUNDS]: rounds,
          [ATTR_RETRIEVAL_FINDINGS]: record.findings as string[],
          [ATTR_SESSION_LABELS]: labels,
          [ATTR_AGENT_ID]: principal.agent.id,
        };
        for (const [stage, count] of Object.entries(withheld))
          attributes[`${ATTR_RETRIEVAL_WITHHELD}.${stage}`] = count;
        if (principal.user !== undefined) attributes[ATTR_USER_ID] = principal.user.id;
        if (options.captureContent === true) attributes[ATTR_RETRIEVAL_QUERY] = query;
        const span = options.tracer.startSpan(`retrieval ${name}`, { attributes });
        if (failure !== undefined) span.setStatus?.({ code: SPAN_STATUS_ERROR, message: 'retrieval failed' });
        span.end();
      }
      await options.recorder?.record(record);
      if (failure !== undefined) throw failure;
      return { documents: delivered, quarantined, tainted: labels.length > 0, counts };
    },
  };
}
