import { canonicalJson } from '@palisade/core';
const data = { callId: `call-1`, tool: 'update_ticket', request: { agent: 'spiffe://acme.example/agent/support-bot', user: 'alice', roles: ['support'], delegation: ['alice', 'spiffe://acme.example/agent/support-bot'], effect: 'write', inputDigest: 'a'.repeat(64), labels: [], time: 1700000000000 }, decision: { effect: 'allow', reason: 'allow', ruleIds: ['r1'], policyVersion: 'sha256:x', obligations: [] } };
function fast(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string': return JSON.stringify(value);
    case 'number': if (!Number.isFinite(value)) throw new TypeError('x'); return JSON.stringify(value);
    case 'boolean': return value ? 'true' : 'false';
    case 'object': break;
    default: throw new TypeError('x');
  }
  if (Array.isArray(value)) { let out = '['; for (let i = 0; i < value.length; i++) { if (i) out += ','; out += fast(value[i]); } return out + ']'; }
  const o = value as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  let out = '{'; let first = true;
  for (const k of keys) { const v = o[k]; if (v === undefined) continue; if (!first) out += ','; first = false; out += JSON.stringify(k) + ':' + fast(v); }
  return out + '}';
}
for (const [name, fn] of [['canonicalJson', canonicalJson], ['fast', fast], ['JSON.stringify', JSON.stringify]] as const) {
  for (let i = 0; i < 20000; i++) fn(data);
  const t0 = performance.now();
  for (let i = 0; i < 200000; i++) fn(data);
  console.log(name, ((performance.now() - t0) * 1000 / 200000).toFixed(2), 'us');
}
