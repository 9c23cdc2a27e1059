import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApprovalRequest } from '@palisade/core';
import type { ApprovalService } from './approval-service.js';
import { ApprovalStateError, ApproverRejectedError } from './errors.js';
import { renderConsolePage } from './internal/console-page.js';

/** Options of `createApprovalConsole`. */
export interface ApprovalConsoleOptions {
  readonly service: ApprovalService;
  /** Path prefix the console is mounted under (`/approvals`). Default: the root. */
  readonly basePath?: string | undefined;
  /**
   * Origins allowed to send state-changing requests (besides the console's own). Browsers send
   * `Origin` on POST; a request from any other origin is refused.
   */
  readonly allowedOrigins?: readonly string[] | undefined;
  /** Largest accepted request body, in bytes. Default 16 KiB. */
  readonly maxBodyBytes?: number | undefined;
  /** Title shown on the page. */
  readonly title?: string | undefined;
}

/** A running console server. */
export interface ListeningConsole {
  /** The console page's URL (`http://127.0.0.1:PORT/`). */
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * The approval console: an HTTP API and the page that uses it.
 *
 * | method | path | |
 * |---|---|---|
 * | GET | `/` | the page |
 * | GET | `/api/session` | checks the bearer token; returns the approver and a CSRF token |
 * | GET | `/api/approvals` | pending requests the approver may decide |
 * | GET | `/api/approvals/:id` | one request, any status |
 * | POST | `/api/approvals/:id/approve`, `/deny` | `{ "digest": "<hex>", "reason"?: "..." }` |
 */
export interface ApprovalConsole {
  /** Handles one request; for mounting in an existing `node:http` server (or Express). */
  handle(request: IncomingMessage, response: ServerResponse): Promise<void>;
  /** Starts a dedicated server (default `127.0.0.1`, port 0 = any free port). */
  listen(options?: { port?: number | undefined; host?: string | undefined }): Promise<ListeningConsole>;
}

const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
const DIGEST_PATTERN = /^[0-9a-f]{64}$/;

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Creates the approval console for a service.
 *
 * Every API call needs `Authorization: Bearer <approver token>`, checked by the service's
 * `approvers`; state-changing calls also need the `x-palisade-csrf` token from `/api/session`
 * (bound to the bearer token), `Content-Type: application/json`, and a same-origin `Origin`.
 * Bodies are validated strictly (unknown fields are refused) and must name the digest the
 * reviewer saw, so a decision cannot land on anything but what was shown.
 *
 * @example
 * ```ts
 * const console = createApprovalConsole({ service });
 * const { url } = await console.listen({ port: 8787 });
 * ```
 */
export function createApprovalConsole(options: ApprovalConsoleOptions): ApprovalConsole {
  if (typeof options !== 'object' || options === null || typeof options.service?.decide !== 'function') {
    throw new TypeError('createApprovalConsole(): service must be an ApprovalService');
  }
  const { service } = options;
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  if (basePath !== '' && !/^(\/[A-Za-z0-9_.-]+)+$/.test(basePath)) {
    throw new TypeError('createApprovalConsole(): basePath must look like /segment[/segment...]');
  }
  const maxBodyBytes = options.maxBodyBytes ?? 16_384;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 256) {
    throw new TypeError('createApprovalConsole(): maxBodyBytes must be an integer >= 256');
  }
  const allowedOrigins = new Set(options.allowedOrigins ?? []);
  for (const origin of allowedOrigins) {
    if (typeof origin !== 'string' || new URL(origin).origin !== origin) {
      throw new TypeError(
        `createApprovalConsole(): allowedOrigins entries must be origins, got ${String(origin)}`,
      );
    }
  }
  const title = options.title ?? 'Palisade approvals';
  const csrfKey = randomBytes(32);

  function csrfTokenFor(credential: string): string {
    const hashed = createHash('sha256').update(credential).digest();
    return createHmac('sha256', csrfKey).update(hashed).digest('base64url');
  }

  function bearer(request: IncomingMessage): string {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([\x21-\x7e]{1,4096})$/.exec(header) : null;
    if (!match) throw new HttpProblem(401, 'unauthenticated', 'An approver bearer token is required');
    return match[1]!;
  }

  function checkStateChange(request: IncomingMessage, credential: string): void {
    const fetchSite = request.headers['sec-fetch-site'];
    if (fetchSite === 'cross-site') throw new HttpProblem(403, 'csrf', 'Cross-site requests are refused');
    const origin = request.headers.origin;
    if (origin !== undefined && !sameHost(origin, request) && !allowedOrigins.has(origin)) {
      throw new HttpProblem(403, 'csrf', `Requests from origin ${origin} are refused`);
    }
    const presented = request.headers['x-palisade-csrf'];
    const expected = Buffer.from(csrfTokenFor(credential));
    if (typeof presented !== 'string' || !safeEqual(Buffer.from(presented), expected)) {
      throw new HttpProblem(403, 'csrf', 'Missing or wrong x-palisade-csrf token; fetch /api/session first');
    }
    const type = request.headers['content-type'] ?? '';
    if (!/^application\/json(;\s*charset=utf-8)?$/i.test(type)) {
      throw new HttpProblem(415, 'unsupported-media-type', 'Content-Type must be application/json');
    }
  }

  async function readBody(request: IncomingMessage): Promise<unknown> {
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > maxBodyBytes)
      throw new HttpProblem(413, 'too-large', `Body is larger than ${maxBodyBytes} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of request) {
      size += (chunk as Buffer).length;
      if (size > maxBodyBytes)
        throw new HttpProblem(413, 'too-large', `Body is larger than ${maxBodyBytes} bytes`);
      chunks.push(chunk as Buffer);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    try {
      return JSON.parse(text);
    } catch {
      throw new HttpProblem(400, 'invalid-json', 'Body is not valid JSON');
    }
  }

  function parseDecisionBody(body: unknown, request: ApprovalRequest): { reason?: string | undefined } {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new HttpProblem(400, 'invalid-body', 'Body must be a JSON object');
    }
    const fields = body as Record<string, unknown>;
    const unknown = Object.keys(fields).filter((key) => key !== 'digest' && key !== 'reason');
    if (unknown.length > 0)
      throw new HttpProblem(400, 'invalid-body', `Unknown field(s): ${unknown.join(', ')}`);
    if (typeof fields.digest !== 'string' || !DIGEST_PATTERN.test(fields.digest)) {
      throw new HttpProblem(
        400,
        'invalid-body',
        'digest must be the 64-hex-digit digest shown for the request',
      );
    }
    if (fields.digest !== request.digest) {
      throw new HttpProblem(
        409,
        'digest-mismatch',
        'The digest does not match this request; reload and review again',
      );
    }
    if (fields.reason !== undefined && (typeof fields.reason !== 'string' || fields.reason.length > 2000)) {
      throw new HttpProblem(400, 'invalid-body', 'reason must be a string of at most 2000 characters');
    }
    return { reason: fields.reason as string | undefined };
  }

  async function load(id: string): Promise<ApprovalRequest> {
    if (!ID_PATTERN.test(id)) throw new HttpProblem(400, 'invalid-id', 'Malformed approval id');
    const request = await service.get(id);
    if (!request) throw new HttpProblem(404, 'not-found', `Approval request ${id} does not exist`);
    return request;
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://console.invalid');
    if (!url.pathname.startsWith(`${basePath}/`) && url.pathname !== basePath) {
      throw new HttpProblem(404, 'not-found', 'No such page');
    }
    const path = url.pathname.slice(basePath.length) || '/';
    const method = request.method ?? 'GET';

    if (path === '/' || path === '') {
      if (basePath !== '' && url.pathname === basePath) {
        response.writeHead(308, { location: `${basePath}/` }).end();
        return;
      }
      allow(method, ['GET', 'HEAD']);
      const nonce = randomBytes(16).toString('base64');
      sendPage(response, renderConsolePage({ nonce, title }), nonce);
      return;
    }
    if (!path.startsWith('/api/')) throw new HttpProblem(404, 'not-found', 'No such page');

    const credential = bearer(request);
    if (path === '/api/session') {
      allow(method, ['GET']);
      const approver = await service.checkApprover(credential);
      sendJson(response, 200, {
        approver: { id: approver.id, roles: approver.roles },
        csrfToken: csrfTokenFor(credential),
        serverTime: service.now(),
      });
      return;
    }
    if (path === '/api/approvals') {
      allow(method, ['GET']);
      await service.checkApprover(credential);
      const visible: ApprovalRequest[] = [];
      for (const entry of await service.listPending()) {
        // Each reviewer sees the requests a role of theirs may decide.
        const allowed = await service.checkApprover(credential, entry).then(
          () => true,
          (error: unknown) => {
            if (
              ApproverRejectedError.isInstance(error) &&
              (error as ApproverRejectedError).rejection === 'role'
            )
              return false;
            throw error;
          },
        );
        if (allowed) visible.push(entry);
      }
      sendJson(response, 200, { approvals: visible, serverTime: service.now() });
      return;
    }
    const match = /^\/api\/approvals\/([^/]+)(?:\/(approve|deny))?$/.exec(path);
    if (!match) throw new HttpProblem(404, 'not-found', 'No such endpoint');
    const id = decodeURIComponent(match[1]!);
    const action = match[2];
    if (action === undefined) {
      allow(method, ['GET']);
      const found = await load(id);
      await service.checkApprover(credential, found);
      sendJson(response, 200, { approval: found, serverTime: service.now() });
      return;
    }
    allow(method, ['POST']);
    checkStateChange(request, credential);
    const body = await readBody(request);
    const found = await load(id);
    const { reason } = parseDecisionBody(body, found);
    const decision = await service.decide({
      approvalId: id,
      approve: action === 'approve',
      approverCredential: credential,
      reason,
    });
    const updated = await service.get(id);
    sendJson(response, 200, { decision, approval: updated, serverTime: service.now() });
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      await route(request, response);
    } catch (error) {
      const problem = toProblem(error);
      const headers: Record<string, string> = {};
      if (problem.status === 401) headers['www-authenticate'] = 'Bearer realm="palisade-approvals"';
      if (problem.status === 405) headers.allow = problem.message.replace(/^.*: /, '');
      if (!response.headersSent)
        sendJson(
          response,
          problem.status,
          { error: { code: problem.code, message: problem.message } },
          headers,
        );
      else response.destroy();
    }
  }

  return {
    handle,
    async listen(listenOptions = {}) {
      const server = createServer((request, response) => void handle(request, response));
      const host = listenOptions.host ?? '127.0.0.1';
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(listenOptions.port ?? 0, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return {
        url: `http://${shownHost}:${address.port}${basePath}/`,
        server,
        close: () =>
          new Promise<void>((resolve, reject) => {
            server.closeAllConnections();
            server.close((error) => (error ? reject(error) : resolve()));
          }),
      };
    },
  };
}

function allow(method: string, allowed: readonly string[]): void {
  if (!allowed.includes(method))
    throw new HttpProblem(405, 'method-not-allowed', `Allowed: ${allowed.join(', ')}`);
}

/** True when `origin` names the host the request was sent to (either scheme: TLS may end at a proxy). */
function sameHost(origin: string, request: IncomingMessage): boolean {
  try {
    const parsed = new URL(origin);
    return (
      (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
      request.headers.host !== undefined &&
      parsed.host === request.headers.host
    );
  } catch {
    return false;
  }
}

function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function toProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (ApproverRejectedError.isInstance(error)) {
    const rejected = error as ApproverRejectedError;
    return rejected.rejection === 'credential'
      ? new HttpProblem(401, 'unauthenticated', 'The approver token was refused')
      : new HttpProblem(403, rejected.rejection, rejected.message);
  }
  if (ApprovalStateError.isInstance(error)) {
    const state = error as ApprovalStateError;
    return new HttpProblem(state.problem === 'not-found' ? 404 : 409, state.problem, state.message);
  }
  if (error instanceof TypeError) return new HttpProblem(400, 'invalid-request', error.message);
  return new HttpProblem(500, 'internal', 'The approval service failed; nothing was decided');
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    ...SECURITY_HEADERS,
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function sendPage(response: ServerResponse, html: string, nonce: string): void {
  response.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'content-security-policy': [
      "default-src 'none'",
      `script-src 'nonce-${nonce}'`,
      `style-src 'nonce-${nonce}'`,
      "connect-src 'self'",
      "img-src 'self' data:",
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
  });
  response.end(html);
}
