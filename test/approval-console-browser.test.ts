/**
 * The approval console, end to end in a real browser: a guarded call waits for a human, a reviewer
 * signs in to the console page, reads the exact payload and approves (the call runs) or denies (it
 * is refused). Screenshots are kept under test-results/approval-console/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createApprovalConsole,
  createApprovalGate,
  createApprovalService,
  createSqliteApprovalStore,
} from '@palisade/approval';
import {
  ApprovalDeniedError,
  CredentialError,
  type CredentialVerifier,
  canonicalJson,
  createMemoryRecorder,
  type Decider,
  guard,
  type Principal,
  type StandardSchemaV1,
} from '@palisade/core';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReviewerIdentity } from './support/reviewer-identity.js';
import { CHROMIUM_PATH, requireService } from './support/services.js';

const hasChromium = await requireService('chromium');
// Bob signs in with a person's token from the identity provider, never an agent token.
const reviewers = await createReviewerIdentity();
const bobToken = await reviewers.token({ id: 'bob', roles: ['payments-approver'] });

function pretty(input: unknown): string {
  return JSON.stringify(JSON.parse(canonicalJson(input)), null, 2);
}
const SCREENSHOTS = join(process.cwd(), 'test-results', 'approval-console');

const principals: Record<string, Principal> = {
  'agent-token': {
    agent: { id: 'spiffe://acme.test/agent/support-bot', name: 'support-bot' },
    user: { id: 'alice', roles: ['support'], tenant: 'acme' },
    delegation: ['alice', 'spiffe://acme.test/agent/support-bot'],
    scopes: ['refunds'],
    claims: {},
  },
};

const verifier: CredentialVerifier = {
  async verify(credential) {
    const principal = principals[credential];
    if (!principal) throw new CredentialError('unknown token');
    return principal;
  },
};

const decider: Decider = {
  decide: (request) =>
    request.effect === 'read'
      ? {
          effect: 'allow',
          reason: 'reads are fine',
          ruleIds: ['reads'],
          policyVersion: 'v1',
          obligations: [],
        }
      : {
          effect: 'approve',
          reason: 'refunds need a payments approver',
          ruleIds: ['refund-approval'],
          policyVersion: 'v1',
          obligations: [],
        },
};

const refundSchema: StandardSchemaV1<unknown, Record<string, unknown>> = {
  '~standard': {
    version: 1,
    vendor: 'test',
    validate: (value) =>
      typeof value === 'object' && value !== null && typeof (value as { order?: unknown }).order === 'string'
        ? { value: value as Record<string, unknown> }
        : { issues: [{ message: 'order is required', path: ['order'] }] },
  },
};

describe.skipIf(!hasChromium)('approval console in a real browser', () => {
  const directory = mkdtempSync(join(tmpdir(), 'palisade-console-'));
  const store = createSqliteApprovalStore({ path: join(directory, 'approvals.db') });
  const service = createApprovalService({
    store,
    approvers: reviewers.approvers(['payments-approver']),
    defaultTtlMs: 10 * 60_000,
  });
  const executed: Array<Record<string, unknown>> = [];
  const refund = guard(
    {
      name: 'issue_refund',
      description: 'Refund an order',
      inputSchema: refundSchema,
      effect: 'write',
      target: 'payments',
      execute: async (input) => {
        executed.push(input);
        return `refunded ${String(input.order)}`;
      },
    },
    {
      verifier,
      decider,
      recorder: createMemoryRecorder(),
      approvals: createApprovalGate({ service, mode: 'wait', timeoutMs: 60_000, pollIntervalMs: 100 }),
    },
  );
  let browser: Browser;
  let consoleUrl: string;
  let closeConsole: () => Promise<void>;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const running = await createApprovalConsole({ service, title: 'Acme approvals' }).listen({
      host: '127.0.0.1',
      port: 0,
    });
    consoleUrl = running.url;
    closeConsole = running.close;
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await closeConsole?.();
    service.close();
    await store.dispose();
    rmSync(directory, { recursive: true, force: true });
  });

  it('approves and denies guarded calls through the page', { timeout: 90_000 }, async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

    // A refund whose payload is long and hostile: it must be shown in full, and as text.
    const longNote = `${'Customer was charged twice for the same order. '.repeat(80)}END-OF-NOTE`;
    const firstInput = {
      order: 'A-1017',
      amount: 249.99,
      currency: 'EUR',
      note: longNote,
      html: '<img src=x onerror="alert(1)"><script>alert(2)</script>',
    };
    const first = refund.call(firstInput, {
      credential: 'agent-token',
      audience: 'payments-api',
      attributes: { rationale: 'The customer was charged twice; the ledger shows two captures.' },
    });

    await page.goto(consoleUrl);
    await page.getByTestId('token').fill(bobToken);
    await page.getByTestId('signin-button').click();
    await expect.poll(() => page.getByTestId('row').count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(async () => page.getByTestId('who').textContent()).toBe('Signed in as bob');
    await page.screenshot({ path: join(SCREENSHOTS, '1-queue.png'), fullPage: true });

    await page.getByTestId('review').click();
    await page.getByTestId('detail').waitFor({ state: 'visible' });
    // The page shows the canonical form (members sorted), which is exactly what the digest covers.
    expect(await page.getByTestId('d-payload').textContent()).toBe(pretty(firstInput));
    expect(await page.getByTestId('d-size').textContent()).toMatch(/shown in full/);
    expect(await page.getByTestId('d-tool').textContent()).toBe('issue_refund');
    expect(await page.getByTestId('d-target').textContent()).toBe('payments');
    expect(await page.getByTestId('d-effect').textContent()).toBe('write (tool)');
    expect(await page.getByTestId('d-side-effects').textContent()).toBe(
      'creates or changes data on payments',
    );
    expect(await page.getByTestId('d-rationale').textContent()).toBe(
      'The customer was charged twice; the ledger shows two captures.',
    );
    expect(await page.getByTestId('d-agent').textContent()).toBe(
      'spiffe://acme.test/agent/support-bot (support-bot)',
    );
    expect(await page.getByTestId('d-user').textContent()).toBe('alice (roles: support; tenant acme)');
    expect(await page.locator('[data-testid="d-chain"] li').allTextContents()).toEqual([
      'alice',
      'spiffe://acme.test/agent/support-bot',
    ]);
    expect(await page.getByTestId('d-policy').textContent()).toBe(
      'refunds need a payments approver [rules: refund-approval]',
    );
    expect(await page.getByTestId('d-time').textContent()).toMatch(/^(9m \d+s|10m 0s)$/);
    const [pending] = await service.listPending();
    expect(await page.getByTestId('d-digest').textContent()).toBe(pending?.digest);
    expect(await page.locator('img').count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, '2-review.png'), fullPage: true });

    await page.getByTestId('reason').fill('Ledger confirms the double capture');
    await page.getByTestId('approve').click();
    await expect.poll(async () => page.getByTestId('result').textContent()).toBe('Approved by bob.');
    await page.screenshot({ path: join(SCREENSHOTS, '3-approved.png'), fullPage: true });

    await expect(first).resolves.toBe('refunded A-1017');
    expect(executed).toEqual([firstInput]);
    const consumed = await service.get(pending!.id);
    expect(consumed).toMatchObject({
      status: 'consumed',
      decision: { approve: true, approver: 'bob', reason: 'Ledger confirms the double capture' },
    });

    // Second call: the reviewer denies it; the call is refused and the body never runs.
    const secondInput = { order: 'B-2044', amount: 12_000, currency: 'EUR' };
    const second = refund
      .call(secondInput, { credential: 'agent-token', audience: 'payments-api' })
      .catch((error: unknown) => error);
    await page.getByTestId('back').click();
    await expect.poll(() => page.getByTestId('row').count(), { timeout: 10_000 }).toBe(1);
    await page.getByTestId('review').click();
    await page.getByTestId('detail').waitFor({ state: 'visible' });
    expect(await page.getByTestId('d-payload').textContent()).toBe(pretty(secondInput));
    expect(await page.getByTestId('d-rationale').textContent()).toBe('(none)');
    await page.getByTestId('reason').fill('Amount above the refund limit');
    await page.getByTestId('deny').click();
    await expect.poll(async () => page.getByTestId('result').textContent()).toBe('Denied by bob.');
    await page.screenshot({ path: join(SCREENSHOTS, '4-denied.png'), fullPage: true });

    const refused = await second;
    expect(ApprovalDeniedError.isInstance(refused)).toBe(true);
    expect((refused as Error).message).toMatch(/denied by bob: Amount above the refund limit/);
    expect(executed).toEqual([firstInput]);

    await page.getByTestId('back').click();
    await expect.poll(async () => page.getByTestId('empty').isVisible()).toBe(true);
    expect(dialogs).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('refuses a wrong token on the sign-in form', { timeout: 30_000 }, async () => {
    const page = await browser.newPage();
    await page.goto(consoleUrl);
    await page.getByTestId('token').fill('not-a-token');
    await page.getByTestId('signin-button').click();
    await expect.poll(async () => page.locator('#signin-error').textContent()).toMatch(/Sign-in failed/);
    await page.screenshot({ path: join(SCREENSHOTS, '5-signin-refused.png') });
    await page.close();
  });
});
