import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { Readable } from 'node:stream';
import { type ActionRequest, type Decider, type Decision, isDecision, type Principal } from '@palisade/core';
import { EgressDeniedError } from './egress-denied-error.js';

/** A resolved address of a host name. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Options for `createGuardedFetch`. */
export interface GuardedFetchOptions {
  /** Decides each outbound request (the policy engine). */
  readonly decider: Decider;
  /** Who is making the requests: the principal of the guarded tool call. */
  readonly principal: Principal;
  /** The guarded tool call the requests are made for; its context and call id are carried over. */
  readonly request?: ActionRequest | undefined;
  /** Resolves a host name (default: the system resolver, every address). */
  readonly resolve?: ((hostname: string) => Promise<readonly ResolvedAddress[]>) | undefined;
  /** Redirects followed at most (each one decided again). Default 5. */
  readonly maxRedirects?: number | undefined;
  /** Milliseconds before a hop is aborted. Default 30 000. */
  readonly timeoutMs?: number | undefined;
  /** Told about every egress decision (to record it). */
  readonly onDecision?: ((request: ActionRequest, decision: Decision) => void) | undefined;
  /** Epoch milliseconds; injectable for tests. */
  readonly now?: (() => number) | undefined;
}

/** `fetch` with the policy in front of every hop. */
export type GuardedFetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
const NULL_BODY_STATUS: ReadonlySet<number> = new Set([101, 103, 204, 205, 304]);
const REDIRECT_STATUS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

async function systemResolve(hostname: string): Promise<readonly ResolvedAddress[]> {
  const addresses = await dnsLookup(hostname, { all: true, verbatim: true });
  return addresses.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
}

/**
 * Creates a `fetch` for tools to use for outbound HTTP. Every request is decided as an `egress`
 * action (scheme, host, port, method, path and the resolved address) before anything is sent; the
 * connection goes to the very address that was decided (no second DNS lookup an attacker could
 * rebind); every redirect is decided again; loopback, private and link-local addresses are refused
 * unless an egress rule lists their range. Anything not allowed throws `EgressDeniedError`.
 *
 * @example
 * ```ts
 * execute: async (input, { principal, request }) => {
 *   const fetch = createGuardedFetch({ decider: engine, principal, request });
 *   return (await fetch('https://api.crm.example/v1/contacts')).json();
 * }
 * ```
 */
export function createGuardedFetch(options: GuardedFetchOptions): GuardedFetch {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createGuardedFetch(): options must be an object');
  if (typeof options.decider?.decide !== 'function')
    throw new TypeError('createGuardedFetch(): options.decider must have decide()');
  if (typeof options.principal?.agent?.id !== 'string')
    throw new TypeError('createGuardedFetch(): options.principal is required');
  const maxRedirects = options.maxRedirects ?? 5;
  if (!Number.isInteger(maxRedirects) || maxRedirects < 0)
    throw new TypeError('createGuardedFetch(): options.maxRedirects must be a non-negative integer');
  const timeoutMs = options.timeoutMs ?? 30_000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new TypeError('createGuardedFetch(): options.timeoutMs must be positive');
  const resolve = options.resolve ?? systemResolve;
  const now = options.now ?? Date.now;
  let sequence = 0;

  async function decideHop(url: URL, method: string): Promise<{ address: ResolvedAddress; callId: string }> {
    sequence += 1;
    const callId = `${options.request?.callId ?? 'fetch'}:egress:${sequence}`;
    const scheme = url.protocol.slice(0, -1);
    if (scheme !== 'http' && scheme !== 'https') {
      throw new EgressDeniedError(`Egress refused: scheme "${scheme}" is not http or https`, {
        url: url.href,
        callId,
      });
    }
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    let candidates: readonly ResolvedAddress[];
    if (isIP(host) !== 0) {
      candidates = [{ address: host, family: isIP(host) === 6 ? 6 : 4 }];
    } else {
      try {
        candidates = await resolve(host);
      } catch (error) {
        throw new EgressDeniedError(`Egress refused: "${host}" did not resolve`, {
          url: url.href,
          callId,
          cause: error,
        });
      }
      if (candidates.length === 0)
        throw new EgressDeniedError(`Egress refused: "${host}" did not resolve`, { url: url.href, callId });
    }
    const port = url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port);
    let firstDenial: Decision | undefined;
    // Each resolved address is decided on its own; the connection is pinned to the first one allowed.
    for (const candidate of candidates) {
      const request: ActionRequest = {
        kind: 'egress',
        name: 'fetch',
        effect: READ_METHODS.has(method) ? 'read' : 'send',
        target: host,
        input: { url: url.href, scheme, host, port, method, path: url.pathname, address: candidate.address },
        callId,
        principal: options.principal,
        context: options.request?.context ?? { time: now(), labels: [], userMessages: [], attributes: {} },
      };
      let decision: Decision;
      try {
        const decided = await options.decider.decide(request);
        if (!isDecision(decided))
          throw new TypeError('the decider returned something that is not a Decision');
        decision = decided;
      } catch (error) {
        throw new EgressDeniedError(`Egress refused: deciding ${url.href} failed`, {
          url: url.href,
          callId,
          cause: error,
        });
      }
      options.onDecision?.(request, decision);
      if (decision.effect === 'allow') return { address: candidate, callId };
      firstDenial ??= decision;
    }
    const reason =
      firstDenial?.effect === 'approve'
        ? 'egress cannot wait for approval; only allow rules let it through'
        : firstDenial?.reason;
    throw new EgressDeniedError(`Egress refused for ${method} ${url.href}: ${reason}`, {
      url: url.href,
      callId,
      decision: firstDenial,
    });
  }

  return async function guardedFetch(input, init) {
    const initial = new Request(input, init);
    if (initial.signal.aborted) throw initial.signal.reason;
    let url = new URL(initial.url);
    let method = initial.method.toUpperCase();
    let headers = new Headers(initial.headers);
    let body: Uint8Array | undefined = initial.body ? new Uint8Array(await initial.arrayBuffer()) : undefined;
    const redirectMode = init?.redirect ?? 'follow';
    for (let hop = 0; ; hop += 1) {
      const { address } = await decideHop(url, method);
      const response = await send(url, method, headers, body, address, initial.signal, timeoutMs);
      const location = response.headers.location;
      if (
        !REDIRECT_STATUS.has(response.statusCode ?? 0) ||
        typeof location !== 'string' ||
        redirectMode === 'manual'
      ) {
        return toResponse(response, method);
      }
      response.resume();
      if (redirectMode === 'error')
        throw new TypeError(`fetch: redirect to ${location} with redirect: "error"`);
      if (hop >= maxRedirects)
        throw new EgressDeniedError(`Egress refused: more than ${maxRedirects} redirects`, { url: url.href });
      const next = new URL(location, url);
      const status = response.statusCode as number;
      if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
        if (method !== 'HEAD') method = 'GET';
        body = undefined;
        headers.delete('content-type');
        headers.delete('content-length');
      }
      if (next.origin !== url.origin) {
        headers = new Headers(headers);
        for (const name of CREDENTIAL_HEADERS) headers.delete(name);
      }
      url = next;
    }
  };
}

function send(
  url: URL,
  method: string,
  headers: Headers,
  body: Uint8Array | undefined,
  address: ResolvedAddress,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<IncomingMessage> {
  // The connection goes to the decided address, whatever the resolver would answer now.
  const pinned: LookupFunction = (_hostname, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all)
      callback(null, [{ address: address.address, family: address.family }]);
    else callback(null, address.address, address.family);
  };
  const outgoing: Record<string, string> = {};
  headers.forEach((value, name) => {
    outgoing[name] = value;
  });
  if (body) outgoing['content-length'] = String(body.byteLength);
  const requestOptions: RequestOptions = {
    method,
    host: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    headers: outgoing,
    lookup: pinned,
    signal,
    timeout: timeoutMs,
  };
  const perform = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolvePromise, reject) => {
    const outgoingRequest = perform(requestOptions, resolvePromise);
    outgoingRequest.once('timeout', () =>
      outgoingRequest.destroy(new Error(`fetch: no response within ${timeoutMs} ms`)),
    );
    outgoingRequest.once('error', reject);
    outgoingRequest.end(body);
  });
}

function toResponse(message: IncomingMessage, method: string): Response {
  const headers = new Headers();
  for (let index = 0; index < message.rawHeaders.length; index += 2) {
    headers.append(message.rawHeaders[index] as string, message.rawHeaders[index + 1] as string);
  }
  const status = message.statusCode ?? 502;
  const hasBody = method !== 'HEAD' && !NULL_BODY_STATUS.has(status);
  if (!hasBody) message.resume();
  return new Response(hasBody ? (Readable.toWeb(message) as ReadableStream<Uint8Array>) : null, {
    status,
    statusText: message.statusMessage ?? '',
    headers,
  });
}
