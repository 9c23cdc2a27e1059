export type { PostgresApprovalStoreOptions } from './approval-store.js';
export { createPostgresApprovalStore } from './approval-store.js';
export type { PostgresAuditChainStoreOptions } from './audit-chain-store.js';
export { createPostgresAuditChainStore } from './audit-chain-store.js';
export type { PostgresRevocationStore, PostgresRevocationStoreOptions } from './revocation-store.js';
export { createPostgresRevocationStore } from './revocation-store.js';
