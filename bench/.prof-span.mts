import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { context, trace } from '@opentelemetry/api';
import { hash } from 'node:crypto';
import { canonicalJson } from '@palisade/core';
const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: { export: (_s, d) => d({ code: 0 }), shutdown: async () => {} }, maxQueueSize: 65536 })] });
const tracer = provider.getTracer('x');
const N = 200000;
function t(label: string, fn: (i: number) => void) { for (let i = 0; i < 20000; i++) fn(i); const s = performance.now(); for (let i = 0; i < N; i++) fn(i); console.log(label.padEnd(30), ((performance.now() - s) * 1000 / N).toFixed(2), 'us'); }
const ruleIds = ['r1']; const deleg = ['alice', 'spiffe://acme.example/agent/support-bot']; const labels: string[] = []; const roles = ['support'];
t('startSpan/end', () => tracer.startSpan('x').end());
t('startActiveSpan/end', () => tracer.startActiveSpan('x', (s) => s.end()));
t('6 start attrs', (i) => tracer.startSpan('execute_tool get_ticket', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_ticket', 'gen_ai.tool.call.id': `c${i}`, 'gen_ai.tool.type': 'function', 'palisade.action.kind': 'tool', 'palisade.effect': 'read' } }).end());
t('6 start + 13 more', (i) => { const s = tracer.startSpan('execute_tool get_ticket', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_ticket', 'gen_ai.tool.call.id': `c${i}`, 'gen_ai.tool.type': 'function', 'palisade.action.kind': 'tool', 'palisade.effect': 'read' } });
  s.setAttributes({ 'palisade.decision': 'allow', 'palisade.rule_ids': ruleIds, 'palisade.policy.version': 'sha256:v1', 'palisade.decision.reason': 'allowed', 'palisade.input.digest': 'a'.repeat(64), 'gen_ai.agent.id': 'spiffe://x', 'palisade.delegation.chain': deleg, 'palisade.session.labels': labels, 'gen_ai.agent.name': 'bot', 'user.id': 'alice', 'user.roles': roles });
  s.setAttribute('palisade.outcome', 'ok'); s.end(); });
t('same, no arrays', (i) => { const s = tracer.startSpan('execute_tool get_ticket', { attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'get_ticket', 'gen_ai.tool.call.id': `c${i}`, 'gen_ai.tool.type': 'function', 'palisade.action.kind': 'tool', 'palisade.effect': 'read' } });
  s.setAttributes({ 'palisade.decision': 'allow', 'palisade.policy.version': 'sha256:v1', 'palisade.decision.reason': 'allowed', 'palisade.input.digest': 'a'.repeat(64), 'gen_ai.agent.id': 'spiffe://x', 'gen_ai.agent.name': 'bot', 'user.id': 'alice' });
  s.setAttribute('palisade.outcome', 'ok'); s.end(); });
t('digest canonicalJson', (i) => hash('sha256', canonicalJson({ id: `T-${i}` }), 'hex'));
