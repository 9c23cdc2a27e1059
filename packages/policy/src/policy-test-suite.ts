import {
  ACTION_KINDS,
  type ActionRequest,
  type Decision,
  type DecisionEffect,
  EFFECTS,
} from '@palisade/core';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { formatPath } from './parse-policy.js';
import type { PolicyEngine } from './policy-engine.js';
import { PolicyError } from './policy-error.js';

/** A request written compactly, for policy tests and the CLI. */
export interface RequestSpec {
  readonly tool: string;
  /** Defaults to the catalog's effect for the tool (`read` for unknown tools). */
  readonly effect?: ActionRequest['effect'] | undefined;
  readonly kind?: ActionRequest['kind'] | undefined;
  readonly target?: string | undefined;
  readonly agent: string;
  readonly user?:
    | {
        readonly id: string;
        readonly roles?: readonly string[] | undefined;
        readonly tenant?: string | undefined;
      }
    | null
    | undefined;
  readonly task?: string | undefined;
  readonly scopes?: readonly string[] | undefined;
  readonly claims?: Readonly<Record<string, unknown>> | undefined;
  readonly input?: unknown;
  readonly context?:
    | {
        readonly time?: number | string | undefined;
        readonly sessionId?: string | undefined;
        readonly labels?: readonly string[] | undefined;
        readonly risk?: number | undefined;
        readonly userMessages?: readonly string[] | undefined;
        readonly audience?: string | undefined;
        readonly attributes?: Readonly<Record<string, unknown>> | undefined;
      }
    | undefined;
}

/** What a test case expects. */
export type TestExpectation =
  | DecisionEffect
  | {
      readonly effect: DecisionEffect;
      readonly ruleIds?: readonly string[] | undefined;
      readonly reason?: string | undefined;
    };

/** One test case: a request and the decision it must get. */
export interface PolicyTestCase {
  readonly name: string;
  readonly request: RequestSpec;
  readonly expect: TestExpectation;
}

/** A file of policy tests. */
export interface PolicyTestSuite {
  /** The policy file, relative to the suite's file. */
  readonly policy?: string | undefined;
  readonly cases: readonly PolicyTestCase[];
}

/** The outcome of one case. */
export interface PolicyTestResult {
  readonly name: string;
  readonly passed: boolean;
  readonly expected: TestExpectation;
  readonly decision: Decision;
  /** What differed, when the case failed. */
  readonly failures: readonly string[];
}

const effectSchema = z.enum(['allow', 'deny', 'approve']);
const requestSchema = z.strictObject({
  tool: z.string().min(1),
  effect: z.enum(EFFECTS as [string, ...string[]]).optional(),
  kind: z.enum(ACTION_KINDS as [string, ...string[]]).optional(),
  target: z.string().optional(),
  agent: z.string().min(1),
  user: z
    .strictObject({
      id: z.string().min(1),
      roles: z.array(z.string()).optional(),
      tenant: z.string().optional(),
    })
    .nullable()
    .optional(),
  task: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  claims: z.record(z.string(), z.unknown()).optional(),
  input: z.unknown().optional(),
  context: z
    .strictObject({
      time: z.union([z.number(), z.iso.datetime({ offset: true })]).optional(),
      sessionId: z.string().optional(),
      labels: z.array(z.string()).optional(),
      risk: z.number().min(0).max(1).optional(),
      userMessages: z.array(z.string()).optional(),
      audience: z.string().optional(),
      attributes: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});
const suiteSchema = z.strictObject({
  policy: z.string().min(1).optional(),
  cases: z
    .array(
      z.strictObject({
        name: z.string().min(1),
        request: requestSchema,
        expect: z.union([
          effectSchema,
          z.strictObject({
            effect: effectSchema,
            ruleIds: z.array(z.string()).optional(),
            reason: z.string().optional(),
          }),
        ]),
      }),
    )
    .min(1),
});

/**
 * Parses a file of policy tests (YAML or JSON). Throws `PolicyError` naming each malformed case.
 *
 * @example
 * ```ts
 * const suite = parsePolicyTests(await readFile('policy.test.yaml', 'utf8'), { source: 'policy.test.yaml' });
 * const results = runPolicyTests(engine, suite);
 * ```
 */
export function parsePolicyTests(
  text: string,
  options: { readonly source?: string | undefined } = {},
): PolicyTestSuite {
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new PolicyError(
      document.errors.map((error) => ({
        file: options.source,
        path: '(root)',
        message: error.message.split('\n')[0] ?? '',
      })),
    );
  }
  const parsed = suiteSchema.safeParse(document.toJS({ maxAliasCount: 100 }));
  if (!parsed.success) {
    throw new PolicyError(
      parsed.error.issues.map((issue) => ({
        file: options.source,
        path: formatPath(
          issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
        ),
        message: issue.message,
      })),
    );
  }
  return parsed.data as PolicyTestSuite;
}

/**
 * Builds a full `ActionRequest` from a compact spec; the effect defaults to the catalog's.
 *
 * @example
 * ```ts
 * engine.explain(requestFromSpec({ tool: 'refund', agent: 'spiffe://acme.example/agent/support', input: { amount: 5 } }, engine));
 * ```
 */
export function requestFromSpec(spec: RequestSpec, engine?: Pick<PolicyEngine, 'document'>): ActionRequest {
  const catalog = engine?.document.tools;
  const entry = catalog && Object.hasOwn(catalog, spec.tool) ? catalog[spec.tool] : undefined;
  const context = spec.context ?? {};
  const time = typeof context.time === 'string' ? Date.parse(context.time) : (context.time ?? Date.now());
  return {
    kind: spec.kind ?? entry?.kind ?? 'tool',
    name: spec.tool,
    effect: spec.effect ?? entry?.effect ?? 'read',
    target: spec.target ?? entry?.target,
    input: spec.input ?? {},
    callId: 'policy-test',
    principal: {
      agent: { id: spec.agent },
      user: spec.user
        ? { id: spec.user.id, roles: [...(spec.user.roles ?? [])], tenant: spec.user.tenant }
        : undefined,
      delegation: spec.user ? [spec.user.id, spec.agent] : [spec.agent],
      scopes: [...(spec.scopes ?? [])],
      task: spec.task,
      claims: { ...spec.claims },
    },
    context: {
      time,
      sessionId: context.sessionId,
      labels: [...(context.labels ?? [])],
      risk: context.risk,
      userMessages: [...(context.userMessages ?? [])],
      audience: context.audience,
      attributes: { ...context.attributes },
    },
  };
}

/**
 * Runs test cases against an engine, without side effects on it (through `explain`).
 *
 * @example
 * ```ts
 * const failed = runPolicyTests(engine, suite).filter((result) => !result.passed);
 * ```
 */
export function runPolicyTests(engine: PolicyEngine, suite: PolicyTestSuite): PolicyTestResult[] {
  return suite.cases.map((testCase) => {
    const decision = engine.explain(requestFromSpec(testCase.request, engine)).decision;
    const expected = typeof testCase.expect === 'string' ? { effect: testCase.expect } : testCase.expect;
    const failures: string[] = [];
    if (decision.effect !== expected.effect)
      failures.push(`expected ${expected.effect}, got ${decision.effect}: ${decision.reason}`);
    if (expected.ruleIds && JSON.stringify([...expected.ruleIds]) !== JSON.stringify([...decision.ruleIds])) {
      failures.push(`expected rules [${expected.ruleIds.join(', ')}], got [${decision.ruleIds.join(', ')}]`);
    }
    if (expected.reason !== undefined && !decision.reason.includes(expected.reason)) {
      failures.push(`expected the reason to contain "${expected.reason}", got "${decision.reason}"`);
    }
    return {
      name: testCase.name,
      passed: failures.length === 0,
      expected: testCase.expect,
      decision,
      failures,
    };
  });
}
