import { findSecrets, type SecretDetector, type SecretMatch } from '@palisade/core';

/**
 * Where a secret detector can match: a literal its matches always contain, and how far the match
 * may reach before and after it (then out to the nearest whitespace, which none of these secrets
 * contain). Detectors whose patterns would otherwise try every position of a text run only on
 * these windows; the rest run on the whole text. Matches are the same either way.
 */
const ANCHORS: Readonly<Record<string, { find: RegExp; before: number; after: number }>> = {
  'url-password': { find: /:\/\//g, before: 0, after: 3 },
  'aws-secret-access-key': { find: /secret/gi, before: 8, after: 96 },
  'gitlab-token': { find: /gl[a-z]{2,7}-/g, before: 0, after: 10 },
  'openai-style-key': { find: /sk-/g, before: 0, after: 3 },
  'azure-sas-signature': { find: /sig=/g, before: 0, after: 4 },
  'bearer-token': { find: /earer/g, before: 1, after: 16 },
  'azure-client-secret': { find: /\dQ~/g, before: 4, after: 3 },
  'slack-webhook': { find: /hooks\.slack\.com/g, before: 8, after: 16 },
};

const WHITESPACE = /\s/;

function windowsOf(
  text: string,
  anchor: { find: RegExp; before: number; after: number },
): Array<[number, number]> {
  const windows: Array<[number, number]> = [];
  const pattern = new RegExp(anchor.find.source, anchor.find.flags);
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    let start = Math.max(0, match.index - anchor.before);
    while (start > 0 && !WHITESPACE.test(text[start - 1]!)) start -= 1;
    let end = Math.min(text.length, match.index + match[0].length + anchor.after);
    while (end < text.length && !WHITESPACE.test(text[end]!)) end += 1;
    const last = windows[windows.length - 1];
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
    else windows.push([start, end]);
    if (end > pattern.lastIndex) pattern.lastIndex = end;
  }
  return windows;
}

/** Core's {@link findSecrets}, with the costly detectors run only where they can match. */
export function scanSecrets(text: string, detectors: readonly SecretDetector[]): SecretMatch[] {
  const whole: SecretDetector[] = [];
  const matches: SecretMatch[] = [];
  for (const detector of detectors) {
    const anchor = ANCHORS[detector.id];
    if (anchor === undefined) {
      whole.push(detector);
      continue;
    }
    for (const [start, end] of windowsOf(text, anchor)) {
      for (const match of findSecrets(text.slice(start, end), { detectors: [detector] })) {
        matches.push({ detector: match.detector, start: match.start + start, end: match.end + start });
      }
    }
  }
  if (whole.length > 0) matches.push(...findSecrets(text, { detectors: whole }));
  return matches;
}
