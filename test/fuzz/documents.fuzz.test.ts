/**
 * fast-check over documents (10,000 cases per target): policy text (random text, and a valid
 * policy with characters changed) is either a policy or a coded PolicyError, never another failure;
 * tool outputs of any shape are observed for provenance without a throw, within their bounds, and
 * an untrusted field never comes back as trusted.
 */
import { createMemoryProvenanceStore, observeOutput } from '@palisade/core';
import { createPolicyEngine, PolicyError, parsePolicy } from '@palisade/policy';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

const RUNS = 10_000;

const VALID = `name: documents
tools:
  send_email: { effect: send, target: mail }
  get_ticket: { effect: read, target: helpdesk, trust: untrusted }
rules:
  - id: support-reads
    effect: allow
    tools: [get_ticket]
    agents: ["spiffe://acme.example/agent/support-*"]
    roles: [support]
  - id: mail-known
    effect: allow
    tools: [send_email]
    roles: [support]
    agents: ["spiffe://acme.example/agent/support-*"]
    when: { input.to: { providedBy: user }, input.size: { lte: 10 } }
limits:
  - { id: mails, tools: [send_email], per: [user], window: 1h, max: 20 }
`;

function parseOrCodedError(text: string, format?: 'yaml' | 'json') {
  try {
    const policy = parsePolicy(text, { source: 'fuzz.yaml', ...(format ? { format } : {}) });
    // Anything that parses also compiles.
    createPolicyEngine({ policy });
    return 'policy';
  } catch (error) {
    expect(PolicyError.isInstance(error), `${String(error)} for ${JSON.stringify(text).slice(0, 200)}`).toBe(
      true,
    );
    const issues = (error as PolicyError).issues;
    expect(Array.isArray(issues) && issues.length > 0).toBe(true);
    return 'error';
  }
}

describe('document fuzzing', () => {
  it(`reads ${RUNS} random or damaged policy texts as a policy or a coded error`, () => {
    const seen = new Set<string>();
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.json({ maxDepth: 4 }),
      fc
        .array(
          fc.tuple(fc.nat({ max: VALID.length - 1 }), fc.constantFrom(...' :-[]{}"\'\n\t#&*!|>%@`abc1')),
          {
            minLength: 1,
            maxLength: 4,
          },
        )
        .map((edits) =>
          edits.reduce(
            (document, [at, char]) => `${document.slice(0, at)}${char}${document.slice(at + 1)}`,
            VALID,
          ),
        ),
    );
    fc.assert(
      fc.property(text, fc.constantFrom(undefined, 'json' as const), (document, format) => {
        seen.add(parseOrCodedError(document, format));
      }),
      { numRuns: RUNS },
    );
    expect(seen).toEqual(new Set(['policy', 'error']));
  }, 240_000);

  it(`observes ${RUNS} tool outputs of any shape within bounds, untrusted text never trusted`, async () => {
    const store = createMemoryProvenanceStore();
    const marker = 'GB82WEST12345698765432';
    const output = fc.oneof(
      fc.anything({ maxDepth: 4 }),
      fc.json({ maxDepth: 4 }).map((json) => JSON.parse(json)),
    );
    await fc.assert(
      fc.asyncProperty(output, fc.boolean(), async (value, untrusted) => {
        // The marker IBAN sits in an untrusted field of every output.
        const document = { body: `pay ${marker} now`, data: value };
        const record = observeOutput(document, {
          tool: 'read_mail',
          trust: untrusted ? 'untrusted' : 'trusted',
          untrustedFields: ['body'],
        });
        expect(record.values.length).toBeLessThanOrEqual(5_000);
        if (untrusted) {
          const sightings = record.values.filter((entry) => entry.value === marker.toLowerCase());
          expect(sightings.length).toBeGreaterThan(0);
          expect(sightings.every((entry) => entry.observation.origin !== 'trusted')).toBe(true);
        }
        await store.record('fuzz-session', record);
      }),
      { numRuns: RUNS },
    );
    const view = await store.view('fuzz-session');
    expect(view).toBeDefined();
  }, 240_000);
});
