/** Marks a tool that guards itself, so the middleware does not guard its calls a second time. */
export const GUARDED_TOOL = Symbol.for('palisade.langchain.guarded-tool');

/** True for a tool returned by `guardTool`. */
export function isGuardedTool(tool: unknown): boolean {
  return (
    typeof tool === 'object' && tool !== null && (tool as { [GUARDED_TOOL]?: unknown })[GUARDED_TOOL] === true
  );
}
