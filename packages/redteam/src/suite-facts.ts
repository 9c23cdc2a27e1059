import { z } from 'zod';

const call = z.object({
  function: z.string().min(1),
  args: z.record(z.string(), z.unknown()),
});

const userTask = z.object({
  id: z.string().min(1),
  prompt: z.string(),
  ground_truth_calls: z.array(call),
  ground_truth_output: z.string().nullish(),
  utility: z.string(),
  injection_vectors: z.array(z.string()),
  writes: z.array(z.string()),
});

const injectionTask = z.object({
  id: z.string().min(1),
  goal: z.string(),
  ground_truth_calls: z.array(call),
  security: z.string(),
  text_only_goal: z.boolean(),
  substitute_routes: z.array(z.object({ name: z.string(), calls: z.array(call) })),
});

/**
 * The facts of one suite as the kit reads them (`suite.json`, schema
 * `palisade/agentdojo-suite-facts@1`): tools, user tasks with their ground-truth calls, injection
 * tasks with every route, and the attack template. Unknown keys are ignored.
 */
export const suiteFactsSchema = z.object({
  suite: z.string().min(1),
  tools: z.array(
    z.object({
      name: z.string().min(1),
      effect: z.enum(['read-only', 'side-effect']),
      tags: z.array(z.string()),
    }),
  ),
  user_tasks: z.array(userTask),
  injection_tasks: z.array(injectionTask),
  attack_templates: z.object({
    important_instructions: z.object({ template: z.string() }),
  }),
});

/** The facts of one suite (see `suiteFactsSchema`). */
export type SuiteFacts = z.infer<typeof suiteFactsSchema>;
/** One tool call of a ground truth or a route. */
export type ScriptedCall = z.infer<typeof call>;
/** A task the user gives the agent. */
export type UserTask = z.infer<typeof userTask>;
/** A goal the attacker plants in the environment. */
export type InjectionTask = z.infer<typeof injectionTask>;
