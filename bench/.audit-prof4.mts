import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditChain, createFileChainStore } from '@palisade/audit';
const N = 100000;
const dir = mkdtempSync(join(tmpdir(), 'prof4-'));
for (const durable of [false, true]) {
  const chain = createAuditChain({ store: createFileChainStore({ path: join(dir, `a-${durable}.jsonl`) }), checkpointIntervalMillis: 0 });
  let batches = 0;
  const t0 = performance.now(); const c0 = process.cpuUsage();
  for (let w = 0; w < N; w += 1000) { const ps = [];
  for (let i = w; i < w + 1000; i++) ps.push(chain.append({ type: 'intent', key: `intent:call-${i}`, data: { callId: `call-${i}`, tool: 'update_ticket', request: { agent: 'spiffe://acme.example/agent/support-bot', user: 'alice', roles: ['support'], delegation: ['alice', 'spiffe://acme.example/agent/support-bot'], effect: 'write', inputDigest: 'a'.repeat(64), labels: [], time: 1700000000000 }, decision: { effect: 'allow', reason: 'allow', ruleIds: ['r1'], policyVersion: 'sha256:x', obligations: [] } } }, { durable }));
  await Promise.all(ps); }
  await chain.close();
  const c = process.cpuUsage(c0); console.log('durable', durable, Math.round(N / ((performance.now() - t0) / 1000)), 'records/s wall;', Math.round(N / ((c.user + c.system) / 1e6)), 'records per cpu-s');
}
