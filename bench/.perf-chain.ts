import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditChain, createFileChainStore } from '@palisade/audit';
const N = Number(process.env.N ?? 200_000);
const dir = mkdtempSync(join(tmpdir(), 'pchain-'));
const principal = { agent: { id: 'spiffe://acme.example/agent/support-bot' }, delegation: ['alice', 'spiffe://acme.example/agent/support-bot'] };
const record = (index: number) => ({
  callId: `call-${index}`,
  decision: { effect: 'allow', obligations: [], policyVersion: 'sha256:v1', reason: 'allowed', ruleIds: ['r1'] },
  request: { agent: principal.agent.id, delegation: [...principal.delegation], effect: 'write', inputDigest: 'a'.repeat(64), labels: [], roles: ['support'], time: 1_700_000_000_000 + index, user: 'alice' },
  tool: 'update_ticket',
});
for (const durable of [false, true]) {
  const chain = createAuditChain({ store: createFileChainStore({ path: join(dir, `a-${durable}.jsonl`) }), checkpointIntervalMillis: 0 });
  const start = performance.now();
  for (let base = 0; base < N; base += 1000) {
    const pending: Promise<unknown>[] = [];
    for (let index = base; index < base + 1000; index += 1) pending.push(chain.append({ type: 'intent', key: `intent:${index}`, data: record(index) }, { durable }));
    await Promise.all(pending);
  }
  await chain.close();
  console.log(durable, Math.round(N / ((performance.now() - start) / 1000)));
}
rmSync(dir, { recursive: true, force: true });
