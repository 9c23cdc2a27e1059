/** What an injection signal points at. */
export type InjectionCategory =
  | 'instruction'
  | 'role-spoofing'
  | 'hidden-text'
  | 'encoded-payload'
  | 'exfiltration-link'
  | 'malicious-code'
  | 'classifier'
  | (string & {});

/** One piece of evidence that a text carries an injection: where, which rule, how strong. */
export interface InjectionSignal {
  /** The detector that raised it. */
  readonly detector: string;
  /** The rule inside the detector (`ignore-previous`, `zero-width`, ...). */
  readonly rule: string;
  readonly category: InjectionCategory;
  /** Strength in [0, 1]; signals of different rules close together combine. */
  readonly score: number;
  /** Offsets of the evidence in the screened text (UTF-16 code units, end exclusive). */
  readonly start: number;
  readonly end: number;
}

/**
 * A source of injection signals: the built-in rules, the shipped classifier, or a model of your own
 * (async allowed). A detector that throws or times out makes the text count as an injection.
 *
 * @example
 * ```ts
 * const remote: InjectionDetector = {
 *   name: 'my-model',
 *   async detect(text) {
 *     const score = await myClassifier(text);
 *     return score > 0 ? [{ detector: 'my-model', rule: 'model', category: 'classifier', score, start: 0, end: text.length }] : [];
 *   },
 * };
 * ```
 */
export interface InjectionDetector {
  readonly name: string;
  detect(text: string): readonly InjectionSignal[] | Promise<readonly InjectionSignal[]>;
}
