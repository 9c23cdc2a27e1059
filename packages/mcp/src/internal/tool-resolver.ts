import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import {
  ACTION_KINDS,
  type ActionKind,
  catalogEntry,
  EFFECTS,
  type Effect,
  type Enforcement,
} from '@palisade/core';
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
  /** Without `catalog`, the catalog of the policy this enforcement's decider has in force, if any. */
  readonly enforcement?: Enforcement | undefined;
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

export type ToolResolver = (
  name: string,
  annotations: ToolAnnotations | undefined,
) => ResolvedTool | undefined;

/**
 * Validates the options once and returns the lookup: the policy's catalog first, then the
 * application's declarations, then (unless ignored) the annotations a server claims.
 */
export function createToolResolver(caller: string, options: ToolResolverOptions): ToolResolver {
  const { catalog, enforcement, tools = {}, annotations = 'fallback', target } = options;
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
    // A malformed catalog entry throws: it must not fall through to weaker sources.
    const fromCatalog = catalog === undefined ? catalogEntry(enforcement, name) : listedIn(catalog, name);
    if (fromCatalog !== undefined) return resolved(fromCatalog, 'catalog', target);
    const declared = declarations.get(name);
    if (declared) return resolved(declared, 'declaration', target);
    if (annotations === 'ignore') return undefined;
    const effect = effectFromAnnotations(claimed);
    return effect === undefined ? undefined : { effect, kind: 'tool', target, source: 'annotations' };
  };
}

/** The entry of `name` in a catalog the application passed (or a function returning the one in force). */
function listedIn(
  catalog: ToolCatalog | (() => ToolCatalog | undefined),
  name: string,
): McpToolEntry | undefined {
  const current = typeof catalog === 'function' ? catalog() : catalog;
  if (current !== undefined && !isRecord(current)) throw new TypeError('The tool catalog is not an object');
  const entry = current && Object.hasOwn(current, name) ? current[name] : undefined;
  if (entry !== undefined) assertEntry(entry, `tool catalog entry "${name}"`);
  return entry;
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
