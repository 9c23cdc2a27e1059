import { createMemoryRecorder, type Decider, StageTimeoutError } from '@palisade/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { createPalisade } from './create-palisade.js';

// Attack: a hung policy store stalls every call of a Palisade built with production defaults.

const hung: Decider = { decide: () => new Promise(() => {}) };

describe('createPalisade() deadlines', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('refuses a call whose decider misses the configured deadline; the body never runs', async () => {
    const palisade = await createPalisade({
      trustDomain: 'acme.example',
      policy: hung,
      agents: [{ name: 'support-bot', owner: 'team', purpose: 'Answers tickets', tools: ['get_ticket'] }],
      audit: createMemoryRecorder(),
      monitor: false,
      deadlines: { decide: 250 },
    });
    const body = vi.fn(async () => 'ticket');
    const tool = palisade.guard({
      name: 'get_ticket',
      description: 'Read a ticket',
      inputSchema: z.object({}),
      effect: 'read',
      execute: body,
    });
    const token = await palisade.identity!.issue({ agent: 'support-bot' });
    const settled = tool.call({}, { credential: token }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(250);
    const error = await settled;
    expect(StageTimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ stage: 'decide', timeoutMs: 250 });
    expect(body).not.toHaveBeenCalled();
    await palisade.close();
  });

  it('refuses a deadline that would switch a stage off, at start-up', async () => {
    await expect(
      createPalisade({
        trustDomain: 'acme.example',
        policy: hung,
        audit: createMemoryRecorder(),
        deadlines: { verify: 0 },
      }),
    ).rejects.toThrow(/createPalisade\(\): deadlines.verify/);
  });
});
