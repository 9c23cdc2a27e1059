/**
 * `createPalisade()` across replicas: a decision made through one replica (its console or CLI) is
 * consumed by another when they share the approval signing key and store; self-approval and the
 * human approver rule are configuration (issue 17).
 */
import { createSecretKey, randomBytes } from 'node:crypto';
import { createMemoryApprovalStore } from '@palisade/approval';
import { ApprovalRequiredError, createMemoryRecorder } from '@palisade/core';
import { generateSigningKey } from '@palisade/identity';
import { createPalisade, type Palisade } from 'palisade';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';

const POLICY = `
name: replicas
tools:
  pay: { effect: write, target: payments }
rules:
  - id: pay-needs-approval
    effect: allow
    tools: [pay]
    agents: ['spiffe://test.example/agent/helper']
    roles: [finance]
    approval: required
`;

const people = new Map([
  ['rita-token', { id: 'rita', roles: ['approver'] }],
  ['alice-token', { id: 'alice', roles: ['approver'] }],
]);
const approvers = (token: string) => {
  const person = people.get(token);
  if (!person) throw new Error('unknown reviewer');
  return { ...person, human: true };
};

const opened: Palisade[] = [];
afterEach(() => {
  for (const palisade of opened.splice(0)) palisade.close();
});

async function replicas(options: { signingKey?: boolean; allowSelfApproval?: boolean } = {}) {
  const store = createMemoryApprovalStore();
  const identityKey = await generateSigningKey({ alg: 'EdDSA' });
  const approvalKey = createSecretKey(randomBytes(32));
  const make = async () => {
    const palisade = await createPalisade({
      trustDomain: 'test.example',
      policy: POLICY,
      agents: [{ name: 'helper', owner: 'team-a', purpose: 'tests', tools: ['pay'] }],
      identity: { keys: identityKey },
      approvals: {
        approvers,
        store,
        signingKey: options.signingKey === false ? undefined : approvalKey,
        allowSelfApproval: options.allowSelfApproval,
      },
      audit: createMemoryRecorder(),
    });
    opened.push(palisade);
    return palisade;
  };
  const [first, second] = [await make(), await make()];
  const body = vi.fn(async ({ amount }: { amount: number }) => `paid ${amount}`);
  const tool = (palisade: Palisade) =>
    palisade.guard({
      name: 'pay',
      description: 'Pay',
      inputSchema: z.object({ amount: z.number() }),
      effect: 'write',
      target: 'payments',
      execute: body,
    });
  const token = await first.identity!.issue({ agent: 'helper', user: { id: 'alice', roles: ['finance'] } });
  return { first, second, body, payOn: tool, token };
}

async function pause(promise: Promise<unknown>): Promise<ApprovalRequiredError> {
  const error = await promise.catch((reason: unknown) => reason);
  if (!ApprovalRequiredError.isInstance(error)) throw new Error(`expected a pause, got ${String(error)}`);
  return error as ApprovalRequiredError;
}

describe('createPalisade() approvals across replicas', () => {
  it('a decision made through one replica is consumed by another sharing the signing key', async () => {
    const { first, second, body, payOn, token } = await replicas();
    const paused = await pause(payOn(first).call({ amount: 40 }, { credential: token, sessionId: 's1' }));
    await second.approvalService!.decide({
      approvalId: paused.approvalId,
      approve: true,
      approverCredential: 'rita-token',
    });
    await expect(
      payOn(second).call(
        { amount: 40 },
        { credential: token, sessionId: 's1', approvalId: paused.approvalId },
      ),
    ).resolves.toBe('paid 40');
    expect(body).toHaveBeenCalledTimes(1);
  });

  it('without a shared signing key, another replica refuses the decision (fails closed)', async () => {
    const { first, second, body, payOn, token } = await replicas({ signingKey: false });
    const paused = await pause(payOn(first).call({ amount: 40 }, { credential: token, sessionId: 's1' }));
    await second.approvalService!.decide({
      approvalId: paused.approvalId,
      approve: true,
      approverCredential: 'rita-token',
    });
    await expect(
      payOn(first).call(
        { amount: 40 },
        { credential: token, sessionId: 's1', approvalId: paused.approvalId },
      ),
    ).rejects.toThrow(/signature or binding does not verify|different action/);
    expect(body).not.toHaveBeenCalled();
  });

  it('self-approval is refused unless allowSelfApproval says so', async () => {
    const strict = await replicas();
    const paused = await pause(strict.payOn(strict.first).call({ amount: 5 }, { credential: strict.token }));
    await expect(
      strict.second.approvalService!.decide({
        approvalId: paused.approvalId,
        approve: true,
        approverCredential: 'alice-token',
      }),
    ).rejects.toThrow(/may not approve a request it is part of/);
    const lenient = await replicas({ allowSelfApproval: true });
    const again = await pause(
      lenient.payOn(lenient.first).call({ amount: 5 }, { credential: lenient.token }),
    );
    await expect(
      lenient.second.approvalService!.decide({
        approvalId: again.approvalId,
        approve: true,
        approverCredential: 'alice-token',
      }),
    ).resolves.toMatchObject({ approver: 'alice' });
  });
});
