/**
 * fast-check through the real guard() loop (10,000 cases per target): random tool inputs and
 * random or tampered tokens. No call crashes the process or leaves an unhandled rejection, every
 * refusal is a coded AccessDeniedError, and a tool body runs only after the policy allowed that very
 * call by a named allow rule.
 */
import {
  AccessDeniedError,
  createMemoryRecorder,
  createMemorySessionStore,
  type Decider,
  type Decision,
  guard,
} from '@palisade/core';
import {
  createAgentIssuer,
  createAgentRegistry,
  createAgentVerifier,
  generateSigningKey,
} from '@palisade/identity';
import { createPolicyEngine, parsePolicy } from '@palisade/policy';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toolInput } from './arbitraries.js';

const RUNS = 10_000;
const POLICY = parsePolicy(`
name: guard-fuzz
tools:
  pay: { effect: write, target: payments }
rules:
  - id: small-payments-to-known-payees
    effect: allow
    tools: [pay]
    agents: ["spiffe://fuzz.example/agent/alpha"]
    roles: [staff]
    approval: none
    when:
      input.amount: { gt: 0, lte: 100 }
      input.to: { providedBy: user }
  - id: never-to-the-blocklist
    effect: deny
    tools: [pay]
    when: { input.to: { matches: "*@evil.example" } }
`);

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
});

async function setup() {
  const registry = createAgentRegistry({ trustDomain: 'fuzz.example' });
  registry.register({ name: 'alpha', owner: 'fuzz', purpose: 'fuzzing', tools: ['pay'] });
  const issuer = createAgentIssuer({
    issuer: 'https://fuzz.example',
    audience: 'fuzz',
    trustDomain: 'fuzz.example',
    keys: await generateSigningKey(),
    registry,
  });
  const verifier = createAgentVerifier({
    issuer: 'https://fuzz.example',
    audience: 'fuzz',
    keys: issuer,
    registry,
  });
  const engine = createPolicyEngine({ policy: POLICY });
  let last: Decision | undefined;
  const decider: Decider = {
    async decide(request) {
      last = await engine.decide(request);
      return last;
    },
  };
  const ran: unknown[] = [];
  const pay = guard(
    {
      name: 'pay',
      description: 'Pay someone',
      inputSchema: z.object({ to: z.string(), amount: z.number() }),
      effect: 'write',
      target: 'payments',
      execute: (input) => {
        ran.push(input);
        return 'paid';
      },
    },
    { verifier, decider, recorder: createMemoryRecorder(), sessions: createMemorySessionStore() },
  );
  const token = await issuer.issue({
    agent: 'alpha',
    user: { id: 'uma', roles: ['staff'] },
    ttlSeconds: 600,
  });
  return {
    pay,
    token,
    ran,
    takeDecision: () => {
      const decision = last;
      last = undefined;
      return decision;
    },
  };
}

const MESSAGES = ['Please pay bob@acme.example 40 for the lunch'];

describe('guard() fuzzing', () => {
  it(`runs a tool body only after an allow, for ${RUNS} random inputs`, async () => {
    const { pay, token, ran, takeDecision } = await setup();
    let runs = 0;
    const input = fc.oneof(
      toolInput,
      fc.anything(),
      fc.record({
        to: fc.constantFrom(
          'bob@acme.example',
          'BOB@acme.example',
          'eve@evil.example',
          'carol@acme.example',
          '',
        ),
        amount: fc.oneof(fc.integer({ min: -5, max: 200 }), fc.double(), fc.constant(40)),
      }),
    );
    await fc.assert(
      fc.asyncProperty(input, async (value) => {
        const before = ran.length;
        const outcome = await pay
          .call(value, { credential: token, sessionId: 'fuzz', userMessages: MESSAGES })
          .then(
            () => 'ran' as const,
            (error: unknown) => error,
          );
        const decision = takeDecision();
        if (outcome === 'ran') {
          runs += 1;
          expect(ran.length).toBe(before + 1);
          expect(decision?.effect).toBe('allow');
          expect(decision?.ruleIds).toContain('small-payments-to-known-payees');
        } else {
          expect(ran.length).toBe(before);
          expect(AccessDeniedError.isInstance(outcome), String(outcome)).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
    expect(runs).toBeGreaterThan(0);
    expect(unhandled).toEqual([]);
  }, 240_000);

  it(`runs nothing for ${RUNS} random or tampered tokens`, async () => {
    const { pay, token, ran } = await setup();
    const [header = '', payload = '', signature = ''] = token.split('.');
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const tampered = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 60 }),
      // One character of the real token changed.
      fc
        .tuple(fc.nat({ max: token.length - 1 }), fc.constantFrom(...'AbZ09-_.='))
        .map(([at, char]) =>
          token[at] === char
            ? `${token.slice(0, at)}x${token.slice(at + 1)}`
            : `${token.slice(0, at)}${char}${token.slice(at + 1)}`,
        ),
      // Claims rewritten (other user, roles, expiry, audience) with the old signature.
      fc
        .record({
          sub: fc.constantFrom('spiffe://fuzz.example/agent/beta', claims.sub),
          aud: fc.constantFrom('elsewhere', claims.aud),
          exp: fc.integer({ min: 0, max: 2 ** 40 }),
          roles: fc.constantFrom(['admin'], ['staff']),
        })
        .map((changes) => `${header}.${b64({ ...claims, ...changes })}.${signature}`),
      // Unsigned and algorithm-confusion headers.
      fc
        .constantFrom('none', 'HS256', 'RS256', 'EdDSA')
        .map((alg) => `${b64({ alg, typ: 'JWT' })}.${payload}.`),
      fc.constantFrom('', '..', `${header}.${payload}`, `${token}.`, `${token} `, token.toUpperCase()),
    );
    await fc.assert(
      fc.asyncProperty(tampered, async (credential) => {
        fc.pre(credential !== token);
        const error = await pay
          .call(
            { to: 'bob@acme.example', amount: 40 },
            { credential, sessionId: 'fuzz', userMessages: MESSAGES },
          )
          .then(
            () => undefined,
            (reason: unknown) => reason,
          );
        expect(AccessDeniedError.isInstance(error), String(error)).toBe(true);
      }),
      { numRuns: RUNS },
    );
    expect(ran).toEqual([]);
    // The untouched token does run, so the zero above is the verifier at work.
    await pay.call(
      { to: 'bob@acme.example', amount: 40 },
      { credential: token, sessionId: 'fuzz', userMessages: MESSAGES },
    );
    expect(ran).toHaveLength(1);
    expect(unhandled).toEqual([]);
  }, 240_000);
});
