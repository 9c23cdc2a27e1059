import type { ActionRequest, Effect, Principal, RequestContext } from '@palisade/core';

export const SUPPORT_AGENT = 'spiffe://acme.example/agent/support-bot';
export const BILLING_AGENT = 'spiffe://acme.example/agent/billing-bot';

/** Builds a request with sensible defaults for tests. */
export function makeRequest(options: {
  name: string;
  effect?: Effect;
  kind?: ActionRequest['kind'];
  target?: string;
  input?: unknown;
  agent?: string;
  user?: { id: string; roles: string[]; tenant?: string } | null;
  task?: string;
  context?: Partial<RequestContext>;
}): ActionRequest {
  const principal: Principal = {
    agent: { id: options.agent ?? SUPPORT_AGENT },
    user:
      options.user === null ? undefined : (options.user ?? { id: 'alice', roles: ['support'], tenant: 't1' }),
    delegation: [],
    scopes: [],
    task: options.task,
    claims: {},
  };
  return {
    kind: options.kind ?? 'tool',
    name: options.name,
    effect: options.effect ?? 'read',
    target: options.target,
    input: options.input ?? {},
    callId: 'call-1',
    principal,
    context: {
      time: Date.UTC(2026, 10, 2, 10),
      labels: [],
      userMessages: [],
      attributes: {},
      ...options.context,
    },
  };
}

/** The support scenario policy, in YAML. */
export const SUPPORT_POLICY = `
name: support
tools:
  get_ticket: { effect: read, target: helpdesk, trust: untrusted }
  update_crm: { effect: write, target: crm, sensitivity: high }
  send_email: { effect: send, target: mail }
  refund: { effect: write, target: payments, sensitivity: high }
rules:
  - id: read-tickets
    effect: allow
    tools: [get_ticket]
    agents: ['spiffe://acme.example/agent/support-*']
    roles: [support]
  - id: no-crm-writes
    effect: deny
    tools: [update_crm]
    agents: ['spiffe://acme.example/agent/support-*']
    reason: support agents may not write the CRM
  - id: email-user-recipients
    effect: allow
    tools: [send_email]
    agents: ['spiffe://acme.example/agent/support-*']
    roles: [support]
    approval: none
    when:
      input.to: { providedBy: user }
  - id: email-only-user-recipients
    effect: deny
    tools: [send_email]
    when:
      not:
        input.to: { providedBy: user }
    reason: the recipient was not provided by the user
  - id: refunds
    effect: allow
    tools: [refund]
    agents: ['spiffe://acme.example/agent/support-*']
    roles: [support]
    approval: none
  - id: large-refunds
    effect: approve
    tools: [refund]
    when:
      input.amount: { gt: 100 }
    reason: refunds over 100 need a human
`;
