export type {
  ApprovalInterrupt,
  PendingApproval,
  ReviewActionRequest,
  ReviewConfig,
  ReviewDecision,
  ReviewDecisionType,
  ReviewRequest,
  ReviewResponse,
} from './approval-interrupt.js';
export {
  APPROVAL_INTERRUPT_TYPE,
  isApprovalInterrupt,
  isReviewRequest,
  pendingApprovals,
  pendingReview,
} from './approval-interrupt.js';
export type { ContentMiddlewareOptions } from './content-middleware.js';
export { contentMiddleware } from './content-middleware.js';
export type { LangChainGuardOptions, ReviewOptions } from './guard-options.js';
export type { GuardRetrieverOptions, RetrievalScreen, RetrieverContentOptions } from './guard-retriever.js';
export { guardRetriever } from './guard-retriever.js';
export { guardTool } from './guard-tool.js';
export { guardTools } from './guard-tools.js';
export type {
  AfterModelScreen,
  BeforeModelScreen,
  ModelScreenContext,
  PalisadeMiddlewareOptions,
} from './palisade-middleware.js';
export { palisadeMiddleware } from './palisade-middleware.js';
export type { ContextResolver, ContextSource } from './read-call-context.js';
export { readCallContext } from './read-call-context.js';
export type { ReviewService } from './review-service.js';
