import { describe, expect, it } from 'vitest';
import { parsePolicy } from './parse-policy.js';
import { createPolicyEngine } from './policy-engine.js';
import { makeRequest } from './test-support/requests.js';

// The attack: `providedBy: user` used to accept any token of the user's messages, so an argument
// that is a common word ("about", "the") or a piece of a longer value passed as "given by the user".
const engine = createPolicyEngine({
  policy: parsePolicy(`
tools:
  send_email: { effect: send }
rules:
  - id: send-to-what-the-user-gave
    effect: allow
    tools: [send_email]
    agents: ['spiffe://acme.example/agent/*']
    roles: [support]
    approval: none
    when: { input.to: { providedBy: user }, input.subject: { providedBy: user } }
`),
});
const send = (to: string, subject: string, message: string) =>
  engine.decide(
    makeRequest({
      name: 'send_email',
      effect: 'send',
      input: { to, subject },
      context: { userMessages: [message] },
    }),
  ).effect;

describe('attack: a common word or a piece of a value passes as provided by the user', () => {
  it('refuses a common word that merely occurs in the message', () => {
    expect(send('bob@x.example', 'about', "Tell bob@x.example about the 'Q3 report'")).toBe('deny');
    expect(send('the', 'Q3 report', "Tell bob@x.example about the 'Q3 report'")).toBe('deny');
  });

  it('refuses a part of a longer value', () => {
    expect(send('bob@x.example', 'Q3 report', "Mail alice.bob@x.example the 'Q3 report'")).toBe('deny');
    expect(send('bob@x.example', 'report', "Mail bob@x.example the 'Q3 report'")).toBe('deny');
    expect(send('bob@x.example', 'Q3 report', "Mail bob@x.example.evil.io the 'Q3 report'")).toBe('deny');
  });

  it('accepts whole values the user gave, after normalisation', () => {
    expect(send('Bob@X.Example', 'q3 report', "Mail bob@x.example the 'Q3 Report'")).toBe('allow');
  });
});
