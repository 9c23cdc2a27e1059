import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo } from '@modelcontextprotocol/sdk/types.js';

/**
 * Wraps a server-side transport so that every incoming message carries `authInfo`, as the MCP SDK's
 * HTTP bearer-auth middleware does for remote servers. Use it for servers that run in the agent's
 * process (`InMemoryTransport`) or that one agent launches (`stdio`), where the host knows which
 * credential the connection belongs to; a guarded server then reads it from `extra.authInfo`.
 *
 * `authInfo` is a value or a function called for every message, so a rotated token is picked up.
 * Whatever the client side sends as `authInfo` is replaced.
 *
 * @example
 * ```ts
 * const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
 * await server.connect(withAuthInfo(serverTransport, () => ({ token: agentToken, clientId: 'support-bot', scopes: [] })));
 * ```
 */
export function withAuthInfo(
  transport: Transport,
  authInfo: AuthInfo | (() => AuthInfo | undefined),
): Transport {
  if (typeof transport?.send !== 'function' || typeof transport.start !== 'function') {
    throw new TypeError('withAuthInfo(): transport must be an MCP Transport');
  }
  if (typeof authInfo !== 'function' && (typeof authInfo !== 'object' || authInfo === null)) {
    throw new TypeError('withAuthInfo(): authInfo must be an AuthInfo or a function returning one');
  }
  const current = typeof authInfo === 'function' ? authInfo : () => authInfo;
  let handler: Transport['onmessage'];
  return {
    start: () => transport.start(),
    send: (message, options) => transport.send(message, options),
    close: () => transport.close(),
    get sessionId() {
      return transport.sessionId;
    },
    set sessionId(value) {
      transport.sessionId = value;
    },
    get onclose() {
      return transport.onclose;
    },
    set onclose(value) {
      transport.onclose = value;
    },
    get onerror() {
      return transport.onerror;
    },
    set onerror(value) {
      transport.onerror = value;
    },
    get onmessage() {
      return handler;
    },
    set onmessage(value) {
      handler = value;
      transport.onmessage =
        value &&
        (<T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => {
          const { authInfo: _claimed, ...rest } = extra ?? {};
          const verified = current();
          value(message, verified ? { ...rest, authInfo: verified } : rest);
        });
    },
    get setProtocolVersion() {
      return transport.setProtocolVersion?.bind(transport);
    },
  };
}
