import { createHash } from 'node:crypto';
import {
  type ApprovalRequest,
  type ApprovalRow,
  type ApprovalStore,
  approvalConsumeFailure,
  approvalDecideFailure,
  fromApprovalRow,
  toApprovalRow,
} from '@palisade/core';
import { Redis } from 'ioredis';

/** Options of `createRedisApprovalStore`: a client you own, or a URL. */
export interface RedisApprovalStoreOptions {
  /** A client to use; the store never disconnects it. */
  readonly client?: Redis | undefined;
  /** Used when no client is given; the store opens (and `dispose()` closes) its own connection. */
  readonly url?: string | undefined;
  /**
   * Prefix of every key. Keys are `{prefix}:...` so a cluster keeps one store in one slot, which
   * the atomic scripts need. Default `palisade:approvals`.
   */
  readonly keyPrefix?: string | undefined;
}

const MAX_LIST_LIMIT = 1000;

// Each script reads and writes one request atomically and replies { changed, HGETALL } so the
// caller classifies a refusal on the very state the script saw.
const INSERT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'digest', ARGV[2], 'status', 'pending', 'createdAt', ARGV[3], 'expiresAt', ARGV[4], 'payload', ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
return 1`;

const DECIDE = `
local status = redis.call('HGET', KEYS[1], 'status')
local expiresAt = tonumber(redis.call('HGET', KEYS[1], 'expiresAt'))
if status == 'pending' and expiresAt and expiresAt > tonumber(ARGV[3]) then
  local createdAt = redis.call('HGET', KEYS[1], 'createdAt')
  redis.call('HSET', KEYS[1], 'status', ARGV[1], 'decision', ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[4])
  redis.call('ZADD', KEYS[3], createdAt, ARGV[4])
  return { 1, redis.call('HGETALL', KEYS[1]) }
end
return { 0, redis.call('HGETALL', KEYS[1]) }`;

const CONSUME = `
local status = redis.call('HGET', KEYS[1], 'status')
local digest = redis.call('HGET', KEYS[1], 'digest')
local expiresAt = tonumber(redis.call('HGET', KEYS[1], 'expiresAt'))
if status == 'approved' and digest == ARGV[1] and expiresAt and expiresAt > tonumber(ARGV[2]) then
  local createdAt = redis.call('HGET', KEYS[1], 'createdAt')
  redis.call('HSET', KEYS[1], 'status', 'consumed', 'consumedAt', ARGV[2])
  redis.call('ZREM', KEYS[2], ARGV[3])
  redis.call('ZADD', KEYS[3], createdAt, ARGV[3])
  return { 1, redis.call('HGETALL', KEYS[1]) }
end
return { 0, redis.call('HGETALL', KEYS[1]) }`;

const CLOSE = `
local status = redis.call('HGET', KEYS[1], 'status')
local expiresAt = tonumber(redis.call('HGET', KEYS[1], 'expiresAt'))
if status == 'pending' and (ARGV[1] == 'cancelled' or (expiresAt and expiresAt <= tonumber(ARGV[2]))) then
  local createdAt = redis.call('HGET', KEYS[1], 'createdAt')
  redis.call('HSET', KEYS[1], 'status', ARGV[1])
  redis.call('ZREM', KEYS[2], ARGV[3])
  redis.call('ZADD', KEYS[3], createdAt, ARGV[3])
  return { 1, redis.call('HGETALL', KEYS[1]) }
end
return { 0, redis.call('HGETALL', KEYS[1]) }`;

type ScriptReply = [number, string[]];

/**
 * Creates an `ApprovalStore` on Redis, for apps running several replicas. Each transition is one
 * Lua script, which Redis runs atomically: of any number of concurrent consumers, exactly one
 * sees `approved` and the rest see `consumed`.
 *
 * @example
 * ```ts
 * const store = createRedisApprovalStore({ url: 'redis://127.0.0.1:6379' });
 * const service = createApprovalService({ store, approvers, signingKey });
 * ```
 */
export function createRedisApprovalStore(options: RedisApprovalStoreOptions): ApprovalStore {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createRedisApprovalStore(): options must be an object');
  }
  if (options.client === undefined && (typeof options.url !== 'string' || options.url === '')) {
    throw new TypeError('createRedisApprovalStore(): pass a client or a url');
  }
  const prefix = options.keyPrefix ?? 'palisade:approvals';
  if (typeof prefix !== 'string' || !/^[A-Za-z0-9_:.-]{1,100}$/.test(prefix)) {
    throw new TypeError('createRedisApprovalStore(): keyPrefix must be 1-100 characters of [A-Za-z0-9_:.-]');
  }
  const ownsClient = options.client === undefined;
  const client =
    options.client ?? new Redis(options.url as string, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const key = {
    request: (id: string) => `{${prefix}}:request:${id}`,
    status: (status: string) => `{${prefix}}:status:${status}`,
    all: `{${prefix}}:all`,
  };

  async function run(script: string, keys: string[], args: Array<string | number>): Promise<unknown> {
    const sha = createHash('sha1').update(script).digest('hex');
    try {
      return await client.evalsha(sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(script, keys.length, ...keys, ...args);
    }
  }

  async function transition(script: string, keys: string[], args: Array<string | number>) {
    const [changed, fields] = (await run(script, keys, args)) as ScriptReply;
    return { changed: changed === 1, request: fromHash(fields) };
  }

  async function get(id: string): Promise<ApprovalRequest | undefined> {
    return fromHash(await client.hgetall(key.request(id)));
  }

  return {
    async insert(request) {
      const row = toApprovalRow(request);
      if (row.status !== 'pending') throw new TypeError('insert(): only pending requests can be inserted');
      const inserted = await run(
        INSERT,
        [key.request(row.id), key.all, key.status('pending')],
        [row.id, row.digest, row.createdAt, row.expiresAt, row.payload],
      );
      if (inserted !== 1) throw new Error(`Approval request ${row.id} already exists`);
    },
    get,
    async list(query = {}) {
      const limit = query.limit ?? MAX_LIST_LIMIT;
      if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
        throw new TypeError(`list(): limit must be an integer in [1, ${MAX_LIST_LIMIT}]`);
      }
      const index = query.status === undefined ? key.all : key.status(query.status);
      const ids = await client.zrange(index, '0', String(limit - 1));
      if (ids.length === 0) return [];
      const pipeline = client.pipeline();
      for (const id of ids) pipeline.hgetall(key.request(id));
      const replies = (await pipeline.exec()) ?? [];
      const requests: ApprovalRequest[] = [];
      for (const [error, fields] of replies) {
        if (error) throw error;
        const request = fromHash(fields as Record<string, string>);
        // The indexes are updated in the same script as the hash, so they agree; filter anyway.
        if (request && (query.status === undefined || request.status === query.status))
          requests.push(request);
      }
      return requests;
    },
    async decide(id, decision, now) {
      const status = decision.approve ? 'approved' : 'denied';
      const result = await transition(
        DECIDE,
        [key.request(id), key.status('pending'), key.status(status)],
        [status, JSON.stringify(decision), now, id],
      );
      if (result.changed && result.request) return { ok: true, request: result.request };
      return {
        ok: false,
        reason: approvalDecideFailure(result.request, now) ?? 'not-pending',
        request: result.request,
      };
    },
    async consume(id, digest, now) {
      const result = await transition(
        CONSUME,
        [key.request(id), key.status('approved'), key.status('consumed')],
        [digest, now, id],
      );
      if (result.changed && result.request) return { ok: true, request: result.request };
      return {
        ok: false,
        reason: approvalConsumeFailure(result.request, digest, now) ?? 'pending',
        request: result.request,
      };
    },
    async close(id, status, now) {
      const result = await transition(
        CLOSE,
        [key.request(id), key.status('pending'), key.status(status)],
        [status, now, id],
      );
      return result.changed ? result.request : undefined;
    },
    async dispose() {
      if (ownsClient) await client.quit();
    },
  };
}

function fromHash(fields: string[] | Record<string, string>): ApprovalRequest | undefined {
  const record: Record<string, string> = {};
  if (Array.isArray(fields)) {
    for (let index = 0; index + 1 < fields.length; index += 2) record[fields[index]!] = fields[index + 1]!;
  } else {
    Object.assign(record, fields);
  }
  if (record.status === undefined) return undefined;
  if (record.id === undefined || record.payload === undefined)
    throw new TypeError('Approval hash is damaged');
  const row: ApprovalRow = {
    id: record.id,
    digest: record.digest ?? '',
    status: record.status as ApprovalRow['status'],
    createdAt: Number(record.createdAt),
    expiresAt: Number(record.expiresAt),
    payload: record.payload,
    decision: record.decision ?? null,
    consumedAt: record.consumedAt === undefined ? null : Number(record.consumedAt),
  };
  return fromApprovalRow(row);
}
