import { createAgent, createMiddleware, FakeToolCallingModel, tool } from 'langchain';
import { getConfig } from '@langchain/langgraph';
import { z } from 'zod';
const read = tool(async ({ id }, config) => `ticket ${id} ${JSON.stringify((config as any).context)}`, { name: 'read', description: 'r', schema: z.object({ id: z.string() }) });
const mw = createMiddleware({
  name: 'X',
  beforeModel: async (_state, runtime) => { console.log('before runtime.context', JSON.stringify(runtime.context), 'getConfig', JSON.stringify(getConfig().context)); return undefined; },
  wrapToolCall: async (request, handler) => { console.log('wrap ctx', JSON.stringify(request.runtime.context)); return handler(request); },
});
const model = new FakeToolCallingModel({ toolCalls: [[{ name: 'read', args: { id: 'T1' }, id: 'c1' }], []] });
const agent = createAgent({ model, tools: [read], middleware: [mw], contextSchema: z.object({ userId: z.string() }) });
const r = await agent.invoke({ messages: [{ role: 'user', content: 'hi' }] }, { context: { userId: 'u', credential: 'tok' } as any });
console.log(r.messages.map((m: any) => m.content));
