import type { ActionRequest } from './action-request.js';
import type { Decision } from './decision.js';

/** The Policy Engine contract: decides one request. Must not throw for an ordinary deny. */
export interface Decider {
  decide(request: ActionRequest): Decision | Promise<Decision>;
}
