import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditChain, createFileChainStore, createMemoryChainStore } from '@palisade/audit';
import { fastCanonicalJson } from '../packages/audit/src/internal/fast-canonical-json.ts';
import { linkRecord } from '../packages/audit/src/internal/chain-record.ts';
const N = 50000;
const mk = (i: number) => ({ callId: `call-${i}`, tool: 'update_ticket', request: { agent: 'spiffe://acme.example/agent/support-bot', user: 'alice', roles: ['support'], delegation: ['alice', 'spiffe://acme.example/agent/support-bot'], effect: 'write', inputDigest: 'a'.repeat(64), labels: [], time: 1700000000000 }, decision: { effect: 'allow', reason: 'allow', ruleIds: ['r1'], policyVersion: 'sha256:x', obligations: [] } });
function cpu<T>(label: string, fn: () => T): T { const c0 = process.cpuUsage(); const r = fn(); const c = process.cpuUsage(c0); console.log(label, ((c.user + c.system) / N).toFixed(2), 'us cpu per record'); return r; }
async function cpuA(label: string, fn: () => Promise<unknown>) { const c0 = process.cpuUsage(); await fn(); const c = process.cpuUsage(c0); console.log(label, ((c.user + c.system) / N).toFixed(2), 'us cpu per record'); }
const jsons = cpu('canonical', () => Array.from({ length: N }, (_, i) => fastCanonicalJson(mk(i))));
let prev = '0'.repeat(64);
cpu('link', () => { for (let i = 0; i < N; i++) { const r = linkRecord({ seq: i, prev, type: 'intent', time: 1, key: `k${i}`, dataJson: jsons[i]! }); prev = r.hash; } });
const dir = mkdtempSync(join(tmpdir(), 'prof7-'));
for (const [name, store] of [['memory', createMemoryChainStore()], ['file', createFileChainStore({ path: join(dir, 'a.jsonl') })]] as const) {
  const chain = createAuditChain({ store, checkpointIntervalMillis: 0 });
  await cpuA(`chain ${name}`, async () => { for (let w = 0; w < N; w += 1000) { const ps = []; for (let i = w; i < w + 1000; i++) ps.push(chain.append({ type: 'intent', key: `intent:${i}`, data: mk(i) })); await Promise.all(ps); } await chain.flush(); });
  await chain.close();
}
