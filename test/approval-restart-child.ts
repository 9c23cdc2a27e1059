/**
 * A separate process for the restart and cross-process tests of approvals (not a test file).
 *
 *   propose <store-url> <key-hex> <count>   proposes <count> requests, approves the first, prints
 *                                            {"ids":[...]} and then idles until killed
 *   consume <store-url> <key-hex> <id,...>  consumes each id once and prints {"won":[...]}
 *
 * Store URLs: sqlite:<path> | postgres://...#<table> | redis://...#<key-prefix>
 */
import { createSecretKey } from 'node:crypto';
import { type ApprovalService, createApprovalService, createSqliteApprovalStore } from '@palisade/approval';
import type { ApprovalStore } from '@palisade/core';
import { createPostgresApprovalStore } from '@palisade/store-postgres';
import { createRedisApprovalStore } from '@palisade/store-redis';

export function openStore(url: string): ApprovalStore {
  if (url.startsWith('sqlite:')) return createSqliteApprovalStore({ path: url.slice('sqlite:'.length) });
  const [base, fragment] = url.split('#') as [string, string | undefined];
  if (url.startsWith('postgres://'))
    return createPostgresApprovalStore({ connectionString: base, tableName: fragment });
  if (url.startsWith('redis://')) return createRedisApprovalStore({ url: base, keyPrefix: fragment });
  throw new Error(`unsupported store url ${url}`);
}

export function openService(store: ApprovalStore, keyHex: string): ApprovalService {
  return createApprovalService({
    store,
    approvers: (credential) => {
      if (credential !== 'approver-secret') throw new Error('unknown approver');
      return { id: 'bob', roles: ['approver'], human: true };
    },
    signingKey: createSecretKey(Buffer.from(keyHex, 'hex')),
    defaultTtlMs: 3_600_000,
  });
}

export function restartProposal(index: number) {
  return {
    tool: 'wire_transfer',
    input: {
      iban: `DE89370400440532013${String(index).padStart(3, '0')}`,
      amount: 1000 + index,
      memo: 'Q3 — ünïcödé',
    },
    effect: 'send' as const,
    target: 'bank',
    agent: { id: 'spiffe://acme.test/agent/treasury' },
    user: { id: 'alice', roles: ['finance'] },
    rationale: `Invoice ${index} is due`,
  };
}

async function main(): Promise<void> {
  const [mode, url, keyHex, arg] = process.argv.slice(2);
  if (!mode || !url || !keyHex || arg === undefined)
    throw new Error('usage: <mode> <store-url> <key-hex> <arg>');
  const store = openStore(url);
  const service = openService(store, keyHex);
  if (mode === 'propose') {
    const ids: string[] = [];
    for (let index = 0; index < Number(arg); index += 1)
      ids.push((await service.propose(restartProposal(index))).id);
    await service.decide({ approvalId: ids[0]!, approve: true, approverCredential: 'approver-secret' });
    process.stdout.write(`${JSON.stringify({ ids })}\n`);
    // Stay alive holding connections and timers, as a real server would, until killed.
    setInterval(() => undefined, 60_000);
    return;
  }
  if (mode === 'consume') {
    const won: string[] = [];
    const entries = arg.split(',');
    await Promise.all(
      entries.map(async (entry) => {
        const [id, digest] = entry.split(':') as [string, string];
        const result = await service.consume(id, digest);
        if (result.ok) won.push(id);
      }),
    );
    process.stdout.write(`${JSON.stringify({ won })}\n`);
    service.close();
    await store.dispose();
    return;
  }
  throw new Error(`unknown mode ${mode}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
