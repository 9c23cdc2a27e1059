import type { ClientTool, StructuredTool } from '@langchain/core/tools';
import type { Enforcement } from '@palisade/core';
import type { LangChainGuardOptions } from './guard-options.js';
import { guardWithCatalog } from './internal/guard-with-catalog.js';
import { createToolCatalog } from './internal/tool-catalog.js';

/**
 * Wraps every tool of a list with `guardTool`, in order. Every tool must have an effect in
 * `options.effects` or in the policy's tool catalog; one that has neither makes the whole call throw
 * a `TypeError`, so no tool slips through unguarded.
 *
 * @example
 * ```ts
 * const tools = guardTools([getTicket, updateTicket, refund], palisade, {
 *   effects: { get_ticket: 'read', update_ticket: 'write', refund: 'execute' },
 * });
 * const agent = createAgent({ model, tools, checkpointer });
 * ```
 */
export function guardTools(
  tools: readonly ClientTool[],
  enforcement: Enforcement,
  options: LangChainGuardOptions,
): StructuredTool[] {
  if (!Array.isArray(tools)) throw new TypeError('guardTools(): tools must be an array');
  const catalog = createToolCatalog(options, 'guardTools()', enforcement);
  const names = new Set<string>();
  return tools.map((tool) => {
    if (names.has(tool.name)) throw new TypeError(`guardTools(): two tools are named "${tool.name}"`);
    names.add(tool.name);
    return guardWithCatalog(tool, enforcement, catalog);
  });
}
