import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { run } from './agents.js';

const REGISTRY = `
trustDomain: acme.example
audit: true
agents:
  - name: support-bot
    owner: team-support
    purpose: Answers support tickets
    tools: [get_ticket, send_reply]
  - name: greedy-bot
    owner: team-growth
    purpose: Does everything
    tools: ['*']
`;

let dir: string;

function fakeIo(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (text) => out.push(text), stderr: (text) => err.push(text), env, cwd: dir };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'palisade-agents-'));
  await writeFile(join(dir, 'agents.yaml'), REGISTRY);
  await writeFile(
    join(dir, 'no-audit.json'),
    JSON.stringify({
      trustDomain: 'acme.example',
      agents: [{ name: 'a', owner: 'o', purpose: 'p', tools: ['t'] }],
    }),
  );
  await writeFile(
    join(dir, 'broken.yaml'),
    'agents: [ { name: "bad name", owner: o, purpose: p, tools: [t] } ]',
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('palisade agents', () => {
  it('list prints every agent', async () => {
    const { io, out } = fakeIo();
    expect(await run(['list', '--registry', 'agents.yaml'], io)).toBe(0);
    expect(out()).toMatch(
      /spiffe:\/\/acme\.example\/agent\/support-bot\s+active\s+team-support\s+get_ticket,send_reply/,
    );
    expect(out()).toMatch(/greedy-bot/);
  });

  it('check exits 1 when an agent has a wildcard permission, 0 for a clean one', async () => {
    const failing = fakeIo();
    expect(await run(['check', '--registry', 'agents.yaml'], failing.io)).toBe(1);
    expect(failing.out()).toMatch(/FAIL spiffe:\/\/acme\.example\/agent\/greedy-bot/);
    expect(failing.out()).toMatch(/FAIL no-wildcard-permissions\s+wildcards: \*/);
    expect(failing.out()).toMatch(/Pre-deployment checks failed/);

    const passing = fakeIo({ PALISADE_AGENT_REGISTRY: join(dir, 'agents.yaml') });
    expect(await run(['check', '--agent', 'support-bot'], passing.io)).toBe(0);
    expect(passing.out()).toMatch(/All checks passed/);
  });

  it('check fails when audit is off in the registry file', async () => {
    const { io, out } = fakeIo();
    expect(await run(['check', '--registry', 'no-audit.json', '--json'], io)).toBe(1);
    const report = JSON.parse(out());
    expect(report.agents[0].items.find((item: { ok: boolean }) => !item.ok).check).toBe('audit-enabled');
  });

  it('reports bad input with exit code 2', async () => {
    for (const args of [
      [],
      ['frobnicate'],
      ['list'],
      ['list', '--registry', 'missing.yaml'],
      ['list', '--registry', 'broken.yaml'],
      ['list', '--agent', 'x', '--registry', 'agents.yaml'],
      ['check', '--bogus'],
    ]) {
      const { io, err } = fakeIo();
      expect(await run(args, io), args.join(' ')).toBe(2);
      expect(err()).toMatch(/^palisade agents: /);
    }
    const { io, err } = fakeIo();
    await run(['list'], io);
    expect(err()).toMatch(/--registry is required/);
  });
});
