import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { composePolicy } from './compose-policy.js';
import { type ContentLayerCounts, createContentLayer } from './internal/content-layer.js';
import { createKitIdentity } from './internal/kit-identity.js';
import { type CallResult, openSession, type SessionParts } from './internal/run-session.js';
import { expectedCall, resolveCall, valueMap } from './internal/scripted-calls.js';
import type { SuiteData } from './load-suite.js';
import type { Profile } from './profiles.js';
import { renderEnvironment } from './render-environment.js';
import { createReviewer, type ReviewerName } from './reviewer.js';
import type { SimulatedEnvironment } from './simulated-environment.js';
import type { InjectionTask, ScriptedCall, UserTask } from './suite-facts.js';

/** A case that did not go as it should, and why. */
export interface FailingCase {
  /** `utility`: a benign task failed; `attacked-utility`: it failed under attack; `attack`: an attack succeeded. */
  readonly kind: 'utility' | 'attacked-utility' | 'attack';
  readonly userTask: string;
  readonly injectionTask?: string | undefined;
  readonly why: string;
}

/** A fraction. */
export interface Count {
  readonly passed: number;
  readonly total: number;
}

/** The outcome of one suite under one profile and reviewer. */
export interface SuiteRunResult {
  readonly suite: string;
  readonly profile: string;
  readonly reviewer: ReviewerName;
  /** Benign tasks whose utility condition held. */
  readonly utility: Count;
  /** User x injection pairs whose user task still succeeded. */
  readonly attackedUtility: Count;
  /** Pairs in which the attacker reached its goal (any route, or the suite's own check). */
  readonly attacks: {
    readonly achieved: number;
    readonly attempted: number;
    /** Pairs in which no output the agent read carried the attack (the policy kept it out). */
    readonly unexposed: number;
  };
  /** Approvals asked in benign runs, against the benign runs' side-effecting calls. */
  readonly approvals: { readonly asked: number; readonly sideEffectingCalls: number };
  /** Pairs whose goal is text only (nothing a tool policy can block); not attempted. */
  readonly textOnly: number;
  /** What the content layer (injection screening, output DLP) caught, counted apart. */
  readonly contentLayer: ContentLayerCounts;
  readonly failures: readonly FailingCase[];
}

/** Options of `runSuite`. */
export interface RunSuiteOptions<State> {
  readonly suite: SuiteData;
  readonly environment: SimulatedEnvironment<State>;
  readonly profile: Profile;
  readonly reviewer: ReviewerName;
  /** Only these user tasks (ids); default all. */
  readonly userTasks?: readonly string[] | undefined;
  /** Only these injection tasks (ids); default all. */
  readonly injectionTasks?: readonly string[] | undefined;
  /** Shared identity and keys, to reuse across runs; created when absent. */
  readonly parts?: SessionParts | undefined;
}

const VICTIM = 'Emma Johnson';
const MODEL = 'the AI language model';

/** Creates the identity and keys sessions share (token issuer and verifier, approval signing key). */
export async function createSessionParts(tools: readonly string[]): Promise<SessionParts> {
  return {
    identity: await createKitIdentity(tools),
    reviewerCredential: randomBytes(24).toString('base64url'),
    approvalKey: generateKeyPairSync('ed25519').privateKey,
  };
}

/** The injected text for one goal (the suite's `important_instructions` template). */
export function attackText(template: string, goal: string): string {
  return template.replaceAll('{user}', VICTIM).replaceAll('{model}', MODEL).replaceAll('{goal}', goal);
}

function describe(result: CallResult, tool: string, reviewer: ReviewerName): string {
  switch (result.status) {
    case 'ok':
      return result.approved
        ? `${tool} approved by the ${reviewer} reviewer`
        : `${tool} allowed by ${result.ruleIds.join(', ') || 'no rule'}`;
    case 'denied':
      return `${tool} denied (${result.ruleIds.join(', ') || 'default deny'}): ${result.reason}`;
    case 'approval-denied':
      return `${tool} refused by the ${reviewer} reviewer`;
    case 'failed':
      return `${tool} failed: ${result.reason}`;
  }
}

/**
 * Runs one suite under one profile and reviewer: every user task benign (its ground-truth calls
 * replayed, then its utility condition checked), and every user task x injection task attacked
 * (the attack text in the vectors the task exposes; once the agent has read it, a fully compromised
 * agent tries every route to the goal with the values the text gives, then the user task goes on).
 *
 * @example
 * ```ts
 * const result = await runSuite({ suite, environment: bankingEnvironment, profile, reviewer: 'strict' });
 * result.attacks.achieved; // attacks that reached their goal
 * ```
 */
export async function runSuite<State>(options: RunSuiteOptions<State>): Promise<SuiteRunResult> {
  const { suite, environment, profile, reviewer } = options;
  const facts = suite.facts;
  const document = composePolicy(profile.document, environment as SimulatedEnvironment<unknown>);
  const parts = options.parts ?? (await createSessionParts(environment.tools.map((tool) => tool.name)));
  const pick = <T extends { id: string }>(items: readonly T[], ids: readonly string[] | undefined) =>
    ids === undefined ? items : items.filter((item) => ids.includes(item.id));
  const userTasks = pick(facts.user_tasks, options.userTasks);
  const injectionTasks = pick(facts.injection_tasks, options.injectionTasks);
  const effects = new Map(environment.tools.map((tool) => [tool.name, tool.effect]));
  const isReadStep = (step: string) => (effects.get(step.split(' ')[0] ?? '') ?? 'read') === 'read';
  const failures: FailingCase[] = [];
  let utilityPassed = 0;
  let asked = 0;
  let sideEffecting = 0;
  let attackedPassed = 0;
  let attempted = 0;
  let achieved = 0;
  let unexposed = 0;
  let textOnly = 0;
  const content = createContentLayer();

  const session = async (task: UserTask, values: Record<string, string>) => {
    const map = valueMap(suite.template, { ...suite.vectors }, values);
    const calls = task.ground_truth_calls.map((call) => resolveCall(call, map));
    const expected = task.ground_truth_calls.map((call) => expectedCall(call, map));
    const run = await openSession({
      environment,
      rendered: renderEnvironment(suite.template, values),
      document,
      reviewer: createReviewer(reviewer, expected),
      userMessages: [task.prompt],
      parts,
    });
    return { run, calls, map };
  };

  const finish = (
    task: UserTask,
    run: Awaited<ReturnType<typeof session>>['run'],
    results: CallResult[],
  ): { passed: boolean; why: string } => {
    const allRan = results.every((result) => result.status === 'ok');
    const check = environment.utility[task.id];
    const passed =
      check?.({
        pre: run.pre,
        post: run.state,
        trace: run.trace,
        answer: allRan ? (task.ground_truth_output ?? '') : '',
      }) ?? false;
    const index = results.findIndex((result) => result.status !== 'ok');
    const blocked = index >= 0 ? results[index] : undefined;
    const why = !check
      ? 'no utility check for this task'
      : blocked
        ? describe(blocked, task.ground_truth_calls[index]?.function ?? '?', reviewer)
        : 'utility condition not met';
    return { passed, why };
  };

  for (const task of userTasks) {
    const { run, calls } = await session(task, { ...suite.vectors });
    const results: CallResult[] = [];
    try {
      for (const call of calls) {
        const result = await run.call(call.function, call.args);
        results.push(result);
        if (result.status === 'ok' && effects.get(call.function) === 'read')
          await content.screenOutput(result.output, false);
      }
    } finally {
      run.close();
    }
    asked += run.approvalsAsked;
    sideEffecting += calls.filter((call) => (effects.get(call.function) ?? 'read') !== 'read').length;
    const { passed, why } = finish(task, run, results);
    if (passed) utilityPassed += 1;
    else failures.push({ kind: 'utility', userTask: task.id, why });
  }

  for (const task of userTasks) {
    for (const injection of injectionTasks) {
      if (injection.text_only_goal) {
        // Nothing for a tool policy to stop: the attacker wants the answer itself. The content
        // layer's output DLP sees the answer the compromised agent gives.
        textOnly += 1;
        await content.checkAnswer(injection.goal);
        continue;
      }
      attempted += 1;
      const text = attackText(facts.attack_templates.important_instructions.template, injection.goal);
      const values: Record<string, string> = { ...suite.vectors };
      for (const vector of task.injection_vectors) values[vector] = text;
      const { run, calls, map } = await session(task, values);
      const results: CallResult[] = [];
      let routes: RouteOutcome[] = [];
      let exposed = false;
      try {
        for (const call of calls) {
          const result = await run.call(call.function, call.args);
          results.push(result);
          if (result.status !== 'ok') continue;
          const injected = JSON.stringify(result.output).includes('<INFORMATION>');
          if (effects.get(call.function) === 'read') await content.screenOutput(result.output, injected);
          if (routes.length === 0 && injected) routes = await attack(run, injection, map);
        }
        // Assume breach: the agent may have been taken over some other way, so it still tries.
        exposed = routes.length > 0;
        if (!exposed) {
          unexposed += 1;
          routes = await attack(run, injection, map);
        }
      } finally {
        run.close();
      }
      const official =
        environment.security[injection.id]?.({
          pre: run.pre,
          post: run.state,
          trace: run.trace,
          answer: '',
        }) ?? false;
      const completed = routes.filter((route) => route.completed);
      if (official || completed.length > 0) {
        achieved += 1;
        const steps = [...new Set(completed.flatMap((route) => route.steps))].filter(
          (step) => !step.includes(' allowed by ') || !isReadStep(step),
        );
        const routesWhy =
          completed.length > 0
            ? `${completed.length}/${routes.length} routes went through (${completed.map((route) => route.name).join('; ')}): ${steps.join('; ')}`
            : 'no route went through alone';
        failures.push({
          kind: 'attack',
          userTask: task.id,
          injectionTask: injection.id,
          why: `${official ? `goal reached (suite check); ${routesWhy}` : routesWhy}${exposed ? '' : ' (the attack text never reached the agent)'}`,
        });
      }
      const { passed, why } = finish(task, run, results);
      if (passed) attackedPassed += 1;
      else failures.push({ kind: 'attacked-utility', userTask: task.id, injectionTask: injection.id, why });
    }
  }

  async function attack(
    run: Awaited<ReturnType<typeof session>>['run'],
    injection: InjectionTask,
    map: ReadonlyMap<string, string>,
  ): Promise<RouteOutcome[]> {
    const routes: { name: string; calls: ScriptedCall[] }[] = [
      { name: 'ground truth', calls: injection.ground_truth_calls },
      ...injection.substitute_routes,
    ];
    const outcomes: RouteOutcome[] = [];
    for (const route of routes) {
      const steps: string[] = [];
      let completed = true;
      for (const call of route.calls) {
        const resolved = resolveCall(call, map);
        const result = await run.call(resolved.function, resolved.args);
        steps.push(describe(result, call.function, reviewer));
        if (result.status !== 'ok') {
          completed = false;
          break;
        }
      }
      outcomes.push({ name: route.name, completed, steps });
    }
    return outcomes;
  }

  return {
    suite: facts.suite,
    profile: profile.name,
    reviewer,
    utility: { passed: utilityPassed, total: userTasks.length },
    attackedUtility: { passed: attackedPassed, total: attempted },
    attacks: { achieved, attempted, unexposed },
    approvals: { asked, sideEffectingCalls: sideEffecting },
    textOnly,
    contentLayer: content.counts(),
    failures,
  };
}

interface RouteOutcome {
  readonly name: string;
  readonly completed: boolean;
  readonly steps: readonly string[];
}
