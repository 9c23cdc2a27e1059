import { createMemoryRecorder, type Enforcement } from '@palisade/core';
import { generateText, streamText, tool } from 'ai';
import { MockLanguageModelV4 } from 'ai/test';
import { z } from 'zod';
import { createToolApproval } from './create-tool-approval.js';
import { guardTools } from './guard-tools.js';
import { guardedToolSettings } from './guarded-tool-settings.js';
import { tokenVerifier } from './test-support/doubles.js';

declare const palisade: Enforcement;
const tools = {
  getBalance: tool({ description: 'Balance', inputSchema: z.object({}), execute: async () => 1200 }),
  sendMoney: tool({
    description: 'Send',
    inputSchema: z.object({ iban: z.string(), amount: z.number() }),
    execute: async ({ amount }) => ({ sent: amount }),
  }),
};

// A tool the map leaves out takes its effect from the policy's catalog (checked at run time), but
// names that are not tools of the set and values that are not effects are type errors.
guardTools(tools, palisade, { effects: { getBalance: 'read' } });
guardTools(tools, palisade, {});
// @ts-expect-error `transferAll` is not a tool of the set
guardTools(tools, palisade, { effects: { getBalance: 'read', transferAll: 'send' } });
// @ts-expect-error `transfer` is not an effect
guardTools(tools, palisade, { effects: { getBalance: 'read', sendMoney: 'transfer' } });

// The guarded tool set keeps its type: inputs and outputs are still inferred.
const guarded = guardTools(tools, palisade, { effects: { getBalance: 'read', sendMoney: 'send' } });
const sendMoney: typeof tools.sendMoney = guarded.sendMoney;

// The settings and the tool approval slot into generateText and streamText as they are.
const model = new MockLanguageModelV4();
const settings = guardedToolSettings(tools, palisade, { effects: { getBalance: 'read', sendMoney: 'send' } });
void generateText({ model, ...settings, prompt: 'pay' });
void streamText({ model, ...settings, prompt: 'pay' });
void generateText({
  model,
  tools: guarded,
  toolApproval: createToolApproval(
    { verifier: tokenVerifier(), decider: { decide: () => ({}) as never }, recorder: createMemoryRecorder() },
    {
      effects: { getBalance: 'read', sendMoney: 'send' },
    },
  ),
  prompt: 'pay',
});
void sendMoney;
