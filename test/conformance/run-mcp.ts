/**
 * The scenario over MCP (`InMemoryTransport`), guarded on the server side (`guardServer`, credential
 * from `extra.authInfo`) or on the client side (`guardClient`, in front of an unguarded server).
 */

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AccessDeniedError, ApprovalRequiredError, type CallRecord } from '@palisade/core';
import { guardClient, guardServer, readPalisadeMeta, withApprovalId, withAuthInfo } from '@palisade/mcp';
import { z } from 'zod';
import { type ConformanceSetup, createConformanceSetup, SCENARIO, type ToolName } from './scenario.js';

const SCHEMAS: Record<ToolName, z.ZodRawShape> = {
  get_order: { orderId: z.string() },
  get_ticket: { id: z.string() },
  update_crm: { customerId: z.string(), tier: z.string() },
  refund: { orderId: z.string(), amount: z.number() },
  send_email: { to: z.string(), body: z.string() },
};

function createServer(setup: ConformanceSetup, guarded: boolean): McpServer {
  const server = new McpServer({ name: 'support', version: '1.0.0' });
  if (guarded) guardServer(server, setup.palisade);
  for (const name of Object.keys(SCHEMAS) as ToolName[]) {
    server.registerTool(name, { inputSchema: SCHEMAS[name] }, async (input: Record<string, unknown>) => ({
      content: [{ type: 'text', text: setup.bodies[name](input) }],
    }));
  }
  return server;
}

/** Runs the scenario; returns the run's records grouped by step. */
export async function runMcp(side: 'server' | 'client'): Promise<{
  setup: ConformanceSetup;
  groups: Map<string, CallRecord[]>;
}> {
  const setup = await createConformanceSetup();
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  serverTransport.sessionId = 'conversation-1';
  const server = createServer(setup, side === 'server');
  await server.connect(
    withAuthInfo(serverTransport, { token: setup.agentToken, clientId: 'support-bot', scopes: [] }),
  );
  const plain = new Client({ name: 'support-agent', version: '1.0.0' });
  const client =
    side === 'client'
      ? guardClient(plain, setup.palisade, {
          context: { credential: setup.agentToken, sessionId: 'conversation-1' },
          traceContext: false,
        })
      : plain;
  await client.connect(clientTransport);

  const groups = new Map<string, CallRecord[]>();
  for (const step of SCENARIO) {
    const before = setup.recorder.records.length;
    const params = { name: step.tool, arguments: { ...step.input } };
    const approvalId = await pausedFor(() => client.callTool(params));
    if (approvalId !== undefined && step.review !== undefined && step.review !== 'leave-pending') {
      await setup.review(approvalId, step.review === 'approve');
      await client.callTool(withApprovalId(params, approvalId)).catch(ignoreDenial);
    }
    groups.set(step.id, setup.recorder.records.slice(before));
  }
  await client.close();
  setup.palisade.close();
  return { setup, groups };
}

/** Makes a call; returns the approval id when it paused for a human (told by the server, or thrown by the client guard). */
async function pausedFor(call: () => Promise<unknown>): Promise<string | undefined> {
  try {
    const meta = readPalisadeMeta((await call()) as { _meta?: Record<string, unknown> });
    return meta?.outcome === 'approval-required' ? meta.approvalId : undefined;
  } catch (error) {
    if (ApprovalRequiredError.isInstance(error)) return (error as ApprovalRequiredError).approvalId;
    ignoreDenial(error);
    return undefined;
  }
}

/** A guarded client rejects refused calls; the scenario expects some. */
function ignoreDenial(error: unknown): void {
  if (!AccessDeniedError.isInstance(error)) throw error;
}
