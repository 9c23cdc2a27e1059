import { createSecretKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApprovalService, createApprovalService, createSqliteApprovalStore } from '@palisade/approval';
import { type ApprovalRequest, type ApprovalStore, actionDigest } from '@palisade/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { run } from './approvals.js';

function fakeIo(cwd: string, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (text) => out.push(text), stderr: (text) => err.push(text), env, cwd };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

/** The `actionDigest()` of the proposed call, as the app computes it when the call resumes. */
function callDigest(request: ApprovalRequest): string {
  return actionDigest({
    tool: request.tool,
    input: request.input,
    agent: request.agent.id,
    user: request.user?.id,
  });
}

describe('palisade approvals', () => {
  let directory: string;
  let store: ApprovalStore;
  let service: ApprovalService;
  let request: ApprovalRequest;
  const secret = randomBytes(32);

  beforeEach(async () => {
    directory = mkdtempSync(join(tmpdir(), 'palisade-cli-approvals-'));
    writeFileSync(join(directory, 'signing.key'), secret);
    store = createSqliteApprovalStore({ path: join(directory, 'approvals.db') });
    service = createApprovalService({
      store,
      approvers: () => {
        throw new Error('not used');
      },
      signingKey: createSecretKey(secret),
    });
    request = await service.propose({
      tool: 'wire_transfer',
      input: { iban: 'DE89370400440532013000', amount: 1250.5, memo: 'Invoice 42' },
      effect: 'send',
      target: 'bank',
      agent: { id: 'spiffe://acme.test/agent/treasury' },
      user: { id: 'alice', roles: ['finance'] },
      rationale: 'Invoice 42 is due today',
    });
  });

  afterEach(async () => {
    service.close();
    await store.dispose();
    rmSync(directory, { recursive: true, force: true });
  });

  it('lists pending requests from the store named by URL (relative to the working directory)', async () => {
    const { io, out } = fakeIo(directory);
    expect(await run(['list', '--store', 'sqlite:approvals.db'], io)).toBe(0);
    expect(out()).toMatch(/^ID\s+STATUS\s+TOOL/);
    expect(out()).toContain(request.id);
    expect(out()).toMatch(
      /wire_transfer\s+send\s+bank\s+spiffe:\/\/acme\.test\/agent\/treasury\s+alice\s+14m \d+s/,
    );

    const json = fakeIo(directory, { PALISADE_APPROVAL_STORE: `sqlite:${join(directory, 'approvals.db')}` });
    expect(await run(['list', '--json'], json.io)).toBe(0);
    expect(JSON.parse(json.out())).toEqual([request]);
  });

  it('shows one request with its exact payload in full', async () => {
    const { io, out } = fakeIo(directory);
    expect(await run(['show', request.id, '--store', 'sqlite:approvals.db'], io)).toBe(0);
    expect(out()).toContain('Rationale    Invoice 42 is due today');
    expect(out()).toContain('Delegation   alice -> spiffe://acme.test/agent/treasury');
    expect(out()).toContain(`Digest       ${request.digest}`);
    expect(out()).toContain(JSON.stringify(request.input, null, 2));
  });

  it('approves with the signing key, producing a decision the service verifies and can consume', async () => {
    const { io, out } = fakeIo(directory);
    const code = await run(
      [
        'approve',
        request.id,
        '--store',
        'sqlite:approvals.db',
        '--signing-key',
        'signing.key',
        '--approver',
        'bob',
        '--reason',
        'matches the invoice',
        '--digest',
        request.digest,
      ],
      io,
    );
    expect(code).toBe(0);
    expect(out()).toMatch(new RegExp(`^Approved ${request.id} \\(wire_transfer\\) as bob`));
    const stored = await service.get(request.id);
    expect(stored?.decision).toMatchObject({ approve: true, approver: 'bob', reason: 'matches the invoice' });
    expect(service.verifyDecision(stored!.decision!)).toBe(true);
    expect(await service.consume(request.id, callDigest(request))).toMatchObject({ ok: true });

    const again = fakeIo(directory);
    expect(
      await run(
        [
          'deny',
          request.id,
          '--store',
          'sqlite:approvals.db',
          '--signing-key',
          'signing.key',
          '--approver',
          'bob',
        ],
        again.io,
      ),
    ).toBe(1);
    expect(again.err()).toMatch(/already consumed/);
  });

  // Attack (issue 12, item 4): an agent's identity decides from the command line.
  it('refuses an agent as the approver (ERR_APPROVER_REJECTED), deciding nothing', async () => {
    const base = ['--store', 'sqlite:approvals.db', '--signing-key', 'signing.key'];
    for (const agent of ['spiffe://acme.test/agent/treasury', 'spiffe://acme.test/agent/other-bot']) {
      const attempt = fakeIo(directory);
      expect(await run(['approve', request.id, ...base, '--approver', agent], attempt.io)).toBe(1);
      expect(attempt.err()).toMatch(/Only a person may decide an approval.*ERR_APPROVER_REJECTED/);
    }
    expect((await service.get(request.id))?.status).toBe('pending');
  });

  it('denies, and refuses self-approval, a wrong digest and a foreign key', async () => {
    const self = fakeIo(directory);
    const base = ['--store', 'sqlite:approvals.db', '--signing-key', 'signing.key'];
    expect(await run(['approve', request.id, ...base, '--approver', 'alice'], self.io)).toBe(1);
    expect(self.err()).toMatch(/may not approve a request it is part of/);

    const wrongDigest = fakeIo(directory);
    expect(
      await run(
        ['approve', request.id, ...base, '--approver', 'bob', '--digest', 'f'.repeat(64)],
        wrongDigest.io,
      ),
    ).toBe(1);
    expect((await service.get(request.id))?.status).toBe('pending');

    // Decided with another key, the approval cannot be used by the service.
    writeFileSync(
      join(directory, 'other.pem'),
      generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    );
    const foreign = fakeIo(directory);
    expect(
      await run(
        [
          'approve',
          request.id,
          '--store',
          'sqlite:approvals.db',
          '--signing-key',
          'other.pem',
          '--approver',
          'bob',
        ],
        foreign.io,
      ),
    ).toBe(0);
    expect(await service.consume(request.id, callDigest(request))).toMatchObject({
      ok: false,
      reason: 'invalid-decision',
    });

    const next = await service.propose({
      tool: 'close_account',
      input: { account: 'X' },
      effect: 'delete',
      agent: { id: 'a' },
    });
    const denied = fakeIo(directory);
    expect(await run(['deny', next.id, ...base, '--approver', 'bob', '--json'], denied.io)).toBe(0);
    expect(JSON.parse(denied.out())).toMatchObject({ approve: false, approver: 'bob', digest: next.digest });
  });

  it('rejects bad usage with exit code 2, naming the problem', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /missing subcommand/],
      [['frobnicate'], /unknown subcommand "frobnicate"/],
      [['list'], /--store is required/],
      [['show', '--store', 'sqlite:x.db'], /show needs exactly one <id>/],
      [['list', 'extra', '--store', 'sqlite:x.db'], /list takes no <id>/],
      [['approve', 'id-1', '--store', 'sqlite:x.db'], /--approver is required/],
      [['approve', 'id-1', '--store', 'sqlite:x.db', '--approver', 'bob'], /--signing-key/],
      [['approve', 'id-1', '--store', 'sqlite:x.db', '--approver', 'bob', '--digest', 'xyz'], /--digest/],
      [['list', '--store', 'mysql://db'], /--store must be/],
      [['list', '--store', 'sqlite:x.db', '--table', 'bad name'], /tableName/],
      [['list', '--bogus'], /bogus/],
    ];
    for (const [args, message] of cases) {
      const { io, err } = fakeIo(directory);
      expect(await run(args, io), args.join(' ')).toBe(2);
      expect(err()).toMatch(message);
    }
  });

  it('reports an unknown id with exit code 1', async () => {
    const { io, err } = fakeIo(directory);
    expect(await run(['show', 'no-such-id', '--store', 'sqlite:approvals.db'], io)).toBe(1);
    expect(err()).toMatch(/does not exist/);
  });
});
