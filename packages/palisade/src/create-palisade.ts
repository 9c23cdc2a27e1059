import type { KeyObject } from 'node:crypto';
import {
  type ApprovalService,
  type Approver,
  type ApproverCheck,
  createApprovalGate,
  createApprovalService,
  createMemoryApprovalStore,
} from '@palisade/approval';
import { createOtelRecorder, type OtelRecorderOptions } from '@palisade/audit';
import {
  type ApprovalGate,
  type ApprovalRequest,
  type ApprovalStore,
  type AuditRecorder,
  type CallContext,
  type CallScope,
  type CounterStore,
  type CredentialVerifier,
  createCallScope,
  createMemoryProvenanceStore,
  createMemorySessionStore,
  type Decider,
  type DigestKey,
  type Enforcement,
  type GuardedTool,
  guard,
  type ObligationHandler,
  type ProvenanceStore,
  type RevocationStore,
  type RiskScorer,
  resolveStageDeadlines,
  type SessionStore,
  type StageDeadlines,
  type ToolDefinition,
} from '@palisade/core';
import {
  type AgentIssuer,
  type AgentRegistration,
  type AgentRegistry,
  createAgentIssuer,
  createAgentRegistry,
  createAgentVerifier,
  createMemoryRevocationStore,
  generateSigningKey,
  type SigningKey,
} from '@palisade/identity';
import {
  type BehaviourMonitor,
  createBehaviourMonitor,
  createPolicyEngine,
  type PolicyDocument,
  type PolicyEngine,
  parsePolicy,
} from '@palisade/policy';

/** Local agent identity: this process issues and verifies its agents' tokens. */
export interface LocalIdentityOptions {
  /** The `iss` of the tokens. Defaults to `palisade://<trustDomain>`. */
  readonly issuer?: string | undefined;
  /** The audience the tokens are for. Defaults to `palisade`. */
  readonly audience?: string | undefined;
  /** Signing key; a fresh Ed25519 key is generated when omitted (tokens then die with the process). */
  readonly keys?: SigningKey | readonly SigningKey[] | undefined;
  /** Upper bound of token lifetimes, in seconds. Default 900. */
  readonly maxTtlSeconds?: number | undefined;
  /** Where revocations live; in memory when omitted. Use a shared store with several replicas. */
  readonly revocations?: RevocationStore | undefined;
}

/** Human approval: who may approve, where requests live and how calls wait. */
export interface ApprovalOptions {
  /**
   * How approvers are authenticated and authorised, and which credentials are a person's: a user
   * token verifier with `humans: { issuers, tokenTypes? }` (your identity provider's issuer, never
   * the agent issuer) and `roles`, or a function returning `{ id, roles, human: true }`. Required:
   * there is no open default, and an agent's credential never approves.
   */
  readonly approvers: ApproverCheck;
  /**
   * The key that signs decisions (an Ed25519 private key, or a secret key of at least 32 bytes).
   * Give every process the same key so a decision made in one (the console, the CLI) is consumed
   * in another; without it each process makes its own and other processes' decisions fail closed.
   */
  readonly signingKey?: KeyObject | undefined;
  /** Earlier signing keys whose decisions are still accepted, for rotation. */
  readonly verificationKeys?: readonly KeyObject[] | undefined;
  /**
   * Whether an approver who is part of the request's own chain (its user, say) may approve it.
   * Default `false`; a function decides per request.
   */
  readonly allowSelfApproval?:
    | boolean
    | ((request: ApprovalRequest, approver: Approver) => boolean)
    | undefined;
  /** In memory when omitted; use the SQLite, Postgres or Redis store to survive restarts. */
  readonly store?: ApprovalStore | undefined;
  /** `interrupt` (default) ends the call with `ApprovalRequiredError`; `wait` blocks until decided. */
  readonly mode?: 'wait' | 'interrupt' | undefined;
  /** Wait mode: how long a call waits before it is denied. */
  readonly timeoutMs?: number | undefined;
  /** Lifetime of an approval request, in milliseconds. */
  readonly ttlMs?: number | undefined;
}

/** Options of `createPalisade()`. */
export interface PalisadeOptions {
  /** Agent ids are `spiffe://<trustDomain>/agent/<name>`. */
  readonly trustDomain: string;
  /** The policy: YAML or JSON text, a parsed document, or any `Decider`. */
  readonly policy: string | PolicyDocument | Decider;
  /** Agents to register; only registered, active agents get tokens. */
  readonly agents?: readonly AgentRegistration[] | undefined;
  /**
   * Identity: local issuance and verification (the default), or `{ verifier }` to accept tokens
   * verified elsewhere (a remote JWKS, say).
   */
  readonly identity?: LocalIdentityOptions | { readonly verifier: CredentialVerifier } | undefined;
  /**
   * Human approval. Without it every `approve` decision is a deny (fail closed); pass an
   * `ApprovalGate` to bring your own.
   */
  readonly approvals?: ApprovalOptions | ApprovalGate | undefined;
  /** Audit recorder options, or a recorder of your own. Defaults to OpenTelemetry spans only. */
  readonly audit?: OtelRecorderOptions | AuditRecorder | undefined;
  /** Session labels; in memory when omitted. */
  readonly sessions?: SessionStore | undefined;
  /** Where the values tool outputs carried are remembered per session; in memory (bounded) when omitted. */
  readonly provenance?: ProvenanceStore | undefined;
  /** Where the policy's limit counters live; in memory when omitted. Share one across replicas. */
  readonly counters?: CounterStore | undefined;
  /**
   * The behaviour monitor that learns each agent's baseline from every decision and scores requests
   * (`context.risk`) against it. One with default settings when omitted; `false` for none. It is fed
   * through the audit recorder, so it only learns when `audit` is recorder options, not a recorder.
   */
  readonly monitor?: BehaviourMonitor | false | undefined;
  /** Scores requests; defaults to the behaviour monitor. */
  readonly riskScorer?: RiskScorer | undefined;
  readonly obligations?: Readonly<Record<string, ObligationHandler>> | undefined;
  /**
   * Milliseconds each awaited stage of the loop may take, by stage (`verify`, `context`, `enrich`,
   * `decide`, `approve`, `obligation`, `intent`, `record`); unset stages keep core's
   * `DEFAULT_STAGE_DEADLINES`. A missed deadline refuses the call (`ERR_STAGE_TIMEOUT`).
   */
  readonly deadlines?: Readonly<Partial<StageDeadlines>> | undefined;
  /**
   * The per-deployment key of the digests that leave the process (`createDigestKey(secret)` of
   * `@palisade/core`, the same secret on every replica): input digests in spans and the audit
   * chain, and approval digests, unless `audit` or the approval options name their own. Without
   * it, audit digests use a random key per process and approval digests a key derived from the
   * approval signing key.
   */
  readonly digestKey?: DigestKey | undefined;
  /** Epoch milliseconds; injectable for tests. */
  readonly now?: (() => number) | undefined;
}

/** A configured Palisade: the enforcement loop's parts, plus ways to use them. */
export interface Palisade extends Enforcement {
  readonly scope: CallScope;
  readonly sessions: SessionStore;
  readonly provenance: ProvenanceStore;
  /** The registry of agents allowed to hold tokens. */
  readonly registry: AgentRegistry;
  /** Issues agent tokens; absent when tokens are verified against an external issuer. */
  readonly identity: AgentIssuer | undefined;
  /** The approval service reviewers decide through; absent without approval options. */
  readonly approvalService: ApprovalService | undefined;
  /** The policy engine, when the policy was given as text or a document. */
  readonly policy: PolicyEngine | undefined;
  /** The behaviour monitor, unless disabled. */
  readonly monitor: BehaviourMonitor | undefined;
  /** Wraps a tool in the enforcement loop. */
  guard<Input, Output>(tool: ToolDefinition<Input, Output>): GuardedTool<Input, Output>;
  /** Runs `fn` with `context` available to every guarded call inside it. */
  run<T>(context: CallContext, fn: () => T): T;
  /** Stops timers held by the approval service. */
  close(): void;
}

/**
 * Wires identity, policy, approval and audit into one enforcement loop with safe defaults: local
 * Ed25519 agent tokens, a default-deny policy, OpenTelemetry spans, in-memory sessions, and no
 * approval gate unless configured (so `approve` means deny).
 *
 * @example
 * ```ts
 * const palisade = await createPalisade({
 *   trustDomain: 'acme.example',
 *   policy: await readFile('palisade.policy.yaml', 'utf8'),
 *   agents: [{ name: 'support-bot', owner: 'team-support', purpose: 'Answer tickets', tools: ['get_ticket'] }],
 * });
 * const token = await palisade.identity!.issue({ agent: 'support-bot', user: { id: 'alice', roles: ['support'] } });
 * await palisade.run({ credential: token }, () => getTicket.call({ id: 'T-1' }));
 * ```
 */
export async function createPalisade(options: PalisadeOptions): Promise<Palisade> {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createPalisade(): options are required');
  if (typeof options.trustDomain !== 'string' || options.trustDomain === '') {
    throw new TypeError('createPalisade(): trustDomain is required');
  }
  const now = options.now ?? Date.now;
  // Checked here, once, so a bad deadline fails at start-up rather than at the first call.
  const deadlines = resolveStageDeadlines(options.deadlines, 'createPalisade(): deadlines');
  const policy = resolvePolicy(options.policy, options.counters, now);
  const decider: Decider = policy ?? (options.policy as Decider);
  const registry = createAgentRegistry({
    trustDomain: options.trustDomain,
    agents: options.agents ?? [],
    now,
  });

  let verifier: CredentialVerifier;
  let identity: AgentIssuer | undefined;
  if (options.identity && 'verifier' in options.identity) {
    verifier = options.identity.verifier;
  } else {
    const local = options.identity ?? {};
    const issuer = local.issuer ?? `palisade://${options.trustDomain}`;
    const audience = local.audience ?? 'palisade';
    const revocations = local.revocations ?? createMemoryRevocationStore();
    identity = createAgentIssuer({
      issuer,
      audience,
      trustDomain: options.trustDomain,
      keys: local.keys ?? (await generateSigningKey({ alg: 'EdDSA' })),
      registry,
      revocations,
      maxTtlSeconds: local.maxTtlSeconds,
      now,
    });
    verifier = createAgentVerifier({
      issuer,
      audience,
      keys: identity.keyRing,
      revocations,
      registry,
      trustDomain: options.trustDomain,
    });
  }

  let approvals: ApprovalGate | undefined;
  let approvalService: ApprovalService | undefined;
  if (options.approvals && 'authorize' in options.approvals) {
    approvals = options.approvals;
  } else if (options.approvals) {
    const settings = options.approvals;
    approvalService = createApprovalService({
      store: settings.store ?? createMemoryApprovalStore(),
      approvers: settings.approvers,
      signingKey: settings.signingKey,
      verificationKeys: settings.verificationKeys,
      allowSelfApproval: settings.allowSelfApproval,
      digestKey: options.digestKey,
      now,
    });
    approvals = createApprovalGate({
      service: approvalService,
      mode: settings.mode ?? 'interrupt',
      timeoutMs: settings.timeoutMs,
      ttlMs: settings.ttlMs,
    });
  }

  const monitor = options.monitor === false ? undefined : (options.monitor ?? createBehaviourMonitor());
  let recorder: AuditRecorder;
  if (options.audit && 'record' in options.audit) {
    recorder = options.audit;
  } else {
    const auditOptions = options.audit ?? {};
    recorder = createOtelRecorder({
      ...auditOptions,
      digestKey: auditOptions.digestKey ?? options.digestKey,
      observers: [...(auditOptions.observers ?? []), ...(monitor ? [monitor] : [])],
    });
  }
  const scope = createCallScope();
  const sessions = options.sessions ?? createMemorySessionStore();
  const provenance = options.provenance ?? createMemoryProvenanceStore();

  const enforcement: Enforcement = {
    verifier,
    decider,
    recorder,
    approvals,
    sessions,
    provenance,
    scope,
    riskScorer: options.riskScorer ?? monitor,
    // The policy's own obligations (limits) first; handlers given here may add to or replace them.
    obligations: { ...policy?.obligationHandlers(), ...options.obligations },
    deadlines,
    now,
  };

  return Object.freeze({
    ...enforcement,
    scope,
    sessions,
    provenance,
    registry,
    identity,
    approvalService,
    policy,
    monitor,
    guard: <Input, Output>(tool: ToolDefinition<Input, Output>) => guard(tool, enforcement),
    run: <T>(context: CallContext, fn: () => T) => scope.run(context, fn),
    close: () => approvalService?.close(),
  });
}

/** Builds the engine for policy text or a document; a `Decider` given as is stays as it is. */
function resolvePolicy(
  policy: PalisadeOptions['policy'],
  counters: CounterStore | undefined,
  now: () => number,
): PolicyEngine | undefined {
  if (typeof policy === 'string') return createPolicyEngine({ policy: parsePolicy(policy), counters, now });
  if (typeof policy === 'object' && policy !== null) {
    if (typeof (policy as Decider).decide === 'function') {
      // A policy engine built elsewhere keeps its obligations (limits); any other Decider has none.
      return typeof (policy as PolicyEngine).obligationHandlers === 'function'
        ? (policy as PolicyEngine)
        : undefined;
    }
    return createPolicyEngine({ policy: policy as PolicyDocument, counters, now });
  }
  throw new TypeError('createPalisade(): policy must be policy text, a policy document or a Decider');
}
