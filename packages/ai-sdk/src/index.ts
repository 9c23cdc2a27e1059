export { ApprovalLinkError } from './approval-link-error.js';
export type { ContentGuardMiddlewareOptions } from './content-guard-middleware.js';
export { contentGuardMiddleware } from './content-guard-middleware.js';
export type { PalisadeToolApproval, ToolApprovalCall, ToolApprovalOptions } from './create-tool-approval.js';
export { createToolApproval } from './create-tool-approval.js';
export type { ToolCallTrace } from './create-tool-call-trace.js';
export { createToolCallTrace } from './create-tool-call-trace.js';
export type { GuardToolsOptions } from './guard-tools.js';
export { guardTools } from './guard-tools.js';
export type { GuardedToolSettings, GuardedToolSettingsOptions } from './guarded-tool-settings.js';
export { guardedToolSettings } from './guarded-tool-settings.js';
export type { ToolResultScreening } from './internal/screen-tool-result.js';
export type {
  ModelContent,
  ModelPrompt,
  ModelStreamPart,
  PalisadeModelMiddlewareOptions,
} from './palisade-model-middleware.js';
export { palisadeModelMiddleware } from './palisade-model-middleware.js';
export type {
  RecordApprovalResponsesOptions,
  RecordedApprovalResponse,
} from './record-approval-responses.js';
export { recordApprovalResponses } from './record-approval-responses.js';
export type {
  ToolApprovalProposal,
  ToolApprovalService,
  ToolApprovalUse,
} from './tool-approval-service.js';
export type { CallContextSource, EffectMap, PalisadeToolOptions, ToolCallInfo } from './tool-options.js';
