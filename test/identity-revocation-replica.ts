/**
 * A verifier replica in its own process, for the two-process revocation tests. It verifies the token
 * it is sent through a shared revocation store, reports success, then keeps verifying every
 * millisecond until the token is refused and reports when and why.
 */
import { CredentialError, type RevocationStore } from '@palisade/core';
import { createAgentVerifier, type JsonWebKeySet } from '@palisade/identity';
import { createPostgresRevocationStore } from '@palisade/store-postgres';
import { createRedisRevocationStore } from '@palisade/store-redis';

export interface ReplicaTask {
  store: 'redis' | 'postgres';
  url: string;
  /** Key prefix (Redis) or table name (Postgres). */
  namespace: string;
  issuer: string;
  audience: string;
  jwks: JsonWebKeySet;
  token: string;
}

export type ReplicaReport =
  | { type: 'verified'; agent: string }
  | { type: 'refused'; at: number; code: string; message: string }
  | { type: 'failed'; message: string };

const send = (report: ReplicaReport) => process.send?.(report);

process.once('message', async (task: ReplicaTask) => {
  let store: (RevocationStore & { ready(): Promise<void> }) | undefined;
  try {
    store =
      task.store === 'redis'
        ? createRedisRevocationStore({ url: task.url, keyPrefix: task.namespace })
        : createPostgresRevocationStore({ connectionString: task.url, tableName: task.namespace });
    await store.ready();
    const verifier = createAgentVerifier({
      issuer: task.issuer,
      audience: task.audience,
      keys: task.jwks,
      revocations: store,
    });
    const principal = await verifier.verify(task.token);
    send({ type: 'verified', agent: principal.agent.id });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      try {
        await verifier.verify(task.token);
      } catch (error) {
        const code = CredentialError.isInstance(error) ? (error as CredentialError).code : 'UNEXPECTED';
        send({ type: 'refused', at: Date.now(), code, message: (error as Error).message });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    send({ type: 'failed', message: 'the token was still accepted after 10 s' });
  } catch (error) {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
  } finally {
    await store?.close().catch(() => undefined);
    process.disconnect?.();
  }
});
