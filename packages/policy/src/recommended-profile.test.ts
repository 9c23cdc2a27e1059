import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parsePolicy } from './parse-policy.js';
import { PolicyError } from './policy-error.js';
import { applyProfile, RECOMMENDED_PROFILE, recommendedProfile } from './recommended-profile.js';

const docs = readFileSync(new URL('../../../docs/policy.md', import.meta.url), 'utf8');

/** The YAML blocks of one docs section. */
function yamlBlocks(heading: string): string[] {
  const start = docs.indexOf(`## ${heading}`);
  const end = docs.indexOf('\n## ', start + 1);
  const section = docs.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((match) => match[1] as string);
}

describe('the recommended containment profile', () => {
  it('is, word for word, the profile the docs show', () => {
    const marker = docs.indexOf('<!-- recommended-profile:');
    expect(marker).toBeGreaterThan(-1);
    const block = /```yaml\n([\s\S]*?)```/.exec(docs.slice(marker));
    expect(block?.[1]).toBe(RECOMMENDED_PROFILE);
  });

  it('parses, grants nothing, and names no tool', () => {
    const profile = recommendedProfile();
    expect(profile.rules.length).toBeGreaterThan(0);
    expect(profile.rules.every((rule) => rule.effect !== 'allow' && rule.tools === undefined)).toBe(true);
    expect(profile.egress.every((rule) => rule.effect === 'deny')).toBe(true);
  });

  it('adds to a policy, refusing a rule id the policy already uses', () => {
    const policy = parsePolicy('tools: { t: { effect: send } }\nrules: []\n');
    expect(applyProfile(policy, recommendedProfile()).rules).toHaveLength(recommendedProfile().rules.length);
    const clash = parsePolicy(
      'tools: { t: { effect: send } }\nrules: [{ id: containment-secrets-stay-in, effect: deny }]\n',
    );
    expect(() => applyProfile(clash, recommendedProfile())).toThrow(PolicyError);
  });

  it('the data flow examples in the docs are valid rules', () => {
    for (const block of yamlBlocks('Data flow rules')) {
      const value = parse(block) as { rules?: unknown[]; egress?: unknown[] };
      const text = JSON.stringify({ tools: { t: { effect: 'send', critical: ['to'] } }, ...value });
      expect(() => parsePolicy(text, { format: 'json' })).not.toThrow();
    }
    for (const block of yamlBlocks('Value provenance: `from`, `carries`, `embeds`')) {
      const rules = parse(block) as unknown[];
      const text = JSON.stringify({
        tools: { send_email: { effect: 'send', critical: ['to'] }, list_contacts: { effect: 'read' } },
        rules,
      });
      expect(() => parsePolicy(text, { format: 'json' })).not.toThrow();
    }
  });
});
