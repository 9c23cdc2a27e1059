import { describe, expect, it } from 'vitest';
import { exportSigningKey, generateSigningKey, importSigningKey } from './signing-key.js';

describe('signing keys', () => {
  it('generates Ed25519 by default with an RFC 7638 thumbprint kid', async () => {
    const key = await generateSigningKey();
    expect(key.alg).toBe('EdDSA');
    expect(key.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(key.publicJwk).toEqual({
      kty: 'OKP',
      crv: 'Ed25519',
      x: expect.any(String),
      kid: key.kid,
      alg: 'EdDSA',
      use: 'sig',
    });
    expect(key.publicJwk).not.toHaveProperty('d');
  });

  it('generates ES256 on request', async () => {
    const key = await generateSigningKey({ alg: 'ES256', kid: '2026-11' });
    expect(key.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', kid: '2026-11', alg: 'ES256' });
  });

  it('round-trips through a private JWK', async () => {
    for (const alg of ['EdDSA', 'ES256'] as const) {
      const key = await generateSigningKey({ alg, kid: 'k' });
      const exported = exportSigningKey(key);
      expect(exported.d).toEqual(expect.any(String));
      const imported = await importSigningKey(JSON.parse(JSON.stringify(exported)));
      expect(imported.publicJwk).toEqual(key.publicJwk);
    }
  });

  it('refuses bad options and bad keys', async () => {
    await expect(generateSigningKey({ alg: 'HS256' as never })).rejects.toThrow(/alg/);
    await expect(generateSigningKey({ kid: '../etc' })).rejects.toThrow(/kid/);
    const key = await generateSigningKey({ kid: 'k' });
    const { d: _d, ...publicOnly } = exportSigningKey(key);
    await expect(importSigningKey(publicOnly)).rejects.toThrow(/private part/);
    await expect(importSigningKey({ ...exportSigningKey(key), alg: 'ES256' })).rejects.toThrow(/kty EC/);
    await expect(importSigningKey({ ...exportSigningKey(key), d: 'AAAA' })).rejects.toThrow(
      /invalid key material/,
    );
  });
});
