import type { ModelMessage, ToolApprovalConfiguration, ToolApprovalStatus, ToolSet } from 'ai';
import type { AnyTool } from './tool-kind.js';
import { ownValue } from './tool-settings.js';

/** An approval status in the object shape, `undefined` and strings normalised as the AI SDK does. */
export type ApprovalStatus =
  | { readonly type: 'not-applicable' }
  | { readonly type: 'approved'; readonly reason?: string }
  | { readonly type: 'denied'; readonly reason?: string }
  | { readonly type: 'user-approval'; readonly reason?: string };

/** What the AI SDK knows about one call when it asks for its approval status. */
export interface OwnApprovalCall {
  readonly toolCall: { readonly toolCallId: string; readonly toolName: string; readonly input: unknown };
  readonly tools: ToolSet | undefined;
  readonly toolsContext: unknown;
  readonly runtimeContext: unknown;
  readonly messages: ModelMessage[];
}

export const NOT_APPLICABLE: ApprovalStatus = Object.freeze({ type: 'not-applicable' });

/** How strict a status is: a stricter status wins when the policy and the application disagree. */
const STRICTNESS: Readonly<Record<ApprovalStatus['type'], number>> = {
  'not-applicable': 0,
  approved: 1,
  'user-approval': 2,
  denied: 3,
};

/** The stricter of two statuses (the first on a tie). */
export function stricter(first: ApprovalStatus, second: ApprovalStatus): ApprovalStatus {
  return STRICTNESS[second.type] > STRICTNESS[first.type] ? second : first;
}

/**
 * The approval status the application itself gives a call, exactly as the AI SDK would resolve it
 * without Palisade: its own `toolApproval` configuration (a generic function, or a per-tool status
 * or function) first, else the tool's `needsApproval`. Palisade takes the generic `toolApproval`
 * slot, which makes the AI SDK ignore both, so they are resolved here and combined with the policy.
 */
export async function ownApprovalStatus(
  configuration: ToolApprovalConfiguration<ToolSet, unknown> | undefined,
  tool: AnyTool,
  call: OwnApprovalCall,
  toolContext: () => Promise<unknown>,
): Promise<ApprovalStatus> {
  const { toolCall } = call;
  if (typeof configuration === 'function') {
    return normalise(await configuration(call as Parameters<typeof configuration>[0]));
  }
  const perTool = ownValue(configuration as Record<string, unknown> | undefined, toolCall.toolName);
  if (perTool != null) {
    if (typeof perTool !== 'function') return normalise(perTool as ToolApprovalStatus);
    return normalise(
      await perTool(toolCall.input, {
        toolCallId: toolCall.toolCallId,
        messages: call.messages,
        toolContext: await toolContext(),
        runtimeContext: call.runtimeContext,
      }),
    );
  }
  const needsApproval = (tool as { needsApproval?: unknown }).needsApproval;
  if (needsApproval == null) return NOT_APPLICABLE;
  const needed =
    typeof needsApproval === 'function'
      ? await needsApproval(toolCall.input, {
          toolCallId: toolCall.toolCallId,
          messages: call.messages,
          context: await toolContext(),
        })
      : needsApproval;
  return needed === true ? { type: 'user-approval' } : NOT_APPLICABLE;
}

/** Checks the configuration once, when the tool approval is created. */
export function assertApprovalConfiguration(configuration: unknown, where: string): void {
  if (configuration === undefined || typeof configuration === 'function') return;
  if (typeof configuration !== 'object' || configuration === null) {
    throw new TypeError(
      `${where}: options.toolApproval must be a function or an object of per-tool settings`,
    );
  }
  for (const [name, setting] of Object.entries(configuration)) {
    if (setting == null || typeof setting === 'function') continue;
    if (!isStatus(setting)) {
      throw new TypeError(`${where}: options.toolApproval.${name} is not an approval status or function`);
    }
  }
}

function isStatus(value: unknown): boolean {
  const type = typeof value === 'string' ? value : (value as { type?: unknown } | null)?.type;
  return typeof type === 'string' && Object.hasOwn(STRICTNESS, type);
}

/** Normalises a status; anything that is not one fails the call, since its intent is unknown. */
function normalise(status: unknown): ApprovalStatus {
  if (status === undefined) return NOT_APPLICABLE;
  if (!isStatus(status)) {
    throw new TypeError(
      "The application's own tool approval returned a value that is not an approval status",
    );
  }
  if (typeof status === 'string') return { type: status } as ApprovalStatus;
  const { type, reason } = status as { type: ApprovalStatus['type']; reason?: unknown };
  if (type === 'not-applicable') return NOT_APPLICABLE;
  return typeof reason === 'string' ? { type, reason } : { type };
}
