import { createPolicyEngine, definePolicy } from '@palisade/policy';
const AGENT = 'spiffe://acme.example/agent/support-bot';
const size = 1000;
const tools: Record<string, { effect: 'read' }> = {};
const rules = [];
for (let i = 0; i < size; i++) { tools[`tool_${i}`] = { effect: 'read' }; rules.push({ id: `rule_${i}`, effect: 'allow' as const, tools: [`tool_${i}`], agents: [AGENT], roles: ['support'], when: { 'input.amount': { lte: 100 } } }); }
const engine = createPolicyEngine({ policy: definePolicy({ tools, rules }) });
const reqs = Array.from({ length: 64 }, (_, i) => ({ kind: 'tool' as const, name: `tool_${(i * 7919) % size}`, effect: 'read' as const, input: { amount: i % 3 === 0 ? 250 : 40 }, callId: 'b', principal: { agent: { id: AGENT }, user: { id: 'alice', roles: ['support'] }, delegation: [], scopes: [], claims: {} }, context: { time: 0, labels: [], userMessages: [], attributes: {} } }));
let n = 0;
for (let round = 0; round < 5; round++) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < 1_000_000; i++) if (engine.decide(reqs[i & 63]!).effect === 'allow') n++;
  console.log(Number(process.hrtime.bigint() - t) / 1e6 / 1000, 'us/decision');
}
