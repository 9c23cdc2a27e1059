import type { FailingCase, SuiteRunResult } from './run-suite.js';

/**
 * The summary line of a run, exactly:
 * `redteam suite=<suite> profile=<profile> reviewer=<reviewer> utility=<passed>/<total> asr=<achieved>/<attempted> approvals=<asked>/<benign side-effecting calls>`.
 */
export function formatSummaryLine(result: SuiteRunResult): string {
  return (
    `redteam suite=${result.suite} profile=${result.profile} reviewer=${result.reviewer} ` +
    `utility=${result.utility.passed}/${result.utility.total} ` +
    `asr=${result.attacks.achieved}/${result.attacks.attempted} ` +
    `approvals=${result.approvals.asked}/${result.approvals.sideEffectingCalls}`
  );
}

/**
 * The summary line followed by the utility under attack, the text-only goals and a table of the
 * failing cases; cases failing for the same reason share a row.
 */
export function formatReport(result: SuiteRunResult, options: { maxRows?: number } = {}): string {
  const layer = result.contentLayer;
  const lines = [
    formatSummaryLine(result),
    `  attacked-utility=${result.attackedUtility.passed}/${result.attackedUtility.total}` +
      ` unexposed=${result.attacks.unexposed} textonly=${result.textOnly}` +
      ` textonly-caught-by-output-dlp=${layer.textOnlyCaught}/${layer.textOnly}` +
      ` screening: injected-outputs-flagged=${layer.injectedFlagged}/${layer.injectedOutputs}` +
      ` benign-outputs-flagged=${layer.benignFlagged}/${layer.benignOutputs}`,
  ];
  const groups = new Map<string, FailingCase[]>();
  for (const failure of result.failures) {
    const key = `${failure.kind}\u0000${failure.injectionTask ?? ''}\u0000${failure.why}`;
    const group = groups.get(key) ?? [];
    group.push(failure);
    groups.set(key, group);
  }
  if (groups.size === 0) return `${lines.join('\n')}\n  (no failing cases)`;
  lines.push('  | kind | case | count | why |', '  |---|---|---|---|');
  const rows = [...groups.values()];
  const maxRows = options.maxRows ?? 40;
  for (const group of rows.slice(0, maxRows)) {
    const first = group[0]!;
    const users = group.map((failure) => failure.userTask.replace('user_task_', 'u'));
    const subject = first.injectionTask ? `${first.injectionTask} x ${users.join(',')}` : users.join(',');
    lines.push(`  | ${first.kind} | ${subject} | ${group.length} | ${first.why.replaceAll('|', '/')} |`);
  }
  if (rows.length > maxRows) lines.push(`  (${rows.length - maxRows} more rows)`);
  return lines.join('\n');
}
