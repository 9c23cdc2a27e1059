import { createOutputGuard, createScreener } from '@palisade/retrieval-guard';

/** What the content layer (injection screening, output DLP) caught in one suite run. */
export interface ContentLayerCounts {
  /** Tool outputs that carried the injected text, and how many of them screening flagged. */
  readonly injectedOutputs: number;
  readonly injectedFlagged: number;
  /** Tool outputs of the benign runs, and how many screening flagged (false positives). */
  readonly benignOutputs: number;
  readonly benignFlagged: number;
  /** Text-only goals, and how many answers output DLP blocked or redacted. */
  readonly textOnly: number;
  readonly textOnlyCaught: number;
}

/** Screens tool outputs and text answers with `@palisade/retrieval-guard`, each distinct text once. */
export function createContentLayer() {
  const screener = createScreener();
  const output = createOutputGuard();
  const seen = new Map<string, Promise<boolean>>();
  const counts = {
    injectedOutputs: 0,
    injectedFlagged: 0,
    benignOutputs: 0,
    benignFlagged: 0,
    textOnly: 0,
    textOnlyCaught: 0,
  };
  const flagged = (text: string) => {
    let result = seen.get(text);
    if (result === undefined) {
      result = screener.screen(text).then((screening) => screening.flagged);
      seen.set(text, result);
    }
    return result;
  };
  return {
    counts: (): ContentLayerCounts => ({ ...counts }),
    /** Screens one tool output; `injected` when it carries the attack text. */
    async screenOutput(value: unknown, injected: boolean): Promise<void> {
      const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
      const hit = await flagged(text);
      if (injected) {
        counts.injectedOutputs += 1;
        if (hit) counts.injectedFlagged += 1;
      } else {
        counts.benignOutputs += 1;
        if (hit) counts.benignFlagged += 1;
      }
    },
    /** A text-only goal: the compromised agent's answer goes through output DLP. */
    async checkAnswer(answer: string): Promise<void> {
      counts.textOnly += 1;
      const checked = await output.checkText(answer);
      if (checked.blocked || checked.text !== answer) counts.textOnlyCaught += 1;
    },
  };
}
