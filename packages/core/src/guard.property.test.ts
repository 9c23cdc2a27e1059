import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { ApprovalGate } from './approval-gate.js';
import type { AuditRecorder } from './audit-recorder.js';
import type { Decision } from './decision.js';
import { AccessDeniedError, ApprovalRequiredError, CredentialError } from './errors.js';
import { type Enforcement, guard } from './guard.js';
import type { Principal } from './principal.js';
import { createMemorySessionStore } from './session-store.js';

const STAGES = [
  'none',
  'verify',
  'sessions',
  'risk',
  'decide',
  'approve',
  'obligation',
  'intent',
  'result',
] as const;

const scenario = fc.record({
  effect: fc.constantFrom<Decision['effect']>('allow', 'deny', 'approve'),
  gate: fc.constantFrom('approved', 'denied', 'interrupt', 'absent', 'malformed'),
  fault: fc.constantFrom(...STAGES),
  credential: fc.constantFrom('good-token', 'bad-token', undefined),
  input: fc.oneof(fc.record({ id: fc.string({ minLength: 1 }) }), fc.anything()),
  obligation: fc.constantFrom('none', 'handled', 'unknown'),
});

describe('guard() property: no tool body runs without an allow', () => {
  it('holds over random decisions, gates, faults and inputs', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        let ran = false;
        const fail = (stage: (typeof STAGES)[number]) => {
          if (s.fault === stage) throw new Error(`fault at ${stage}`);
        };
        const principal: Principal = {
          agent: { id: 'spiffe://t/agent/a' },
          delegation: [],
          scopes: [],
          claims: {},
        };
        const obligations =
          s.obligation === 'none' ? [] : [{ type: s.obligation === 'handled' ? 'noted' : 'mystery' }];
        const approvals: ApprovalGate | undefined =
          s.gate === 'absent'
            ? undefined
            : {
                async authorize(request) {
                  fail('approve');
                  if (s.gate === 'approved') return { status: 'approved', approvalId: 'ap' };
                  if (s.gate === 'denied') return { status: 'denied', reason: 'no' };
                  if (s.gate === 'malformed') return { status: 'approved' } as never;
                  throw new ApprovalRequiredError({
                    approvalId: 'ap',
                    digest: 'd',
                    tool: request.name,
                    callId: request.callId,
                    expiresAt: 0,
                  });
                },
              };
        const recorder: AuditRecorder = {
          record: (_call, run) =>
            run({
              decided() {},
              async intent() {
                fail('intent');
              },
              result() {
                // The result of a denied call must still be recordable; only fail on success.
                if (ran) fail('result');
              },
            }),
        };
        const sessions = createMemorySessionStore();
        const enforcement: Enforcement = {
          verifier: {
            async verify(credential) {
              fail('verify');
              if (credential !== 'good-token') throw new CredentialError('bad');
              return principal;
            },
          },
          decider: {
            decide() {
              fail('decide');
              return { effect: s.effect, reason: 'r', ruleIds: [], policyVersion: 'v', obligations };
            },
          },
          recorder,
          approvals,
          sessions: {
            labels: async (id) => {
              fail('sessions');
              return sessions.labels(id);
            },
            addLabels: sessions.addLabels,
          },
          riskScorer: {
            score() {
              fail('risk');
              return 0.5;
            },
          },
          obligations: {
            noted: {
              before() {
                fail('obligation');
              },
            },
          },
        };
        const tool = guard(
          {
            name: 'op',
            description: 'op',
            inputSchema: z.object({ id: z.string().min(1) }),
            effect: 'write',
            execute: async () => {
              ran = true;
              return 'done';
            },
          },
          enforcement,
        );
        let outcome: unknown;
        try {
          outcome = await tool.call(s.input, { credential: s.credential, sessionId: 's' });
        } catch (error) {
          outcome = error;
        }

        const validInput = z.object({ id: z.string().min(1) }).safeParse(s.input).success;
        const permitted = s.effect === 'allow' || (s.effect === 'approve' && s.gate === 'approved');
        // A fault only matters at a stage the call actually reaches.
        const faultReached =
          ['verify', 'sessions', 'risk', 'decide', 'intent'].includes(s.fault) ||
          (s.fault === 'approve' && s.effect === 'approve' && s.gate !== 'absent') ||
          (s.fault === 'obligation' && s.obligation === 'handled');
        const shouldRun =
          validInput &&
          s.credential === 'good-token' &&
          permitted &&
          !faultReached &&
          s.obligation !== 'unknown';
        expect(ran).toBe(shouldRun);
        if (!ran) {
          expect(AccessDeniedError.isInstance(outcome) || ApprovalRequiredError.isInstance(outcome)).toBe(
            true,
          );
        }
        if (ApprovalRequiredError.isInstance(outcome)) expect(s.gate).toBe('interrupt');
        if (outcome === 'done') expect(s.fault === 'result').toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
