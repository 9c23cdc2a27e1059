import { describe, expect, it } from 'vitest';
import { lintPolicy } from './lint-policy.js';
import { parsePolicy } from './parse-policy.js';
import { applyProfile, recommendedProfile } from './recommended-profile.js';

const AGENT = 'spiffe://acme.example/agent/assistant';
const LEAKY = `tools:
  read_inbox: { effect: read, trust: untrusted }
  read_vault: { effect: read, output: { labels: [secret] } }
  send_email: { effect: send, critical: [to] }
  archive: { effect: write }
rules:
  - id: assistant-reads
    effect: allow
    tools: [read_inbox, read_vault]
    agents: ['${AGENT}']
    roles: [staff]
  - id: assistant-sends-unattended
    effect: allow
    tools: [send_email, archive]
    agents: ['${AGENT}']
    roles: [staff]
    approval: none
`;

describe('lintPolicy', () => {
  it('finds untrusted text, sensitive data and an external sink with nothing between, with lines', () => {
    const findings = lintPolicy(LEAKY, { source: 'policy.yaml' });
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding?.agent).toBe(AGENT);
    expect(finding?.labels).toEqual(['secret']);
    expect(finding?.sink).toMatchObject({
      tool: 'send_email',
      ruleId: 'assistant-sends-unattended',
      path: 'rules[1]',
      file: 'policy.yaml',
      line: 12,
    });
    expect(finding?.untrusted).toEqual([
      expect.objectContaining({ tool: 'read_inbox', path: 'rules[0]', line: 7 }),
    ]);
    expect(finding?.message).toMatch(
      /^policy\.yaml:12:\d+ agent spiffe:\/\/acme\.example\/agent\/assistant: may read untrusted text \(read_inbox, rules\[0\] policy\.yaml:7:\d+\), read data labelled secret \(read_vault, rules\[0\] policy\.yaml:7:\d+\) and reach send_email \(rules\[1\] policy\.yaml:12:\d+\) with neither a deny nor an approval between them$/,
    );
  });

  it('is satisfied by an approval between them', () => {
    expect(lintPolicy(LEAKY.replace('    approval: none\n', ''))).toEqual([]);
  });

  it('is satisfied by a deny or approve rule reading labels or provenance, not by any condition', () => {
    const withRule = (rule: string) => `${LEAKY}${rule}`;
    expect(
      lintPolicy(
        withRule(`  - id: tainted-sends
    effect: deny
    effects: [send]
    when: { context.labels: { contains: tainted } }
`),
      ),
    ).toEqual([]);
    expect(
      lintPolicy(
        withRule(`  - id: big-sends
    effect: deny
    effects: [send]
    when: { input.size: { gt: 1000 } }
`),
      ),
    ).toHaveLength(1);
  });

  it('counts outbound HTTP an egress rule allows as a sink', () => {
    const policy = `${LEAKY.replace('    approval: none\n', '')}egress:
  - { id: anywhere, effect: allow, hosts: ['*'] }
`;
    const findings = lintPolicy(parsePolicy(policy));
    expect(findings.map((finding) => finding.sink)).toEqual([
      { tool: 'fetch', ruleId: 'anywhere', path: 'egress[0]' },
    ]);
  });

  it('reports nothing for an agent missing one of the three', () => {
    expect(
      lintPolicy(
        LEAKY.replace(
          'read_vault: { effect: read, output: { labels: [secret] } }',
          'read_vault: { effect: read }',
        ),
      ),
    ).toEqual([]);
  });

  it('finds nothing in a policy with the recommended profile applied', () => {
    const policy = applyProfile(parsePolicy(LEAKY), recommendedProfile());
    expect(lintPolicy(policy)).toEqual([]);
  });
});
