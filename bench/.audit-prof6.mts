import { canonicalJson } from '@palisade/core';
const data = { callId: `call-1`, tool: 'update_ticket', request: { agent: 'spiffe://acme.example/agent/support-bot', user: 'alice', roles: ['support'], delegation: ['alice', 'spiffe://acme.example/agent/support-bot'], effect: 'write', inputDigest: 'a'.repeat(64), labels: [], time: 1700000000000 }, decision: { effect: 'allow', reason: 'allow', ruleIds: ['r1'], policyVersion: 'sha256:x', obligations: [] } };
const SPECIAL = /["\\\u0000-\u001f\ud800-\udfff]/;
function str(s: string): string { return SPECIAL.test(s) ? JSON.stringify(s) : `"${s}"`; }
function fast(value: unknown, stack: object[]): string {
  if (value === null) return 'null';
  const t = typeof value;
  if (t === 'string') return str(value as string);
  if (t === 'number') { if (!Number.isFinite(value)) throw new TypeError('x'); return String(value); }
  if (t === 'boolean') return value ? 'true' : 'false';
  if (t !== 'object') throw new TypeError('x');
  const o = value as Record<string, unknown> & { toJSON?: () => unknown };
  if (typeof o.toJSON === 'function') return fast(o.toJSON(), stack);
  if (stack.includes(o)) throw new TypeError('cycle');
  stack.push(o);
  let out: string;
  if (Array.isArray(o)) { out = '['; for (let i = 0; i < o.length; i++) { if (i) out += ','; const v = o[i]; if (v === undefined) throw new TypeError('u'); out += fast(v, stack); } out += ']'; }
  else {
    const keys = Object.keys(o).sort();
    out = '{'; let first = true;
    for (let i = 0; i < keys.length; i++) { const k = keys[i]!; const v = o[k]; if (v === undefined) continue; if (first) first = false; else out += ','; out += str(k); out += ':'; out += fast(v, stack); }
    out += '}';
  }
  stack.pop();
  return out;
}
const f2 = (v: unknown) => fast(v, []);
if (f2(data) !== canonicalJson(data)) throw new Error('mismatch');
for (let round = 0; round < 2; round++)
for (const [name, fn] of [['canonicalJson', canonicalJson], ['fast2', f2], ['JSON.stringify', JSON.stringify]] as const) {
  for (let i = 0; i < 20000; i++) fn(data);
  const t0 = performance.now();
  for (let i = 0; i < 200000; i++) fn(data);
  console.log(name, ((performance.now() - t0) * 1000 / 200000).toFixed(2), 'us');
}
