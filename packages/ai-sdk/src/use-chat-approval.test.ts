import {
  ApproverRejectedError,
  createApprovalGate,
  createApprovalService,
  createMemoryApprovalStore,
} from '@palisade/approval';
import { createCallScope, createMemoryRecorder, type Enforcement } from '@palisade/core';
import {
  convertToModelMessages,
  isToolUIPart,
  readUIMessageStream,
  stepCountIs,
  streamText,
  tool,
  type UIMessage,
} from 'ai';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { guardedToolSettings } from './guarded-tool-settings.js';
import { recordApprovalResponses } from './record-approval-responses.js';
import { ruleDecider, tokenVerifier } from './test-support/doubles.js';
import { scriptedModel } from './test-support/scripted-model.js';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/**
 * A chat app as the AI SDK docs build it: `useChat` in the browser posts the UI messages to a route
 * handler, which streams the answer back. The signed-in user is the reviewer of their own agent's
 * transfers: the server records their answer with the session credential it already has.
 */
function chatApp() {
  // The app's own sign-in: session token -> the person it belongs to.
  const signedIn = new Map([
    ['session-alice', { id: 'alice', roles: ['customer'] }],
    ['session-mallory', { id: 'mallory', roles: ['customer'] }],
  ]);
  const service = createApprovalService({
    store: createMemoryApprovalStore(),
    // The reviewer is the person signed in to the app, and only for what their own agent asks.
    approvers: (token, { request }) => {
      const person = signedIn.get(token);
      if (!person) throw new Error('not signed in');
      if (request && request.user?.id !== person.id)
        throw new Error('only the user the agent acts for may approve');
      const approver = { ...person, human: true };
      return approver;
    },
    allowSelfApproval: (request, approver) => approver.id === request.user?.id,
  });
  closers.push(() => service.close());
  const scope = createCallScope();
  const recorder = createMemoryRecorder();
  const palisade: Enforcement = {
    verifier: tokenVerifier(),
    decider: ruleDecider([
      {
        id: 'large-transfers',
        when: (request) => (request.input as { amount: number }).amount > 1000,
        effect: 'approve',
        reason: 'transfers over 1000 need your confirmation',
      },
      { id: 'transfers', when: () => true, effect: 'allow', reason: 'small transfers are fine' },
    ]),
    recorder,
    approvals: createApprovalGate({ service, mode: 'interrupt' }),
    scope,
  };
  const sent: number[] = [];
  const settings = guardedToolSettings(
    {
      sendMoney: tool({
        description: 'Send money',
        inputSchema: z.object({ iban: z.string(), amount: z.number() }),
        execute: async ({ amount }) => {
          sent.push(amount);
          return { sent: amount };
        },
      }),
    },
    palisade,
    { effects: { sendMoney: 'send' }, approvals: service },
  );
  const model = scriptedModel([
    { toolCalls: [{ id: 'call-1', name: 'sendMoney', input: { iban: 'DE89 3704', amount: 2500 } }] },
    { text: 'Sent 2500 to DE89 3704.' },
  ]);

  /** `app/api/chat/route.ts`: POST { messages } with the session cookie. */
  async function POST(request: Request): Promise<Response> {
    const session = request.headers.get('cookie')?.replace('session=', '') ?? '';
    if (!signedIn.has(session)) return new Response('sign in first', { status: 401 });
    const { messages: uiMessages } = (await request.json()) as { messages: UIMessage[] };
    const messages = await convertToModelMessages(uiMessages);
    // The user's answer to a pending approval, recorded as theirs with the credential they signed in with.
    try {
      await recordApprovalResponses(messages, { approvals: service, approverCredential: session, palisade });
    } catch (error) {
      if (ApproverRejectedError.isInstance(error))
        return new Response('not yours to approve', { status: 403 });
      throw error;
    }
    const result = scope.run({ credential: 'agent-token', sessionId: 'chat-1' }, () =>
      streamText({ model, ...settings, messages, stopWhen: stepCountIs(3) }),
    );
    return result.toUIMessageStreamResponse();
  }
  return { POST, sent, service, recorder };
}

/** The browser side of `useChat`: posts the messages and reads the UI message stream back. */
async function send(app: ReturnType<typeof chatApp>, messages: UIMessage[], session: string) {
  const response = await app.POST(
    new Request('http://app.test/api/chat', {
      method: 'POST',
      headers: { cookie: `session=${session}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages }),
    }),
  );
  expect(response.status).toBe(200);
  // As useChat does, a response that goes on after an approval continues the last assistant message.
  const previous = messages.at(-1);
  let last = previous?.role === 'assistant' ? previous : undefined;
  const stream = response.body!.pipeThrough(new TextDecoderStream()).pipeThrough(sseToChunks());
  for await (const message of readUIMessageStream({ stream, ...(last ? { message: last } : {}) }))
    last = message;
  return last!;
}

/** Parses the server-sent events of a UI message stream into its chunks. */
function sseToChunks() {
  let buffer = '';
  return new TransformStream<string, never>({
    transform(text, controller) {
      buffer += text;
      const events = buffer.split('\n\n');
      buffer = events.pop() ?? '';
      for (const event of events) {
        const data = event.replace(/^data: /, '');
        if (data !== '[DONE]' && data !== '') controller.enqueue(JSON.parse(data) as never);
      }
    },
  });
}

/** What `addToolApprovalResponse({ id, approved })` does to the message holding the request. */
function answer(message: UIMessage, approved: boolean): UIMessage {
  return {
    ...message,
    parts: message.parts.map((part) =>
      isToolUIPart(part) && part.state === 'approval-requested'
        ? ({
            ...part,
            state: 'approval-responded',
            approval: { ...part.approval, approved },
          } as unknown as typeof part)
        : part,
    ),
  };
}

describe('the end user of a useChat app reviews their own agent', () => {
  it('runs the transfer once the signed-in user approves it, with no second credential', async () => {
    const app = chatApp();
    const user: UIMessage = {
      id: 'u1',
      role: 'user',
      parts: [{ type: 'text', text: 'Pay 2500 to DE89 3704' }],
    };

    const assistant = await send(app, [user], 'session-alice');
    const pending = assistant.parts.find((part) => isToolUIPart(part) && part.state === 'approval-requested');
    expect(pending).toMatchObject({
      approval: { requestReason: expect.stringMatching(/need your confirmation/) },
    });
    expect(app.sent).toEqual([]);

    const resumed = await send(app, [user, answer(assistant, true)], 'session-alice');
    expect(app.sent).toEqual([2500]);
    expect(
      resumed.parts.some((part) => part.type === 'text' && part.text === 'Sent 2500 to DE89 3704.'),
    ).toBe(true);
    const [request] = await app.service.list({});
    expect(request?.status).toBe('consumed');
    expect(request?.decision?.approver).toBe('alice');
  });

  it("refuses another signed-in user's answer: only the person the agent acts for may approve", async () => {
    const app = chatApp();
    const user: UIMessage = {
      id: 'u1',
      role: 'user',
      parts: [{ type: 'text', text: 'Pay 2500 to DE89 3704' }],
    };
    const assistant = await send(app, [user], 'session-alice');

    const response = await app.POST(
      new Request('http://app.test/api/chat', {
        method: 'POST',
        headers: { cookie: 'session=session-mallory' },
        body: JSON.stringify({ messages: [user, answer(assistant, true)] }),
      }),
    );
    expect(response.status).toBe(403);
    expect(app.sent).toEqual([]);
    const [request] = await app.service.list({});
    expect(request?.status).toBe('pending');
  });

  it("sends the user's refusal to the model, and nothing runs", async () => {
    const app = chatApp();
    const user: UIMessage = {
      id: 'u1',
      role: 'user',
      parts: [{ type: 'text', text: 'Pay 2500 to DE89 3704' }],
    };
    const assistant = await send(app, [user], 'session-alice');
    await send(app, [user, answer(assistant, false)], 'session-alice');
    expect(app.sent).toEqual([]);
    const [request] = await app.service.list({});
    expect(request?.status).toBe('denied');
    expect(app.recorder.records.at(-1)?.outcome?.status).toBe('denied');
  });
});
