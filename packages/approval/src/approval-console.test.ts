import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ApprovalConsole, createApprovalConsole, type ListeningConsole } from './approval-console.js';
import { type ApprovalService, createApprovalService } from './approval-service.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';
import { testApprovers } from './test-support/fixtures.js';

const proposal = {
  tool: 'delete_customer',
  input: { customer: 'C-9', note: '<img src=x onerror=alert(1)>' },
  effect: 'delete' as const,
  target: 'crm',
  agent: { id: 'spiffe://acme.test/agent/support-bot' },
  user: { id: 'alice', roles: ['support'] },
  rationale: 'Customer asked to be forgotten',
};

describe('createApprovalConsole', () => {
  let service: ApprovalService;
  let approvalConsole: ApprovalConsole;
  let running: ListeningConsole;

  beforeEach(async () => {
    service = createApprovalService({
      store: createMemoryApprovalStore(),
      approvers: testApprovers(['approver']),
    });
    approvalConsole = createApprovalConsole({ service });
    running = await approvalConsole.listen();
  });
  afterEach(async () => {
    await running.close();
    service.close();
  });

  const api = (path: string, init: RequestInit & { token?: string } = {}) => {
    const headers = new Headers(init.headers);
    if (init.token !== undefined) headers.set('authorization', `Bearer ${init.token}`);
    return fetch(new URL(path, running.url), { ...init, headers });
  };

  async function session(token: string): Promise<string> {
    const response = await api('api/session', { token });
    expect(response.status).toBe(200);
    return ((await response.json()) as { csrfToken: string }).csrfToken;
  }

  function post(
    path: string,
    token: string,
    csrf: string,
    body: unknown,
    headers: Record<string, string> = {},
  ) {
    return api(path, {
      method: 'POST',
      token,
      headers: { 'content-type': 'application/json', 'x-palisade-csrf': csrf, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  it('serves the page with a strict content security policy', async () => {
    const response = await fetch(running.url);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(await response.text()).toContain(`<script nonce="${nonce}">`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('requires a valid approver bearer token for every API call', async () => {
    const missing = await api('api/approvals');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await api('api/approvals', { token: 'forged' })).status).toBe(401);
    expect((await api('api/session', { token: 'bob-token' })).status).toBe(200);
  });

  it('lists pending requests a role of the approver may decide, and shows one in full', async () => {
    const request = await service.propose(proposal);
    const listed = (await (await api('api/approvals', { token: 'bob-token' })).json()) as {
      approvals: Array<{ id: string; input: unknown }>;
      serverTime: number;
    };
    expect(listed.approvals.map((entry) => entry.id)).toEqual([request.id]);
    expect(listed.approvals[0]?.input).toEqual(proposal.input);
    const viewer = (await (await api('api/approvals', { token: 'dave-token' })).json()) as {
      approvals: unknown[];
    };
    expect(viewer.approvals).toEqual([]);
    const shown = await api(`api/approvals/${request.id}`, { token: 'bob-token' });
    expect(((await shown.json()) as { approval: unknown }).approval).toEqual(request);
    expect((await api(`api/approvals/${request.id}`, { token: 'dave-token' })).status).toBe(403);
    expect((await api('api/approvals/nope', { token: 'bob-token' })).status).toBe(404);
    expect((await api('api/approvals/bad%20id', { token: 'bob-token' })).status).toBe(400);
  });

  it('records approve and deny with the reason, bound to the digest that was shown', async () => {
    const first = await service.propose(proposal);
    const second = await service.propose(proposal);
    const csrf = await session('bob-token');
    const approved = await post(`api/approvals/${first.id}/approve`, 'bob-token', csrf, {
      digest: first.digest,
      reason: 'verified identity',
    });
    expect(approved.status).toBe(200);
    const body = (await approved.json()) as {
      decision: { approve: boolean; approver: string };
      approval: { status: string };
    };
    expect(body.decision).toMatchObject({ approve: true, approver: 'bob' });
    expect(body.approval.status).toBe('approved');
    expect(service.verifyDecision((await service.get(first.id))!.decision!)).toBe(true);

    const denied = await post(`api/approvals/${second.id}/deny`, 'bob-token', csrf, {
      digest: second.digest,
    });
    expect(denied.status).toBe(200);
    expect((await service.get(second.id))?.status).toBe('denied');

    const again = await post(`api/approvals/${first.id}/deny`, 'bob-token', csrf, { digest: first.digest });
    expect(again.status).toBe(409);
  });

  it('refuses state changes without the CSRF token, from another origin, or cross-site', async () => {
    const request = await service.propose(proposal);
    const csrf = await session('bob-token');
    const body = { digest: request.digest };
    expect((await post(`api/approvals/${request.id}/approve`, 'bob-token', '', body)).status).toBe(403);
    expect(
      (await post(`api/approvals/${request.id}/approve`, 'bob-token', 'x'.repeat(43), body)).status,
    ).toBe(403);
    // A CSRF token is bound to the bearer token it was issued for.
    const other = await session('dave-token');
    expect((await post(`api/approvals/${request.id}/approve`, 'bob-token', other, body)).status).toBe(403);
    expect(
      (
        await post(`api/approvals/${request.id}/approve`, 'bob-token', csrf, body, {
          origin: 'https://evil.test',
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await post(`api/approvals/${request.id}/approve`, 'bob-token', csrf, body, {
          'sec-fetch-site': 'cross-site',
        })
      ).status,
    ).toBe(403);
    expect((await service.get(request.id))?.status).toBe('pending');
  });

  it('validates input strictly', async () => {
    const request = await service.propose(proposal);
    const csrf = await session('bob-token');
    const path = `api/approvals/${request.id}/approve`;
    const status = async (body: unknown, headers: Record<string, string> = {}) =>
      (await post(path, 'bob-token', csrf, body, headers)).status;
    expect(await status({ digest: request.digest }, { 'content-type': 'text/plain' })).toBe(415);
    expect(await status('{not json')).toBe(400);
    expect(await status([request.digest])).toBe(400);
    expect(await status({ digest: request.digest, approve: false })).toBe(400);
    expect(await status({ digest: 'abc' })).toBe(400);
    expect(await status({ digest: 'f'.repeat(64) })).toBe(409);
    expect(await status({ digest: request.digest, reason: 42 })).toBe(400);
    expect(await status({ digest: request.digest, reason: 'x'.repeat(20_000) })).toBe(413);
    expect((await api(path, { token: 'bob-token' })).status).toBe(405);
    expect((await service.get(request.id))?.status).toBe('pending');
  });

  it('refuses self-approval through the console', async () => {
    const request = await service.propose(proposal);
    const csrf = await session('alice-approver-token');
    const response = await post(`api/approvals/${request.id}/approve`, 'alice-approver-token', csrf, {
      digest: request.digest,
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('self-approval');
  });

  it('can be mounted under a base path', async () => {
    const mounted = await createApprovalConsole({ service, basePath: '/ops/approvals' }).listen();
    try {
      expect(mounted.url).toMatch(/\/ops\/approvals\/$/);
      expect((await fetch(mounted.url)).status).toBe(200);
      expect(
        (await fetch(new URL('api/session', mounted.url), { headers: { authorization: 'Bearer bob-token' } }))
          .status,
      ).toBe(200);
      expect((await fetch(new URL('/other', mounted.url))).status).toBe(404);
    } finally {
      await mounted.close();
    }
  });

  it('validates its options', () => {
    expect(() => createApprovalConsole({ service: {} as never })).toThrow(/service/);
    expect(() => createApprovalConsole({ service, basePath: 'no-slash' })).toThrow(/basePath/);
    expect(() => createApprovalConsole({ service, allowedOrigins: ['https://a.test/path'] })).toThrow(
      /origins/,
    );
  });
});
