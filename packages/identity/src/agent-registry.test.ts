import { describe, expect, it } from 'vitest';
import { createAgentRegistry } from './agent-registry.js';

const base = { owner: 'team-support', purpose: 'Answers tickets', tools: ['tickets:read'] };

describe('createAgentRegistry', () => {
  it('registers by name or id and finds by either', () => {
    const registry = createAgentRegistry({ trustDomain: 'acme.example', now: () => 1000 });
    const byName = registry.register({ ...base, name: 'support-bot' });
    expect(byName).toMatchObject({
      id: 'spiffe://acme.example/agent/support-bot',
      status: 'active',
      scopes: ['tickets:read'],
    });
    registry.register({ ...base, id: 'spiffe://acme.example/agent/researcher', scopes: ['kb:read'] });
    expect(registry.get('researcher')?.scopes).toEqual(['kb:read']);
    expect(registry.get('spiffe://acme.example/agent/support-bot')?.name).toBe('support-bot');
    expect(registry.get('spiffe://other.example/agent/support-bot')).toBeUndefined();
    expect(registry.list().map((agent) => agent.name)).toEqual(['support-bot', 'researcher']);
  });

  it('refuses invalid or duplicate registrations', () => {
    const registry = createAgentRegistry({ trustDomain: 'acme.example' });
    expect(() => registry.register({ ...base, name: 'bad name' })).toThrow(/name/);
    expect(() => registry.register({ ...base, name: 'bot', owner: ' ' })).toThrow(/owner/);
    expect(() => registry.register({ ...base, name: 'bot', tools: ['a b'] })).toThrow(/tools/);
    expect(() => registry.register({ ...base, id: 'spiffe://other.example/agent/bot' })).toThrow(
      /trust domain/,
    );
    registry.register({ ...base, name: 'bot' });
    expect(() => registry.register({ ...base, name: 'bot' })).toThrow(/already/);
    expect(() => createAgentRegistry({ trustDomain: 'Not A Domain' })).toThrow(TypeError);
  });

  it('moves status, but never out of retired', () => {
    const registry = createAgentRegistry({ agents: [{ ...base, name: 'bot' }] });
    expect(registry.setStatus('bot', 'suspended').status).toBe('suspended');
    expect(registry.setStatus('bot', 'active').status).toBe('active');
    registry.setStatus('bot', 'retired');
    expect(() => registry.setStatus('bot', 'active')).toThrow(/retired/);
    expect(() => registry.setStatus('ghost', 'active')).toThrow(/not registered/);
  });

  it('runs the pre-deployment checklist', () => {
    const registry = createAgentRegistry({
      trustDomain: 'acme.example',
      agents: [
        { ...base, name: 'good' },
        { ...base, name: 'greedy', tools: ['tickets:*'] },
        { ...base, name: 'paused', status: 'suspended' },
      ],
    });
    const report = registry.check({ auditEnabled: true });
    expect(report.ok).toBe(false);
    const byAgent = Object.fromEntries(report.agents.map((agent) => [agent.agent, agent]));
    expect(byAgent['spiffe://acme.example/agent/good']?.ok).toBe(true);
    expect(byAgent['spiffe://acme.example/agent/greedy']?.items.find((item) => !item.ok)).toMatchObject({
      check: 'no-wildcard-permissions',
      detail: 'wildcards: tickets:*',
    });
    expect(byAgent['spiffe://acme.example/agent/paused']?.items.find((item) => !item.ok)?.check).toBe(
      'status-active',
    );

    expect(registry.check({ auditEnabled: true, agents: ['good'] }).ok).toBe(true);
    expect(
      registry.check({ auditEnabled: false, agents: ['good'] }).agents[0]?.items.find((item) => !item.ok)
        ?.check,
    ).toBe('audit-enabled');
    const missing = registry.check({ auditEnabled: true, agents: ['ghost'] });
    expect(missing.ok).toBe(false);
    expect(missing.agents[0]?.items[0]).toMatchObject({ check: 'identity-registered', ok: false });
    expect(createAgentRegistry().check({ auditEnabled: true }).ok).toBe(false);
  });
});
