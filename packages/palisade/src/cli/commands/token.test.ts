import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { run as keys } from './keys.js';
import { run } from './token.js';

const REGISTRY = `
trustDomain: acme.example
audit: true
agents:
  - name: support-bot
    owner: team-support
    purpose: Answers support tickets
    tools: [tickets:read, tickets:write]
  - name: paused-bot
    owner: team-support
    purpose: On hold
    tools: [tickets:read]
    status: suspended
`;

let dir: string;

function fakeIo(env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (text) => out.push(text), stderr: (text) => err.push(text), env, cwd: dir };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

const ENV = {
  PALISADE_ISSUER: 'https://palisade.acme.example',
  PALISADE_AUDIENCE: 'support-api',
  PALISADE_SIGNING_KEY_FILE: 'signing.jwk.json',
  PALISADE_AGENT_REGISTRY: 'agents.yaml',
  PALISADE_JWKS: 'jwks.json',
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'palisade-token-'));
  await writeFile(join(dir, 'agents.yaml'), REGISTRY);
  const generated = fakeIo();
  expect(await keys(['generate', '--kid', 'cli-key', '--out', 'signing.jwk.json'], generated.io)).toBe(0);
  await writeFile(join(dir, 'jwks.json'), generated.out());
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function issue(args: string[]): Promise<string> {
  const { io, out, err } = fakeIo(ENV);
  expect(await run(['issue', ...args], io), err()).toBe(0);
  return out().trim();
}

describe('palisade token', () => {
  it('issue -> inspect -> verify round trip', async () => {
    const token = await issue([
      '--agent',
      'support-bot',
      '--user',
      'alice',
      '--role',
      'support',
      '--scope',
      'tickets:read',
      '--task',
      't-1',
      '--ttl',
      '120',
    ]);
    expect(token.split('.')).toHaveLength(3);

    const inspected = fakeIo();
    expect(await run(['inspect', token, '--json'], inspected.io)).toBe(0);
    const { verified, header, claims } = JSON.parse(inspected.out());
    expect(verified).toBe(false);
    expect(header).toMatchObject({ alg: 'EdDSA', kid: 'cli-key', typ: 'palisade-agent+jwt' });
    expect(claims).toMatchObject({
      sub: 'alice',
      act: { sub: 'spiffe://acme.example/agent/support-bot' },
      scope: 'tickets:read',
      task: 't-1',
    });
    expect(claims.exp - claims.iat).toBe(120);

    const human = fakeIo();
    expect(await run(['inspect', token], human.io)).toBe(0);
    expect(human.err()).toMatch(/NOT VERIFIED/);
    expect(human.out()).toMatch(/exp: .*\(in 1[12][0-9]s\)/);

    const verified2 = fakeIo(ENV);
    expect(await run(['verify', token, '--json', '--registry', 'agents.yaml'], verified2.io)).toBe(0);
    expect(JSON.parse(verified2.out()).principal).toMatchObject({
      agent: { id: 'spiffe://acme.example/agent/support-bot' },
      user: { id: 'alice', roles: ['support'] },
      scopes: ['tickets:read'],
    });
  });

  it('verify exits 1 with the error code for a tampered or foreign-audience token', async () => {
    const token = await issue(['--agent', 'support-bot']);
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'root' })).toString('base64url')}.${signature}`;
    const tampered = fakeIo(ENV);
    expect(await run(['verify', forged], tampered.io)).toBe(1);
    expect(tampered.err()).toMatch(/refused \(ERR_CREDENTIAL_INVALID\): The token signature is invalid/);

    const other = fakeIo({ ...ENV, PALISADE_AUDIENCE: 'billing-api' });
    expect(await run(['verify', token], other.io)).toBe(1);
    expect(other.err()).toMatch(/not meant for/);
  });

  it('issue refuses a suspended or unknown agent and scopes beyond the registration (exit 1)', async () => {
    for (const [args, message] of [
      [['--agent', 'paused-bot'], /suspended/],
      [['--agent', 'ghost'], /not registered/],
      [['--agent', 'support-bot', '--scope', 'admin'], /admin/],
    ] as const) {
      const { io, err } = fakeIo(ENV);
      expect(await run(['issue', ...args], io)).toBe(1);
      expect(err()).toMatch(/issue failed \(ERR_ISSUANCE_REFUSED\)/);
      expect(err()).toMatch(message);
    }
  });

  it('reports bad input with exit code 2 and names the argument', async () => {
    for (const [args, env, message] of [
      [[], {}, /missing subcommand/],
      [['issue'], {}, /--issuer is required/],
      [['issue', '--agent', 'support-bot', '--ttl', '0'], ENV, /--ttl must be/],
      [['issue', '--agent', 'support-bot', '--ttl', '5m'], ENV, /--ttl must be/],
      [['issue', '--agent', 'support-bot', '--role', 'x'], ENV, /--role and --tenant need --user/],
      [['issue', '--agent', 'support-bot', '--key', 'missing.json'], ENV, /--key missing.json: ENOENT/],
      [['issue', '--agent', 'support-bot', '--key', 'agents.yaml'], ENV, /--key agents.yaml/],
      [['issue'], ENV, /--agent is required/],
      [['inspect'], {}, /inspect needs a <token>/],
      [['verify', 'abc'], { ...ENV, PALISADE_JWKS: 'missing.json' }, /--jwks missing.json/],
      [['issue', 'extra'], ENV, /unexpected argument/],
    ] as const) {
      const { io, err } = fakeIo(env);
      expect(await run([...args], io), args.join(' ')).toBe(2);
      expect(err()).toMatch(message);
    }
  });

  it('inspect of garbage exits 1 with a clear error', async () => {
    const { io, err } = fakeIo();
    expect(await run(['inspect', 'not-a-token'], io)).toBe(1);
    expect(err()).toMatch(/three segments/);
  });
});
