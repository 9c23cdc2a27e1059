import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createRevocationReplica,
  type RevocationReplica,
  type RevocationReplicaOptions,
  type RevocationTransport,
  toRevocation,
} from './revocation-replica.js';
import type { Revocation } from './revocation-store.js';

const T0 = Date.UTC(2026, 10, 1, 9, 0, 0);
const agent = (value: string): Revocation => ({ kind: 'agent', value, revokedAt: T0 });
const revokedMessage = (revocation: Revocation) => JSON.stringify({ type: 'revoked', revocation });

/**
 * A server in memory: `stored` is what a load reads, `echo` whether published messages come back
 * (false plays a subscription that went silent), `gate` holds loads until released.
 */
function fakeServer(stored: Revocation[] = []) {
  const server = {
    stored,
    echo: true,
    available: true,
    loads: 0,
    gate: undefined as Promise<void> | undefined,
    lostHeartbeats: [] as Error[],
    replica: undefined as RevocationReplica | undefined,
  };
  const transport: RevocationTransport = {
    async load() {
      server.loads += 1;
      if (server.gate) await server.gate;
      if (!server.available) throw new Error('connection refused');
      return [...server.stored, undefined];
    },
    async publish(message) {
      if (!server.available) throw new Error('connection refused');
      if (server.echo) queueMicrotask(() => server.replica?.receive(message));
    },
    onHeartbeatLost: (error) => server.lostHeartbeats.push(error),
  };
  const open = (options: Partial<RevocationReplicaOptions> = {}) => {
    const replica = createRevocationReplica({
      where: 'createFakeStore()',
      server: 'Fake',
      transport,
      heartbeatMs: 100,
      ...options,
    });
    server.replica = replica;
    return replica;
  };
  return { server, transport, open };
}

/** Holds every load until the returned function is called. */
function hold(server: { gate: Promise<void> | undefined }): () => void {
  let release = () => {};
  server.gate = new Promise((resolve) => {
    release = resolve;
  });
  return release;
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('createRevocationReplica', () => {
  it('validates its options, naming the store', () => {
    const { open } = fakeServer();
    expect(() => open({ heartbeatMs: 9 })).toThrow('createFakeStore(): heartbeatMs must be >= 10');
    expect(() => open({ graceSeconds: -1 })).toThrow('createFakeStore(): graceSeconds must be >= 0');
    expect(() => open({ syncTimeoutMs: Number.POSITIVE_INFINITY })).toThrow(/syncTimeoutMs/);
    expect(() => open({ transport: {} as RevocationTransport })).toThrow(TypeError);
  });

  it('refuses until the first load, then answers from memory', async () => {
    const { server, open } = fakeServer([agent('spiffe://acme.example/agent/rogue')]);
    const release = hold(server);
    const replica = open({ syncTimeoutMs: 50 });
    expect(server.loads).toBe(0);
    replica.start();
    expect(server.loads).toBe(1);
    const refused = expect(replica.check({ tokenIds: [], agents: [] })).rejects.toThrow(
      /not in sync with Fake/,
    );
    await vi.advanceTimersByTimeAsync(50);
    await refused;
    release();
    await replica.ready();
    expect(replica.synced).toBe(true);
    expect(await replica.check({ tokenIds: [], agents: ['spiffe://acme.example/agent/rogue'] })).toEqual(
      agent('spiffe://acme.example/agent/rogue'),
    );
    expect(
      await replica.check({ tokenIds: [], agents: ['spiffe://acme.example/agent/bot'] }),
    ).toBeUndefined();
    replica.stop();
  });

  it('keeps a revocation announced while it was loading (subscribe, then load, then merge)', async () => {
    const { server, open } = fakeServer([agent('loaded')]);
    const release = hold(server);
    const replica = open();
    replica.start();
    replica.receive(revokedMessage({ kind: 'task', value: 'during-load', revokedAt: T0 }));
    release();
    await replica.ready();
    expect(await replica.check({ tokenIds: [], agents: [], task: 'during-load' })).toMatchObject({
      value: 'during-load',
    });
    expect(await replica.check({ tokenIds: [], agents: ['loaded'] })).toMatchObject({ value: 'loaded' });
    replica.stop();
  });

  it('fails closed when its heartbeat stops coming back, and recovers once it does', async () => {
    const { server, open } = fakeServer();
    const replica = open({ syncTimeoutMs: 50 });
    replica.start();
    await replica.ready();
    await vi.advanceTimersByTimeAsync(1000);
    expect(replica.synced).toBe(true);
    // The subscription goes silent, and the server does not answer a reload either.
    server.echo = false;
    const release = hold(server);
    await vi.advanceTimersByTimeAsync(301);
    expect(replica.synced).toBe(false);
    const refused = expect(replica.check({ tokenIds: ['x'], agents: [] })).rejects.toThrow(
      'The revocation store is not in sync with Fake; refusing to vouch for any token',
    );
    await vi.advanceTimersByTimeAsync(50);
    await refused;
    // The next beat reports the silence to the transport, which drops the dead subscription.
    await vi.advanceTimersByTimeAsync(100);
    expect(server.lostHeartbeats.map((error) => error.message)).toEqual(['heartbeat lost']);
    expect(replica.synced).toBe(false);
    server.echo = true;
    release();
    await vi.advanceTimersByTimeAsync(500);
    expect(replica.synced).toBe(true);
    expect(await replica.check({ tokenIds: ['x'], agents: [] })).toBeUndefined();
    replica.stop();
  });

  it('a failed heartbeat marks it out of sync with the error as cause', async () => {
    const { server, open } = fakeServer();
    const replica = open({ syncTimeoutMs: 0 });
    replica.start();
    await replica.ready();
    server.available = false;
    await vi.advanceTimersByTimeAsync(100);
    expect(replica.synced).toBe(false);
    const refusal = await replica.check({ tokenIds: [], agents: [] }).catch((error: unknown) => error);
    expect((refusal as Error).cause).toEqual(new Error('connection refused'));
    replica.stop();
  });

  it('a check waits up to syncTimeoutMs for a resync in progress, then refuses', async () => {
    const { server, open } = fakeServer([agent('a')]);
    const replica = open({ syncTimeoutMs: 1000, heartbeatMs: 10_000 });
    replica.start();
    await replica.ready();
    const release = hold(server);
    replica.lost(new Error('subscriber closed'));
    expect(replica.synced).toBe(false);
    // The resync finishes within the wait: the check answers.
    const answered = replica.check({ tokenIds: [], agents: ['a'] });
    await vi.advanceTimersByTimeAsync(400);
    release();
    await expect(answered).resolves.toMatchObject({ value: 'a' });
    // The resync outlasts the wait: the check refuses at syncTimeoutMs.
    server.gate = new Promise(() => {});
    replica.lost();
    const refused = replica.check({ tokenIds: [], agents: ['a'] });
    const settled = vi.fn();
    refused.catch(settled);
    await vi.advanceTimersByTimeAsync(999);
    expect(settled).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    await expect(refused).rejects.toThrow(/not in sync/);
    replica.stop();
  });

  it('refuses at once when the transport says no sync can start', async () => {
    let connectionUp = true;
    const { server, transport, open } = fakeServer();
    const replica = open({ transport: { ...transport, canSync: () => connectionUp } });
    replica.start();
    await replica.ready();
    connectionUp = false;
    replica.lost();
    const loads = server.loads;
    await expect(replica.check({ tokenIds: [], agents: [] })).rejects.toThrow(/not in sync/);
    await vi.advanceTimersByTimeAsync(500);
    expect(server.loads).toBe(loads);
    connectionUp = true;
    replica.resync();
    await replica.ready();
    expect(replica.synced).toBe(true);
    replica.stop();
  });

  it('is not in sync while the transport holds no subscription', async () => {
    let held = true;
    const { transport, open } = fakeServer();
    const replica = open({ transport: { ...transport, subscribed: () => held }, syncTimeoutMs: 0 });
    replica.start();
    await replica.ready();
    held = false;
    expect(replica.synced).toBe(false);
    await expect(replica.list()).rejects.toThrow(/not in sync/);
    replica.stop();
  });

  it('ready() rejects when the load fails or does not answer in time', async () => {
    const { server, open } = fakeServer();
    server.available = false;
    const failing = open();
    const error = await failing.ready().catch((caught: unknown) => caught);
    expect((error as Error).message).toBe('The revocation store could not load from Fake');
    expect((error as Error).cause).toEqual(new Error('connection refused'));
    failing.stop();
    server.available = true;
    server.gate = new Promise(() => {});
    const hanging = open();
    const pending = hanging.ready(50);
    const settled = expect(pending).rejects.toThrow(/could not load/);
    await vi.advanceTimersByTimeAsync(50);
    await settled;
    hanging.stop();
  });

  it('isolates failing listeners and stops calling removed ones', async () => {
    const { open } = fakeServer();
    const replica = open();
    replica.start();
    await replica.ready();
    const heard: string[] = [];
    replica.onRevocation(() => {
      throw new Error('listener bug');
    });
    const remove = replica.onRevocation((revocation) => heard.push(revocation.value));
    replica.receive(revokedMessage(agent('first')));
    remove();
    replica.receive(revokedMessage(agent('second')));
    expect(heard).toEqual(['first']);
    expect(await replica.check({ tokenIds: [], agents: ['second'] })).toMatchObject({ value: 'second' });
    expect(() => replica.onRevocation('nope' as never)).toThrow(TypeError);
    replica.stop();
  });

  it('ignores malformed messages and heartbeats of other replicas', async () => {
    const { server, open } = fakeServer();
    const replica = open({ syncTimeoutMs: 0 });
    replica.start();
    await replica.ready();
    const heard = vi.fn();
    replica.onRevocation(heard);
    for (const payload of [
      'not json',
      'null',
      '{"type":"revoked","revocation":{"kind":"user","value":"x","revokedAt":1}}',
      '{"type":"revoked"}',
    ])
      replica.receive(payload);
    expect(heard).not.toHaveBeenCalled();
    server.echo = false;
    server.gate = new Promise(() => {});
    const other = setInterval(
      () => replica.receive(JSON.stringify({ type: 'heartbeat', from: 'other' })),
      50,
    );
    await vi.advanceTimersByTimeAsync(400);
    clearInterval(other);
    expect(replica.synced).toBe(false);
    replica.stop();
  });

  it('list() prunes entries expired beyond the grace period, on the injected clock', async () => {
    let nowMs = T0;
    const { open } = fakeServer([
      { kind: 'token', value: 'short', revokedAt: T0, expiresAt: T0 / 1000 + 10 },
      { kind: 'token', value: 'forever', revokedAt: T0 },
    ]);
    const replica = open({ graceSeconds: 5, now: () => nowMs });
    replica.start();
    await replica.ready();
    expect(await replica.list()).toHaveLength(2);
    nowMs = T0 + 16_000;
    expect((await replica.list()).map((entry) => entry.value)).toEqual(['forever']);
    replica.stop();
  });

  it('stop() refuses from then on and ends the heartbeat', async () => {
    const { server, transport, open } = fakeServer();
    const publish = vi.spyOn(transport, 'publish');
    const replica = open();
    replica.start();
    await replica.ready();
    expect(replica.stop()).toBe(true);
    expect(replica.stop()).toBe(false);
    const loads = server.loads;
    await vi.advanceTimersByTimeAsync(1000);
    expect(publish).not.toHaveBeenCalled();
    expect(server.loads).toBe(loads);
    expect(replica.synced).toBe(false);
    await expect(replica.check({ tokenIds: [], agents: [] })).rejects.toThrow(/closed/);
    await expect(replica.ready()).rejects.toThrow(/closed/);
  });
});

describe('toStore', () => {
  it('answers from the replica, with a live synced flag and the given revoke and close', async () => {
    const { open } = fakeServer();
    const replica = open({ syncTimeoutMs: 0 });
    const recorded = agent('revoked-here');
    const store = replica.toStore({
      revoke: async () => replica.add(recorded),
      close: async () => {
        replica.stop();
      },
    });
    expect(store.synced).toBe(false);
    replica.start();
    await store.ready();
    expect(store.synced).toBe(true);
    expect(await store.revoke({ kind: 'agent', value: 'revoked-here' })).toEqual(recorded);
    expect(await store.check({ tokenIds: [], agents: ['revoked-here'] })).toEqual(recorded);
    expect(await store.list()).toEqual([recorded]);
    const heard = vi.fn();
    store.onRevocation(heard);
    replica.receive(revokedMessage(agent('other')));
    expect(heard).toHaveBeenCalledWith(agent('other'));
    await store.close();
    expect(store.synced).toBe(false);
    await expect(store.check({ tokenIds: [], agents: [] })).rejects.toThrow(/closed/);
  });
});

describe('toRevocation', () => {
  it('returns a clean copy, reading numeric strings and nulls as servers return them', () => {
    expect(
      toRevocation({
        kind: 'task',
        value: 't-1',
        reason: null,
        expiresAt: null,
        revokedAt: '1700000000000',
        extra: 1,
      }),
    ).toEqual({ kind: 'task', value: 't-1', revokedAt: 1_700_000_000_000 });
    expect(
      toRevocation({ kind: 'key', value: 'k', reason: 'leaked', expiresAt: '42', revokedAt: 1 }),
    ).toEqual({ kind: 'key', value: 'k', reason: 'leaked', expiresAt: 42, revokedAt: 1 });
  });

  it('rejects what is not a revocation', () => {
    for (const value of [
      null,
      'token',
      { kind: 'user', value: 'x', revokedAt: 1 },
      { kind: 'token', value: 7, revokedAt: 1 },
      { kind: 'token', value: 'x' },
      { kind: 'token', value: 'x', revokedAt: 'soon' },
      { kind: 'token', value: 'x', revokedAt: 1, expiresAt: 'never' },
    ])
      expect(toRevocation(value)).toBeUndefined();
  });
});
