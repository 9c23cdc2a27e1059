import type { Obligation } from '@palisade/core';
import type { PolicyDocument, ToolEntry } from '../policy-document.js';

const NO_OBLIGATIONS: readonly Obligation[] = Object.freeze([]);
/** The keys that read a session's provenance. */
const PROVENANCE_KEYS: ReadonlySet<string> = new Set(['from', 'carries', 'embeds', 'critical']);

/** The session label a read of data labelled `label` adds (`data:pii`). */
export function dataLabel(label: string): string {
  return `data:${label}`;
}

/**
 * Whether the document relies on value provenance: a tool declares its `output` or `critical`
 * arguments, or a condition uses `from`, `carries`, `embeds` or `critical`. Only then does every
 * allowed call carry a `record-provenance` obligation (and so need a provenance store).
 */
export function usesProvenance(document: PolicyDocument): boolean {
  for (const entry of Object.values(document.tools)) {
    if (entry.output !== undefined || entry.critical !== undefined) return true;
  }
  const conditions: unknown[] = [];
  for (const rule of document.rules) conditions.push(rule.when);
  for (const limit of document.limits ?? []) conditions.push(limit.when);
  for (const rule of document.egress ?? []) conditions.push(rule.when);
  return conditions.some((condition) => mentions(condition, 0));
}

function mentions(value: unknown, depth: number): boolean {
  if (typeof value !== 'object' || value === null || depth > 64) return false;
  if (Array.isArray(value)) return value.some((item) => mentions(item, depth + 1));
  for (const [key, child] of Object.entries(value)) {
    if (PROVENANCE_KEYS.has(key) || mentions(child, depth + 1)) return true;
  }
  return false;
}

/**
 * The obligations every allowed (or approved) call of a tool carries: the session labels of an
 * untrusted tool (`taintLabels`) and of labelled data (`data:<label>`), and, when the policy relies
 * on provenance, the record of what the output carried.
 */
export function toolObligations(entry: ToolEntry, recordProvenance: boolean): readonly Obligation[] {
  const obligations: Obligation[] = [];
  const labels = [
    ...(entry.trust === 'untrusted' ? (entry.taintLabels ?? ['tainted']) : []),
    ...(entry.output?.labels ?? []).map(dataLabel),
  ];
  if (labels.length > 0) {
    obligations.push(Object.freeze({ type: 'label-session', labels: Object.freeze([...new Set(labels)]) }));
  }
  if (recordProvenance) {
    const record: Record<string, unknown> = {
      type: 'record-provenance',
      trust: entry.trust ?? 'trusted',
      labels: Object.freeze([...(entry.output?.labels ?? [])]),
    };
    if (entry.output?.untrusted !== undefined)
      record.untrustedFields = Object.freeze([...entry.output.untrusted]);
    obligations.push(Object.freeze(record) as Obligation);
  }
  return obligations.length === 0 ? NO_OBLIGATIONS : Object.freeze(obligations);
}

/** Whether a tool reaches outside: the catalog's `external`, else true for `send`. */
export function isExternal(entry: ToolEntry): boolean {
  return entry.external ?? entry.effect === 'send';
}

/** Every argument name some catalog entry calls critical. */
export function criticalArgumentNames(document: PolicyDocument): string[] {
  const names = new Set<string>();
  for (const entry of Object.values(document.tools)) for (const name of entry.critical ?? []) names.add(name);
  return [...names];
}
