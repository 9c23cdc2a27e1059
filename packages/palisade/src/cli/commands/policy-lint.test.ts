import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECOMMENDED_PROFILE } from '@palisade/policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { run } from './policy.js';

const LEAKY = `tools:
  read_inbox: { effect: read, trust: untrusted }
  read_vault: { effect: read, output: { labels: [secret] } }
  send_email: { effect: send, critical: [to] }
rules:
  - id: assistant
    effect: allow
    agents: ['spiffe://acme.example/agent/assistant']
    roles: [staff]
    approval: none
`;

let dir: string;

function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (text) => out.push(text), stderr: (text) => err.push(text), env: {}, cwd: dir };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'palisade-lint-'));
  await writeFile(join(dir, 'leaky.yaml'), LEAKY);
  // The recommended profile's rules appended to the same policy, as a user copies them from the docs.
  const profileRules = RECOMMENDED_PROFILE.split('\nrules:\n')[1] as string;
  const [rules, egress] = profileRules.split('\negress:\n') as [string, string];
  await writeFile(join(dir, 'contained.yaml'), `${LEAKY}${rules}\negress:\n${egress}`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('palisade policy lint', () => {
  it('reports each unguarded flow with file:line and exits 1', async () => {
    const { io, out } = fakeIo();
    expect(await run(['lint', 'leaky.yaml'], io)).toBe(1);
    expect(out()).toMatch(
      /^leaky\.yaml:6:5 agent spiffe:\/\/acme\.example\/agent\/assistant: may read untrusted text \(read_inbox, rules\[0\] leaky\.yaml:6:5\), read data labelled secret \(read_vault, rules\[0\] leaky\.yaml:6:5\) and reach send_email \(rules\[0\] leaky\.yaml:6:5\) with neither a deny nor an approval between them\n/,
    );
    expect(out()).toContain('1 flow finding(s)');
  });

  it('passes the same policy with the recommended profile copied in', async () => {
    const { io, out } = fakeIo();
    expect(await run(['lint', 'contained.yaml'], io)).toBe(0);
    expect(out()).toBe('ok contained.yaml: no flow findings\n');
  });

  it('prints JSON on request and needs a file', async () => {
    const json = fakeIo();
    expect(await run(['lint', '--json', 'leaky.yaml'], json.io)).toBe(1);
    expect(JSON.parse(json.out())[0].findings[0].sink).toMatchObject({ tool: 'send_email', line: 6 });
    const usage = fakeIo();
    expect(await run(['lint'], usage.io)).toBe(2);
  });
});
