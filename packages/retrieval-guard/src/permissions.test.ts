import { describe, expect, it } from 'vitest';
import { createPermissions, documentAcl } from './permissions.js';
import { principal } from './test-support/principals.js';

const permissions = createPermissions({
  classifications: {
    internal: { roles: '*', agents: '*' },
    confidential: { roles: ['support-lead'], agents: ['support-bot'] },
  },
});

const doc = (acl: Parameters<typeof documentAcl>[0]) => ({
  pageContent: 'x',
  metadata: { ...documentAcl(acl) },
});

describe('permissions', () => {
  const alice = principal({ user: 'alice', roles: ['support'], tenant: 'acme' });
  const lead = principal({ user: 'lena', roles: ['support-lead'], tenant: 'acme' });

  it('lets a reader of the tenant read an internal document', () => {
    expect(
      permissions.canRead(
        alice,
        doc({ tenant: 'acme', classification: 'internal', everyone: true, agents: '*' }),
      ),
    ).toEqual({ allowed: true });
  });

  it('isolates tenants absolutely, even for a document open to everyone', () => {
    const other = doc({ tenant: 'globex', classification: 'internal', everyone: true, agents: '*' });
    expect(permissions.canRead(alice, other)).toEqual({ allowed: false, reason: 'tenant' });
    // A tenant claim that disagrees with the user's tenant reads nothing.
    const confused = principal({ user: 'alice', tenant: 'acme', claims: { tenant: 'globex' } });
    expect(
      permissions.canRead(
        confused,
        doc({ tenant: 'acme', classification: 'internal', everyone: true, agents: '*' }),
      ).allowed,
    ).toBe(false);
  });

  it('needs both the user and the agent', () => {
    const forLeads = doc({
      tenant: 'acme',
      classification: 'confidential',
      roles: ['support-lead'],
      agents: '*',
    });
    expect(permissions.canRead(lead, forLeads)).toEqual({ allowed: true });
    expect(permissions.canRead(alice, forLeads)).toEqual({ allowed: false, reason: 'user' });
    // The lead's own clearance does not widen what a different agent may read.
    const otherAgent = principal({ user: 'lena', roles: ['support-lead'], agent: 'billing-bot' });
    expect(permissions.canRead(otherAgent, forLeads)).toEqual({ allowed: false, reason: 'classification' });
    const onlyBilling = doc({
      tenant: 'acme',
      classification: 'internal',
      everyone: true,
      agents: ['billing-bot'],
    });
    expect(permissions.canRead(alice, onlyBilling)).toEqual({ allowed: false, reason: 'agent' });
  });

  it('matches users, groups and roles', () => {
    const bob = principal({ user: 'bob', roles: [], groups: ['escalations'] });
    expect(
      permissions.canRead(
        bob,
        doc({ tenant: 'acme', classification: 'internal', groups: ['escalations'], agents: '*' }),
      ).allowed,
    ).toBe(true);
    expect(
      permissions.canRead(
        bob,
        doc({ tenant: 'acme', classification: 'internal', users: ['bob'], agents: '*' }),
      ).allowed,
    ).toBe(true);
    expect(
      permissions.canRead(
        bob,
        doc({ tenant: 'acme', classification: 'internal', users: ['alice'], agents: '*' }),
      ).allowed,
    ).toBe(false);
  });

  it('refuses documents without a complete ACL or with an unknown classification', () => {
    expect(permissions.canRead(alice, { metadata: {} })).toEqual({ allowed: false, reason: 'acl-missing' });
    expect(
      permissions.canRead(alice, {
        metadata: { tenant: 'acme', classification: 'internal', readers: '*', agents: ['*'] },
      }).allowed,
    ).toBe(false);
    const secret = doc({ tenant: 'acme', classification: 'top-secret', everyone: true, agents: '*' });
    expect(permissions.canRead(alice, secret)).toEqual({ allowed: false, reason: 'classification' });
  });

  it('builds a MemoryVectorStore filter that agrees with canRead', () => {
    const filter = permissions.filterFor(alice);
    expect(filter.readable).toBe(true);
    expect(
      filter.memoryVectorStore(
        doc({ tenant: 'acme', classification: 'internal', everyone: true, agents: '*' }),
      ),
    ).toBe(true);
    expect(
      filter.memoryVectorStore(
        doc({ tenant: 'globex', classification: 'internal', everyone: true, agents: '*' }),
      ),
    ).toBe(false);
  });

  it('builds the PGVectorStore filter from the principal', () => {
    expect(permissions.filterFor(alice).pgVectorStore).toEqual({
      tenant: 'acme',
      classification: { in: ['internal'] },
      readers: { arrayContains: ['*', 'user:alice', 'role:support'] },
      agents: { arrayContains: ['*', 'spiffe://acme.example/agent/support-bot', 'support-bot'] },
    });
  });

  it('reads nothing without a tenant', () => {
    const noTenant = principal({ agent: 'support-bot' });
    const filter = permissions.filterFor(noTenant);
    expect(filter.readable).toBe(false);
    expect(filter.pgVectorStore).toEqual({ tenant: 'palisade:no-access' });
    expect(() =>
      documentAcl({ tenant: 'palisade:no-access', classification: 'internal', everyone: true, agents: '*' }),
    ).toThrow(TypeError);
  });

  it('rejects misuse at construction', () => {
    expect(() => createPermissions({ classifications: { x: { roles: 'all' as '*', agents: '*' } } })).toThrow(
      TypeError,
    );
    expect(() => documentAcl({ tenant: 'acme', classification: 'internal', agents: '*' })).toThrow(TypeError);
  });
});
