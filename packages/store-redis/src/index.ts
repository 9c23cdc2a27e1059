export type { RedisApprovalStoreOptions } from './approval-store.js';
export { createRedisApprovalStore } from './approval-store.js';
