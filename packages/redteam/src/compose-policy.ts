import { definePolicy, type PolicyDocument, type ToolEntry } from '@palisade/policy';
import type { SimulatedEnvironment } from './simulated-environment.js';

/**
 * The tool catalog of a simulated environment as a policy's `tools` section: each tool's effect,
 * target and trust (`untrusted` for tools whose output others can write), which output fields are
 * untrusted text and what data labels it returns, its critical arguments and whether it reaches
 * outside the organisation.
 */
export function catalogOf(environment: SimulatedEnvironment<unknown>): Record<string, ToolEntry> {
  const tools: Record<string, ToolEntry> = {};
  for (const tool of environment.tools) {
    const output = {
      ...(tool.trust === 'untrusted' && tool.untrustedFields ? { untrusted: [...tool.untrustedFields] } : {}),
      ...(tool.labels?.length ? { labels: [...tool.labels] } : {}),
    };
    tools[tool.name] = {
      description: tool.description,
      effect: tool.effect,
      target: tool.target,
      trust: tool.trust,
      ...(Object.keys(output).length > 0 ? { output } : {}),
      ...(tool.critical?.length ? { critical: [...tool.critical] } : {}),
      ...(tool.external === undefined ? {} : { external: tool.external }),
    };
  }
  return tools;
}

/**
 * Builds the policy a run enforces: the profile (a plain policy document) with the environment's
 * catalog as its `tools` when it has none. Validated like any policy; throws `PolicyError`.
 *
 * @example
 * ```ts
 * const policy = composePolicy(parse(await readFile('my-profile.yaml', 'utf8')), bankingEnvironment);
 * ```
 */
export function composePolicy(
  profile: Readonly<Record<string, unknown>>,
  environment: SimulatedEnvironment<unknown>,
): PolicyDocument {
  if (typeof profile !== 'object' || profile === null || Array.isArray(profile)) {
    throw new TypeError('composePolicy(): profile must be a policy document (an object)');
  }
  const tools = profile.tools ?? catalogOf(environment);
  return definePolicy({ ...profile, tools } as unknown as PolicyDocument);
}
