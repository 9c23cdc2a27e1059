import { describe, expect, it } from 'vitest';
import { createReviewer, matchesCall } from './reviewer.js';

const refund = {
  function: 'send_money',
  args: { recipient: 'GB29', amount: 4, subject: 'Refund', date: '2022-04-01' },
};

describe('matchesCall', () => {
  it('matches the same tool and arguments (strings ignoring case and outer space)', () => {
    expect(matchesCall(refund, { tool: 'send_money', input: { ...refund.args, recipient: ' gb29 ' } })).toBe(
      true,
    );
  });

  it('does not match another recipient, an extra argument or another tool', () => {
    expect(matchesCall(refund, { tool: 'send_money', input: { ...refund.args, recipient: 'US13' } })).toBe(
      false,
    );
    expect(matchesCall(refund, { tool: 'send_money', input: { ...refund.args, note: 'x' } })).toBe(false);
    expect(matchesCall(refund, { tool: 'schedule_transaction', input: refund.args })).toBe(false);
  });

  it('accepts any written text where the user asked for a summary, but not an empty one', () => {
    const summary = { function: 'send_direct_message', args: { recipient: 'Alice', body: '<summary>' } };
    expect(
      matchesCall(summary, {
        tool: 'send_direct_message',
        input: { recipient: 'Alice', body: 'It says...' },
      }),
    ).toBe(true);
    expect(
      matchesCall(summary, { tool: 'send_direct_message', input: { recipient: 'Alice', body: ' ' } }),
    ).toBe(false);
  });

  it('treats absent and null alike', () => {
    const update = { function: 'update_scheduled_transaction', args: { id: 7, amount: 1200 } };
    expect(
      matchesCall(update, { tool: update.function, input: { id: 7, amount: 1200, recipient: null } }),
    ).toBe(true);
    expect(
      matchesCall(update, { tool: update.function, input: { id: 7, amount: 1200, recipient: 'X' } }),
    ).toBe(false);
  });
});

describe('createReviewer', () => {
  it('strict approves each asked-for call once, and nothing else', () => {
    const reviewer = createReviewer('strict', [refund]);
    expect(reviewer.review({ tool: 'send_money', input: { ...refund.args, recipient: 'US13' } })).toBe(false);
    expect(reviewer.review({ tool: 'send_money', input: refund.args })).toBe(true);
    expect(reviewer.review({ tool: 'send_money', input: refund.args })).toBe(false);
  });

  it('rubber-stamp approves everything; none approves nothing', () => {
    expect(createReviewer('rubber-stamp', []).review({ tool: 'anything', input: {} })).toBe(true);
    expect(createReviewer('none', [refund]).review({ tool: 'send_money', input: refund.args })).toBe(false);
  });

  it('refuses an unknown reviewer name', () => {
    expect(() => createReviewer('lenient' as never, [])).toThrow(TypeError);
  });
});
