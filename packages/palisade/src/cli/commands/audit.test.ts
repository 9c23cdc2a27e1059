import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuditChain, createFileChainStore } from '@palisade/audit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { run } from './audit.js';

let dir: string;
const { privateKey, publicKey } = generateKeyPairSync('ed25519');

function fakeIo(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (text) => out.push(text), stderr: (text) => err.push(text), env, cwd: dir };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'palisade-cli-audit-'));
  writeFileSync(join(dir, 'audit.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(
    join(dir, 'other.pub.pem'),
    generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }),
  );
  const chain = createAuditChain({
    store: createFileChainStore({ path: join(dir, 'audit.jsonl') }),
    signingKey: privateKey,
    checkpointEvery: 4,
    now: () => Date.UTC(2026, 10, 1, 9, 30),
  });
  for (let index = 0; index < 6; index += 1) {
    const callId = `call-${index}`;
    await chain.append({
      type: 'intent',
      key: `intent:${callId}`,
      data: {
        callId,
        tool: index === 5 ? 'send_email' : 'get_ticket',
        request: { agent: 'spiffe://acme.example/agent/support-bot', user: 'alice' },
        decision: { effect: 'allow', ruleIds: ['read-tickets'], policyVersion: 'sha256:v1' },
      },
    });
    await chain.append({
      type: 'result',
      key: `result:${callId}:ok`,
      data: { callId, tool: 'get_ticket', status: 'ok' },
    });
  }
  await chain.close();
  const lines = readFileSync(join(dir, 'audit.jsonl'), 'utf8').split('\n');
  lines[3] = lines[3]!.replace('"status":"ok"', '"status":"no"');
  writeFileSync(join(dir, 'tampered.jsonl'), lines.join('\n'));
  writeFileSync(
    join(dir, 'spans.jsonl'),
    `${JSON.stringify({
      traceId: 'a'.repeat(32),
      spanId: 'b'.repeat(16),
      name: 'execute_tool get_ticket',
      startTime: '2026-11-01T09:30:00.000Z',
      status: { code: 'UNSET' },
      attributes: { 'gen_ai.tool.call.id': 'c-1', 'palisade.decision': 'allow', 'user.id': 'alice' },
    })}\n`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('palisade audit verify', () => {
  it('verifies an intact log and its checkpoint signatures', async () => {
    const { io, out } = fakeIo();
    expect(await run(['verify', 'audit.jsonl', '--public-key', 'audit.pub.pem'], io)).toBe(0);
    expect(out()).toMatch(/^OK audit\.jsonl/);
    expect(out()).toMatch(/records\s+15/);
    expect(out()).toMatch(/checkpoints\s+3 \(signatures verified\)/);
    expect(out()).toMatch(/signed up to\s+sequence 14/);
  });

  it('says when signatures were not checked, and takes the key from the environment', async () => {
    const plain = fakeIo();
    expect(await run(['verify', 'audit.jsonl'], plain.io)).toBe(0);
    expect(plain.out()).toMatch(/signatures NOT checked/);
    const fromEnv = fakeIo({ PALISADE_AUDIT_PUBLIC_KEY_FILE: join(dir, 'audit.pub.pem') });
    expect(await run(['verify', join(dir, 'audit.jsonl')], fromEnv.io)).toBe(0);
    expect(fromEnv.out()).toMatch(/signatures verified/);
  });

  it('reports the first broken link with its line and exits 1', async () => {
    const { io, out } = fakeIo();
    expect(await run(['verify', 'tampered.jsonl'], io)).toBe(1);
    expect(out()).toMatch(/^TAMPERED tampered\.jsonl\n {2}hash-mismatch at line 4 \(sequence 3\)/);
    const json = fakeIo();
    expect(await run(['verify', 'tampered.jsonl', '--json'], json.io)).toBe(1);
    expect(JSON.parse(json.out())).toMatchObject({ ok: false, problem: 'hash-mismatch', position: 3 });
  });

  it('says the key does not match (not tampered) for checkpoints signed by another key', async () => {
    const { io, out } = fakeIo();
    expect(await run(['verify', 'audit.jsonl', '--public-key', 'other.pub.pem'], io)).toBe(1);
    expect(out()).toMatch(/^KEY MISMATCH /);
    expect(out()).toMatch(/wrong-key at line 5.*does not match this log/);
    expect(out()).not.toMatch(/TAMPERED/);
  });

  it('recognises a span file handed to verify', async () => {
    const { io, out } = fakeIo();
    expect(await run(['verify', 'spans.jsonl'], io)).toBe(1);
    expect(out()).toMatch(/looks like a JSON-lines span file/);
  });
});

describe('palisade audit tail and export', () => {
  it('tails the last records as a table, filtered by type', async () => {
    const { io, out } = fakeIo();
    expect(await run(['tail', 'audit.jsonl', '-n', '3'], io)).toBe(0);
    const lines = out().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEQ\s+TIME\s+TYPE\s+TOOL\s+CALL\s+DETAIL$/);
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatch(/^14\s+2026-11-01T09:30:00.000Z\s+checkpoint\s+-\s+-\s+signed up to 13 by key/);
    const intents = fakeIo();
    expect(await run(['tail', 'audit.jsonl', '--type', 'intent', '-n', '1'], intents.io)).toBe(0);
    expect(intents.out()).toMatch(
      /intent\s+send_email\s+call-5\s+decision=allow rules=read-tickets user=alice/,
    );
  });

  it('tails a JSON-lines span file', async () => {
    const { io, out } = fakeIo();
    expect(await run(['tail', 'spans.jsonl'], io)).toBe(0);
    expect(out()).toMatch(/span\s+execute_tool get_ticket\s+c-1\s+allow user=alice/);
  });

  it('exports flat JSON lines to standard output or a file, from a sequence number', async () => {
    const { io, out } = fakeIo();
    expect(await run(['export', 'audit.jsonl', '--type', 'intent'], io)).toBe(0);
    const records = out()
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toHaveLength(6);
    expect(records[0]).toMatchObject({
      timestamp: '2026-11-01T09:30:00.000Z',
      sequence: 0,
      type: 'intent',
      callId: 'call-0',
      tool: 'get_ticket',
      decision: 'allow',
      ruleIds: ['read-tickets'],
      policyVersion: 'sha256:v1',
      agent: 'spiffe://acme.example/agent/support-bot',
      user: 'alice',
    });
    const toFile = fakeIo();
    expect(await run(['export', 'audit.jsonl', '--from', '10', '--output', 'siem.jsonl'], toFile.io)).toBe(0);
    expect(toFile.err()).toMatch(/exported 5 record\(s\)/);
    const exported = readFileSync(join(dir, 'siem.jsonl'), 'utf8').trimEnd().split('\n');
    expect(exported.map((line) => (JSON.parse(line) as { sequence: number }).sequence)).toEqual([
      10, 11, 12, 13, 14,
    ]);
  });
});

describe('palisade audit usage', () => {
  it.each([
    [[], /Usage: palisade audit/],
    [['check', 'audit.jsonl'], /unknown command "check"/],
    [['verify'], /verify needs a <log>/],
    [['verify', 'missing.jsonl'], /no such log file: missing\.jsonl/],
    [['tail', 'audit.jsonl', '--type', 'span'], /--type must be/],
    [['tail', 'audit.jsonl', '-n', '0'], /--lines must be a positive integer/],
    [['export', 'audit.jsonl', '--from=-1'], /--from must be a sequence number/],
    [['verify', 'audit.jsonl', '--public-key', 'spans.jsonl'], /--public-key spans\.jsonl/],
    [['verify', 'audit.jsonl', '--table', 't'], /--table applies to a postgres/],
    [['verify', 'audit.jsonl', '--bogus'], /Unknown option '--bogus'/],
  ])('%j exits 2 with a clear message', async (args, message) => {
    const { io, out, err } = fakeIo();
    expect(await run(args as string[], io)).toBe(2);
    expect(out() + err()).toMatch(message);
  });

  it('prints help with --help', async () => {
    const { io, out } = fakeIo();
    expect(await run(['--help'], io)).toBe(0);
    expect(out()).toMatch(/verify <log>/);
  });
});
