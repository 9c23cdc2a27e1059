import { describe, expect, it } from 'vitest';
import { runSupportDemo } from './main.js';

describe('LangChain support example', () => {
  it('reads, is refused the CRM write, and refunds once after a human approved', async () => {
    const lines: string[] = [];
    const result = await runSupportDemo((line) => lines.push(line));

    expect(result.toolResults).toEqual([
      // The injected ticket reaches the model only inside data markers, and taints the session.
      ['get_ticket', 'success', expect.stringMatching(/^<<untrusted-content id="[^"]+">>\n.*T-1042/s)],
      ['update_crm', 'error', 'Denied "update_crm": support agents may not write the CRM'],
      ['refund', 'success', 'Refunded 250 EUR on order 7781'],
    ]);
    expect(result.executed).toEqual({ get_ticket: 1, update_crm: 0, refund: 1 });
    expect(result.sessionLabels).toContain('tainted');
    expect(
      result.audit.map((record) => [record.call.name, record.decision?.effect, record.outcome?.status]),
    ).toEqual([
      ['get_ticket', 'allow', 'ok'],
      ['update_crm', 'deny', 'denied'],
      ['refund', 'approve', 'pending-approval'],
      ['refund', 'approve', 'ok'],
    ]);
    expect(lines.join('\n')).toContain(`approval ${result.approvalId}`);
    expect(lines.join('\n')).toContain('refund executed so far: 0 time(s)');
  });
});
