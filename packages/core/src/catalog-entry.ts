import { ACTION_KINDS, type ActionKind, EFFECTS, type Effect } from './action-request.js';

/** What a policy's tool catalog says about one tool. */
export interface CatalogEntry {
  readonly effect: Effect;
  /** `undefined` when the catalog leaves it at its default (`tool`). */
  readonly kind: ActionKind | undefined;
  /** The system the tool touches, when the catalog names one. */
  readonly target: string | undefined;
}

/**
 * Reads the catalog entry of `toolName` from an enforcement whose decider exposes the policy
 * document in force (`enforcement.decider.document.tools`, as a `@palisade/policy` engine does),
 * so that adapters can default a tool's effect and target to what the policy itself declares. The
 * document is read on every lookup, so a reloaded policy's catalog counts from the next call on.
 *
 * Returns `undefined` when the decider exposes no catalog or the catalog does not list the tool.
 * An entry that is listed but malformed throws a `TypeError`: it must not fall through to a weaker
 * source of the effect.
 *
 * @example
 * ```ts
 * const palisade = await createPalisade({ policy, ... });
 * catalogEntry(palisade, 'refund'); // { effect: 'write', kind: undefined, target: 'payments' }
 * catalogEntry(palisade, 'unknown_tool'); // undefined
 * ```
 */
export function catalogEntry(enforcement: unknown, toolName: string): CatalogEntry | undefined {
  const decider = recordAt(enforcement, 'decider');
  const tools = recordAt(recordAt(decider, 'document'), 'tools');
  if (tools === undefined || !Object.hasOwn(tools, toolName)) return undefined;
  const entry = tools[toolName];
  const where = `tool catalog entry "${toolName}"`;
  if (!isRecord(entry)) throw new TypeError(`${where} must be an object { effect, kind?, target? }`);
  const { effect, kind, target } = entry;
  if (!EFFECTS.includes(effect as Effect)) {
    throw new TypeError(`${where}: effect must be one of ${EFFECTS.join(', ')}, got ${String(effect)}`);
  }
  if (kind !== undefined && !ACTION_KINDS.includes(kind as ActionKind)) {
    throw new TypeError(`${where}: kind must be one of ${ACTION_KINDS.join(', ')}, got ${String(kind)}`);
  }
  if (target !== undefined && typeof target !== 'string') {
    throw new TypeError(`${where}: target must be a string`);
  }
  return { effect: effect as Effect, kind: kind as ActionKind | undefined, target };
}

function recordAt(value: unknown, key: string): Record<string, unknown> | undefined {
  if (!isRecord(value)) return undefined;
  const found = value[key];
  return isRecord(found) ? found : undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
