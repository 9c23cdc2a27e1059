import { ApprovalRequiredError } from '@palisade/core';
import { createPalisade } from 'palisade';
import { z } from 'zod';

// Default deny: the policy allows what you mean. An allowed call that persists something (any
// effect but `read`) waits for a person unless the rule says `approval: none`.
const policy = `
name: support
tools:
  issue_refund: { effect: write, target: payments }
rules:
  - id: support-may-refund
    effect: allow
    tools: [issue_refund]
    agents: ['spiffe://acme.example/agent/support-bot']
    roles: [support]
`;

// Reviewers sign in with your identity provider; here, tokens handed to people (never to agents).
const staff = new Map([['lead-token-7f3a', { id: 'lena', roles: ['support-lead'] }]]);

const palisade = await createPalisade({
  trustDomain: 'acme.example',
  policy,
  agents: [
    { name: 'support-bot', owner: 'team-support', purpose: 'Answer tickets', tools: ['issue_refund'] },
  ],
  approvals: {
    approvers: (credential) => {
      const person = staff.get(credential);
      if (!person) throw new Error('unknown reviewer');
      return { ...person, human: true };
    },
  },
});

const refunds: string[] = [];
const issueRefund = palisade.guard({
  name: 'issue_refund',
  description: 'Refund an order',
  effect: 'write',
  target: 'payments',
  inputSchema: z.object({ order: z.string(), amount: z.number().positive() }),
  execute: async ({ order, amount }) => {
    refunds.push(`${order}: ${amount} EUR`);
    return { refunded: amount };
  },
});

// A short-lived token for the agent, acting for the signed-in user.
const credential = await palisade.identity!.issue({
  agent: 'support-bot',
  user: { id: 'alice', roles: ['support'] },
});
const context = { credential, sessionId: 'chat-42' };
const refund = { order: 'A-77', amount: 40 };

try {
  await palisade.run(context, () => issueRefund.call(refund));
} catch (error) {
  if (!ApprovalRequiredError.isInstance(error)) throw error;
  // The call paused before its body ran. A person reviews the exact payload and decides...
  await palisade.approvalService!.decide({
    approvalId: error.approvalId,
    approve: true,
    approverCredential: 'lead-token-7f3a',
  });
  // ...and the same call resumes: verified and decided again, then run once.
  const result = await palisade.run({ ...context, approvalId: error.approvalId }, () =>
    issueRefund.call(refund),
  );
  console.log(result, refunds); // { refunded: 40 } [ 'A-77: 40 EUR' ]
}
palisade.close();
