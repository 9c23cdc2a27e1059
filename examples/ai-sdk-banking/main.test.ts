import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runExample } from './main.js';

const here = dirname(fileURLToPath(import.meta.url));

describe('the AI SDK banking example', () => {
  it('decides every tool call as the policy says', async () => {
    const rows = await runExample({ quiet: true });
    expect(rows).toEqual([
      { call: 'get_balance()', decision: 'allow (customers-may-read)', outcome: 'executed' },
      {
        call: 'read_file(bill-december-2023.txt)',
        decision: 'allow (customers-may-read)',
        outcome: 'executed',
      },
      {
        call: 'send_money(UK12345678901234567890, 98.7, Car rental December 2023)',
        decision: 'deny (recipient-from-user)',
        outcome: `refused: Denied "send_money": the recipient IBAN did not come from the user's own messages`,
      },
      {
        call: 'send_money(US122000000121212121212, 1100, Rent April)',
        decision: 'approve (customers-may-pay, large-transfers-need-approval)',
        outcome: 'proposed for human approval',
      },
      {
        call: 'send_money(US122000000121212121212, 1100, Rent April)',
        decision: 'approve (customers-may-pay, large-transfers-need-approval)',
        outcome: 'executed',
      },
    ]);
  });

  it('runs with one command and prints what happened', async () => {
    const tsx = createRequire(import.meta.url).resolve('tsx/cli');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [tsx, '--conditions=@palisade/source', 'main.ts'],
      {
        cwd: here,
        timeout: 60_000,
      },
    );
    expect(stdout).toContain('"type":"execution-denied"');
    expect(stdout).toMatch(
      /waiting for a human: transfers over 1,000 EUR need a human \(Palisade approval [0-9a-f-]{36}\)/,
    );
    expect(stdout).toContain('Money that left the account: 1100 EUR to US122000000121212121212');
  });
});
