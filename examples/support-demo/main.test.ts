import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from 'palisade/cli';
import { describe, expect, it } from 'vitest';
import { runDemo } from './main.js';

describe('the support demo', () => {
  it('allows the read, blocks the write and the exfiltration, and routes refunds and tainted sends to a human', async () => {
    const outputDir = mkdtempSync(join(tmpdir(), 'palisade-demo-'));
    const { rows, screening, spanFile, auditFile, publicKeyFile } = await runDemo({ outputDir, quiet: true });

    expect(rows.map((row) => [row.call, row.decision, row.result])).toEqual([
      ['lookup_customer C-7', 'allow', 'executed'],
      ['update_crm C-7 tier=platinum', 'deny', 'blocked (ERR_ACCESS_DENIED)'],
      ['get_ticket T-1042', 'allow', 'executed'],
      ['send_email exfil@attacker.example', 'deny', 'blocked (ERR_ACCESS_DENIED)'],
      ['issue_refund A-77 40', 'allow', 'executed'],
      ['issue_refund A-77 250', 'approve', 'approved by bob, executed'],
      ['send_email dana@customer.example', 'approve', 'refused by bob, blocked'],
    ]);
    expect(rows.every((row) => row.agent === 'support-bot' && row.user === 'alice')).toBe(true);
    expect(rows[1]?.rule).toBe('crm-is-read-only-for-agents');
    expect(rows[3]?.rule).toBe('recipient-must-come-from-user');

    // The injected ticket is caught by screening too, not only by policy: it reaches the agent
    // inside data markers, with the attacker's address redacted, and the session is tainted.
    expect(screening.flagged).toBe(true);
    expect(screening.findings).toContain('injection');
    expect(screening.labels).toEqual(['tainted']);
    expect(screening.delivered).toMatch(/^<<untrusted-content id="[0-9a-f]+">>\n/);
    expect(screening.delivered).not.toContain('exfil@attacker.example');

    const spans = readFileSync(spanFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { name: string; attributes: Record<string, unknown> });
    const toolSpans = spans.filter((span) => span.name.startsWith('execute_tool '));
    expect(toolSpans.map((span) => span.attributes['gen_ai.tool.call.id'])).toEqual([
      'call-1',
      'call-2',
      'call-3',
      'call-4',
      'call-5',
      'call-6',
      'call-7',
    ]);
    for (const span of toolSpans) {
      expect(span.attributes['gen_ai.operation.name']).toBe('execute_tool');
      expect(span.attributes['gen_ai.agent.id']).toBe('spiffe://acme.example/agent/support-bot');
      expect(span.attributes['user.id']).toBe('alice');
      expect(span.attributes['palisade.policy.version']).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(['allow', 'deny', 'approve']).toContain(span.attributes['palisade.decision']);
    }
    expect(toolSpans[3]?.attributes['palisade.rule_ids']).toEqual(['recipient-must-come-from-user']);
    const retrieval = spans.find((span) => span.name === 'retrieval helpdesk');
    expect(retrieval?.attributes['palisade.session.labels']).toEqual(['tainted']);
    expect(JSON.stringify(retrieval)).not.toContain('ignore previous instructions');

    // The tamper-evident log verifies with the CLI a user would run, and an edit is caught.
    const out: string[] = [];
    const io = {
      stdout: (text: string) => out.push(text),
      stderr: (text: string) => out.push(text),
      env: {},
      cwd: outputDir,
    };
    expect(await main(['audit', 'verify', auditFile, '--public-key', publicKeyFile], io)).toBe(0);
    const lines = readFileSync(auditFile, 'utf8').split('\n');
    writeFileSync(auditFile, lines.map((line) => line.replace('"issue_refund"', '"update_crm"')).join('\n'));
    expect(await main(['audit', 'verify', auditFile, '--public-key', publicKeyFile], io)).not.toBe(0);
  });
});
