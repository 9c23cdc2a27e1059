import { createHmac, type KeyObject, randomUUID, timingSafeEqual } from 'node:crypto';
import type { ApprovalRequest, SignedApprovalDecision } from '@palisade/core';
import type { ApprovalService } from './approval-service.js';

/** The events a webhook can carry. */
export type WebhookEvent = 'approval-request' | 'approval-response' | 'approval-expire' | 'approval-cancel';

const WEBHOOK_EVENTS: readonly WebhookEvent[] = [
  'approval-request',
  'approval-response',
  'approval-expire',
  'approval-cancel',
];

/** Options of `createWebhookNotifier`. */
export interface WebhookNotifierOptions {
  /** Where to POST; `https:` (or `http:` to a loopback address, for development). */
  readonly url: string;
  /** HMAC-SHA-256 key (>= 32 bytes) shared with the receiver. */
  readonly secret: KeyObject | Uint8Array | string;
  /** Which events to deliver. Default: all four. */
  readonly events?: readonly WebhookEvent[] | undefined;
  /**
   * Whether the body carries the exact input. Default `false`: the receiver gets the digest and a
   * link, and reviewers read the payload in the console, so secrets in inputs stay out of chat tools.
   */
  readonly includeInput?: boolean | undefined;
  /** Base URL of the approval console; the body links to `${consoleUrl}#/approvals/<id>`. */
  readonly consoleUrl?: string | undefined;
  /** Attempts per delivery, first included. Default 5. */
  readonly maxAttempts?: number | undefined;
  /** Delay before the first retry, doubled each time, in ms. Default 500. */
  readonly initialDelayMs?: number | undefined;
  /** Cap of the delay between attempts, in ms. Default 30 000. */
  readonly maxDelayMs?: number | undefined;
  /** Per-attempt timeout in ms. Default 5000. */
  readonly timeoutMs?: number | undefined;
  /** Called once a delivery has failed for good. */
  readonly onFailure?: ((delivery: WebhookDelivery) => void) | undefined;
  readonly fetch?: typeof fetch | undefined;
  /** Epoch milliseconds; injectable for tests. */
  readonly now?: (() => number) | undefined;
}

/** The outcome of one delivery. */
export interface WebhookDelivery {
  readonly id: string;
  readonly event: WebhookEvent;
  readonly approvalId: string;
  readonly ok: boolean;
  readonly attempts: number;
  /** HTTP status of the last attempt, when there was a response. */
  readonly status?: number | undefined;
  readonly error?: string | undefined;
}

/** Delivers approval events to an HTTP endpoint, signed and retried. */
export interface WebhookNotifier {
  /** Subscribes to a service's events; returns a function that unsubscribes. */
  attach(service: ApprovalService): () => void;
  /** Delivers one event now (with retries) and resolves with the outcome; never rejects. */
  notify(
    event: WebhookEvent,
    request: ApprovalRequest,
    decision?: SignedApprovalDecision,
  ): Promise<WebhookDelivery>;
  /** Resolves once every delivery started so far has finished. */
  idle(): Promise<void>;
}

/** Name of the signature header: `t=<unix seconds>,v1=<hex HMAC-SHA-256 of "<t>.<body>">`. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-palisade-signature';

/**
 * Creates a webhook notifier: every delivery is a JSON POST whose body is HMAC-signed together
 * with a timestamp (so a receiver can reject forgeries and replays), retried with exponential
 * backoff and jitter on network errors, timeouts, 429 and 5xx.
 *
 * @example
 * ```ts
 * const notifier = createWebhookNotifier({ url: 'https://hooks.acme.example/approvals', secret });
 * notifier.attach(service);
 * ```
 * @see verifyWebhookSignature
 */
export function createWebhookNotifier(options: WebhookNotifierOptions): WebhookNotifier {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createWebhookNotifier(): options must be an object');
  }
  const url = parseWebhookUrl(options.url);
  const secret = secretBytes(options.secret, 'createWebhookNotifier(): secret');
  const events: readonly WebhookEvent[] = options.events ?? WEBHOOK_EVENTS;
  if (!Array.isArray(options.events ?? []) || !events.every((event) => WEBHOOK_EVENTS.includes(event))) {
    throw new TypeError(`createWebhookNotifier(): events must be a list of ${WEBHOOK_EVENTS.join(', ')}`);
  }
  const maxAttempts = positiveInteger(options.maxAttempts ?? 5, 'maxAttempts');
  const initialDelayMs = positiveInteger(options.initialDelayMs ?? 500, 'initialDelayMs');
  const maxDelayMs = positiveInteger(options.maxDelayMs ?? 30_000, 'maxDelayMs');
  const timeoutMs = positiveInteger(options.timeoutMs ?? 5000, 'timeoutMs');
  const send = options.fetch ?? globalThis.fetch;
  if (typeof send !== 'function') throw new TypeError('createWebhookNotifier(): fetch must be a function');
  const now = options.now ?? Date.now;
  const includeInput = options.includeInput ?? false;
  const consoleUrl = options.consoleUrl;
  if (consoleUrl !== undefined) parseWebhookUrl(consoleUrl, 'consoleUrl');
  const inFlight = new Set<Promise<WebhookDelivery>>();

  function body(event: WebhookEvent, request: ApprovalRequest, decision?: SignedApprovalDecision): string {
    const { input, ...rest } = request;
    return JSON.stringify({
      event,
      approvalId: request.id,
      request: includeInput ? request : rest,
      decision,
      link:
        consoleUrl === undefined
          ? undefined
          : `${consoleUrl.replace(/\/$/, '')}/#/approvals/${encodeURIComponent(request.id)}`,
    });
  }

  async function deliver(
    event: WebhookEvent,
    request: ApprovalRequest,
    decision?: SignedApprovalDecision,
  ): Promise<WebhookDelivery> {
    const id = randomUUID();
    let text: string;
    try {
      text = body(event, request, decision);
    } catch (error) {
      return finish({ id, event, approvalId: request.id, ok: false, attempts: 0, error: String(error) });
    }
    let last: WebhookDelivery = { id, event, approvalId: request.id, ok: false, attempts: 0 };
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      const timestamp = Math.floor(now() / 1000);
      const signature = createHmac('sha256', secret).update(`${timestamp}.${text}`).digest('hex');
      let retryable = true;
      try {
        const response = await send(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [WEBHOOK_SIGNATURE_HEADER]: `t=${timestamp},v1=${signature}`,
            'x-palisade-event': event,
            'x-palisade-delivery': id,
          },
          body: text,
          redirect: 'error',
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.body?.cancel().catch(() => undefined);
        if (response.ok)
          return finish({
            id,
            event,
            approvalId: request.id,
            ok: true,
            attempts: attempt,
            status: response.status,
          });
        retryable = response.status === 429 || response.status >= 500;
        last = {
          id,
          event,
          approvalId: request.id,
          ok: false,
          attempts: attempt,
          status: response.status,
          error: `HTTP ${response.status}`,
        };
      } catch (error) {
        last = {
          id,
          event,
          approvalId: request.id,
          ok: false,
          attempts: attempt,
          error: error instanceof Error ? error.message : String(error),
        };
      }
      if (!retryable || attempt === maxAttempts) break;
      const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2)));
    }
    return finish(last);
  }

  function finish(delivery: WebhookDelivery): WebhookDelivery {
    if (!delivery.ok) {
      try {
        options.onFailure?.(delivery);
      } catch {
        // A failing failure hook must not turn a finished delivery into an unhandled rejection.
      }
    }
    return delivery;
  }

  function notify(event: WebhookEvent, request: ApprovalRequest, decision?: SignedApprovalDecision) {
    const delivery = deliver(event, request, decision);
    inFlight.add(delivery);
    void delivery.finally(() => inFlight.delete(delivery));
    return delivery;
  }

  return {
    attach(service) {
      const listeners = {
        'approval-request': (request: ApprovalRequest) => void notify('approval-request', request),
        'approval-response': (request: ApprovalRequest, decision: SignedApprovalDecision) =>
          void notify('approval-response', request, decision),
        'approval-expire': (request: ApprovalRequest) => void notify('approval-expire', request),
        'approval-cancel': (request: ApprovalRequest) => void notify('approval-cancel', request),
      };
      for (const event of events) service.events.on(event, listeners[event] as (...args: unknown[]) => void);
      return () => {
        for (const event of events)
          service.events.off(event, listeners[event] as (...args: unknown[]) => void);
      };
    },
    notify,
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}

/**
 * Checks a webhook delivery on the receiving side: the signature header must carry a timestamp
 * within `toleranceSeconds` of now and an HMAC of `"<timestamp>.<raw body>"` under `secret`.
 *
 * @example
 * ```ts
 * if (!verifyWebhookSignature({ secret, body: rawBody, header: request.headers['x-palisade-signature'] })) {
 *   return reply.code(401).send();
 * }
 * ```
 */
export function verifyWebhookSignature(options: {
  readonly secret: KeyObject | Uint8Array | string;
  /** The raw request body, exactly as received. */
  readonly body: string;
  readonly header: string | undefined | null;
  /** Default 300. */
  readonly toleranceSeconds?: number | undefined;
  /** Epoch milliseconds; default `Date.now()`. */
  readonly now?: number | undefined;
}): boolean {
  const secret = secretBytes(options.secret, 'verifyWebhookSignature(): secret');
  if (typeof options.header !== 'string' || typeof options.body !== 'string') return false;
  const parts = new Map(
    options.header.split(',').map((part) => {
      const index = part.indexOf('=');
      return [part.slice(0, index).trim(), part.slice(index + 1).trim()] as const;
    }),
  );
  const timestamp = Number(parts.get('t'));
  const signature = parts.get('v1');
  if (!Number.isInteger(timestamp) || typeof signature !== 'string' || !/^[0-9a-f]{64}$/.test(signature))
    return false;
  const tolerance = options.toleranceSeconds ?? 300;
  if (Math.abs((options.now ?? Date.now()) / 1000 - timestamp) > tolerance) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.${options.body}`).digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}

function parseWebhookUrl(value: unknown, option = 'url'): URL {
  let parsed: URL;
  try {
    parsed = new URL(String(value));
  } catch {
    throw new TypeError(`createWebhookNotifier(): ${option} must be an absolute URL`);
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new TypeError(
      `createWebhookNotifier(): ${option} must use https (http only to a loopback address)`,
    );
  }
  return parsed;
}

function secretBytes(secret: KeyObject | Uint8Array | string, option: string): Buffer {
  let bytes: Buffer;
  if (typeof secret === 'string') bytes = Buffer.from(secret, 'utf8');
  else if (secret instanceof Uint8Array) bytes = Buffer.from(secret);
  else if (secret?.type === 'secret') bytes = secret.export();
  else throw new TypeError(`${option} must be a secret KeyObject, bytes or a string`);
  if (bytes.length < 32) throw new TypeError(`${option} must be at least 32 bytes`);
  return bytes;
}

function positiveInteger(value: number, option: string): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new TypeError(`createWebhookNotifier(): ${option} must be a positive integer`);
  }
  return value;
}
