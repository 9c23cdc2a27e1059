import type { Principal } from './principal.js';
import type { ProvenanceView } from './provenance-store.js';

/** What kind of thing is being asked for. */
export type ActionKind = 'tool' | 'retrieval' | 'memory' | 'egress';

/** The declared side effect of a tool. Everything but `read` persists something. */
export type Effect = 'read' | 'write' | 'send' | 'delete' | 'execute';

/** Every effect, in a fixed order. */
export const EFFECTS: readonly Effect[] = Object.freeze(['read', 'write', 'send', 'delete', 'execute']);

/** Every action kind, in a fixed order. */
export const ACTION_KINDS: readonly ActionKind[] = Object.freeze(['tool', 'retrieval', 'memory', 'egress']);

/** True for effects that create, change, send, delete or run something. */
export function isPersistentEffect(effect: Effect): boolean {
  return effect !== 'read';
}

/** The circumstances of a request, scored and labelled before the policy sees it. */
export interface RequestContext {
  /** Epoch milliseconds at which the request was made. */
  readonly time: number;
  readonly sessionId?: string | undefined;
  /** Session labels such as `tainted`, accumulated from earlier calls. */
  readonly labels: readonly string[];
  /** Risk score in [0, 1] from the configured scorer, when there is one. */
  readonly risk?: number | undefined;
  /** The user's own messages, for provenance checks on arguments. */
  readonly userMessages: readonly string[];
  /** The audience (service or deployment) the call is made to. */
  readonly audience?: string | undefined;
  /** Free-form attributes supplied by the caller or an adapter. */
  readonly attributes: Readonly<Record<string, unknown>>;
  /**
   * What the session's earlier tool outputs carried and where each value came from, when a
   * provenance store is configured and the call has a `sessionId`.
   */
  readonly provenance?: ProvenanceView | undefined;
}

/** One access request: every guarded call becomes one, and is decided afresh. */
export interface ActionRequest {
  readonly kind: ActionKind;
  /** Tool, retriever or action name. */
  readonly name: string;
  readonly effect: Effect;
  /** The system the action touches (`crm`, `payments`, `mail`). */
  readonly target?: string | undefined;
  /** The validated, parsed input. */
  readonly input: unknown;
  readonly callId: string;
  readonly principal: Principal;
  readonly context: RequestContext;
}
