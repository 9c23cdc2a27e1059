import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import {
  type ApprovalService,
  createApprovalGate,
  createApprovalService,
  createMemoryApprovalStore,
} from '@palisade/approval';
import {
  type CallRecord,
  createMemoryRecorder,
  createMemorySessionStore,
  type Enforcement,
  type MemoryRecorder,
} from '@palisade/core';
import {
  createAgentIssuer,
  createAgentRegistry,
  createAgentVerifier,
  generateSigningKey,
} from '@palisade/identity';
import { createPolicyEngine, definePolicy } from '@palisade/policy';
import { withAuthInfo } from '../with-auth-info.js';

export const SUPPORT_AGENT = 'spiffe://acme.test/agent/support-bot';

/** The policy of the MCP tests: a read, a forbidden write, a refund limit and a taint step-up. */
export const POLICY = definePolicy({
  name: 'mcp-tests',
  tools: {
    get_ticket: { effect: 'read', target: 'helpdesk', trust: 'untrusted' },
    close_ticket: { effect: 'write', target: 'helpdesk' },
    refund: { effect: 'write', target: 'payments' },
    send_email: { effect: 'send', target: 'mail' },
    customer_notes: { effect: 'read', kind: 'retrieval', target: 'crm' },
    ticket_file: { effect: 'read', kind: 'retrieval', target: 'helpdesk', trust: 'untrusted' },
    payroll: { effect: 'read', kind: 'retrieval', target: 'hr' },
    internal_memo: { effect: 'read', kind: 'retrieval', target: 'crm' },
    reply_prompt: { effect: 'read', kind: 'retrieval', target: 'helpdesk' },
    admin_prompt: { effect: 'read', kind: 'retrieval', target: 'helpdesk' },
  },
  rules: [
    {
      id: 'read-tickets',
      effect: 'allow',
      tools: ['get_ticket'],
      agents: [SUPPORT_AGENT],
      roles: ['support'],
    },
    {
      id: 'no-closing',
      effect: 'deny',
      tools: ['close_ticket'],
      reason: 'support agents may not close tickets',
    },
    {
      id: 'refunds',
      effect: 'allow',
      tools: ['refund'],
      agents: [SUPPORT_AGENT],
      roles: ['support'],
      approval: 'none',
    },
    {
      id: 'large-refunds',
      effect: 'approve',
      tools: ['refund'],
      when: { 'input.amount': { gt: 100 } },
      reason: 'refunds over 100 need a human',
    },
    {
      id: 'mail',
      effect: 'allow',
      tools: ['send_email'],
      agents: [SUPPORT_AGENT],
      roles: ['support'],
      approval: 'none',
    },
    {
      id: 'support-reads-content',
      effect: 'allow',
      tools: ['customer_notes', 'ticket_file', 'payroll', 'reply_prompt'],
      agents: [SUPPORT_AGENT],
      roles: ['support'],
    },
    {
      id: 'no-vip-files',
      effect: 'deny',
      tools: ['ticket_file'],
      when: { 'input.variables.id': { eq: 'T-VIP' } },
      reason: 'VIP ticket files are off limits',
    },
    {
      id: 'payroll-needs-a-human',
      effect: 'approve',
      tools: ['payroll'],
      reason: 'payroll needs a human',
    },
    {
      id: 'tainted-mail',
      effect: 'approve',
      tools: ['send_email'],
      when: { 'context.labels': { contains: 'tainted' } },
      reason: 'mail after reading untrusted content needs a human',
    },
  ],
});

const ISSUER = 'https://identity.acme.test';
const AUDIENCE = 'support-mcp';

export interface TestPalisade {
  readonly enforcement: Enforcement;
  readonly recorder: MemoryRecorder;
  readonly service: ApprovalService;
  /** Tokens minted by the real issuer: the support agent acting for alice, and bob's console. */
  readonly tokens: { readonly agent: string; readonly reviewer: string };
  /** Records bob's decision on a pending request. */
  review(approvalId: string, approve: boolean, reason?: string): Promise<void>;
}

/**
 * The enforcement loop on the real parts: agent tokens from `@palisade/identity`, the policy engine,
 * the approval service in interrupt mode, a memory recorder and session store.
 */
export async function createTestPalisade(overrides: Partial<Enforcement> = {}): Promise<TestPalisade> {
  const registry = createAgentRegistry({ trustDomain: 'acme.test' });
  registry.register({
    name: 'support-bot',
    owner: 'support',
    purpose: 'Answers tickets',
    // The registry bounds every call (scopes name tools): the tests' tools, denied ones included.
    tools: [
      'get_ticket',
      'close_ticket',
      'refund',
      'send_email',
      'search',
      'purge',
      'publish',
      'mystery',
      'x',
      'customer_notes',
      'internal_memo',
      'payroll',
      'ticket_file',
      'reply_prompt',
      'admin_prompt',
    ],
  });
  registry.register({ name: 'console', owner: 'support', purpose: 'Approval console', tools: ['approvals'] });
  const issuer = createAgentIssuer({
    issuer: ISSUER,
    audience: AUDIENCE,
    trustDomain: 'acme.test',
    keys: await generateSigningKey({ kid: 'mcp-test' }),
    registry,
  });
  const verifier = createAgentVerifier({ issuer: ISSUER, audience: AUDIENCE, keys: issuer });
  const tokens = {
    agent: await issuer.issue({ agent: 'support-bot', user: { id: 'alice', roles: ['support'] } }),
    // A person's token from the identity provider (see `reviewerApprovers`), never an agent token.
    reviewer: 'bob-reviewer-token',
  };
  const recorder = createMemoryRecorder();
  const service = createApprovalService({
    store: createMemoryApprovalStore(),
    approvers: reviewerApprovers(),
  });
  const enforcement: Enforcement = {
    verifier,
    decider: createPolicyEngine({ policy: POLICY }),
    recorder,
    approvals: createApprovalGate({ service, mode: 'interrupt' }),
    sessions: createMemorySessionStore(),
    ...overrides,
  };
  return {
    enforcement,
    recorder,
    service,
    tokens,
    async review(approvalId, approve, reason) {
      await service.decide({ approvalId, approve, approverCredential: tokens.reviewer, reason });
    },
  };
}

/**
 * Connects a client to `server` in memory; the server sees `token` as the caller's bearer token and
 * `sessionId` (default `session-1`) as the transport's session.
 */
export async function connect(
  server: McpServer,
  options: { token?: string | undefined; sessionId?: string | undefined; client?: Client | undefined } = {},
): Promise<Client> {
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  serverTransport.sessionId = options.sessionId ?? 'session-1';
  const token = options.token;
  await server.connect(
    token === undefined
      ? serverTransport
      : withAuthInfo(serverTransport, { token, clientId: 'test-client', scopes: [] }),
  );
  const client = options.client ?? new Client({ name: 'test-client', version: '1.0.0' });
  await client.connect(clientTransport);
  return client;
}

/** The decisions of the recorded calls, in order: `effect:tool`, or `none:tool` when none was reached. */
export function decisions(records: readonly CallRecord[]): string[] {
  return records.map((record) => `${record.decision?.effect ?? 'none'}:${record.call.name}`);
}

/** The issuer of reviewers' user tokens in tests (an identity provider, not the agent issuer). */
export const REVIEWER_ISSUER = 'https://login.acme.test';

/** The approver check of the tests: reviewers' user tokens of `REVIEWER_ISSUER`, people only. */
export function reviewerApprovers() {
  return {
    verifier: {
      async verify(token: string) {
        if (token !== 'bob-reviewer-token') throw new Error('unknown reviewer token');
        return { id: 'bob', roles: ['approver'], claims: { iss: REVIEWER_ISSUER, sub: 'bob' } };
      },
    },
    humans: { issuers: [REVIEWER_ISSUER] },
    roles: ['approver'],
  };
}
