/**
 * Trains the shipped injection classifier from the shared TRAIN split only, reproducibly (fixed
 * seed, fixed epochs), and writes its weights into `src/internal/classifier-weights.ts`.
 *
 *   tsx --conditions=@palisade/source packages/retrieval-guard/scripts/train-classifier.ts [--data <dir>]
 *
 * Positives: LLM Warden `jailbreak` prompts. Negatives: LLM Warden `benign` prompts and the BIPIA
 * clean contexts (ordinary e-mail, table and code content). BIPIA attack strings are not used:
 * half of them are harmless-looking task requests that no text model should learn to flag. Before
 * writing, a 5-fold cross-validation (by document) prints the held-out TPR / FPR at 0.5.
 * Data: BIPIA (MIT, Microsoft) and LLM Warden (MIT, jackhhao); see the package NOTICE.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dataDirectory, loadBipia, loadLlmWarden, seededRandom } from '../../../bench/retrieval-data.js';
import { FEATURE_BITS, featuresOf, probability, windowsOf } from '../src/internal/text-features.js';

const EPOCHS = 12;
const RATE = 0.2;
const L2 = 1e-5;

interface Example {
  readonly features: number[];
  readonly label: 0 | 1;
  readonly document: number;
}

const data = dataDirectory(process.argv);
// Progress goes to stdout; this is a command-line script.
const warden = loadLlmWarden(data);
const bipia = loadBipia(data, 0);
if (warden === undefined || bipia === undefined) {
  process.stdout.write(`SKIPPED: no training data under ${data}\n`);
  process.exit(0);
}
const documents: Array<{ text: string; label: 0 | 1 }> = [
  ...warden.map((sample) => ({ text: sample.text, label: (sample.positive ? 1 : 0) as 0 | 1 })),
  ...bipia.contexts.map((text) => ({ text, label: 0 as const })),
];
const examples: Example[] = documents.flatMap((document, index) =>
  windowsOf(document.text).map(({ start, end }) => ({
    features: featuresOf(document.text.slice(start, end)),
    label: document.label,
    document: index,
  })),
);

function train(set: readonly Example[]): { weights: Float32Array; bias: number } {
  const weights = new Float32Array(1 << FEATURE_BITS);
  let bias = 0;
  const random = seededRandom(1234);
  const order = set.map((_, index) => index);
  // Classes weighted so the many negative windows do not swamp the positives.
  const positives = set.filter((example) => example.label === 1).length;
  const weightOf = (label: number) =>
    label === 1 ? set.length / (2 * positives) : set.length / (2 * (set.length - positives));
  for (let epoch = 0; epoch < EPOCHS; epoch += 1) {
    for (let index = order.length - 1; index > 0; index -= 1) {
      const other = Math.floor(random() * (index + 1));
      [order[index], order[other]] = [order[other]!, order[index]!];
    }
    const rate = RATE / (1 + epoch);
    for (const position of order) {
      const example = set[position]!;
      if (example.features.length === 0) continue;
      const error = (probability(example.features, weights, bias) - example.label) * weightOf(example.label);
      const scale = (rate * error) / Math.sqrt(example.features.length);
      for (const feature of example.features) weights[feature] = weights[feature]! * (1 - rate * L2) - scale;
      bias -= rate * error * 0.1;
    }
  }
  return { weights, bias };
}

/** A document's score is its highest window's. */
function documentScores(
  model: { weights: Float32Array; bias: number },
  set: readonly Example[],
): Map<number, number> {
  const scores = new Map<number, number>();
  for (const example of set) {
    scores.set(
      example.document,
      Math.max(scores.get(example.document) ?? 0, probability(example.features, model.weights, model.bias)),
    );
  }
  return scores;
}

// Held-out estimate: 5 folds by document.
const folds = 5;
let tp = 0;
let fp = 0;
let positives = 0;
let negatives = 0;
for (let fold = 0; fold < folds; fold += 1) {
  const model = train(examples.filter((example) => example.document % folds !== fold));
  const held = examples.filter((example) => example.document % folds === fold);
  for (const [document, score] of documentScores(model, held)) {
    const label = documents[document]!.label;
    if (label === 1) {
      positives += 1;
      if (score >= 0.5) tp += 1;
    } else {
      negatives += 1;
      if (score >= 0.5) fp += 1;
    }
  }
}
process.stdout.write(
  `cross-validation (5 folds, by document): tpr=${(tp / positives).toFixed(3)} fpr=${(fp / negatives).toFixed(3)}\n`,
);

const model = train(examples);
// Quantised to int8 with one scale: 32 KiB of weights.
let largest = 0;
for (const weight of model.weights) largest = Math.max(largest, Math.abs(weight));
const scale = largest / 127;
const bytes = Uint8Array.from(model.weights, (weight) => (Math.round(weight / scale) + 256) % 256);
const base64 = Buffer.from(bytes).toString('base64');
const here = dirname(fileURLToPath(import.meta.url));
writeFileSync(
  join(here, '..', 'src', 'internal', 'classifier-weights.ts'),
  `// Generated by scripts/train-classifier.ts from the shared TRAIN split; do not edit.\n` +
    `// Trained on LLM Warden (MIT, jackhhao) and BIPIA clean contexts (MIT, Microsoft); see NOTICE.\n` +
    `export const CLASSIFIER_BIAS = ${model.bias};\n` +
    `export const CLASSIFIER_SCALE = ${scale};\n` +
    `export const CLASSIFIER_WEIGHTS_BASE64 =\n  '${base64}';\n`,
);
process.stdout.write(`wrote ${bytes.length} weights (${base64.length} characters of base64)\n`);
