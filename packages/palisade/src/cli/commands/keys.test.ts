import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../io.js';
import { run } from './keys.js';

let dir: string;

function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { stdout: (text) => out.push(text), stderr: (text) => err.push(text), env: {}, cwd: dir };
  return { io, out: () => out.join(''), err: () => err.join('') };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'palisade-keys-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('palisade keys', () => {
  it('generate writes a private JWK (0600) and prints the public JWKS', async () => {
    const { io, out, err } = fakeIo();
    expect(
      await run(['generate', '--alg', 'ES256', '--kid', 'k-2026', '--out', 'signing.jwk.json'], io),
    ).toBe(0);
    const jwks = JSON.parse(out());
    expect(jwks.keys).toEqual([
      expect.objectContaining({ kty: 'EC', crv: 'P-256', kid: 'k-2026', alg: 'ES256', use: 'sig' }),
    ]);
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const file = join(dir, 'signing.jwk.json');
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      kid: 'k-2026',
      alg: 'ES256',
      d: expect.any(String),
    });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(err()).toMatch(/keep it secret/);

    const again = fakeIo();
    expect(await run(['generate', '--out', 'signing.jwk.json'], again.io)).toBe(2);
    expect(again.err()).toMatch(/exists/);
  });

  it('generate without --out prints an Ed25519 private JWK; jwks derives the public set', async () => {
    const generated = fakeIo();
    expect(await run(['generate'], generated.io)).toBe(0);
    const privateJwk = JSON.parse(generated.out());
    expect(privateJwk).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', d: expect.any(String) });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(dir, 'ed.jwk.json'), generated.out());
    const published = fakeIo();
    expect(await run(['jwks', 'ed.jwk.json', 'signing.jwk.json'], published.io)).toBe(0);
    expect(JSON.parse(published.out()).keys.map((key: { kid: string }) => key.kid)).toEqual([
      privateJwk.kid,
      'k-2026',
    ]);
  });

  it('reports bad input with exit code 2', async () => {
    for (const args of [
      [],
      ['rotate'],
      ['generate', '--alg', 'HS256'],
      ['generate', '--kid', '../x'],
      ['jwks'],
      ['jwks', 'missing.json'],
      ['generate', 'extra'],
    ]) {
      const { io, err } = fakeIo();
      expect(await run(args, io), args.join(' ')).toBe(2);
      expect(err()).toMatch(/^palisade keys: /);
    }
  });
});
