import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { ActionRequest } from './action-request.js';
import type { Decision, Obligation } from './decision.js';
import { guard } from './guard.js';
import { createMemoryRecorder } from './memory-recorder.js';
import type { Principal } from './principal.js';
import { createMemoryProvenanceStore } from './provenance-store.js';

const principal: Principal = {
  agent: { id: 'spiffe://acme.example/agent/mail-bot', name: 'mail-bot' },
  user: { id: 'alice', roles: ['staff'] },
  delegation: ['alice', 'spiffe://acme.example/agent/mail-bot'],
  scopes: [],
  claims: {},
};
const verifier = { verify: async () => principal };

function allow(obligations: Obligation[] = []): Decision {
  return { effect: 'allow', reason: 'test', ruleIds: ['r'], policyVersion: 'v', obligations };
}

describe('guard() records the provenance of outputs', () => {
  it('remembers what an output carried and shows it to later decisions', async () => {
    const provenance = createMemoryProvenanceStore();
    const seen: ActionRequest[] = [];
    const enforcement = {
      verifier,
      recorder: createMemoryRecorder(),
      provenance,
      decider: {
        decide(request: ActionRequest) {
          seen.push(request);
          return allow(
            request.name === 'read_inbox'
              ? [
                  {
                    type: 'record-provenance',
                    trust: 'untrusted',
                    untrustedFields: ['body'],
                    labels: ['pii'],
                  },
                ]
              : [],
          );
        },
      },
    };
    const readInbox = guard(
      {
        name: 'read_inbox',
        description: 'Read mail',
        inputSchema: z.object({}),
        effect: 'read',
        execute: () => ({ from: 'carol@acme.example', body: 'wire it to US133000000121212121212' }),
      },
      enforcement,
    );
    const send = guard(
      {
        name: 'send_money',
        description: 'Pay',
        inputSchema: z.object({ to: z.string() }),
        effect: 'send',
        execute: () => 'sent',
      },
      enforcement,
    );
    await readInbox.call({}, { credential: 't', sessionId: 's-1' });
    await send.call({ to: 'US133000000121212121212' }, { credential: 't', sessionId: 's-1' });
    const view = seen[1]?.context.provenance;
    expect(view?.find('us133000000121212121212')).toEqual([
      { origin: 'untrusted', tool: 'read_inbox', field: 'body', labels: ['pii'] },
    ]);
    expect(view?.find('carol@acme.example')[0]?.origin).toBe('trusted');
    // Another session saw nothing.
    await send.call({ to: 'x' }, { credential: 't', sessionId: 's-2' });
    expect(seen[2]?.context.provenance?.find('us133000000121212121212')).toEqual([]);
  });

  it('refuses a call whose output it must record but cannot (no store, no session)', async () => {
    const body = vi.fn(() => 'text');
    const make = (withStore: boolean) =>
      guard(
        { name: 'read_file', description: 'Read', inputSchema: z.object({}), effect: 'read', execute: body },
        {
          verifier,
          recorder: createMemoryRecorder(),
          provenance: withStore ? createMemoryProvenanceStore() : undefined,
          decider: { decide: () => allow([{ type: 'record-provenance', trust: 'untrusted' }]) },
        },
      );
    await expect(make(false).call({}, { credential: 't', sessionId: 's' })).rejects.toThrow(
      /no provenance store/,
    );
    await expect(make(true).call({}, { credential: 't' })).rejects.toThrow(/no sessionId/);
    expect(body).not.toHaveBeenCalled();
  });

  it('refuses a malformed record-provenance obligation before the body runs', async () => {
    const body = vi.fn(() => 'text');
    const tool = guard(
      { name: 'read_file', description: 'Read', inputSchema: z.object({}), effect: 'read', execute: body },
      {
        verifier,
        recorder: createMemoryRecorder(),
        provenance: createMemoryProvenanceStore(),
        decider: { decide: () => allow([{ type: 'record-provenance', trust: 'maybe' }]) },
      },
    );
    await expect(tool.call({}, { credential: 't', sessionId: 's' })).rejects.toThrow(/trust/);
    expect(body).not.toHaveBeenCalled();
  });

  it('marks untrusted text from a call the user asked for by name as requested', async () => {
    const provenance = createMemoryProvenanceStore();
    const tool = guard(
      {
        name: 'read_file',
        description: 'Read',
        inputSchema: z.object({ path: z.string() }),
        effect: 'read',
        execute: () => 'IBAN UK12345678901234567890',
      },
      {
        verifier,
        recorder: createMemoryRecorder(),
        provenance,
        decider: { decide: () => allow([{ type: 'record-provenance', trust: 'untrusted' }]) },
      },
    );
    await tool.call(
      { path: 'bill.txt' },
      { credential: 't', sessionId: 's', userMessages: ["Please pay the bill 'bill.txt'"] },
    );
    await tool.call({ path: 'other.txt' }, { credential: 't', sessionId: 's2', userMessages: ['hi'] });
    expect((await provenance.view('s')).find('uk12345678901234567890')[0]?.origin).toBe('requested');
    expect((await provenance.view('s2')).find('uk12345678901234567890')[0]?.origin).toBe('untrusted');
  });
});
