/**
 * The simulated environments against the suites' own facts: on the default environment every user
 * task's ground truth meets its utility condition, every injection task's ground truth meets its
 * attacker-success condition, and each substitute route is scored by our check exactly as the facts
 * say the suite's official check scores it.
 */
import { describe, expect, it } from 'vitest';
import { loadSuite } from '../load-suite.js';
import { renderEnvironment } from '../render-environment.js';
import type { SimulatedEnvironment } from '../simulated-environment.js';
import type { ScriptedCall } from '../suite-facts.js';
import { AGENTDOJO_DIR, suitesPresent } from '../test-support/data-dir.js';
import { bankingEnvironment } from './banking.js';
import { slackEnvironment } from './slack.js';

const present = suitesPresent();

async function replay(
  environment: SimulatedEnvironment<unknown>,
  suite: string,
  calls: readonly ScriptedCall[],
) {
  const data = await loadSuite(AGENTDOJO_DIR, suite);
  const state = environment.initialState(renderEnvironment(data.template, data.vectors));
  const pre = environment.snapshot(state);
  const trace: { tool: string; input: Record<string, unknown> }[] = [];
  for (const call of calls) {
    const tool = environment.tools.find((candidate) => candidate.name === call.function);
    if (!tool) throw new Error(`no tool ${call.function}`);
    const parsed = tool.inputSchema['~standard'].validate(call.args);
    if (parsed instanceof Promise || parsed.issues) throw new Error(`bad input for ${call.function}`);
    try {
      tool.run(state, parsed.value);
      trace.push({ tool: call.function, input: parsed.value });
    } catch {
      // A failing call leaves no trace, as in a guarded run.
    }
  }
  return { pre, post: state, trace };
}

describe.skipIf(!present).each([
  ['banking', bankingEnvironment as SimulatedEnvironment<unknown>],
  ['slack', slackEnvironment as SimulatedEnvironment<unknown>],
])('the %s environment', (suite, environment) => {
  it('meets every utility condition with the ground truth, and no other', async () => {
    const data = await loadSuite(AGENTDOJO_DIR, suite);
    for (const task of data.facts.user_tasks) {
      const run = await replay(environment, suite, task.ground_truth_calls);
      const check = environment.utility[task.id];
      expect(check, task.id).toBeDefined();
      expect(check!({ ...run, answer: task.ground_truth_output ?? '' }), task.id).toBe(true);
    }
    // Nothing done: tasks that need an action fail.
    const idle = await replay(environment, suite, []);
    const failing = data.facts.user_tasks.filter(
      (task) => !environment.utility[task.id]!({ ...idle, answer: '' }),
    );
    expect(failing.length).toBeGreaterThan(data.facts.user_tasks.length / 2);
  });

  it('scores injection ground truths and substitute routes as the facts say', async () => {
    const raw = (await import(`${AGENTDOJO_DIR}/${suite}/suite.json`, { with: { type: 'json' } }))
      .default as {
      injection_tasks: {
        id: string;
        ground_truth_calls: ScriptedCall[];
        substitute_routes: { name: string; calls: ScriptedCall[]; counted_by_official_check: boolean }[];
      }[];
    };
    for (const injection of raw.injection_tasks) {
      const check = environment.security[injection.id]!;
      const truth = await replay(environment, suite, injection.ground_truth_calls);
      expect(check({ ...truth, answer: '' }), injection.id).toBe(true);
      const idle = await replay(environment, suite, []);
      expect(check({ ...idle, answer: '' }), `${injection.id} idle`).toBe(false);
      for (const route of injection.substitute_routes) {
        const run = await replay(environment, suite, route.calls);
        expect(check({ ...run, answer: '' }), `${injection.id} / ${route.name}`).toBe(
          route.counted_by_official_check,
        );
      }
    }
  });
});
