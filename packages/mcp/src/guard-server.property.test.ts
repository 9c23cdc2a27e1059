import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ActionRequest, Decision, DecisionEffect, Enforcement } from '@palisade/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { guardServer } from './guard-server.js';
import { readPalisadeMeta } from './palisade-meta.js';
import { createTestPalisade } from './test-support/fixtures.js';
import { withAuthInfo } from './with-auth-info.js';

type Fault = 'none' | 'decider' | 'session-store' | 'intent';

interface Attempt {
  readonly tool: 'close_ticket' | 'refund' | 'mystery';
  readonly decision: DecisionEffect;
  readonly credential: boolean;
  readonly fault: Fault;
}

const attempt = fc.record({
  tool: fc.constantFrom('close_ticket' as const, 'refund' as const, 'mystery' as const),
  decision: fc.constantFrom<DecisionEffect>('allow', 'deny', 'approve'),
  credential: fc.boolean(),
  fault: fc.constantFrom<Fault>('none', 'none', 'decider', 'session-store', 'intent'),
});

describe('guardServer() invariant', () => {
  it('runs a handler only after an allow, for a verified caller, with every part of the loop working', async () => {
    const base = await createTestPalisade();
    await fc.assert(
      fc.asyncProperty(fc.array(attempt, { minLength: 1, maxLength: 6 }), async (attempts) => {
        let current: Attempt = attempts[0]!;
        const decider = {
          decide(_request: ActionRequest): Decision {
            if (current.fault === 'decider') throw new Error('policy store unreachable');
            return {
              effect: current.decision,
              reason: 'scripted',
              ruleIds: [],
              policyVersion: 'p',
              obligations: [],
            };
          },
        };
        const enforcement: Enforcement = {
          ...base.enforcement,
          decider,
          sessions: {
            async labels() {
              if (current.fault === 'session-store') throw new Error('session store down');
              return [];
            },
            async addLabels() {},
          },
          recorder: {
            record: (call, run) =>
              base.recorder.record(call, (scope) =>
                run({
                  ...scope,
                  async intent(request, decision) {
                    if (current.fault === 'intent') throw new Error('audit log full');
                    await scope.intent(request, decision);
                  },
                }),
              ),
          },
        };
        const server = guardServer(new McpServer({ name: 'p', version: '1' }), enforcement, {
          catalog: { close_ticket: { effect: 'write' }, refund: { effect: 'write' } },
        });
        const ran: string[] = [];
        for (const name of ['close_ticket', 'refund', 'mystery']) {
          server.registerTool(name, { inputSchema: { n: z.number() } }, async () => {
            ran.push(name);
            return { content: [{ type: 'text', text: 'ran' }] };
          });
        }
        const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
        serverTransport.sessionId = 's';
        await server.connect(
          withAuthInfo(serverTransport, () =>
            current.credential ? { token: base.tokens.agent, clientId: 'c', scopes: [] } : undefined,
          ),
        );
        const client = new Client({ name: 'c', version: '1' });
        await client.connect(clientTransport);

        const expected: string[] = [];
        for (const [index, next] of attempts.entries()) {
          current = next;
          const result = await client.callTool({ name: next.tool, arguments: { n: index } });
          const allowed =
            next.decision === 'allow' && next.credential && next.fault === 'none' && next.tool !== 'mystery';
          if (allowed) expected.push(next.tool);
          else expect(readPalisadeMeta(result)).toBeDefined();
        }
        await client.close();
        expect(ran).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });
});
