import type { ActionKind, Effect } from '../action-request.js';
import type { AgentIdentity, UserIdentity } from '../principal.js';

/**
 * Where an approval request is in its life. `pending` is the only state a decision can leave, and
 * `approved` the only state a consumption can leave: every other state is final.
 */
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired' | 'cancelled' | 'consumed';

/** Every approval status, in life-cycle order. */
export const APPROVAL_STATUSES: readonly ApprovalStatus[] = Object.freeze([
  'pending',
  'approved',
  'denied',
  'expired',
  'cancelled',
  'consumed',
]);

/** The policy decision that asked for a human. */
export interface ApprovalPolicyReference {
  readonly reason: string;
  readonly ruleIds: readonly string[];
  readonly policyVersion: string;
}

/**
 * A reviewer's decision, signed by the approval service and bound to the request's digest, so a
 * decision can neither be forged in the store nor moved onto another action.
 */
export interface SignedApprovalDecision {
  readonly approvalId: string;
  /** The digest the decision covers; equal to the request's digest. */
  readonly digest: string;
  readonly approve: boolean;
  /** Identifier of the authenticated approver. */
  readonly approver: string;
  readonly approverRoles: readonly string[];
  readonly reason?: string | undefined;
  /** Epoch milliseconds. */
  readonly decidedAt: number;
  /** Epoch milliseconds after which the approval cannot be used. */
  readonly expiresAt: number;
  /** `Ed25519` (base64url signature) or `HS256` (HMAC-SHA-256, base64url). */
  readonly algorithm: 'Ed25519' | 'HS256';
  /** Fingerprint of the key that signed. */
  readonly keyId: string;
  readonly signature: string;
}

/**
 * One proposed action waiting for (or past) a human decision: everything a reviewer needs to see,
 * and the digest of (tool, canonical input, agent, user, audience) the decision is bound to.
 *
 * Every field except `status`, `decision` and `consumedAt` is fixed when the request is proposed.
 */
export interface ApprovalRequest {
  readonly id: string;
  /**
   * The keyed digest of the proposed call: HMAC-SHA-256, under the approval service's digest key, of
   * `actionDigest()` of (tool, canonical input, agent, user, audience, session, task). Lowercase hex.
   */
  readonly digest: string;
  readonly status: ApprovalStatus;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  /** Epoch milliseconds after which the request can be neither decided nor consumed. */
  readonly expiresAt: number;
  readonly kind: ActionKind;
  readonly tool: string;
  readonly effect: Effect;
  /** The system the action touches. */
  readonly target?: string | undefined;
  /** The exact input of the proposed call, as JSON. */
  readonly input: unknown;
  readonly callId: string;
  readonly audience?: string | undefined;
  /** The session the call belongs to; the approval cannot be used in another. */
  readonly sessionId?: string | undefined;
  /** The task of the credential that asked; the approval cannot be used for another. */
  readonly task?: string | undefined;
  readonly agent: AgentIdentity;
  readonly user?: UserIdentity | undefined;
  /** The delegation chain, outermost first (user, then each agent). */
  readonly delegation: readonly string[];
  /** Why the agent wants to do this. */
  readonly rationale: string;
  /** Declared side effects, in words a reviewer understands. */
  readonly sideEffects: readonly string[];
  readonly policy?: ApprovalPolicyReference | undefined;
  readonly decision?: SignedApprovalDecision | undefined;
  /** Epoch milliseconds at which the approval was used. */
  readonly consumedAt?: number | undefined;
}

/** What to list. Results are ordered by `createdAt`, oldest first. */
export interface ApprovalListQuery {
  readonly status?: ApprovalStatus | undefined;
  /** At most this many (default: the store's own cap, at least 100). */
  readonly limit?: number | undefined;
}

/** Why a decision could not be recorded. */
export type ApprovalDecideFailure = 'not-found' | 'not-pending' | 'expired';

/** The result of recording a decision: the updated request, or why nothing changed. */
export type ApprovalDecideResult =
  | { readonly ok: true; readonly request: ApprovalRequest }
  | {
      readonly ok: false;
      readonly reason: ApprovalDecideFailure;
      readonly request?: ApprovalRequest | undefined;
    };

/** Why an approval could not be consumed. */
export type ApprovalConsumeFailure =
  | 'not-found'
  | 'digest-mismatch'
  | 'pending'
  | 'denied'
  | 'expired'
  | 'cancelled'
  | 'already-consumed';

/** The result of a consumption: the consumed request, or why it was refused. */
export type ApprovalConsumeResult =
  | { readonly ok: true; readonly request: ApprovalRequest }
  | {
      readonly ok: false;
      readonly reason: ApprovalConsumeFailure;
      readonly request?: ApprovalRequest | undefined;
    };

/**
 * Durable home of approval requests. Every state change is atomic and conditional, so that among
 * any number of concurrent callers (in one process or many replicas) exactly one decision is
 * recorded per request and exactly one consumption succeeds per approval.
 *
 * Implementations: the in-memory and SQLite stores in `@palisade/approval`, and the Postgres and
 * Redis stores in `@palisade/store-postgres` / `@palisade/store-redis`. They all pass one shared
 * contract test suite.
 */
export interface ApprovalStore {
  /** Stores a new `pending` request; rejects if the id exists. */
  insert(request: ApprovalRequest): Promise<void>;
  get(id: string): Promise<ApprovalRequest | undefined>;
  list(query?: ApprovalListQuery): Promise<ApprovalRequest[]>;
  /**
   * Records a decision if, and only if, the request is `pending` and `now < expiresAt`; the status
   * becomes `approved` or `denied` per `decision.approve`.
   */
  decide(id: string, decision: SignedApprovalDecision, now: number): Promise<ApprovalDecideResult>;
  /**
   * Moves an `approved` request to `consumed` if, and only if, its digest equals `digest` and
   * `now < expiresAt`. Single use: of any number of concurrent calls, at most one succeeds.
   */
  consume(id: string, digest: string, now: number): Promise<ApprovalConsumeResult>;
  /**
   * Ends a `pending` request without a decision: `expired` (only once `now >= expiresAt`) or
   * `cancelled`. Resolves with the updated request, or `undefined` when it was not pending (or not
   * yet expired).
   */
  close(id: string, status: 'expired' | 'cancelled', now: number): Promise<ApprovalRequest | undefined>;
  /** Releases connections or file handles the store opened itself. */
  dispose(): Promise<void>;
}

/**
 * Why `request` cannot be consumed with `digest` at `now`, or `undefined` when it can. Stores call
 * it after a conditional update matched nothing, so every store reports the same reason.
 *
 * @example
 * ```ts
 * approvalConsumeFailure(await store.get(id), digest, Date.now()); // 'already-consumed'
 * ```
 */
export function approvalConsumeFailure(
  request: ApprovalRequest | undefined,
  digest: string,
  now: number,
): ApprovalConsumeFailure | undefined {
  if (!request) return 'not-found';
  if (request.digest !== digest) return 'digest-mismatch';
  switch (request.status) {
    case 'consumed':
      return 'already-consumed';
    case 'denied':
      return 'denied';
    case 'cancelled':
      return 'cancelled';
    case 'expired':
      return 'expired';
    default:
      break;
  }
  if (now >= request.expiresAt) return 'expired';
  if (request.status === 'pending') return 'pending';
  return request.status === 'approved' ? undefined : 'not-found';
}

/**
 * Why a decision cannot be recorded on `request` at `now`, or `undefined` when it can.
 *
 * @example
 * ```ts
 * approvalDecideFailure(await store.get(id), Date.now()); // 'not-pending'
 * ```
 */
export function approvalDecideFailure(
  request: ApprovalRequest | undefined,
  now: number,
): ApprovalDecideFailure | undefined {
  if (!request) return 'not-found';
  if (request.status !== 'pending') return 'not-pending';
  if (now >= request.expiresAt) return 'expired';
  return undefined;
}

/**
 * An `ApprovalRequest` split the way SQL and key-value stores keep it: the mutable state in its own
 * fields, the fixed proposal as one JSON text (so the payload is stored byte for byte).
 */
export interface ApprovalRow {
  readonly id: string;
  readonly digest: string;
  readonly status: ApprovalStatus;
  readonly createdAt: number;
  readonly expiresAt: number;
  /** JSON of every field fixed at proposal (tool, input, agent, ...). */
  readonly payload: string;
  /** JSON of the signed decision, or `null`. */
  readonly decision: string | null;
  readonly consumedAt: number | null;
}

/**
 * Splits a request into an `ApprovalRow`.
 *
 * @example
 * ```ts
 * const row = toApprovalRow(request);
 * await sql`insert into approvals values (${row.id}, ${row.digest}, ...)`;
 * ```
 */
export function toApprovalRow(request: ApprovalRequest): ApprovalRow {
  const { id, digest, status, createdAt, expiresAt, decision, consumedAt, ...payload } = request;
  return {
    id,
    digest,
    status,
    createdAt,
    expiresAt,
    payload: JSON.stringify(payload),
    decision: decision === undefined ? null : JSON.stringify(decision),
    consumedAt: consumedAt ?? null,
  };
}

/**
 * Rebuilds a request from an `ApprovalRow`, checking its shape: a damaged row throws a `TypeError`
 * rather than yielding a request that might be trusted.
 *
 * @example
 * ```ts
 * const request = fromApprovalRow(await readRow(id));
 * ```
 */
export function fromApprovalRow(row: ApprovalRow): ApprovalRequest {
  const status = row.status;
  if (
    typeof row.id !== 'string' ||
    typeof row.digest !== 'string' ||
    !APPROVAL_STATUSES.includes(status) ||
    !Number.isFinite(Number(row.createdAt)) ||
    !Number.isFinite(Number(row.expiresAt))
  ) {
    throw new TypeError(`Approval row ${String(row.id)} is damaged`);
  }
  const payload: unknown = JSON.parse(row.payload);
  const decision: unknown = row.decision === null ? undefined : JSON.parse(row.decision);
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new TypeError(`Approval row ${row.id} has a damaged payload`);
  }
  const fields = payload as Record<string, unknown>;
  if (typeof fields.tool !== 'string' || typeof (fields.agent as { id?: unknown } | null)?.id !== 'string') {
    throw new TypeError(`Approval row ${row.id} has a damaged payload`);
  }
  if (decision !== undefined && (typeof decision !== 'object' || decision === null)) {
    throw new TypeError(`Approval row ${row.id} has a damaged decision`);
  }
  const request = {
    ...fields,
    id: row.id,
    digest: row.digest,
    status,
    createdAt: Number(row.createdAt),
    expiresAt: Number(row.expiresAt),
  } as ApprovalRequest & { decision?: SignedApprovalDecision; consumedAt?: number };
  if (decision !== undefined) request.decision = decision as SignedApprovalDecision;
  if (row.consumedAt !== null && row.consumedAt !== undefined) request.consumedAt = Number(row.consumedAt);
  return request;
}
