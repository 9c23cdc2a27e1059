import { randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApprovalService } from './approval-service.js';
import { createMemoryApprovalStore } from './memory-approval-store.js';
import { testApprovers } from './test-support/fixtures.js';
import { createWebhookNotifier, verifyWebhookSignature, type WebhookDelivery } from './webhook-notifier.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

describe('createWebhookNotifier', () => {
  const secret = randomBytes(32);
  let server: Server;
  let url: string;
  let received: Received[];
  let statuses: number[];

  beforeEach(async () => {
    received = [];
    statuses = [];
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        const status = statuses.shift() ?? 200;
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/approvals`;
  });

  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  function setup(overrides: Partial<Parameters<typeof createWebhookNotifier>[0]> = {}) {
    const service = createApprovalService({
      store: createMemoryApprovalStore(),
      approvers: testApprovers(['approver']),
    });
    const failures: WebhookDelivery[] = [];
    const notifier = createWebhookNotifier({
      url,
      secret,
      initialDelayMs: 5,
      maxDelayMs: 20,
      // Generous: these deliveries must not time out however loaded the machine is. The timeout path
      // is tested with a fetch that never answers, which times out at any load.
      timeoutMs: 10_000,
      consoleUrl: 'https://approvals.acme.test',
      onFailure: (delivery) => failures.push(delivery),
      ...overrides,
    });
    return { service, notifier, failures };
  }

  const proposal = {
    tool: 'send_email',
    input: { to: 'cfo@acme.test', body: 'password: hunter2' },
    effect: 'send' as const,
    agent: { id: 'spiffe://acme.test/agent/mailer' },
    rationale: 'weekly report',
  };

  it('posts each event with an HMAC signature over timestamp and body, without the input by default', async () => {
    const { service, notifier } = setup();
    notifier.attach(service);
    const request = await service.propose(proposal);
    await service.decide({
      approvalId: request.id,
      approve: true,
      approverCredential: 'bob-token',
      reason: 'fine',
    });
    await notifier.idle();

    expect(received.map((entry) => entry.headers['x-palisade-event'])).toEqual([
      'approval-request',
      'approval-response',
    ]);
    for (const entry of received) {
      const header = entry.headers['x-palisade-signature'] as string;
      expect(verifyWebhookSignature({ secret, body: entry.body, header })).toBe(true);
      expect(verifyWebhookSignature({ secret, body: `${entry.body} `, header })).toBe(false);
      expect(verifyWebhookSignature({ secret: randomBytes(32), body: entry.body, header })).toBe(false);
      expect(verifyWebhookSignature({ secret, body: entry.body, header, now: Date.now() + 600_000 })).toBe(
        false,
      );
      expect(entry.body).not.toContain('hunter2');
    }
    const first = JSON.parse(received[0]!.body) as Record<string, unknown>;
    expect(first).toMatchObject({
      event: 'approval-request',
      approvalId: request.id,
      request: { tool: 'send_email', digest: request.digest, rationale: 'weekly report' },
      link: `https://approvals.acme.test/#/approvals/${request.id}`,
    });
    const second = JSON.parse(received[1]!.body) as Record<string, unknown>;
    expect(second).toMatchObject({ decision: { approve: true, approver: 'bob', reason: 'fine' } });
  });

  it('includes the exact input when asked to', async () => {
    const { service, notifier } = setup({ includeInput: true, events: ['approval-request'] });
    notifier.attach(service);
    await service.propose(proposal);
    await notifier.idle();
    expect(JSON.parse(received[0]!.body)).toMatchObject({ request: { input: proposal.input } });
  });

  it('retries 5xx and 429 with backoff, then delivers', async () => {
    statuses = [503, 429, 200];
    const { service, notifier, failures } = setup();
    const request = await service.propose(proposal);
    const delivery = await notifier.notify('approval-request', request);
    expect(delivery).toMatchObject({ ok: true, attempts: 3, status: 200 });
    expect(received).toHaveLength(3);
    expect(new Set(received.map((entry) => entry.headers['x-palisade-delivery'])).size).toBe(1);
    expect(failures).toEqual([]);
  });

  it('retries a delivery that timed out, with the same delivery id', async () => {
    const deliveries: string[] = [];
    // The first attempt never answers: only the notifier's own timeout can end it.
    const fetch = (_url: string | URL | Request, init?: RequestInit): Promise<Response> => {
      deliveries.push(new Headers(init?.headers).get('x-palisade-delivery') ?? '');
      if (deliveries.length > 1) return Promise.resolve(new Response(null, { status: 200 }));
      return new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal?.reason));
      });
    };
    const { service, notifier, failures } = setup({ fetch, timeoutMs: 20 });
    const request = await service.propose(proposal);
    const delivery = await notifier.notify('approval-request', request);
    expect(delivery).toMatchObject({ ok: true, attempts: 2, status: 200 });
    expect(deliveries).toHaveLength(2);
    expect(new Set(deliveries).size).toBe(1);
    expect(failures).toEqual([]);
  });

  it('gives up after maxAttempts and reports the failure', async () => {
    statuses = [500, 500, 500];
    const { service, notifier, failures } = setup({ maxAttempts: 3 });
    const request = await service.propose(proposal);
    const delivery = await notifier.notify('approval-expire', request);
    expect(delivery).toMatchObject({ ok: false, attempts: 3, status: 500 });
    expect(failures).toEqual([delivery]);
  });

  it('does not retry a client error', async () => {
    statuses = [401];
    const { service, notifier } = setup();
    const request = await service.propose(proposal);
    expect(await notifier.notify('approval-request', request)).toMatchObject({
      ok: false,
      attempts: 1,
      status: 401,
    });
  });

  it('stops listening when detached', async () => {
    const { service, notifier } = setup();
    const detach = notifier.attach(service);
    detach();
    await service.propose(proposal);
    await notifier.idle();
    expect(received).toEqual([]);
  });

  it('validates its options', () => {
    expect(() => createWebhookNotifier({ url: 'http://hooks.acme.test/x', secret })).toThrow(/https/);
    expect(() => createWebhookNotifier({ url: 'not a url', secret })).toThrow(/url/);
    expect(() => createWebhookNotifier({ url, secret: 'short' })).toThrow(/32 bytes/);
    expect(() => createWebhookNotifier({ url, secret, events: ['approval-consume' as never] })).toThrow(
      /events/,
    );
    expect(() => createWebhookNotifier({ url, secret, maxAttempts: 0 })).toThrow(/maxAttempts/);
  });
});
