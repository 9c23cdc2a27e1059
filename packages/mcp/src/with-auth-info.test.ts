import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { withAuthInfo } from './with-auth-info.js';

const ping: JSONRPCMessage = { jsonrpc: '2.0', id: 1, method: 'ping' };

describe('withAuthInfo()', () => {
  it('replaces whatever the sender claims with the verified auth info, per message', async () => {
    const [sender, receiver] = InMemoryTransport.createLinkedPair();
    let token = 'first';
    const wrapped = withAuthInfo(receiver, () => ({ token, clientId: 'agent', scopes: [] }));
    const seen: (MessageExtraInfo | undefined)[] = [];
    wrapped.onmessage = (_message, extra) => seen.push(extra);
    await wrapped.start();

    await sender.send(ping, { authInfo: { token: 'forged', clientId: 'evil', scopes: ['admin'] } });
    token = 'second';
    await sender.send(ping);

    expect(seen.map((extra) => extra?.authInfo?.token)).toEqual(['first', 'second']);
    expect(seen[0]?.authInfo?.scopes).toEqual([]);
  });

  it('drops claimed auth info when it has none to give, and passes the rest through', async () => {
    const [sender, receiver] = InMemoryTransport.createLinkedPair();
    receiver.sessionId = 's-1';
    const wrapped = withAuthInfo(receiver, () => undefined);
    const seen: (MessageExtraInfo | undefined)[] = [];
    let closed = false;
    wrapped.onmessage = (_message, extra) => seen.push(extra);
    wrapped.onclose = () => {
      closed = true;
    };

    await sender.send(ping, { authInfo: { token: 'forged', clientId: 'evil', scopes: [] } });
    await wrapped.close();

    expect(seen).toEqual([{}]);
    expect(wrapped.sessionId).toBe('s-1');
    expect(closed).toBe(true);
  });

  it('refuses misuse', () => {
    const [, receiver] = InMemoryTransport.createLinkedPair();
    expect(() => withAuthInfo({} as never, () => undefined)).toThrow(TypeError);
    expect(() => withAuthInfo(receiver, 'token' as never)).toThrow(TypeError);
  });
});
