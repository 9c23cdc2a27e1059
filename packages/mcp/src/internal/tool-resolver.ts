import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { ACTION_KINDS, type ActionKind, EFFECTS, type Effect, type Enforcement } from '@palisade/core';
import {
  type EffectSource,
  effectFromAnnotations,
  type McpToolDeclarations,
  type McpToolEntry,
  type ToolCatalog,
} from '../tool-effects.js';

/** The options both guards share for finding out what a tool does. */
export interface ToolResolverOptions {
  readonly catalog?: ToolCatalog | (() => ToolCatalog | undefined) | undefined;
  readonly tools?: McpToolDeclarations | undefined;
  readonly annotations?: 'fallback' | 'ignore' | undefined;
  readonly target?: string | undefined;
}

/** A tool whose effect is known. */
export interface ResolvedTool {
  readonly effect: Effect;
  readonly kind: ActionKind;
  readonly target: string | undefined;
  readonly source: EffectSource;
}

/**
 * The catalog of the policy the enforcement decides with, when its decider is a policy engine (it
 * exposes the document in force, so a reloaded policy's catalog is used from the next call on).
 */
export function catalogOfDecider(palisade: Enforcement): (() => ToolCatalog | undefined) | undefined {
  const decider = palisade.decider as { readonly document?: { readonly tools?: unknown } };
  if (typeof decider.document?.tools !== 'object' || decider.document.tools === null) return undefined;
  return () => decider.document?.tools as ToolCatalog | undefined;
}

export type ToolResolver = (
  name: string,
  annotations: ToolAnnotations | undefined,
) => ResolvedTool | undefined;

/**
 * Validates the options once and returns the lookup: the policy's catalog first, then the
 * application's declarations, then (unless ignored) the annotations a server claims.
 */
export function createToolResolver(caller: string, options: ToolResolverOptions): ToolResolver {
  const { catalog, tools = {}, annotations = 'fallback', target } = options;
  if (catalog !== undefined && typeof catalog !== 'function' && !isRecord(catalog)) {
    throw new TypeError(
      `${caller}: options.catalog must be a tool catalog (an object) or a function returning one`,
    );
  }
  if (!isRecord(tools)) throw new TypeError(`${caller}: options.tools must be an object`);
  const declarations = new Map<string, McpToolEntry>();
  for (const [name, declaration] of Object.entries(tools)) {
    const entry = typeof declaration === 'string' ? { effect: declaration } : declaration;
    assertEntry(entry, `${caller}: options.tools["${name}"]`);
    declarations.set(name, entry);
  }
  if (annotations !== 'fallback' && annotations !== 'ignore') {
    throw new TypeError(`${caller}: options.annotations must be 'fallback' or 'ignore'`);
  }
  if (target !== undefined && (typeof target !== 'string' || target === '')) {
    throw new TypeError(`${caller}: options.target must be a non-empty string`);
  }

  return (name, claimed) => {
    const current = typeof catalog === 'function' ? catalog() : catalog;
    if (current !== undefined && !isRecord(current)) throw new TypeError('The tool catalog is not an object');
    const fromCatalog = current && Object.hasOwn(current, name) ? current[name] : undefined;
    if (fromCatalog !== undefined) {
      // A malformed catalog entry must not fall through to weaker sources.
      assertEntry(fromCatalog, `tool catalog entry "${name}"`);
      return resolved(fromCatalog, 'catalog', target);
    }
    const declared = declarations.get(name);
    if (declared) return resolved(declared, 'declaration', target);
    if (annotations === 'ignore') return undefined;
    const effect = effectFromAnnotations(claimed);
    return effect === undefined ? undefined : { effect, kind: 'tool', target, source: 'annotations' };
  };
}

function resolved(entry: McpToolEntry, source: EffectSource, target: string | undefined): ResolvedTool {
  return { effect: entry.effect, kind: entry.kind ?? 'tool', target: entry.target ?? target, source };
}

function assertEntry(entry: unknown, where: string): asserts entry is McpToolEntry {
  if (!isRecord(entry)) throw new TypeError(`${where} must be an effect or { effect, kind?, target? }`);
  if (!EFFECTS.includes(entry.effect as Effect)) {
    throw new TypeError(`${where}.effect must be one of ${EFFECTS.join(', ')}, got ${String(entry.effect)}`);
  }
  if (entry.kind !== undefined && !ACTION_KINDS.includes(entry.kind as ActionKind)) {
    throw new TypeError(`${where}.kind must be one of ${ACTION_KINDS.join(', ')}`);
  }
  if (entry.target !== undefined && typeof entry.target !== 'string') {
    throw new TypeError(`${where}.target must be a string`);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
