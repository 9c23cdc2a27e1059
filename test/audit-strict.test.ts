/**
 * Strict mode through the real guard() loop and the file chain: the intent is on disk before the
 * body runs, a chain that cannot write denies the call, the result follows, and a re-run of the same
 * tool call id (a resumed LangGraph node) is recorded once.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createAuditChain,
  createFileChainStore,
  createMemoryChainStore,
  createOtelRecorder,
  verifyAuditChain,
} from '@palisade/audit';
import { GuardFaultError, guard } from '@palisade/core';
import { afterEach, describe, expect, it } from 'vitest';
import { anyInput, decider, verifier } from './audit-fixtures.js';

const dirs: string[] = [];
function logPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'palisade-strict-'));
  dirs.push(dir);
  return join(dir, 'audit.jsonl');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function records(path: string): Array<{ type: string; data: Record<string, unknown> }> {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; data: Record<string, unknown> });
}

describe('strict mode', () => {
  it('has the intent on disk before the body runs, and the result after', async () => {
    const path = logPath();
    const chain = createAuditChain({ store: createFileChainStore({ path }) });
    const recorder = createOtelRecorder({ chain, strict: true });
    let seenByBody: Array<{ type: string; data: Record<string, unknown> }> = [];
    const refund = guard(
      {
        name: 'refund',
        description: 'Refund an order',
        inputSchema: anyInput,
        effect: 'write',
        execute: () => {
          seenByBody = records(path);
          return { refunded: true };
        },
      },
      { verifier, decider: decider(), recorder },
    );
    await refund.call({ order: 'A-1', amount: 30 }, { credential: 'token', callId: 'call-1' });
    expect(seenByBody.map((record) => [record.type, record.data.callId])).toEqual([['intent', 'call-1']]);
    expect(seenByBody[0]!.data).toMatchObject({
      tool: 'refund',
      request: { agent: 'spiffe://acme.example/agent/support-bot', user: 'alice', effect: 'write' },
      decision: { effect: 'allow', ruleIds: ['allow-all'] },
    });
    expect(records(path).map((record) => [record.type, record.data.status])).toEqual([
      ['intent', undefined],
      ['result', 'ok'],
    ]);
    await chain.close();
  });

  it('denies the call and never runs the body when the intent cannot be written', async () => {
    const store = createMemoryChainStore();
    store.append = async () => {
      throw new Error('EIO: i/o error');
    };
    const recorder = createOtelRecorder({ chain: createAuditChain({ store }), strict: true });
    let ran = false;
    const wire = guard(
      {
        name: 'wire_transfer',
        description: 'Send money',
        inputSchema: anyInput,
        effect: 'send',
        execute: () => {
          ran = true;
        },
      },
      { verifier, decider: decider(), recorder },
    );
    const error = await wire
      .call({ amount: 1000 }, { credential: 'token' })
      .catch((caught: unknown) => caught);
    expect(GuardFaultError.isInstance(error)).toBe(true);
    expect((error as GuardFaultError).stage).toBe('intent');
    expect(ran).toBe(false);
    // Every later call is denied too: a chain with a hole in it proves nothing.
    await expect(wire.call({ amount: 1 }, { credential: 'token' })).rejects.toSatisfy((caught) =>
      GuardFaultError.isInstance(caught),
    );
    expect(ran).toBe(false);
  });

  it('records a resumed node that re-runs the same tool call id once', async () => {
    const path = logPath();
    const chain = createAuditChain({ store: createFileChainStore({ path }) });
    const recorder = createOtelRecorder({ chain, strict: true });
    const update = guard(
      {
        name: 'update_ticket',
        description: 'Update',
        inputSchema: anyInput,
        effect: 'write',
        execute: () => 'ok',
      },
      { verifier, decider: decider(), recorder },
    );
    await update.call({ id: 1 }, { credential: 'token', callId: 'toolu_01' });
    await chain.close();
    // The process restarts and the graph resumes: the node runs again with the same call id.
    const resumed = createAuditChain({ store: createFileChainStore({ path }) });
    const again = guard(
      {
        name: 'update_ticket',
        description: 'Update',
        inputSchema: anyInput,
        effect: 'write',
        execute: () => 'ok',
      },
      { verifier, decider: decider(), recorder: createOtelRecorder({ chain: resumed, strict: true }) },
    );
    await again.call({ id: 1 }, { credential: 'token', callId: 'toolu_01' });
    await again.call({ id: 2 }, { credential: 'token', callId: 'toolu_02' });
    await resumed.close();
    expect(records(path).map((record) => `${record.type}:${String(record.data.callId)}`)).toEqual([
      'intent:toolu_01',
      'result:toolu_01',
      'intent:toolu_02',
      'result:toolu_02',
    ]);
    expect(await verifyAuditChain(createFileChainStore({ path }))).toMatchObject({ ok: true, records: 4 });
  });
});
