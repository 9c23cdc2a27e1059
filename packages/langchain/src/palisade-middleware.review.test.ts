import { Command } from '@langchain/langgraph';
import {
  actionRequestDigest,
  CredentialError,
  type CredentialVerifier,
  TokenRevokedError,
} from '@palisade/core';
import { describe, expect, it } from 'vitest';
import {
  type ApprovalInterrupt,
  pendingApprovals,
  pendingReview,
  type ReviewDecision,
} from './approval-interrupt.js';
import { AGENT_ID, AGENT_TOKEN, createTestSetup, type TestSetup } from './test-support/doubles.js';
import { ask, supportAgent, toolResults } from './test-support/support-agent.js';

const DECISIONS = { get_ticket: 'allow', refund: 'approve' } as const;
const context = { credential: AGENT_TOKEN };
/** The resuming run of the app's review endpoint: the thread and the reviewer, not the agent's context. */
const reviewer = (thread: string) => ({
  configurable: { thread_id: thread },
  context: { approverCredential: 'bob-token' },
});
const resume = (...decisions: ReviewDecision[]) => new Command({ resume: { decisions } });

/** The setup with the approval service given to the middleware, as createPalisade() does. */
function reviewed(setup: TestSetup) {
  return { review: { service: setup.service } };
}

describe('palisadeMiddleware reviews in LangChain human-in-the-loop shape', () => {
  it("pauses on LangChain's HITL request, and an approve from the review UI runs the call once", async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent, bodies } = supportAgent(
      setup,
      [[{ name: 'refund', args: { amount: 120 }, id: 'r1' }]],
      reviewed(setup),
    );

    const paused = await agent.invoke(ask('Refund 120'), { configurable: { thread_id: 'hitl' }, context });
    const review = pendingReview(paused);
    expect(review?.actionRequests).toEqual([
      {
        name: 'refund',
        args: { amount: 120 },
        description: expect.stringContaining('rule for refund'),
        palisade: expect.objectContaining({ tool: 'refund', callId: 'r1' }),
      },
    ]);
    expect(review?.reviewConfigs).toEqual([
      { actionName: 'refund', allowedDecisions: ['approve', 'edit', 'reject'] },
    ]);
    const approval = review!.actionRequests[0]!.palisade;
    expect(approval).toEqual({
      type: 'palisade.approval-required',
      approvalId: expect.any(String),
      // The service's keyed digest of the call: never the plain hash, which guesses could be checked against.
      digest: setup.service.digestOf(actionRequestDigest(setup.requests.at(-1)!)),
      expiresAt: expect.any(Number),
      tool: 'refund',
      callId: 'r1',
      effect: 'execute',
      target: undefined,
      input: { amount: 120 },
      reason: 'rule for refund',
      ruleIds: ['rule-refund'],
      agent: AGENT_ID,
      user: 'alice',
    } satisfies Record<keyof ApprovalInterrupt, unknown>);
    // The credential is checkpointed for the resume, but never shown: not in the result, not in the interrupt.
    expect(JSON.stringify(paused)).not.toContain(AGENT_TOKEN);
    expect(bodies.refund).not.toHaveBeenCalled();

    // Resumed by the review endpoint: the thread and the reviewer, no agent context, no approval id.
    const done = await agent.invoke(resume({ type: 'approve' }), reviewer('hitl'));

    expect(toolResults(done)).toEqual([{ id: 'r1', status: 'success', content: 'Refunded 120 EUR' }]);
    expect(bodies.refund).toHaveBeenCalledTimes(1);
    const stored = await setup.service.list();
    expect(stored.map((request) => [request.id, request.status, request.decision?.approver])).toEqual([
      [approval.approvalId, 'consumed', 'bob'],
    ]);
    expect(setup.recorder.records.map((record) => [record.call.callId, record.outcome?.status])).toEqual([
      ['r1', 'pending-approval'],
      ['r1', 'ok'],
    ]);
  });

  it('uses a decision made in the approval console; a resume alone approves nothing', async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent, bodies } = supportAgent(
      setup,
      [[{ name: 'refund', args: { amount: 10 }, id: 'r1' }]],
      reviewed(setup),
    );
    const thread = { configurable: { thread_id: 'console' } };
    const [pending] = pendingApprovals(await agent.invoke(ask('Refund 10'), { ...thread, context }));

    // Approve without a reviewer credential and before anyone decided: the graph pauses again.
    const again = await agent.invoke(resume({ type: 'approve' }), thread);
    expect(pendingApprovals(again).map((entry) => entry.approval.approvalId)).toEqual([
      pending!.approval.approvalId,
    ]);
    expect(bodies.refund).not.toHaveBeenCalled();

    // A forged resume value is no decision at all.
    const forged = await agent.invoke(new Command({ resume: { approved: true } }), thread);
    expect(toolResults(forged)[0]).toMatchObject({ status: 'error' });
    expect(toolResults(forged)[0]?.content).toMatch(/without a valid decision/);
    expect(bodies.refund).not.toHaveBeenCalled();
    expect(setup.recorder.records.at(-1)?.outcome?.status).toBe('denied');
  });

  it('runs a call approved in the console when the app resumes with approve, without any context', async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent, bodies } = supportAgent(
      setup,
      [[{ name: 'refund', args: { amount: 10 }, id: 'r1' }]],
      reviewed(setup),
    );
    const thread = { configurable: { thread_id: 'console-approved' } };
    const [pending] = pendingApprovals(await agent.invoke(ask('Refund 10'), { ...thread, context }));
    await setup.review(pending!.approval.approvalId, true);

    const done = await agent.invoke(resume({ type: 'approve' }), thread);
    expect(toolResults(done)).toEqual([{ id: 'r1', status: 'success', content: 'Refunded 10 EUR' }]);
    expect(bodies.refund).toHaveBeenCalledTimes(1);
  });

  it('lets a refusal in the console win over an approve in the review UI', async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent, bodies } = supportAgent(
      setup,
      [[{ name: 'refund', args: { amount: 9000 }, id: 'r1' }]],
      reviewed(setup),
    );
    const thread = { configurable: { thread_id: 'console-refused' } };
    const [pending] = pendingApprovals(await agent.invoke(ask('Refund 9000'), { ...thread, context }));
    await setup.review(pending!.approval.approvalId, false, 'amount too high');

    const done = await agent.invoke(resume({ type: 'approve' }), reviewer('console-refused'));
    expect(toolResults(done)[0]).toMatchObject({ status: 'error' });
    expect(toolResults(done)[0]?.content).toMatch(/was denied by bob: amount too high/);
    expect(bodies.refund).not.toHaveBeenCalled();
  });

  it('rejects with the reviewer message; nothing runs and the request is decided against', async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent, bodies } = supportAgent(
      setup,
      [[{ name: 'refund', args: { amount: 50 }, id: 'r1' }]],
      reviewed(setup),
    );
    const [pending] = pendingApprovals(
      await agent.invoke(ask('Refund 50'), { configurable: { thread_id: 'reject' }, context }),
    );
    const done = await agent.invoke(
      resume({ type: 'reject', message: 'Ask the customer for the receipt first' }),
      reviewer('reject'),
    );
    expect(toolResults(done)).toEqual([
      {
        id: 'r1',
        status: 'error',
        content: 'Denied "refund" by the reviewer: Ask the customer for the receipt first',
      },
    ]);
    expect(bodies.refund).not.toHaveBeenCalled();
    const stored = await setup.service.get(pending!.approval.approvalId);
    expect([stored?.status, stored?.decision?.approver]).toEqual(['denied', 'bob']);
    expect(setup.recorder.records.at(-1)?.outcome?.status).toBe('denied');
  });

  it("answers the model with the reviewer's response when respond is allowed, and only then", async () => {
    const script = [[{ name: 'refund', args: { amount: 50 }, id: 'r1' }]];
    const setup = createTestSetup(DECISIONS);
    const allowed = supportAgent(setup, script, {
      review: { service: setup.service, allowedDecisions: ['approve', 'reject', 'respond'] },
    });
    const paused = await allowed.agent.invoke(ask('Refund 50'), {
      configurable: { thread_id: 'respond' },
      context,
    });
    expect(pendingReview(paused)?.reviewConfigs[0]?.allowedDecisions).toEqual([
      'approve',
      'reject',
      'respond',
    ]);
    const done = await allowed.agent.invoke(
      resume({ type: 'respond', message: 'Refunds go through the billing team; I have forwarded it.' }),
      { configurable: { thread_id: 'respond' } },
    );
    expect(toolResults(done)).toEqual([
      { id: 'r1', status: 'success', content: 'Refunds go through the billing team; I have forwarded it.' },
    ]);
    expect(allowed.bodies.refund).not.toHaveBeenCalled();

    // With LangChain's default decisions, respond is refused and nothing runs either.
    const other = createTestSetup(DECISIONS);
    const strict = supportAgent(other, script, reviewed(other));
    await strict.agent.invoke(ask('Refund 50'), { configurable: { thread_id: 'no-respond' }, context });
    const refused = await strict.agent.invoke(resume({ type: 'respond', message: 'done' }), {
      configurable: { thread_id: 'no-respond' },
    });
    expect(toolResults(refused)[0]).toMatchObject({ status: 'error' });
    expect(toolResults(refused)[0]?.content).toMatch(/"respond" is not allowed/);
    expect(strict.bodies.refund).not.toHaveBeenCalled();
  });

  it('re-decides an edit and binds the reviewer approval to the digest of the edited call', async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent, bodies } = supportAgent(
      setup,
      [[{ name: 'refund', args: { amount: 500 }, id: 'r1' }]],
      reviewed(setup),
    );
    const [pending] = pendingApprovals(
      await agent.invoke(ask('Refund 500'), { configurable: { thread_id: 'edit' }, context }),
    );
    const done = await agent.invoke(
      resume({ type: 'edit', editedAction: { name: 'refund', args: { amount: 50 } } }),
      reviewer('edit'),
    );

    expect(toolResults(done)).toEqual([{ id: 'r1', status: 'success', content: 'Refunded 50 EUR' }]);
    expect(bodies.refund).toHaveBeenCalledTimes(1);
    expect(bodies.refund.mock.calls[0]?.[0]).toEqual({ amount: 50 });
    // The policy saw the edited call; the original request is withdrawn, a fresh one was approved and used.
    expect(setup.requests.at(-1)?.input).toEqual({ amount: 50 });
    const stored = await setup.service.list();
    const original = stored.find((request) => request.id === pending!.approval.approvalId);
    const fresh = stored.find((request) => request.id !== pending!.approval.approvalId);
    expect(original?.status).toBe('cancelled');
    expect(fresh).toMatchObject({
      status: 'consumed',
      input: { amount: 50 },
      digest: setup.service.digestOf(actionRequestDigest(setup.requests.at(-1)!)),
    });
    expect(fresh?.decision?.approver).toBe('bob');
  });

  it('refuses an edit the policy denies, one that changes the tool, and one without a reviewer credential', async () => {
    const cases: [ReviewDecision, { thread_id: string }, RegExp][] = [
      [
        { type: 'edit', editedAction: { name: 'refund', args: { amount: -5 } } },
        { thread_id: 'edit-invalid' },
        /Invalid input/,
      ],
      [
        { type: 'edit', editedAction: { name: 'close_ticket', args: { id: 'T-1' } } },
        { thread_id: 'edit-tool' },
        /an edit must keep the tool/,
      ],
      [
        { type: 'edit', editedAction: { name: 'refund', args: { amount: 5 } } },
        { thread_id: 'edit-anonymous' },
        /no reviewer credential/,
      ],
    ];
    for (const [decision, configurable, reason] of cases) {
      const setup = createTestSetup(DECISIONS);
      const { agent, bodies } = supportAgent(
        setup,
        [[{ name: 'refund', args: { amount: 500 }, id: 'r1' }]],
        reviewed(setup),
      );
      await agent.invoke(ask('Refund 500'), { configurable, context });
      const done = await agent.invoke(resume(decision), { configurable });
      expect(toolResults(done)[0]).toMatchObject({ status: 'error' });
      expect(toolResults(done)[0]?.content).toMatch(reason);
      expect(bodies.refund).not.toHaveBeenCalled();
      expect(bodies.closeTicket).not.toHaveBeenCalled();
      expect((await setup.service.listPending()).length).toBe(configurable.thread_id === 'edit-tool' ? 1 : 0);
    }
  });

  it('takes one decision per action: approve one call of a step, reject the other', async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent, bodies } = supportAgent(
      setup,
      [
        [
          { name: 'get_ticket', args: { id: 'T-1' }, id: 'c1' },
          { name: 'refund', args: { amount: 1 }, id: 'r1' },
          { name: 'refund', args: { amount: 2 }, id: 'r2' },
        ],
      ],
      reviewed(setup),
    );
    const paused = await agent.invoke(ask('Refund both'), { configurable: { thread_id: 'many' }, context });
    // One review for the step, whichever of its interrupts a UI reads.
    expect(pendingReview(paused)?.actionRequests.map((action) => action.args)).toEqual([
      { amount: 1 },
      { amount: 2 },
    ]);
    expect(bodies.getTicket).toHaveBeenCalledTimes(1);

    const done = await agent.invoke(resume({ type: 'approve' }, { type: 'reject' }), reviewer('many'));
    expect(toolResults(done).map((message) => [message.id, message.status])).toEqual([
      ['c1', 'success'],
      ['r1', 'success'],
      ['r2', 'error'],
    ]);
    expect(bodies.refund.mock.calls.map((call) => call[0])).toEqual([{ amount: 1 }]);
    expect(bodies.getTicket).toHaveBeenCalledTimes(1);
    expect((await setup.service.list()).map((request) => request.status).sort()).toEqual([
      'consumed',
      'denied',
    ]);
  });

  it.each(['v1', 'v2'] as const)(
    'leaves no duplicate request and runs nothing twice when LangGraph re-runs the tool node (%s)',
    async (version) => {
      const setup = createTestSetup(DECISIONS);
      const { agent, bodies } = supportAgent(
        setup,
        [
          [
            { name: 'get_ticket', args: { id: 'T-1' }, id: 'c1' },
            { name: 'refund', args: { amount: 30 }, id: 'r1' },
          ],
        ],
        { version, ...reviewed(setup) },
      );
      const config = { configurable: { thread_id: `rerun-${version}` }, context };
      await agent.invoke(ask('Read and refund'), config);
      // A resume before anyone decided pauses again; still nothing is proposed twice.
      await agent.invoke(resume({ type: 'approve' }), config);
      const done = await agent.invoke(resume({ type: 'approve' }), reviewer(`rerun-${version}`));

      expect(toolResults(done).map((message) => [message.id, message.status])).toEqual([
        ['c1', 'success'],
        ['r1', 'success'],
      ]);
      expect(bodies.getTicket).toHaveBeenCalledTimes(1);
      expect(bodies.refund).toHaveBeenCalledTimes(1);
      expect((await setup.service.list()).map((request) => request.status)).toEqual(['consumed']);
    },
  );

  it('verifies the checkpointed credential again: a token revoked while waiting is refused', async () => {
    const revoked = new Set<string>();
    const base = createTestSetup(DECISIONS);
    const verifier: CredentialVerifier = {
      async verify(credential, options) {
        if (revoked.has(credential)) throw new TokenRevokedError('the token has been revoked');
        return base.enforcement.verifier.verify(credential, options);
      },
    };
    const setup = { ...base, enforcement: { ...base.enforcement, verifier } };
    const { agent, bodies } = supportAgent(
      setup,
      [[{ name: 'refund', args: { amount: 30 }, id: 'r1' }]],
      reviewed(setup),
    );
    const [pending] = pendingApprovals(
      await agent.invoke(ask('Refund 30'), { configurable: { thread_id: 'revoked' }, context }),
    );
    revoked.add(AGENT_TOKEN);

    const done = await agent.invoke(resume({ type: 'approve' }), reviewer('revoked'));
    expect(toolResults(done)).toEqual([{ id: 'r1', status: 'error', content: 'the token has been revoked' }]);
    expect(bodies.refund).not.toHaveBeenCalled();
    // Approved by bob, but never used: the authority that asked is gone.
    expect((await setup.service.get(pending!.approval.approvalId))?.status).toBe('approved');
  });

  it('needs the context again when the credential is not checkpointed', async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent, bodies } = supportAgent(setup, [[{ name: 'refund', args: { amount: 10 }, id: 'r1' }]], {
      review: { service: setup.service, checkpointCredential: false },
    });
    await agent.invoke(ask('Refund 10'), { configurable: { thread_id: 'no-credential' }, context });
    const done = await agent.invoke(resume({ type: 'approve' }), reviewer('no-credential'));
    expect(toolResults(done)[0]).toMatchObject({
      status: 'error',
      content: 'No credential was presented for "refund"',
    });
    expect(bodies.refund).not.toHaveBeenCalled();

    const withContext = createTestSetup(DECISIONS);
    const second = supportAgent(withContext, [[{ name: 'refund', args: { amount: 10 }, id: 'r1' }]], {
      review: { service: withContext.service, checkpointCredential: false },
    });
    await second.agent.invoke(ask('Refund 10'), { configurable: { thread_id: 'ctx' }, context });
    const ran = await second.agent.invoke(resume({ type: 'approve' }), {
      configurable: { thread_id: 'ctx' },
      context: { ...context, approverCredential: 'bob-token' },
    });
    expect(toolResults(ran)[0]).toMatchObject({ status: 'success' });
  });

  it('refuses an approve whose reviewer credential the approval service does not accept', async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent, bodies } = supportAgent(
      setup,
      [[{ name: 'refund', args: { amount: 10 }, id: 'r1' }]],
      reviewed(setup),
    );
    await agent.invoke(ask('Refund 10'), { configurable: { thread_id: 'bad-reviewer' }, context });
    const done = await agent.invoke(resume({ type: 'approve' }), {
      configurable: { thread_id: 'bad-reviewer' },
      context: { approverCredential: 'mallory-token' },
    });
    expect(toolResults(done)[0]).toMatchObject({ status: 'error' });
    expect(toolResults(done)[0]?.content).toMatch(/reviewer's credential was not accepted/);
    expect(bodies.refund).not.toHaveBeenCalled();
  });

  it('without an approval service, pauses on the request the gate proposed and uses the console decision', async () => {
    const setup = createTestSetup(DECISIONS);
    const { agent, bodies } = supportAgent(setup, [[{ name: 'refund', args: { amount: 70 }, id: 'r1' }]]);
    const config = { configurable: { thread_id: 'gate' }, context };
    const review = pendingReview(await agent.invoke(ask('Refund 70'), config));
    expect(review?.actionRequests.map((action) => [action.name, action.args])).toEqual([
      ['refund', { amount: 70 }],
    ]);
    const { approvalId } = review!.actionRequests[0]!.palisade;
    await setup.review(approvalId, true);

    const done = await agent.invoke(resume({ type: 'approve' }), config);
    expect(toolResults(done)).toEqual([{ id: 'r1', status: 'success', content: 'Refunded 70 EUR' }]);
    expect(bodies.refund).toHaveBeenCalledTimes(1);
    expect((await setup.service.list()).map((request) => request.status)).toEqual(['consumed']);
  });

  describe('a v1 re-run answers siblings from the journal only for the same principal', () => {
    function withUsers(setup: TestSetup) {
      const users: Readonly<Record<string, string>> = { 'alice-token': 'alice', 'mallory-token': 'mallory' };
      const verifier: CredentialVerifier = {
        async verify(credential) {
          const user = users[credential];
          if (!user) throw new CredentialError('unknown test token');
          return {
            agent: { id: AGENT_ID },
            user: { id: user, roles: [] },
            delegation: [],
            scopes: [],
            claims: {},
          };
        },
      };
      return { ...setup, enforcement: { ...setup.enforcement, verifier } };
    }

    it("refuses the sibling's output to another user's token, and answers the same user", async () => {
      for (const [credential, expected] of [
        ['mallory-token', 'error'],
        ['alice-token', 'success'],
      ] as const) {
        const setup = withUsers(createTestSetup(DECISIONS));
        const { agent, bodies } = supportAgent(
          setup,
          [
            [
              { name: 'get_ticket', args: { id: 'T-1' }, id: 'c1' },
              { name: 'refund', args: { amount: 30 }, id: 'r1' },
            ],
          ],
          { version: 'v1', ...reviewed(setup) },
        );
        const configurable = { thread_id: `journal-${credential}` };
        await agent.invoke(ask('Read and refund'), { configurable, context: { credential: 'alice-token' } });
        const done = await agent.invoke(resume({ type: 'approve' }), {
          configurable,
          context: { credential, approverCredential: 'bob-token' },
        });
        const [read] = toolResults(done);
        expect(read?.status).toBe(expected);
        if (expected === 'error') {
          expect(read?.content).toMatch(/already made for another principal/);
          expect(JSON.stringify(done.messages)).not.toContain('printer on fire');
        }
        expect(bodies.getTicket).toHaveBeenCalledTimes(1);
      }
    });
  });
});
