import { describe, expect, it } from 'vitest';
import { definePolicy } from './define-policy.js';
import { parsePolicy } from './parse-policy.js';
import { createPolicyEngine } from './policy-engine.js';
import { formatPolicyIssue, PolicyError } from './policy-error.js';
import { SUPPORT_POLICY } from './test-support/requests.js';

function issuesOf(run: () => unknown) {
  try {
    run();
  } catch (error) {
    expect(PolicyError.isInstance(error)).toBe(true);
    expect((error as PolicyError).code).toBe('ERR_POLICY_INVALID');
    return (error as PolicyError).issues;
  }
  throw new Error('expected a PolicyError');
}

describe('parsePolicy', () => {
  it('reports the file, path, line and expectation of a bad condition', () => {
    const text = [
      'tools:',
      '  refund: { effect: write }',
      'rules:',
      '  - id: refunds',
      '    effect: allow',
      '    agents: ["*"]',
      '    when:',
      '      input.amount: { greaterThan: 100 }',
    ].join('\n');
    const [issue, ...rest] = issuesOf(() => parsePolicy(text, { source: 'policy.yaml' }));
    expect(rest).toEqual([]);
    expect(issue).toMatchObject({
      file: 'policy.yaml',
      path: 'rules[0].when.input.amount.greaterThan',
      line: 8,
      column: 23,
    });
    expect(issue?.message).toContain('expected one of eq, ne, in');
    expect(formatPolicyIssue(issue!)).toMatch(
      /^policy\.yaml:8:23 rules\[0\]\.when\.input\.amount\.greaterThan: unknown/,
    );
  });

  it('rejects unknown keys and names the keys it expected', () => {
    const issues = issuesOf(() =>
      parsePolicy('tools: {}\nrules:\n  - id: a\n    effect: deny\n    tool: [x]\n', { source: 'p.yaml' }),
    );
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ path: 'rules[0].tool', line: 5 });
    expect(issues[0]?.message).toContain(
      'unknown key "tool"; expected one of id, description, effect, tools',
    );
  });

  it('collects several issues at once, with lines from JSON too', () => {
    const json = JSON.stringify(
      {
        tools: { t: { effect: 'destroy' } },
        rules: [{ id: 'r', effect: 'allow', tools: ['nope'], agents: ['a'] }],
      },
      null,
      2,
    );
    const issues = issuesOf(() => parsePolicy(json, { source: 'p.json' }));
    expect(issues.map((issue) => issue.path)).toEqual(['tools.t.effect']);
    const second = issuesOf(() =>
      parsePolicy(
        JSON.stringify(
          {
            tools: { t: { effect: 'read' } },
            rules: [{ id: 'r', effect: 'allow', tools: ['nope'], agents: ['a'] }],
          },
          null,
          2,
        ),
      ),
    );
    expect(second[0]).toMatchObject({ path: 'rules[0].tools[0]' });
    expect(second[0]?.line).toBeGreaterThan(1);
    expect(second[0]?.message).toContain('unknown tool "nope"');
  });

  it('reports YAML syntax errors with their line', () => {
    const issues = issuesOf(() => parsePolicy('tools:\n  a: [\nrules: []\n', { source: 'broken.yaml' }));
    expect(issues[0]?.file).toBe('broken.yaml');
    expect(issues[0]?.line).toBeGreaterThan(0);
  });

  it('checks consistency: duplicate ids, approval on deny rules, allow rules naming nobody, unknown sources', () => {
    const issues = issuesOf(() =>
      definePolicy({
        tools: { t: { effect: 'read' } },
        rules: [
          { id: 'a', effect: 'deny', approval: 'none' },
          { id: 'a', effect: 'allow' },
          { id: 'b', effect: 'deny', when: { 'input.to': { providedBy: 'crm' } } },
          { id: 'c', effect: 'deny', when: { 'secrets.key': 1 } },
        ],
      }),
    );
    expect(issues.map((issue) => issue.path)).toEqual([
      'rules[0].approval',
      'rules[1].id',
      'rules[1]',
      'rules[2].when.input.to.providedBy',
      'rules[3].when.secrets.key',
    ]);
  });

  it('produces the same document and version from YAML, JSON and TypeScript', () => {
    const fromYaml = parsePolicy(SUPPORT_POLICY);
    const fromJson = parsePolicy(JSON.stringify(fromYaml), { format: 'json' });
    const fromTs = definePolicy(JSON.parse(JSON.stringify(fromYaml)));
    const versions = [fromYaml, fromJson, fromTs].map((policy) => createPolicyEngine({ policy }).version);
    expect(new Set(versions).size).toBe(1);
    expect(Object.isFrozen(fromYaml.rules)).toBe(true);
  });

  it('rejects reserved names that could reach an object prototype', () => {
    const issues = issuesOf(() => parsePolicy('tools:\n  __proto__: { effect: read }\nrules: []\n'));
    expect(issues[0]?.path).toContain('tools');
  });

  it('treats misuse as TypeError', () => {
    expect(() => parsePolicy(42 as unknown as string)).toThrow(TypeError);
    expect(() => parsePolicy('', { format: 'toml' as 'yaml' })).toThrow(TypeError);
  });
});
