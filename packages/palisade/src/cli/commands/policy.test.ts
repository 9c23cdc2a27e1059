import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { run } from './policy.js';

const AGENT = 'spiffe://acme.example/agent/support-bot';
const POLICY = `
tools:
  get_ticket: { effect: read, target: helpdesk, trust: untrusted }
  refund: { effect: write, target: payments }
rules:
  - id: read-tickets
    effect: allow
    tools: [get_ticket]
    agents: ['spiffe://acme.example/agent/support-*']
    roles: [support]
  - id: refunds
    effect: allow
    tools: [refund]
    agents: ['spiffe://acme.example/agent/support-*']
    roles: [support]
    approval: none
  - id: large-refunds
    effect: approve
    tools: [refund]
    when:
      input.amount: { gt: 100 }
`;

let dir: string;

function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (text) => out.push(text), stderr: (text) => err.push(text), env: {}, cwd: dir };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

const record = (amount: number, effect: string) =>
  JSON.stringify({
    request: {
      kind: 'tool',
      name: 'refund',
      effect: 'write',
      target: 'payments',
      input: { amount },
      callId: `c-${amount}`,
      principal: {
        agent: { id: AGENT },
        user: { id: 'alice', roles: ['support'] },
        delegation: [],
        scopes: [],
        claims: {},
      },
      context: { time: 0, labels: [], userMessages: [], attributes: {} },
    },
    decision: {
      effect,
      reason: 'recorded',
      ruleIds: ['refunds'],
      policyVersion: 'sha256:old',
      obligations: [],
    },
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'palisade-policy-cli-'));
  await writeFile(join(dir, 'policy.yaml'), POLICY);
  await writeFile(join(dir, 'broken.yaml'), 'tools:\n  refund: { effect: pay }\nrules: []\n');
  await writeFile(
    join(dir, 'policy.test.yaml'),
    `policy: policy.yaml
cases:
  - name: support reads tickets
    request: { tool: get_ticket, agent: '${AGENT}', user: { id: alice, roles: [support] } }
    expect: allow
  - name: large refunds need approval
    request: { tool: refund, agent: '${AGENT}', user: { id: alice, roles: [support] }, input: { amount: 500 } }
    expect: { effect: approve, ruleIds: [refunds, large-refunds] }
  - name: a wrong expectation fails
    request: { tool: refund, agent: '${AGENT}', user: { id: bob, roles: [] }, input: { amount: 5 } }
    expect: allow
`,
  );
  await writeFile(
    join(dir, 'trail.jsonl'),
    [record(50, 'allow'), record(500, 'allow'), '{ not json', record(20, 'deny'), ''].join('\n'),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('palisade policy', () => {
  it('validate prints the version of a good policy and every issue of a bad one', async () => {
    const good = fakeIo();
    expect(await run(['validate', 'policy.yaml'], good.io)).toBe(0);
    expect(good.out()).toMatch(
      /^ok policy\.yaml: 2 tools, 3 rules, 0 limits, 0 egress rules; version sha256:[0-9a-f]{64}\n$/,
    );
    const bad = fakeIo();
    expect(await run(['validate', 'policy.yaml', 'broken.yaml'], bad.io)).toBe(1);
    expect(bad.err()).toContain('broken.yaml:2:');
    expect(bad.err()).toContain('tools.refund.effect');
  });

  it('test runs the cases and fails on a wrong expectation', async () => {
    const { io, out } = fakeIo();
    expect(await run(['test', 'policy.test.yaml'], io)).toBe(1);
    expect(out()).toContain('pass  support reads tickets');
    expect(out()).toContain('pass  large refunds need approval');
    expect(out()).toContain('FAIL  a wrong expectation fails');
    expect(out()).toContain('expected allow, got deny');
    expect(out()).toContain('2 passed, 1 failed');
  });

  it('explain shows the decision and every rule considered', async () => {
    const { io, out } = fakeIo();
    const args = [
      'explain',
      '--policy',
      'policy.yaml',
      '--tool',
      'refund',
      '--agent',
      AGENT,
      '--user',
      'alice',
    ];
    expect(await run([...args, '--roles', 'support', '--input', '{"amount":50}'], io)).toBe(0);
    expect(out()).toContain('decision: ALLOW');
    expect(out()).toMatch(/✔ refunds\s+allow/);
    expect(out()).toContain('large-refunds');
    expect(out()).toContain('input.amount gt 100 is false (value a number)');
    const json = fakeIo();
    await run([...args, '--json'], json.io);
    expect(JSON.parse(json.out()).decision.effect).toBe('deny');
  });

  it('replay lists the decisions that would change and the lines it skipped', async () => {
    const { io, out, err } = fakeIo();
    expect(await run(['replay', '--policy', 'policy.yaml', '--trail', 'trail.jsonl'], io)).toBe(0);
    expect(out()).toContain('line 2  refund');
    expect(out()).toContain('allow -> approve');
    expect(out()).toContain('line 4  refund');
    expect(out()).toContain('3 decisions replayed');
    expect(out()).toContain('2 would change (allow->approve: 1, deny->allow: 1)');
    expect(err()).toContain('skipped line 3: not JSON');
    const strict = fakeIo();
    expect(
      await run(
        ['replay', '--policy', 'policy.yaml', '--trail', 'trail.jsonl', '--fail-on-change'],
        strict.io,
      ),
    ).toBe(1);
  });

  it('answers bad usage with exit code 2 and names the argument', async () => {
    const cases: [string[], string][] = [
      [[], 'Usage'],
      [['frobnicate'], 'unknown command "frobnicate"'],
      [['validate'], 'at least one policy file'],
      [['explain', '--tool', 'x'], '--policy'],
      [['explain', '--policy', 'policy.yaml', '--tool', 'refund'], '--agent'],
      [
        ['explain', '--policy', 'policy.yaml', '--tool', 'refund', '--agent', 'a', '--input', '{'],
        '--input is not valid JSON',
      ],
      [['replay', '--policy', 'policy.yaml'], '--trail'],
      [
        ['replay', '--policy', 'missing.yaml', '--trail', 'trail.jsonl'],
        'cannot read --policy "missing.yaml"',
      ],
      [['validate', '--bogus'], 'bogus'],
    ];
    for (const [args, message] of cases) {
      const { io, err, out } = fakeIo();
      expect(await run(args, io)).toBe(2);
      expect(err() + out()).toContain(message);
    }
  });
});
