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

describe('parsePolicy: limits, breaker and egress sections', () => {
  it('accepts a full document', () => {
    const policy = parsePolicy(`
tools:
  refund: { effect: write, grant: required }
rules: []
limits:
  - { id: money, tools: [refund], per: [user], window: 1d, max: 500, sum: input.amount }
breaker: { denials: 5, window: 10m, risk: 0.9 }
egress:
  - { id: api, effect: allow, schemes: [https], hosts: ['*.example'], ports: [443], methods: [GET], paths: [/v1/], addresses: [10.0.0.0/8] }
`);
    expect(policy.limits?.[0]?.sum).toBe('input.amount');
  });

  it('names each bad part', () => {
    const issues = issuesOf(() =>
      parsePolicy(
        `
tools:
  out: { effect: send, kind: egress }
rules: []
limits:
  - { id: a, max: 5, sum: context.risk, window: 1w }
  - { id: a, tools: [nope], max: 0 }
breaker: { risk: 2, trips: 3 }
egress:
  - { id: e, effect: allow, addresses: [10.0.0.0/33], methods: [get] }
`,
        { source: 'p.yaml' },
      ),
    );
    expect(issues.map((issue) => issue.path).sort()).toEqual(
      ['breaker.risk', 'breaker.trips', 'egress[0].methods[0]', 'limits[0].window', 'limits[1].max'].sort(),
    );
    const consistency = issuesOf(() =>
      parsePolicy(`
tools:
  out: { effect: send, kind: egress }
rules: []
limits:
  - { id: a, max: 5, sum: context.risk }
  - { id: a, tools: [nope], max: 1 }
egress:
  - { id: e, effect: allow, addresses: [10.0.0.0/33] }
`),
    );
    expect(consistency.map((issue) => issue.path)).toEqual([
      'tools.out.kind',
      'limits[0].sum',
      'limits[1].id',
      'limits[1].tools[0]',
      'egress[0].addresses[0]',
    ]);
  });
});
