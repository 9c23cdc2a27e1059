export type { RedisApprovalStoreOptions } from './approval-store.js';
export { createRedisApprovalStore } from './approval-store.js';
export type { RedisCounterStore, RedisCounterStoreOptions } from './counter-store.js';
export { createRedisCounterStore } from './counter-store.js';
export type { RedisReplayCache, RedisReplayCacheOptions } from './replay-cache.js';
export { createRedisReplayCache } from './replay-cache.js';
export type { RedisRevocationStore, RedisRevocationStoreOptions } from './revocation-store.js';
export { createRedisRevocationStore } from './revocation-store.js';
