/**
 * Evaluation of the retrieval guard's injection screening and redaction, with offline peers on the
 * same data. Usage: `pnpm eval:retrieval [--data <dir>]` (default `../shared/data`).
 *
 * Prints, per injection set, TPR / FPR at the shipped threshold, the curve over the threshold and
 * the best TPR at FPR <= 0.01; the FPR on ordinary tool content (AgentDojo environments); and
 * precision / recall per PII entity type (a predicted span counts when it overlaps a gold span of
 * the same type).
 */
import { existsSync } from 'node:fs';
import { createRedactor, createScreener, type EntityType } from '@palisade/retrieval-guard';
import {
  dataDirectory,
  loadAgentDojoTexts,
  loadBipia,
  loadLlmWarden,
  loadPii,
  type PiiRecord,
  type Sample,
} from './retrieval-data.js';

const data = dataDirectory(process.argv);
if (!existsSync(data)) {
  console.log(`SKIPPED: no evaluation data at ${data} (pass --data <dir>)`);
  process.exit(0);
}

const fixed = (value: number): string => value.toFixed(3);

interface Scored {
  readonly score: number;
  readonly flagged: boolean;
  readonly positive: boolean;
}

function rates(scored: readonly Scored[], flagged: (item: Scored) => boolean): { tpr: number; fpr: number } {
  let tp = 0;
  let fp = 0;
  let positives = 0;
  let negatives = 0;
  for (const item of scored) {
    if (item.positive) {
      positives += 1;
      if (flagged(item)) tp += 1;
    } else {
      negatives += 1;
      if (flagged(item)) fp += 1;
    }
  }
  return { tpr: positives === 0 ? 0 : tp / positives, fpr: negatives === 0 ? 0 : fp / negatives };
}

/** The best TPR over all thresholds whose FPR stays at or below `limit`. */
function tprAtFpr(scored: readonly Scored[], limit: number): number {
  const thresholds = [...new Set(scored.map((item) => item.score))].sort((left, right) => left - right);
  let best = 0;
  for (const threshold of thresholds) {
    const { tpr, fpr } = rates(scored, (item) => item.score >= threshold && item.score > 0);
    if (fpr <= limit) best = Math.max(best, tpr);
  }
  return best;
}

const screener = createScreener();

async function scorePalisade(samples: readonly Sample[]): Promise<Scored[]> {
  const out: Scored[] = [];
  for (const sample of samples) {
    const result = await screener.screen(sample.text);
    out.push({ score: result.score, flagged: result.flagged, positive: sample.positive });
  }
  return out;
}

type Guardrail = {
  checkInjection(text: string): Promise<{ confidence: number; detected?: boolean }>;
  checkJailbreak(text: string): Promise<{ confidence: number; detected?: boolean }>;
};

async function loadGuardrail(): Promise<Guardrail | string> {
  try {
    const name = 'llm_guardrail';
    return (await import(name)) as Guardrail;
  } catch (error) {
    return `not installable here (${(error as Error).message.split('\n')[0]})`;
  }
}

async function scoreGuardrail(guardrail: Guardrail, samples: readonly Sample[]): Promise<Scored[]> {
  const out: Scored[] = [];
  for (const sample of samples) {
    const [injection, jailbreak] = await Promise.all([
      guardrail.checkInjection(sample.text),
      guardrail.checkJailbreak(sample.text),
    ]);
    const score = Math.max(injection.confidence, jailbreak.confidence);
    out.push({
      score,
      flagged: injection.detected === true || jailbreak.detected === true,
      positive: sample.positive,
    });
  }
  return out;
}

function printSet(set: string, scored: readonly Scored[], peer?: string): void {
  const tag = peer === undefined ? '' : ` peer=${peer}`;
  const shipped = rates(scored, (item) => item.flagged);
  console.log(`eval injection set=${set}${tag} tpr=${fixed(shipped.tpr)} fpr=${fixed(shipped.fpr)}`);
  if (peer === undefined) {
    for (let step = 1; step <= 9; step += 1) {
      const threshold = step / 10;
      const point = rates(scored, (item) => item.score >= threshold);
      console.log(
        `eval injection set=${set} threshold=${threshold.toFixed(1)} tpr=${fixed(point.tpr)} fpr=${fixed(point.fpr)}`,
      );
    }
  }
  console.log(`eval injection set=${set}${tag} tpr_at_fpr_0.01=${fixed(tprAtFpr(scored, 0.01))}`);
}

const guardrail = await loadGuardrail();
const injectionSets: Array<[string, readonly Sample[] | undefined]> = [
  ['bipia', loadBipia(data)?.samples],
  ['llm-warden', loadLlmWarden(data)],
];
for (const [set, samples] of injectionSets) {
  if (samples === undefined || samples.length === 0) {
    console.log(`SKIPPED: eval injection set=${set}: no data under ${data}`);
    continue;
  }
  printSet(set, await scorePalisade(samples));
  if (typeof guardrail === 'string') console.log(`eval injection set=${set} peer=llm_guardrail ${guardrail}`);
  else printSet(set, await scoreGuardrail(guardrail, samples), 'llm_guardrail');
}

const benign = loadAgentDojoTexts(data);
if (benign === undefined || benign.length === 0)
  console.log(`SKIPPED: eval injection set=benign-tools: no AgentDojo suites under ${data}`);
else {
  const samples = benign.map((text) => ({ text, positive: false }));
  const scored = await scorePalisade(samples);
  console.log(`eval injection set=benign-tools fpr=${fixed(rates(scored, (item) => item.flagged).fpr)}`);
  if (typeof guardrail !== 'string') {
    const peer = await scoreGuardrail(guardrail, samples);
    console.log(
      `eval injection set=benign-tools peer=llm_guardrail fpr=${fixed(rates(peer, (item) => item.flagged).fpr)}`,
    );
  }
}

// PII: our entity types against the dataset's.
const GOLD: Readonly<Record<string, EntityType>> = {
  EMAIL_ADDRESS: 'email',
  PHONE_NUMBER: 'phone',
  CREDIT_CARD: 'credit-card',
  IBAN_CODE: 'iban',
  US_SSN: 'us-ssn',
  IP_ADDRESS: 'ip-address',
};
const TYPES = Object.values(GOLD);

type Span = { type: string; start: number; end: number };
type Finder = (text: string) => Promise<Span[]>;

async function scorePii(
  records: readonly PiiRecord[],
  find: Finder,
): Promise<Map<string, { precision: number; recall: number }>> {
  const counts = new Map(TYPES.map((type) => [type, { predicted: 0, correct: 0, gold: 0, found: 0 }]));
  for (const record of records) {
    const predicted = (await find(record.text)).filter((span) => counts.has(span.type as EntityType));
    const gold = record.spans.flatMap((span) =>
      GOLD[span.type] ? [{ ...span, type: GOLD[span.type]! }] : [],
    );
    const overlaps = (left: Span, right: Span) =>
      left.type === right.type && left.start < right.end && right.start < left.end;
    for (const span of predicted) {
      const count = counts.get(span.type as EntityType)!;
      count.predicted += 1;
      if (gold.some((item) => overlaps(item, span))) count.correct += 1;
    }
    for (const span of gold) {
      const count = counts.get(span.type as EntityType)!;
      count.gold += 1;
      if (predicted.some((item) => overlaps(item, span))) count.found += 1;
    }
  }
  return new Map(
    [...counts].map(([type, count]) => [
      type,
      {
        precision: count.predicted === 0 ? 0 : count.correct / count.predicted,
        recall: count.gold === 0 ? 0 : count.found / count.gold,
      },
    ]),
  );
}

function printPii(result: Map<string, { precision: number; recall: number }>, peer?: string): void {
  for (const [type, { precision, recall }] of result) {
    console.log(
      `eval pii entity=${type}${peer === undefined ? '' : ` peer=${peer}`} precision=${fixed(precision)} recall=${fixed(recall)}`,
    );
  }
}

const pii = loadPii(data);
if (pii === undefined || pii.length === 0) console.log(`SKIPPED: eval pii: no data under ${data}`);
else {
  const redactor = createRedactor();
  printPii(await scorePii(pii, async (text) => redactor.find(text)));

  try {
    const { OpenRedaction } = (await import('openredaction')) as unknown as {
      OpenRedaction: new (
        options: object,
      ) => {
        detect(text: string): Promise<{ detections: Array<{ type: string; position: [number, number] }> }>;
      };
    };
    const peer = new OpenRedaction({ redactionMode: 'placeholder' });
    const mapType = (type: string): string =>
      /EMAIL/.test(type)
        ? 'email'
        : /PHONE|MOBILE|TELEPHONE/.test(type)
          ? 'phone'
          : /CARD/.test(type)
            ? 'credit-card'
            : /IBAN/.test(type)
              ? 'iban'
              : /SSN|SOCIAL_SECURITY/.test(type)
                ? 'us-ssn'
                : /\bIP|IPV[46]/.test(type)
                  ? 'ip-address'
                  : type;
    printPii(
      await scorePii(pii, async (text) =>
        (await peer.detect(text)).detections.map((item) => ({
          type: mapType(item.type),
          start: item.position[0],
          end: item.position[1],
        })),
      ),
      'openredaction',
    );
  } catch (error) {
    console.log(
      `eval pii peer=openredaction not installable here (${(error as Error).message.split('\n')[0]})`,
    );
  }

  try {
    const { redact } = (await import('@arcjet/redact')) as unknown as {
      redact(
        text: string,
        options: { replace(entity: string, plaintext: string): string },
      ): Promise<[string, unknown]>;
    };
    const mapType = (entity: string): string =>
      ({
        email: 'email',
        'phone-number': 'phone',
        'credit-card-number': 'credit-card',
        'ip-address': 'ip-address',
      })[entity] ?? entity;
    printPii(
      await scorePii(pii, async (text) => {
        // Each value becomes a unique marker; offsets in the original follow from the markers' places.
        const found: Array<{ entity: string; length: number }> = [];
        const [output] = await redact(text, {
          replace: (entity, plaintext) => {
            found.push({ entity, length: plaintext.length });
            return `⟦${found.length - 1}⟧`;
          },
        });
        const spans: Span[] = [];
        let shift = 0;
        for (const match of output.matchAll(/⟦(\d+)⟧/g)) {
          const item = found[Number(match[1])]!;
          const start = match.index - shift;
          spans.push({ type: mapType(item.entity), start, end: start + item.length });
          shift += match[0].length - item.length;
        }
        return spans;
      }),
      '@arcjet/redact',
    );
  } catch (error) {
    console.log(
      `eval pii peer=@arcjet/redact not installable here (${(error as Error).message.split('\n')[0]})`,
    );
  }
}
