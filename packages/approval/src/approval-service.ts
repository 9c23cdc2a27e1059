import { hkdfSync, type KeyObject, randomUUID } from 'node:crypto';
import {
  ACTION_KINDS,
  type ApprovalConsumeFailure,
  type ApprovalProposal,
  type ApprovalRequest,
  type ApprovalStatus,
  type ApprovalStore,
  actionDigest,
  canonicalJson,
  createDigestKey,
  type DigestKey,
  EFFECTS,
  type Effect,
  isDigestKey,
  keyedDigest,
  type SignedApprovalDecision,
} from '@palisade/core';
import { EventEmitter } from 'eventemitter3';
import type { Approver, ApproverCheck } from './approver-check.js';
import { ApprovalStateError, ApproverRejectedError } from './errors.js';
import {
  assertApproverCheck,
  authenticateApprover,
  isSelfApproval,
} from './internal/authenticate-approver.js';
import { createDecisionSigner } from './internal/decision-signer.js';

export type { ApprovalProposal } from '@palisade/core';

/** A reviewer's decision as submitted. */
export interface DecideInput {
  readonly approvalId: string;
  readonly approve: boolean;
  /** The approver's credential (a bearer token), checked by the service's `approvers`. */
  readonly approverCredential: string;
  readonly reason?: string | undefined;
}

/** Why an approval could not be used: the store's reasons, or a decision whose signature fails. */
export type ApprovalUseFailure = ApprovalConsumeFailure | 'invalid-decision';

/** The result of `consume`: the consumed request with its verified decision, or why not. */
export type ApprovalUseResult =
  | { readonly ok: true; readonly request: ApprovalRequest; readonly decision: SignedApprovalDecision }
  | {
      readonly ok: false;
      readonly reason: ApprovalUseFailure;
      /** A sentence for logs and callers. */
      readonly message: string;
      readonly request?: ApprovalRequest | undefined;
    };

/** A refused use of an approval, as reported by `approval-reject`. */
export interface ApprovalRejection {
  readonly approvalId: string;
  /** The digest of the call that tried to use the approval. */
  readonly digest: string;
  readonly reason: ApprovalUseFailure;
  readonly message: string;
  /** The stored request, when there is one. */
  readonly request?: ApprovalRequest | undefined;
}

/**
 * Events of an approval service (eventemitter3). Listeners run synchronously inside the operation
 * that emits; an exception thrown by a listener is reported as `approval-error` and does not
 * change the operation's result.
 */
export interface ApprovalEvents {
  /** A request was proposed and stored. */
  'approval-request': [request: ApprovalRequest];
  /** A decision was recorded. */
  'approval-response': [request: ApprovalRequest, decision: SignedApprovalDecision];
  /** A pending request passed its expiry without a decision. */
  'approval-expire': [request: ApprovalRequest];
  /** A pending request was withdrawn (the waiting call timed out or was aborted). */
  'approval-cancel': [request: ApprovalRequest, reason: string];
  /** An approval was used by the call it covers. */
  'approval-consume': [request: ApprovalRequest];
  /**
   * A call tried to use an approval and was refused (changed payload, replay, expired, denied,
   * unverifiable decision): worth an alert, since a well-behaved agent rarely does this.
   */
  'approval-reject': [rejection: ApprovalRejection];
  /** Something failed outside the caller's view (a listener, an expiry timer). */
  'approval-error': [error: unknown, during: string];
}

/** Options of `createApprovalService`. */
export interface ApprovalServiceOptions {
  readonly store: ApprovalStore;
  /** How approvers are authenticated and authorised. Required: there is no open default. */
  readonly approvers: ApproverCheck;
  /** Lifetime of a request (and of its approval) in ms. Default 15 minutes; at most 30 days. */
  readonly defaultTtlMs?: number | undefined;
  /** Epoch milliseconds; injectable for tests. */
  readonly now?: (() => number) | undefined;
  /**
   * Whether an approver whose identity is part of the requester's chain (its agent, user, or a
   * delegating party) may approve. Default `false`; a function decides per request.
   */
  readonly allowSelfApproval?:
    | boolean
    | ((request: ApprovalRequest, approver: Approver) => boolean)
    | undefined;
  /**
   * Key that signs decisions: an Ed25519 private key, or a secret key (HMAC-SHA-256, >= 32 bytes).
   * Without one, a key pair is generated per service, and approvals decided before a restart can no
   * longer be used after it (they fail closed). Pass a key when approvals must survive restarts or
   * be used by other replicas.
   */
  readonly signingKey?: KeyObject | undefined;
  /** Earlier keys (public Ed25519 or secret) whose decisions are still accepted, for rotation. */
  readonly verificationKeys?: readonly KeyObject[] | undefined;
  /**
   * The key of the digests this service stores and shows (`createDigestKey(secret)` of
   * `@palisade/core`): every digest that leaves the service (the stored request, the decision, the
   * console, `ApprovalRequiredError.digest`, spans) is an HMAC-SHA-256 of the call's
   * `actionDigest()`, so a low-entropy input cannot be recovered from it by hashing guesses.
   * Default: derived from `signingKey` (so replicas sharing the signing key agree), or random when
   * there is no signing key.
   */
  readonly digestKey?: DigestKey | undefined;
  /** Longest accepted decision reason, in characters. Default 2000. */
  readonly maxReasonLength?: number | undefined;
  readonly newId?: (() => string) | undefined;
}

/**
 * Proposes actions for human review, records signed decisions by authorised approvers, and lets
 * the call that was approved consume its approval exactly once.
 */
export interface ApprovalService {
  readonly events: EventEmitter<ApprovalEvents>;
  readonly store: ApprovalStore;
  /** Fingerprint of the key that signs decisions. */
  readonly keyId: string;
  /** Fingerprint (`DigestKey.id`) of the key of the digests this service stores and shows. */
  readonly digestKeyId: string;
  /**
   * The digest this service stores and shows for a call whose `actionDigest()` is given: the keyed
   * digest `consume` compares with the approved one.
   */
  digestOf(actionDigest: string): string;
  /** The service's clock (epoch milliseconds). */
  now(): number;
  propose(proposal: ApprovalProposal): Promise<ApprovalRequest>;
  /**
   * Records a decision. Throws `ApproverRejectedError` when the approver may not decide and
   * `ApprovalStateError` when the request is unknown, already decided or expired.
   */
  decide(input: DecideInput): Promise<SignedApprovalDecision>;
  /**
   * Uses an approval for the call whose `actionDigest()` is `actionDigest` (tool, input, agent,
   * user, audience, session, task of the actual call): single use, atomic across every process
   * sharing the store; the decision's signature is verified.
   */
  consume(approvalId: string, actionDigest: string): Promise<ApprovalUseResult>;
  get(approvalId: string): Promise<ApprovalRequest | undefined>;
  /** Pending requests that have not expired, oldest first (expired ones are closed on the way). */
  listPending(options?: { limit?: number | undefined }): Promise<ApprovalRequest[]>;
  list(query?: {
    status?: ApprovalStatus | undefined;
    limit?: number | undefined;
  }): Promise<ApprovalRequest[]>;
  /** Withdraws a pending request; resolves with it, or `undefined` if it was no longer pending. */
  cancel(approvalId: string, reason: string): Promise<ApprovalRequest | undefined>;
  /** Closes every pending request past its expiry, emitting `approval-expire` for each. */
  sweepExpired(): Promise<ApprovalRequest[]>;
  /**
   * Authenticates `credential` and, given a `request`, checks a role allowed to decide it, without
   * deciding anything. Throws `ApproverRejectedError`. Self-approval is checked by `decide`.
   */
  checkApprover(credential: string, request?: ApprovalRequest | undefined): Promise<Approver>;
  /** True when the decision was signed by this service's key (or an accepted older key). */
  verifyDecision(decision: SignedApprovalDecision): boolean;
  /** Stops the expiry timers. Does not dispose the store. */
  close(): void;
}

const DEFAULT_TTL_MS = 15 * 60_000;
const MAX_TTL_MS = 30 * 24 * 3_600_000;
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Creates an approval service over a store.
 *
 * @example
 * ```ts
 * const service = createApprovalService({
 *   store: createMemoryApprovalStore(),
 *   approvers: { verifier: userTokens, roles: ['approver'] },
 * });
 * service.events.on('approval-request', (request) => notifyReviewers(request));
 * ```
 * @see createApprovalGate
 */
export function createApprovalService(options: ApprovalServiceOptions): ApprovalService {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createApprovalService(): options must be an object');
  }
  const { store, approvers } = options;
  for (const method of ['insert', 'get', 'list', 'decide', 'consume', 'close'] as const) {
    if (typeof store?.[method] !== 'function') {
      throw new TypeError(`createApprovalService(): store must implement ${method}()`);
    }
  }
  assertApproverCheck(approvers);
  const defaultTtlMs = options.defaultTtlMs ?? DEFAULT_TTL_MS;
  assertTtl(defaultTtlMs, 'createApprovalService(): defaultTtlMs');
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw new TypeError('createApprovalService(): now must be a function');
  const allowSelfApproval = options.allowSelfApproval ?? false;
  if (typeof allowSelfApproval !== 'boolean' && typeof allowSelfApproval !== 'function') {
    throw new TypeError('createApprovalService(): allowSelfApproval must be a boolean or a function');
  }
  const maxReasonLength = options.maxReasonLength ?? 2000;
  if (!Number.isInteger(maxReasonLength) || maxReasonLength < 0) {
    throw new TypeError('createApprovalService(): maxReasonLength must be a non-negative integer');
  }
  const newId = options.newId ?? randomUUID;
  const signer = createDecisionSigner(
    options.signingKey,
    options.verificationKeys ?? [],
    'createApprovalService(): signingKey',
  );
  if (options.digestKey !== undefined && !isDigestKey(options.digestKey)) {
    throw new TypeError('createApprovalService(): digestKey must come from createDigestKey()');
  }
  const digestKey = options.digestKey ?? deriveDigestKey(options.signingKey);
  const digestOf = (digest: string): string => keyedDigest(digestKey, digest);
  // Requests proposed before a signing-key rotation carry digests under the key derived from the
  // old signing key; an old key kept in verificationKeys as a private or secret key still binds them.
  const earlierDigestKeys =
    options.digestKey === undefined
      ? (options.verificationKeys ?? [])
          .filter((key) => key.type !== 'public')
          .map((key) => deriveDigestKey(key))
      : [];
  async function storedDigestOf(approvalId: string, actionDigest: string): Promise<string> {
    const current = digestOf(actionDigest);
    if (earlierDigestKeys.length === 0) return current;
    const stored = (await store.get(approvalId))?.digest;
    if (stored === undefined || stored === current) return current;
    for (const key of earlierDigestKeys) {
      const earlier = keyedDigest(key, actionDigest);
      if (earlier === stored) return earlier;
    }
    return current;
  }
  const events = new EventEmitter<ApprovalEvents>();
  const timers = new Map<string, ReturnType<typeof setTimeout>>();

  function emit<K extends keyof ApprovalEvents>(event: K, ...args: ApprovalEvents[K]): void {
    try {
      (events.emit as (event: K, ...args: ApprovalEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      if (event !== 'approval-error') emit('approval-error', error, `a listener of ${event}`);
    }
  }

  function scheduleExpiry(request: ApprovalRequest): void {
    const delay = Math.min(Math.max(0, request.expiresAt - now()), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      timers.delete(request.id);
      expire(request.id).catch((error: unknown) => emit('approval-error', error, `expiry of ${request.id}`));
    }, delay);
    timer.unref?.();
    timers.set(request.id, timer);
  }

  function clearTimer(id: string): void {
    const timer = timers.get(id);
    if (timer !== undefined) clearTimeout(timer);
    timers.delete(id);
  }

  async function expire(id: string): Promise<ApprovalRequest | undefined> {
    const closed = await store.close(id, 'expired', now());
    if (closed) {
      clearTimer(id);
      emit('approval-expire', closed);
    }
    return closed;
  }

  async function propose(proposal: ApprovalProposal): Promise<ApprovalRequest> {
    const request = buildRequest(proposal, { id: newId(), createdAt: now(), defaultTtlMs, digestOf });
    await store.insert(request);
    scheduleExpiry(request);
    emit('approval-request', request);
    return request;
  }

  async function decide(input: DecideInput): Promise<SignedApprovalDecision> {
    if (typeof input !== 'object' || input === null) throw new TypeError('decide(): input must be an object');
    const { approvalId, approve, reason } = input;
    if (typeof approvalId !== 'string' || approvalId === '') {
      throw new TypeError('decide(): approvalId must be a non-empty string');
    }
    if (typeof approve !== 'boolean') throw new TypeError('decide(): approve must be a boolean');
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > maxReasonLength)) {
      throw new TypeError(`decide(): reason must be a string of at most ${maxReasonLength} characters`);
    }
    const request = await store.get(approvalId);
    if (!request) {
      throw new ApprovalStateError(`Approval request ${approvalId} does not exist`, {
        approvalId,
        problem: 'not-found',
      });
    }
    const time = now();
    const approver = await authenticateApprover(approvers, input.approverCredential, request, time);
    if (approve && isSelfApproval(approver, request) && !selfApprovalAllowed(request, approver)) {
      throw new ApproverRejectedError(`Approver "${approver.id}" may not approve a request it is part of`, {
        approvalId,
        rejection: 'self-approval',
      });
    }
    const decision = signer.sign({
      approvalId,
      digest: request.digest,
      approve,
      approver: approver.id,
      approverRoles: approver.roles,
      reason: reason === undefined || reason === '' ? undefined : reason,
      decidedAt: time,
      expiresAt: request.expiresAt,
    });
    const result = await store.decide(approvalId, decision, time);
    if (!result.ok) {
      if (result.reason === 'expired') await expire(approvalId);
      const problem = result.reason;
      const status = result.request?.status;
      throw new ApprovalStateError(
        problem === 'expired'
          ? `Approval request ${approvalId} has expired`
          : problem === 'not-pending'
            ? `Approval request ${approvalId} is already ${status ?? 'closed'}`
            : `Approval request ${approvalId} does not exist`,
        { approvalId, problem },
      );
    }
    if (!approve) clearTimer(approvalId);
    emit('approval-response', result.request, decision);
    return decision;
  }

  function selfApprovalAllowed(request: ApprovalRequest, approver: Approver): boolean {
    if (typeof allowSelfApproval === 'boolean') return allowSelfApproval;
    try {
      return allowSelfApproval(request, approver) === true;
    } catch {
      return false;
    }
  }

  async function consume(approvalId: string, actionDigest: string): Promise<ApprovalUseResult> {
    if (
      typeof approvalId !== 'string' ||
      approvalId === '' ||
      typeof actionDigest !== 'string' ||
      actionDigest === ''
    ) {
      return { ok: false, reason: 'not-found', message: 'No approval id or digest was given' };
    }
    const digest = await storedDigestOf(approvalId, actionDigest);
    const time = now();
    const result = await store.consume(approvalId, digest, time);
    if (!result.ok) {
      if (result.reason === 'expired' && result.request?.status === 'pending') await expire(approvalId);
      return reject({
        approvalId,
        digest,
        reason: result.reason,
        message: useFailureMessage(result.reason, approvalId),
        request: result.request,
      });
    }
    clearTimer(approvalId);
    const { request } = result;
    const decision = request.decision;
    if (
      decision?.approve !== true ||
      decision.approvalId !== approvalId ||
      decision.digest !== digest ||
      decision.digest !== request.digest ||
      decision.expiresAt !== request.expiresAt ||
      time >= decision.expiresAt ||
      !signer.verify(decision)
    ) {
      return reject({
        approvalId,
        digest,
        reason: 'invalid-decision',
        message: useFailureMessage('invalid-decision', approvalId),
        request,
      });
    }
    emit('approval-consume', request);
    return { ok: true, request, decision };
  }

  function reject(rejection: ApprovalRejection): ApprovalUseResult {
    emit('approval-reject', rejection);
    return { ok: false, reason: rejection.reason, message: rejection.message, request: rejection.request };
  }

  async function cancel(approvalId: string, reason: string): Promise<ApprovalRequest | undefined> {
    const closed = await store.close(approvalId, 'cancelled', now());
    if (closed) {
      clearTimer(approvalId);
      emit('approval-cancel', closed, reason);
    }
    return closed;
  }

  async function sweepExpired(): Promise<ApprovalRequest[]> {
    const time = now();
    const pending = await store.list({ status: 'pending' });
    const expired: ApprovalRequest[] = [];
    for (const request of pending) {
      if (time < request.expiresAt) continue;
      const closed = await expire(request.id);
      if (closed) expired.push(closed);
    }
    return expired;
  }

  return {
    events,
    store,
    keyId: signer.keyId,
    digestKeyId: digestKey.id,
    digestOf,
    now: () => now(),
    propose,
    decide,
    consume,
    get: (approvalId) => store.get(approvalId),
    async listPending(listOptions = {}) {
      await sweepExpired();
      const time = now();
      const pending = await store.list({ status: 'pending', limit: listOptions.limit });
      return pending.filter((request) => time < request.expiresAt);
    },
    list: (query = {}) => store.list(query),
    cancel,
    sweepExpired,
    checkApprover: (credential, request) => authenticateApprover(approvers, credential, request, now()),
    verifyDecision: (decision) => signer.verify(decision),
    close() {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}

/**
 * The digest key a service uses without one given: derived (HKDF-SHA-256) from the signing key, so
 * every replica holding the signing key computes the same digests; random without a signing key
 * (decisions then die with the process anyway).
 */
function deriveDigestKey(signingKey: KeyObject | undefined): DigestKey {
  if (signingKey === undefined) return createDigestKey(crypto.getRandomValues(new Uint8Array(32)));
  const material =
    signingKey.type === 'secret' ? signingKey.export() : signingKey.export({ format: 'der', type: 'pkcs8' });
  const derived = hkdfSync('sha256', material, new Uint8Array(0), 'palisade.approval-digest.v1', 32);
  return createDigestKey(new Uint8Array(derived));
}

function useFailureMessage(reason: ApprovalUseFailure, approvalId: string): string {
  switch (reason) {
    case 'not-found':
      return `Approval ${approvalId} does not exist`;
    case 'digest-mismatch':
      return `Approval ${approvalId} covers a different action: the call's tool, input, agent, user, audience, session or task changed`;
    case 'pending':
      return `Approval ${approvalId} has not been decided yet`;
    case 'denied':
      return `Approval ${approvalId} was denied`;
    case 'expired':
      return `Approval ${approvalId} has expired`;
    case 'cancelled':
      return `Approval ${approvalId} was cancelled`;
    case 'already-consumed':
      return `Approval ${approvalId} was already used; an approval covers one call`;
    case 'invalid-decision':
      return `Approval ${approvalId} carries a decision whose signature or binding does not verify`;
  }
}

function buildRequest(
  proposal: ApprovalProposal,
  parts: { id: string; createdAt: number; defaultTtlMs: number; digestOf: (digest: string) => string },
): ApprovalRequest {
  if (typeof proposal !== 'object' || proposal === null)
    throw new TypeError('propose(): proposal must be an object');
  const { tool, agent, user, effect } = proposal;
  if (typeof tool !== 'string' || tool === '')
    throw new TypeError('propose(): tool must be a non-empty string');
  if (!EFFECTS.includes(effect))
    throw new TypeError(`propose(): effect must be one of ${EFFECTS.join(', ')}`);
  const kind = proposal.kind ?? 'tool';
  if (!ACTION_KINDS.includes(kind))
    throw new TypeError(`propose(): kind must be one of ${ACTION_KINDS.join(', ')}`);
  if (typeof agent?.id !== 'string' || agent.id === '')
    throw new TypeError('propose(): agent.id must be a non-empty string');
  if (user !== undefined && (typeof user?.id !== 'string' || user.id === '' || !Array.isArray(user.roles))) {
    throw new TypeError('propose(): user must have an id and roles');
  }
  const ttlMs = proposal.ttlMs ?? parts.defaultTtlMs;
  assertTtl(ttlMs, 'propose(): ttlMs');
  const delegation = proposal.delegation ?? [...(user ? [user.id] : []), agent.id];
  assertStrings(delegation, 'delegation');
  const sideEffects = proposal.sideEffects ?? [defaultSideEffect(effect, proposal.target)];
  assertStrings(sideEffects, 'sideEffects');
  for (const [name, value] of [
    ['target', proposal.target],
    ['callId', proposal.callId],
    ['audience', proposal.audience],
    ['sessionId', proposal.sessionId],
    ['task', proposal.task],
    ['rationale', proposal.rationale],
  ] as const) {
    if (value !== undefined && typeof value !== 'string')
      throw new TypeError(`propose(): ${name} must be a string`);
  }
  // The stored input is exactly what the digest covers: its canonical JSON, parsed back.
  const input: unknown = JSON.parse(canonicalJson(proposal.input));
  const digest = parts.digestOf(
    actionDigest({
      tool,
      input,
      agent: agent.id,
      user: user?.id,
      audience: proposal.audience,
      session: proposal.sessionId,
      task: proposal.task,
    }),
  );
  return stripUndefined<ApprovalRequest>({
    id: parts.id,
    digest,
    status: 'pending',
    createdAt: parts.createdAt,
    expiresAt: parts.createdAt + ttlMs,
    kind,
    tool,
    effect,
    target: proposal.target,
    input,
    callId: proposal.callId ?? randomUUID(),
    audience: proposal.audience,
    sessionId: proposal.sessionId,
    task: proposal.task,
    agent: stripUndefined({ id: agent.id, name: agent.name, instance: agent.instance }),
    user: user && stripUndefined({ id: user.id, roles: [...user.roles], tenant: user.tenant }),
    delegation: [...delegation],
    rationale: proposal.rationale ?? '',
    sideEffects: [...sideEffects],
    policy: proposal.policy && {
      reason: proposal.policy.reason,
      ruleIds: [...proposal.policy.ruleIds],
      policyVersion: proposal.policy.policyVersion,
    },
  });
}

function defaultSideEffect(effect: Effect, target: string | undefined): string {
  const where = target === undefined ? '' : ` on ${target}`;
  switch (effect) {
    case 'read':
      return `reads data${where}`;
    case 'write':
      return `creates or changes data${where}`;
    case 'send':
      return `sends a message${where}`;
    case 'delete':
      return `deletes data${where}`;
    case 'execute':
      return `runs an operation${where}`;
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}

function assertStrings(value: unknown, name: string): void {
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === 'string')) {
    throw new TypeError(`propose(): ${name} must be an array of strings`);
  }
}

function assertTtl(ttl: unknown, name: string): void {
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_MS) {
    throw new TypeError(`${name} must be an integer number of ms in [1, ${MAX_TTL_MS}]`);
  }
}
