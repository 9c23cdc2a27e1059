import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { ActionKind, Effect } from '@palisade/core';

/** What the enforcement loop needs to know about a tool before deciding: its effect and target. */
export interface McpToolEntry {
  readonly effect: Effect;
  /** Defaults to `tool`. */
  readonly kind?: ActionKind | undefined;
  /** The system the tool touches (`crm`, `payments`). */
  readonly target?: string | undefined;
}

/**
 * The policy's tool catalog: tool name to effect, kind and target. A policy document's `tools` map
 * has this shape, so it can be passed as is.
 */
export type ToolCatalog = Readonly<Record<string, McpToolEntry>>;

/** Tools the application declares itself: an entry, or just the effect. */
export type McpToolDeclarations = Readonly<Record<string, Effect | McpToolEntry>>;

/** Where the effect of a call came from, most trusted first. */
export type EffectSource = 'catalog' | 'declaration' | 'annotations';

/**
 * Maps MCP tool annotations to an effect, or `undefined` when they say nothing.
 *
 * `readOnlyHint: true` is a `read`; otherwise `destructiveHint: false` is a `write`, and anything
 * else is a `delete`, because the MCP specification makes `destructiveHint` default to `true` for
 * tools that are not read-only. Annotations that carry neither hint say nothing, so the tool's
 * effect is unknown and its calls are denied.
 *
 * Annotations are claims made by a server. Palisade uses them only when neither the policy's catalog
 * nor the application's own declarations name the tool.
 *
 * @example
 * ```ts
 * effectFromAnnotations({ readOnlyHint: true }); // 'read'
 * effectFromAnnotations({ readOnlyHint: false, destructiveHint: false }); // 'write'
 * effectFromAnnotations({ destructiveHint: true }); // 'delete'
 * effectFromAnnotations({ title: 'Search' }); // undefined
 * ```
 * @see https://modelcontextprotocol.io/specification/2025-06-18/schema#toolannotations
 */
export function effectFromAnnotations(annotations: ToolAnnotations | undefined): Effect | undefined {
  if (!annotations) return undefined;
  const { readOnlyHint, destructiveHint } = annotations;
  if (typeof readOnlyHint !== 'boolean' && typeof destructiveHint !== 'boolean') return undefined;
  if (readOnlyHint === true) return 'read';
  if (destructiveHint === false) return 'write';
  return 'delete';
}
