import type { Principal } from '@palisade/core';

/** A verified-looking principal for tests. */
export function principal(options: {
  user?: string;
  roles?: string[];
  tenant?: string;
  agent?: string;
  groups?: string[];
  claims?: Record<string, unknown>;
}): Principal {
  const agent = options.agent ?? 'support-bot';
  return {
    agent: { id: `spiffe://acme.example/agent/${agent}`, name: agent },
    user:
      options.user === undefined
        ? undefined
        : { id: options.user, roles: options.roles ?? [], tenant: options.tenant ?? 'acme' },
    delegation: [],
    scopes: [],
    claims: { ...(options.groups ? { groups: options.groups } : {}), ...(options.claims ?? {}) },
  };
}
