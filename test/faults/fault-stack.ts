/**
 * A production-shaped enforcement stack for the fault matrix: real agent tokens (issuer, verifier,
 * optionally a remote JWKS), the policy engine with a limit every call consumes, the approval
 * service with a human reviewer credential, strict audit on a hash chain, a risk scorer, session
 * and provenance stores. Each part can be swapped for a faulty one; the tools count their bodies.
 */
import { createApprovalGate, createApprovalService, createMemoryApprovalStore } from '@palisade/approval';
import { createAuditChain, createMemoryChainStore, createOtelRecorder } from '@palisade/audit';
import {
  ApprovalRequiredError,
  type ApprovalStore,
  type AuditChainStore,
  type CounterStore,
  type CredentialVerifier,
  createMemoryProvenanceStore,
  createMemorySessionStore,
  type Decider,
  type Enforcement,
  type GuardedTool,
  guard,
  type ProvenanceStore,
  type RevocationStore,
  type SessionStore,
} from '@palisade/core';
import {
  createAgentIssuer,
  createAgentRegistry,
  createAgentVerifier,
  createMemoryRevocationStore,
  createRemoteJwks,
  generateSigningKey,
} from '@palisade/identity';
import { createPolicyEngine, createRiskScorer, parsePolicy } from '@palisade/policy';
import { z } from 'zod';

const DOMAIN = 'faults.example';
const ISSUER = `https://${DOMAIN}`;
const AUDIENCE = 'fault-tools';
const REVIEWER_CREDENTIAL = 'human-reviewer-credential';

const POLICY = `
name: fault-matrix
tools:
  read_note: { effect: read, target: notes }
  send_note: { effect: send, target: mail }
  pay: { effect: write, target: payments }
rules:
  - id: reads
    effect: allow
    tools: [read_note]
    agents: ["spiffe://${DOMAIN}/agent/worker"]
    roles: [staff]
  - id: sends
    effect: allow
    tools: [send_note]
    agents: ["spiffe://${DOMAIN}/agent/worker"]
    roles: [staff]
    approval: none
  - id: pays-with-a-human
    effect: allow
    tools: [pay]
    agents: ["spiffe://${DOMAIN}/agent/worker"]
    roles: [staff]
limits:
  - id: calls-per-agent
    per: [agent]
    window: 1h
    max: 1000000
`;

/** The parts a scenario may replace (each defaults to a healthy one). */
export interface StackParts {
  readonly wrapVerifier?: (verifier: CredentialVerifier) => CredentialVerifier;
  /** The fetch a remote JWKS uses; when given, the verifier reads its keys over it. */
  readonly jwksFetch?: (healthy: () => Response) => typeof fetch;
  readonly revocations?: RevocationStore;
  readonly wrapDecider?: (decider: Decider) => Decider;
  readonly counters?: CounterStore;
  readonly approvalStore?: ApprovalStore;
  readonly chainStore?: AuditChainStore;
  readonly risk?: () => number | Promise<number>;
  readonly sessions?: SessionStore;
  readonly provenance?: ProvenanceStore;
  /** Offset of the enforcement clock from the issuer's, in ms. */
  readonly skewMs?: number;
  /** Stage deadlines (ms) for guard(), for the rows where a part stops answering. */
  readonly deadlines?: Readonly<Partial<Record<'verify' | 'decide' | 'obligation' | 'intent', number>>>;
}

/** How one call ended. */
export type Outcome = 'ran' | string;

/** The stack: three guarded tools, a call helper that walks the approval path, and body counts. */
export interface FaultStack {
  readonly bodies: { count: number };
  call(tool: 'read_note' | 'send_note' | 'pay'): Promise<Outcome>;
}

export async function createFaultStack(parts: StackParts = {}): Promise<FaultStack> {
  const registry = createAgentRegistry({ trustDomain: DOMAIN });
  registry.register({
    name: 'worker',
    owner: 'faults',
    purpose: 'fault matrix',
    tools: ['read_note', 'send_note', 'pay'],
  });
  const revocations = parts.revocations ?? createMemoryRevocationStore();
  const issuer = createAgentIssuer({
    issuer: ISSUER,
    audience: AUDIENCE,
    trustDomain: DOMAIN,
    keys: await generateSigningKey(),
    registry,
    revocations,
  });
  const keys = parts.jwksFetch
    ? createRemoteJwks({
        url: 'https://idp.faults.example/.well-known/jwks.json',
        fetch: parts.jwksFetch(() => new Response(JSON.stringify(issuer.jwks()))),
        timeoutMs: 500,
      })
    : issuer;
  const baseVerifier = createAgentVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys,
    registry,
    revocations,
  });
  const verifier = parts.wrapVerifier ? parts.wrapVerifier(baseVerifier) : baseVerifier;
  const engine = createPolicyEngine({
    policy: parsePolicy(POLICY),
    ...(parts.counters ? { counters: parts.counters } : {}),
  });
  const decider = parts.wrapDecider ? parts.wrapDecider(engine) : engine;
  const service = createApprovalService({
    store: parts.approvalStore ?? createMemoryApprovalStore(),
    approvers: (credential) => {
      if (credential !== REVIEWER_CREDENTIAL) throw new Error('unknown reviewer');
      const person = {
        id: 'rita@faults.example',
        roles: ['approver'],
        chain: ['rita@faults.example'],
        human: true,
      };
      return person;
    },
  });
  const chain = createAuditChain({ store: parts.chainStore ?? createMemoryChainStore() });
  const risk = parts.risk;
  const enforcement: Enforcement = {
    verifier,
    decider,
    recorder: createOtelRecorder({ chain, strict: true }),
    approvals: createApprovalGate({ service, mode: 'interrupt' }),
    sessions: parts.sessions ?? createMemorySessionStore(),
    provenance: parts.provenance ?? createMemoryProvenanceStore(),
    riskScorer: createRiskScorer({
      providers: [{ name: 'detector', score: () => (risk ? risk() : 0) }],
      combine: 'max',
    }),
    obligations: engine.obligationHandlers(),
    ...(parts.skewMs === undefined ? {} : { now: () => Date.now() + (parts.skewMs ?? 0) }),
    ...(parts.deadlines === undefined ? {} : { deadlines: parts.deadlines }),
  };
  const bodies = { count: 0 };
  const tools = new Map<string, GuardedTool<{ note: string }, string>>();
  for (const [name, effect, target] of [
    ['read_note', 'read', 'notes'],
    ['send_note', 'send', 'mail'],
    ['pay', 'write', 'payments'],
  ] as const) {
    tools.set(
      name,
      guard(
        {
          name,
          description: name,
          inputSchema: z.object({ note: z.string() }),
          effect,
          target,
          execute: ({ note }) => {
            bodies.count += 1;
            return note;
          },
        },
        enforcement,
      ),
    );
  }
  const credential = await issuer.issue({
    agent: 'worker',
    user: { id: 'uma', roles: ['staff'] },
    ttlSeconds: 300,
  });
  let calls = 0;
  return {
    bodies,
    async call(name) {
      calls += 1;
      const tool = tools.get(name)!;
      const context = { credential, sessionId: 'fault-session', callId: `call-${calls}` };
      try {
        await tool.call({ note: `n${calls}` }, context);
        return 'ran';
      } catch (error) {
        if (!ApprovalRequiredError.isInstance(error)) return codeOf(error);
        const approvalId = (error as ApprovalRequiredError).approvalId;
        try {
          await service.decide({ approvalId, approve: true, approverCredential: REVIEWER_CREDENTIAL });
          await tool.call({ note: `n${calls}` }, { ...context, approvalId });
          return 'ran';
        } catch (second) {
          return codeOf(second);
        }
      }
    },
  };
}

function codeOf(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' ? code : error instanceof Error ? error.name : 'thrown';
}
