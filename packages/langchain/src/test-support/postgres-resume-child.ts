/**
 * One process of the cross-process resume test (not a test file): an agent on a `PostgresSaver`
 * with approvals in a Postgres store, as two replicas of an app would run it.
 *
 *   pause  <database-url> <schema> <table> <thread>              runs until the review pauses it;
 *                                                                prints {"review":...,"bodyCalls":n}
 *   resume <database-url> <schema> <table> <thread> <decisions>  resumes with the reviewer's
 *                                                                decisions, with no agent context;
 *                                                                prints results, body calls, requests
 */
import { createSecretKey } from 'node:crypto';
import { tool } from '@langchain/core/tools';
import { Command } from '@langchain/langgraph';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { createApprovalGate, createApprovalService } from '@palisade/approval';
import { createCallScope, createMemoryRecorder, createMemorySessionStore } from '@palisade/core';
import { createPostgresApprovalStore } from '@palisade/store-postgres';
import { createAgent, FakeToolCallingModel } from 'langchain';
import { z } from 'zod';
import { pendingReview } from '../approval-interrupt.js';
import { palisadeMiddleware } from '../palisade-middleware.js';
import { AGENT_TOKEN, createMapDecider, createTestVerifier } from './doubles.js';
import { toolResults } from './support-agent.js';

async function main(): Promise<void> {
  const [mode, url, schema, table, thread, decisions] = process.argv.slice(2);
  if (!mode || !url || !schema || !table || !thread)
    throw new Error('usage: <mode> <url> <schema> <table> <thread>');
  const store = createPostgresApprovalStore({ connectionString: url, tableName: table });
  const service = createApprovalService({
    store,
    approvers: (credential) => {
      if (credential !== 'bob-token') throw new Error('unknown approver');
      return { id: 'bob', roles: ['approver'], human: true };
    },
    // Both processes hold the same key: decisions and digests made in one bind in the other.
    signingKey: createSecretKey(Buffer.from('palisade langchain resume test signing key')),
  });
  const enforcement = {
    verifier: createTestVerifier(),
    decider: createMapDecider({ refund: 'approve', get_ticket: 'allow' }),
    recorder: createMemoryRecorder(),
    approvals: createApprovalGate({ service, mode: 'interrupt' }),
    sessions: createMemorySessionStore(),
    scope: createCallScope(),
  };
  let bodyCalls = 0;
  const refund = tool(
    async ({ amount }: { amount: number }) => {
      bodyCalls += 1;
      return `Refunded ${amount} EUR`;
    },
    { name: 'refund', description: 'Refund a customer', schema: z.object({ amount: z.number().positive() }) },
  );
  const checkpointer = PostgresSaver.fromConnString(url, { schema });
  await checkpointer.setup();
  // The model's script in this process: the pausing replica asks for two refunds, the resuming one
  // only answers once the tools ran.
  const script =
    mode === 'pause'
      ? [
          [
            { name: 'refund', args: { amount: 40 }, id: 'r1' },
            { name: 'refund', args: { amount: 900 }, id: 'r2' },
          ],
          [],
        ]
      : [[]];
  const agent = createAgent({
    model: new FakeToolCallingModel({ toolCalls: script }),
    tools: [refund],
    middleware: [palisadeMiddleware(enforcement, { effects: { refund: 'write' }, review: { service } })],
    checkpointer,
  });
  const configurable = { thread_id: thread };
  let output: unknown;
  if (mode === 'pause') {
    const result = await agent.invoke(
      { messages: [{ role: 'user', content: 'Refund both orders' }] },
      { configurable, context: { credential: AGENT_TOKEN } },
    );
    output = { review: pendingReview(result), bodyCalls };
  } else {
    const result = await agent.invoke(new Command({ resume: { decisions: JSON.parse(decisions ?? '[]') } }), {
      configurable,
      context: { approverCredential: 'bob-token' },
    });
    const requests = await service.list();
    output = {
      results: toolResults(result),
      bodyCalls,
      requests: requests.map((request) => ({ id: request.id, status: request.status, input: request.input })),
      pending: pendingReview(result) !== undefined,
    };
  }
  service.close();
  await store.dispose();
  await checkpointer.end();
  process.stdout.write(`${JSON.stringify(output)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
