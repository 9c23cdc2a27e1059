import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRedisRevocationStore } from '@palisade/store-redis';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, requireService } from '../../../../../test/support/services.js';
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

const hasRedis = await requireService('redis');
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
      [['verify', 'abc', '--revocations', 'mysql://db'], ENV, /--revocations must be a redis/],
      [['verify', 'abc', '--revocations', ''], ENV, /--revocations must not be empty/],
      [['verify', 'abc', '--revocations-prefix', 'p'], ENV, /need --revocations/],
      [
        ['verify', 'abc', '--revocations', 'redis://127.0.0.1:6379', '--revocations-table', 't'],
        ENV,
        /--revocations-table needs a postgres/,
      ],
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

describe.skipIf(!hasRedis)('palisade token verify --revocations on the real Redis', () => {
  const keyPrefix = `palisade-test:cli-revocations:${randomUUID()}`;

  afterAll(async () => {
    const admin = new Redis(REDIS_URL);
    const keys = await admin.keys(`${keyPrefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
    await admin.quit();
  });

  it('accepts a live token and refuses a revoked one (exit 1, ERR_TOKEN_REVOKED)', async () => {
    const kept = await issue(['--agent', 'support-bot', '--task', 'kept']);
    const revoked = await issue(['--agent', 'support-bot', '--task', 'leaked']);
    const store = createRedisRevocationStore({ url: REDIS_URL, keyPrefix });
    try {
      await store.ready();
      await store.revoke({ kind: 'task', value: 'leaked', reason: 'credential leak' });
    } finally {
      await store.close();
    }
    const options = ['--revocations', REDIS_URL, '--revocations-prefix', keyPrefix];

    const live = fakeIo(ENV);
    expect(await run(['verify', kept, '--json', ...options], live.io), live.err()).toBe(0);
    expect(JSON.parse(live.out())).toMatchObject({ valid: true, principal: { task: 'kept' } });

    const refused = fakeIo(ENV);
    expect(await run(['verify', revoked, '--json', ...options], refused.io)).toBe(1);
    expect(JSON.parse(refused.out())).toMatchObject({ valid: false, code: 'ERR_TOKEN_REVOKED' });
    expect(refused.err()).toMatch(/refused \(ERR_TOKEN_REVOKED\).*credential leak/);

    // The same store named through the environment.
    const fromEnv = fakeIo({ ...ENV, PALISADE_REVOCATIONS: REDIS_URL });
    expect(await run(['verify', revoked, '--revocations-prefix', keyPrefix], fromEnv.io)).toBe(1);
    expect(fromEnv.err()).toMatch(/ERR_TOKEN_REVOKED/);
    // Under another prefix nothing is revoked: the check really reads the store it is given.
    const elsewhere = fakeIo(ENV);
    const otherPrefix = `${keyPrefix}:other`;
    expect(
      await run(
        ['verify', revoked, '--revocations', REDIS_URL, '--revocations-prefix', otherPrefix],
        elsewhere.io,
      ),
    ).toBe(0);
  });

  it('fails closed when the store cannot be loaded: exit 1, never "valid"', async () => {
    const token = await issue(['--agent', 'support-bot']);
    const { io, out, err } = fakeIo(ENV);
    expect(await run(['verify', token, '--revocations', 'redis://127.0.0.1:1'], io)).toBe(1);
    expect(out()).not.toMatch(/valid/);
    expect(err()).toMatch(/verify failed: The revocation store could not load from Redis/);
  });
});
