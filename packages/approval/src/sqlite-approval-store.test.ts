import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { ApprovalRequest } from '@palisade/core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSqliteApprovalStore } from './sqlite-approval-store.js';

const request: ApprovalRequest = {
  id: 'req-1',
  digest: 'a'.repeat(64),
  status: 'pending',
  createdAt: 1_000,
  expiresAt: 61_000,
  kind: 'tool',
  tool: 'delete_user',
  effect: 'delete',
  target: 'crm',
  input: { user: 'u-42', hard: true },
  callId: 'call-1',
  agent: { id: 'spiffe://acme.test/agent/ops' },
  delegation: ['spiffe://acme.test/agent/ops'],
  rationale: 'GDPR erasure request',
  sideEffects: ['deletes data on crm'],
};

describe('createSqliteApprovalStore', () => {
  let directory: string;
  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'palisade-sqlite-'));
  });
  afterEach(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  it('says which Node.js it needs, and the alternatives, on a runtime without node:sqlite', () => {
    // What Node.js 20 answers: no `node:sqlite` built-in.
    const spy = vi.spyOn(process, 'getBuiltinModule').mockReturnValue(undefined);
    try {
      expect(() => createSqliteApprovalStore({ path: join(directory, 'old-node.db') })).toThrow(
        /needs node:sqlite, which Node\.js .* does not have: use Node\.js >= 22\.5, or another approval store/,
      );
    } finally {
      spy.mockRestore();
    }
  });

  it('keeps requests in the file across store instances (a restart)', async () => {
    const path = join(directory, 'approvals.db');
    const first = createSqliteApprovalStore({ path });
    await first.insert(request);
    await first.dispose();
    const second = createSqliteApprovalStore({ path });
    expect(await second.get('req-1')).toEqual(request);
    expect(await second.list({ status: 'pending' })).toEqual([request]);
    await second.dispose();
  });

  it('refuses a damaged row instead of returning something that might be trusted', async () => {
    const path = join(directory, 'approvals.db');
    const store = createSqliteApprovalStore({ path, tableName: 'approvals' });
    await store.insert(request);
    const database = new DatabaseSync(path);
    database.prepare(`UPDATE approvals SET status = 'granted' WHERE id = ?`).run('req-1');
    database.close();
    await expect(store.get('req-1')).rejects.toThrow(/damaged/);
    await store.dispose();
  });

  it('validates its options', () => {
    expect(() => createSqliteApprovalStore({ path: '' })).toThrow(/path/);
    expect(() => createSqliteApprovalStore({ path: ':memory:', tableName: 'x; DROP TABLE y' })).toThrow(
      /tableName/,
    );
    expect(() => createSqliteApprovalStore({ path: ':memory:', busyTimeoutMs: -1 })).toThrow(/busyTimeoutMs/);
  });
});
