/**
 * The realistic policies the policy bench measures, in one neutral form and translated for each
 * engine (Palisade, Cedar, casbin).
 *
 * Both shapes have 50 tools, many agents, teams and roles, argument conditions, one deny rule in ten
 * and two global guardrails (deny rules on every tool). A rule allows one agent, acting for a user
 * of one role in one team, to call its tools when `amount <= max`; a deny rule forbids a team's calls
 * above an amount, whoever makes them.
 *
 * - spread: each rule names one tool; agents and teams grow with the policy (size / 10 agents,
 *   size / 50 teams), so a tool holds size / 50 rules spread over many subjects.
 * - dense: each rule names two or three tools (about 460 rules under each tool at 10,000 rules) and
 *   the subjects grow half as fast (size / 20 agents, size / 100 teams), so many rules under one
 *   tool share an agent.
 */

export type Shape = 'spread' | 'dense';

export const TOOL_COUNT = 50;
export const ROLE_COUNT = 20;

export interface BenchRule {
  readonly id: string;
  readonly effect: 'allow' | 'deny';
  /** Undefined: every tool. */
  readonly tools: readonly string[] | undefined;
  readonly agent: string | undefined;
  readonly role: string | undefined;
  readonly team: string | undefined;
  /** allow: amount <= max. */
  readonly max: number | undefined;
  /** deny: amount > min. */
  readonly min: number | undefined;
  /** deny: the session is tainted. */
  readonly tainted: boolean;
}

export interface BenchProbe {
  readonly tool: string;
  readonly agent: string;
  readonly role: string;
  readonly team: string;
  readonly amount: number;
}

/** A deterministic generator (mulberry32), so every engine and both runs see the same policy. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

export const toolName = (index: number) => `tool_${index}`;
export const agentName = (index: number) => `spiffe://acme.example/agent/a${index}`;

/** The rules of a policy of `size` rules (two of them global guardrails). */
export function benchRules(shape: Shape, size: number): BenchRule[] {
  const next = random(size * (shape === 'spread' ? 1 : 7));
  const pick = (count: number) => Math.floor(next() * count);
  const agents = Math.max(4, Math.floor(size / (shape === 'spread' ? 10 : 20)));
  const teams = Math.max(2, Math.floor(size / (shape === 'spread' ? 50 : 100)));
  const rules: BenchRule[] = [
    guardrail('no-tainted-sends', { tainted: true }),
    guardrail('no-huge-amounts', { min: 100_000 }),
  ];
  for (let index = rules.length; index < size; index += 1) {
    const first = pick(TOOL_COUNT);
    const tools =
      shape === 'spread'
        ? [toolName(first)]
        : [
            first,
            (first + 1 + pick(TOOL_COUNT - 1)) % TOOL_COUNT,
            ...(index % 2 === 0 ? [] : [(first + 25) % TOOL_COUNT]),
          ]
            .filter((item, position, all) => all.indexOf(item) === position)
            .map(toolName);
    const team = `team-${pick(teams)}`;
    if (index % 10 === 0) {
      rules.push({ ...NONE, id: `deny-${index}`, effect: 'deny', tools, team, min: 500 + pick(500) });
    } else {
      rules.push({
        ...NONE,
        id: `allow-${index}`,
        effect: 'allow',
        tools,
        agent: agentName(pick(agents)),
        role: `role-${pick(ROLE_COUNT)}`,
        team,
        max: 100 + pick(900),
      });
    }
  }
  return rules;
}

const NONE = {
  tools: undefined,
  agent: undefined,
  role: undefined,
  team: undefined,
  max: undefined,
  min: undefined,
  tainted: false,
} as const;

function guardrail(id: string, what: { tainted?: boolean; min?: number }): BenchRule {
  return { ...NONE, id, effect: 'deny', tainted: what.tainted === true, min: what.min };
}

/**
 * 64 requests made from the policy's own allow rules: the rule's subject and tool, an amount under
 * its maximum (allowed unless a deny rule of the team applies) or over it (denied unless another rule
 * allows it).
 */
export function benchProbes(rules: readonly BenchRule[]): BenchProbe[] {
  const allows = rules.filter((rule) => rule.effect === 'allow');
  const next = random(rules.length + 11);
  return Array.from({ length: 64 }, (_, index) => {
    const rule = allows[Math.floor(next() * allows.length)] as BenchRule;
    const max = rule.max as number;
    return {
      tool: (rule.tools as readonly string[])[index % (rule.tools as readonly string[]).length] as string,
      agent: rule.agent as string,
      role: rule.role as string,
      team: rule.team as string,
      amount: index % 3 === 0 ? max + 200 : Math.floor(max / 2),
    };
  });
}

// --- Palisade ---------------------------------------------------------------------------------------

export function palisadeDocument(rules: readonly BenchRule[]) {
  const tools: Record<string, { effect: 'read' }> = {};
  for (let index = 0; index < TOOL_COUNT; index += 1) tools[toolName(index)] = { effect: 'read' };
  return {
    tools,
    rules: rules.map((rule) => {
      const when: Record<string, unknown> = {};
      if (rule.team !== undefined) when['principal.user.tenant'] = rule.team;
      if (rule.max !== undefined) when['input.amount'] = { lte: rule.max };
      if (rule.min !== undefined) when['input.amount'] = { gt: rule.min };
      if (rule.tainted) when['context.labels'] = { contains: 'tainted' };
      return {
        id: rule.id,
        effect: rule.effect,
        ...(rule.tools ? { tools: rule.tools } : {}),
        ...(rule.agent ? { agents: [rule.agent] } : {}),
        ...(rule.role ? { roles: [rule.role] } : {}),
        when,
      };
    }),
  };
}

// --- Cedar ------------------------------------------------------------------------------------------

export function cedarPolicies(rules: readonly BenchRule[]): string {
  return rules
    .map((rule) => {
      const principal = rule.agent ? `principal == Agent::"${rule.agent}"` : 'principal';
      const single = rule.tools?.length === 1 ? rule.tools[0] : undefined;
      const resource = single ? `resource == Tool::"${single}"` : 'resource';
      const tests: string[] = [];
      if (rule.tools && !single)
        tests.push(`(${rule.tools.map((tool) => `resource == Tool::"${tool}"`).join(' || ')})`);
      if (rule.role) tests.push(`context.roles.contains("${rule.role}")`);
      if (rule.team) tests.push(`context.team == "${rule.team}"`);
      if (rule.max !== undefined) tests.push(`context.amount <= ${rule.max}`);
      if (rule.min !== undefined) tests.push(`context.amount > ${rule.min}`);
      if (rule.tainted) tests.push('context.tainted');
      const verb = rule.effect === 'allow' ? 'permit' : 'forbid';
      const when = tests.length === 0 ? '' : ` when { ${tests.join(' && ')} }`;
      return `@id("${rule.id}") ${verb}(${principal}, action == Action::"call", ${resource})${when};`;
    })
    .join('\n');
}

// --- casbin -----------------------------------------------------------------------------------------

/** One policy line per rule and tool; `*` stands for "any" and `-1` for "no bound". */
export const CASBIN_MODEL = `
[request_definition]
r = sub, role, team, obj, amount, tainted

[policy_definition]
p = sub, role, team, obj, max, min, tainted, eft

[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))

[matchers]
m = (p.obj == "*" || r.obj == p.obj) && (p.sub == "*" || r.sub == p.sub) && (p.role == "*" || r.role == p.role) && (p.team == "*" || r.team == p.team) && (p.max == "-1" || r.amount <= p.max) && (p.min == "-1" || r.amount > p.min) && (p.tainted == "0" || r.tainted == true)
`;

export function casbinLines(rules: readonly BenchRule[]): string {
  const lines: string[] = [];
  for (const rule of rules) {
    for (const tool of rule.tools ?? ['*']) {
      lines.push(
        [
          'p',
          rule.agent ?? '*',
          rule.role ?? '*',
          rule.team ?? '*',
          tool,
          rule.max ?? -1,
          rule.min ?? -1,
          rule.tainted ? 1 : 0,
          rule.effect,
        ].join(', '),
      );
    }
  }
  return lines.join('\n');
}
