export type { PostgresApprovalStoreOptions } from './approval-store.js';
export { createPostgresApprovalStore } from './approval-store.js';
