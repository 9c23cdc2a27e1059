import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runExample } from './main.js';

const here = dirname(fileURLToPath(import.meta.url));

describe('the guarded MCP example', () => {
  it('decides every call on both sides as the two policies say', async () => {
    const rows = await runExample({ quiet: true });

    expect(rows.map((row) => [row.call, row.host, row.server])).toEqual([
      ['get_invoice INV-7', 'allow (billing-tools)', 'allow (support-reads)'],
      ['delete_customer C-7', 'deny (never-delete)', '-'],
      ['refund INV-7 40', 'allow (billing-tools)', 'allow (support-refunds)'],
      ['refund INV-7 5000', 'allow (billing-tools)', 'deny (refund-limit)'],
      [
        'refund INV-7 250',
        'allow (billing-tools)',
        expect.stringMatching(/^approve \(.*refunds-over-100-need-a-human/),
      ],
      ['refund INV-7 250, resumed', 'allow (billing-tools)', expect.stringMatching(/^approve /)],
      ['get_ticket T-1042', 'allow (billing-tools)', 'allow (support-reads)'],
      [
        'send_email exfil@attacker.example',
        'allow (billing-tools)',
        expect.stringMatching(/tainted-mail-needs-a-human/),
      ],
      [
        'send_email exfil@attacker.example, resumed',
        'allow (billing-tools)',
        expect.stringMatching(/^approve /),
      ],
    ]);
    expect(rows.map((row) => row.result)).toEqual([
      'Invoice INV-7: 290 EUR, paid',
      'blocked by the host (ERR_ACCESS_DENIED)',
      'Refunded 40 EUR on INV-7',
      'refused by the server (ERR_ACCESS_DENIED)',
      expect.stringMatching(/^paused: approval /),
      'Refunded 250 EUR on INV-7',
      expect.stringContaining('exfil@attacker.example'),
      expect.stringMatching(/^paused: approval /),
      'refused by the server (ERR_APPROVAL_DENIED)',
    ]);
  });

  it('runs with one command and prints the table', async () => {
    const tsx = createRequire(import.meta.url).resolve('tsx/cli');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [tsx, '--conditions=@palisade/source', 'main.ts'],
      { cwd: here, timeout: 60_000 },
    );
    expect(stdout).toMatch(/call\s+\| host decision\s+\| server decision\s+\| result/);
    expect(stdout).toMatch(/delete_customer C-7\s+\| deny \(never-delete\)\s+\| -/);
  });
});
