import type { InjectionDetector, InjectionSignal } from './injection.js';
import {
  CLASSIFIER_BIAS,
  CLASSIFIER_SCALE,
  CLASSIFIER_WEIGHTS_BASE64,
} from './internal/classifier-weights.js';
import { featuresOf, probability, windowsOf } from './internal/text-features.js';

/** Options of {@link createClassifierDetector}. */
export interface ClassifierDetectorOptions {
  /** Windows scoring below this raise no signal (default 0.6, the operating point the evaluation reports). */
  readonly minScore?: number | undefined;
  /** Window size in characters (default 1200): an injection is a small insert, so long texts are scored piecewise. */
  readonly windowChars?: number | undefined;
}

function decodeWeights(): Float32Array {
  const binary = atob(CLASSIFIER_WEIGHTS_BASE64);
  const weights = new Float32Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) {
    const byte = binary.charCodeAt(index);
    weights[index] = (byte > 127 ? byte - 256 : byte) * CLASSIFIER_SCALE;
  }
  return weights;
}

/**
 * The shipped classifier as a detector: a logistic model over hashed word unigrams and bigrams
 * (32 KiB of int8 weights inside the package, no download), scored per window of whole lines. It
 * was trained by `scripts/train-classifier.ts` from the shared training split only (LLM Warden
 * jailbreak vs benign prompts, BIPIA clean contexts as more negatives), and it is what catches the
 * long role-play jailbreaks rules miss. Its signal is the window's probability.
 *
 * @example
 * ```ts
 * const screener = createScreener({ detectors: [createRuleDetector(), createClassifierDetector()] });
 * ```
 */
export function createClassifierDetector(options: ClassifierDetectorOptions = {}): InjectionDetector {
  const minScore = options.minScore ?? 0.6;
  const windowChars = options.windowChars ?? 1200;
  if (!(minScore >= 0 && minScore < 1))
    throw new TypeError('createClassifierDetector(): minScore must be in [0, 1)');
  if (!Number.isInteger(windowChars) || windowChars < 100)
    throw new TypeError('createClassifierDetector(): windowChars must be an integer >= 100');
  const weights = decodeWeights();
  return {
    name: 'classifier',
    detect(text) {
      const signals: InjectionSignal[] = [];
      for (const { start, end } of windowsOf(text, windowChars)) {
        const score = probability(featuresOf(text.slice(start, end)), weights, CLASSIFIER_BIAS);
        if (score >= minScore)
          signals.push({
            detector: 'classifier',
            rule: 'classifier',
            category: 'classifier',
            score,
            start,
            end,
          });
      }
      return signals;
    },
  };
}
