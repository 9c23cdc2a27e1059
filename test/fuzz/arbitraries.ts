/** fast-check arbitraries shared by the fuzz tests: policy documents, requests, tool inputs. */
import { type ActionRequest, EFFECTS } from '@palisade/core';
import fc from 'fast-check';

export const TOOL_NAMES = ['read_a', 'send_b', 'write_c', 'delete_d'] as const;
export const AGENTS = [
  'spiffe://fuzz.example/agent/alpha',
  'spiffe://fuzz.example/agent/beta',
  'spiffe://other.example/agent/alpha',
] as const;
const ROLES = ['staff', 'admin', 'guest'] as const;

const scalar = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: false }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('alice@acme.example', 'GB29NWBK60161331926819', 'https://x.example/a', '100', 'tainted'),
);

const path = fc.constantFrom(
  'input.x',
  'input.y',
  'input.to',
  'input.amount',
  'context.labels',
  'context.risk',
  'principal.user.id',
  'principal.user.roles',
  'resource.effect',
  'context.attributes.zone',
);

const comparison = fc.oneof(
  fc.record({ eq: scalar }),
  fc.record({ ne: scalar }),
  fc.record({ in: fc.array(scalar, { maxLength: 3 }) }),
  fc.record({ notIn: fc.array(scalar, { maxLength: 3 }) }),
  fc.record({ gt: fc.integer({ min: -10, max: 1000 }) }),
  fc.record({ lte: fc.integer({ min: -10, max: 1000 }) }),
  fc.record({ contains: scalar }),
  fc.record({ startsWith: fc.string({ maxLength: 4 }) }),
  fc.record({ matches: fc.constantFrom('*', '*@acme.example', 'GB*', '**', 'a?c', '\\*') }),
  fc.record({ exists: fc.boolean() }),
  fc.record({ providedBy: fc.constantFrom('user', 'directory') }),
  fc.record({ eq: fc.record({ ref: path }) }),
);

/** A condition tree up to depth 3 over paths, comparisons and combinators. */
export const condition: fc.Arbitrary<Record<string, unknown>> = fc.letrec((tie) => ({
  leaf: fc.tuple(path, comparison).map(([key, value]) => ({ [key]: value })),
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    tie('leaf'),
    fc.record({ all: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('node') }),
  ),
})).node as fc.Arbitrary<Record<string, unknown>>;

const rule = (index: number) =>
  fc
    .record(
      {
        effect: fc.constantFrom('allow', 'allow', 'allow', 'deny', 'approve'),
        keepWhen: fc.integer({ min: 0, max: 9 }),
        // Now and then a tool the catalog lacks, which makes the document invalid.
        tools: fc.oneof(
          { arbitrary: fc.subarray([...TOOL_NAMES, '*', 'send_*']), weight: 19 },
          { arbitrary: fc.constant(['unknown_tool']), weight: 1 },
        ),
        effects: fc.subarray([...EFFECTS]),
        agents: fc.subarray([...AGENTS, 'spiffe://fuzz.example/agent/*', 'spiffe://**']),
        roles: fc.subarray([...ROLES, '*']),
        users: fc.subarray(['alice', 'bob', 'a*']),
        autonomous: fc.constant(true),
        when: condition,
        approval: fc.constantFrom('auto', 'required', 'none'),
      },
      { requiredKeys: ['effect', 'keepWhen'] },
    )
    .map((raw) => {
      const out: Record<string, unknown> = { id: `r${index}`, effect: raw.effect };
      for (const key of ['tools', 'effects', 'agents', 'roles', 'users'] as const) {
        const value = raw[key];
        if (value !== undefined && value.length > 0) out[key] = value;
      }
      if (raw.autonomous !== undefined) out.autonomous = raw.autonomous;
      if (raw.when !== undefined && raw.keepWhen >= 7) out.when = raw.when;
      if (raw.approval !== undefined && raw.effect === 'allow') out.approval = raw.approval;
      return out;
    });

/** A policy document: a catalog of the four tools and up to six rules (often invalid on purpose). */
export const policyDocument = fc
  .record({
    effects: fc.tuple(...TOOL_NAMES.map(() => fc.constantFrom(...EFFECTS))),
    trust: fc.tuple(...TOOL_NAMES.map(() => fc.constantFrom('trusted', 'untrusted'))),
    count: fc.integer({ min: 0, max: 6 }),
    limit: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
  })
  .chain(({ effects, trust, count, limit }) =>
    fc.tuple(...Array.from({ length: count }, (_, index) => rule(index))).map((rules) => ({
      name: 'fuzz',
      tools: Object.fromEntries(
        TOOL_NAMES.map((tool, index) => [tool, { effect: effects[index], trust: trust[index] }]),
      ),
      sources: { directory: { trusted: true, values: ['bob@acme.example'] } },
      rules,
      ...(limit === undefined ? {} : { limits: [{ id: 'cap', per: ['agent'], window: '1h', max: limit }] }),
    })),
  );

/** Input objects of any shape, with the fields conditions look at mixed in. */
export const toolInput = fc.oneof(
  fc.dictionary(
    fc.constantFrom('x', 'y', 'to', 'amount', 'z'),
    fc.oneof(scalar, fc.array(scalar, { maxLength: 3 })),
  ),
  fc.object({ maxDepth: 3 }),
);

/** A request as guard() would build it, for any of the catalog's tools or an unknown one. */
export const actionRequest: fc.Arbitrary<ActionRequest> = fc
  .record({
    tool: fc.constantFrom(...TOOL_NAMES, 'unknown_tool'),
    effect: fc.constantFrom(...EFFECTS),
    agent: fc.constantFrom(AGENTS[0], AGENTS[0], ...AGENTS),
    user: fc.option(
      fc.record({ id: fc.constantFrom('alice', 'bob', 'carol'), roles: fc.subarray([...ROLES]) }),
      { nil: undefined },
    ),
    input: toolInput,
    labels: fc.subarray(['tainted', 'pii']),
    risk: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: undefined }),
    messages: fc.array(
      fc.constantFrom('pay alice@acme.example 100', 'hello', 'send to GB29NWBK60161331926819'),
      {
        maxLength: 2,
      },
    ),
  })
  .map((spec) => ({
    kind: 'tool',
    name: spec.tool,
    effect: spec.effect,
    target: undefined,
    input: spec.input,
    callId: 'fuzz-call',
    principal: {
      agent: { id: spec.agent },
      user: spec.user,
      delegation: spec.user ? [spec.user.id, spec.agent] : [spec.agent],
      scopes: [],
      claims: {},
    },
    context: {
      time: Date.parse('2026-11-02T10:00:00Z'),
      sessionId: 'fuzz-session',
      labels: spec.labels,
      ...(spec.risk === undefined ? {} : { risk: spec.risk }),
      userMessages: spec.messages,
      attributes: { zone: 'eu' },
    },
  }));
