import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Decision } from './decision.js';
import { type Enforcement, guard, type ToolExecutionContext } from './guard.js';
import { createMemoryRecorder } from './memory-recorder.js';
import type { Principal } from './principal.js';
import { createMemorySessionStore } from './session-store.js';

// Attack: an untrusted tool's body reads attacker content, then throws (or times out, or is
// aborted) so that the `label-session` obligation never runs and the next send is not gated.

const principal: Principal = {
  agent: { id: 'spiffe://acme.example/agent/support-bot' },
  delegation: ['spiffe://acme.example/agent/support-bot'],
  scopes: ['fetch_page'],
  claims: {},
};

const taints: Decision = {
  effect: 'allow',
  reason: 'untrusted read',
  ruleIds: ['r'],
  policyVersion: 'v1',
  obligations: [{ type: 'label-session', labels: ['tainted'] }],
};

function untrustedTool(body: (context: ToolExecutionContext) => Promise<string>) {
  const sessions = createMemorySessionStore();
  const enforcement: Enforcement = {
    verifier: { verify: async () => principal },
    decider: { decide: () => taints },
    recorder: createMemoryRecorder(),
    sessions,
  };
  const tool = guard(
    {
      name: 'fetch_page',
      description: 'Fetch a web page',
      inputSchema: z.object({ url: z.string() }),
      effect: 'read',
      execute: (_input, context) => body(context),
    },
    enforcement,
  );
  return { tool, sessions };
}

const call = { credential: 't', sessionId: 'chat-1' };

describe('attack: dodge the session taint by not returning', () => {
  it('a body that returns taints the session', async () => {
    const { tool, sessions } = untrustedTool(async () => 'page');
    await tool.call({ url: 'https://evil.example' }, call);
    expect(await sessions.labels('chat-1')).toEqual(['tainted']);
  });

  it('a body that throws still taints the session', async () => {
    const { tool, sessions } = untrustedTool(async () => {
      throw new Error('parse error after reading the page');
    });
    await expect(tool.call({ url: 'https://evil.example' }, call)).rejects.toThrow(/parse error/);
    expect(await sessions.labels('chat-1')).toEqual(['tainted']);
  });

  it('a body that times out still taints the session', async () => {
    const { tool, sessions } = untrustedTool(
      () =>
        new Promise((_resolve, reject) => {
          setTimeout(() => reject(new DOMException('The operation timed out', 'TimeoutError')), 5);
        }),
    );
    await expect(tool.call({ url: 'https://evil.example' }, call)).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(await sessions.labels('chat-1')).toEqual(['tainted']);
  });

  it('a body that is aborted (and never settles) has already tainted the session', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const { tool, sessions } = untrustedTool(async () => {
      started();
      return new Promise<string>(() => {});
    });
    const controller = new AbortController();
    void tool.call({ url: 'https://evil.example' }, { ...call, signal: controller.signal });
    await running;
    controller.abort();
    expect(await sessions.labels('chat-1')).toEqual(['tainted']);
  });

  it('a call refused before its body starts does not taint the session', async () => {
    const { tool, sessions } = untrustedTool(async () => 'page');
    await expect(tool.call({ url: 42 }, call)).rejects.toMatchObject({ code: 'ERR_INPUT_INVALID' });
    expect(await sessions.labels('chat-1')).toEqual([]);
  });
});
