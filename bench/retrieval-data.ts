/**
 * Loads the evaluation data the retrieval guard is measured on, from a folder laid out like
 * `../shared/data` (BIPIA, LLM Warden, Presidio synthetic PII, AgentDojo environments). Nothing here
 * is copied into the repository; a missing folder is reported, not faked.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, type Tags } from 'yaml';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** `--data <dir>` from argv, else `../shared/data` beside the repository. */
export function dataDirectory(argv: readonly string[]): string {
  const index = argv.indexOf('--data');
  if (index !== -1 && argv[index + 1] !== undefined) return resolve(argv[index + 1]!);
  return resolve(REPO_ROOT, '..', 'shared', 'data');
}

export interface Sample {
  readonly text: string;
  readonly positive: boolean;
}

/** A deterministic PRNG (mulberry32), so samples are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function readJsonLines(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Inserts `attack` into `context` the way BIPIA does: at the start, the end, or a sentence boundary. */
export function insertAttack(
  context: string,
  attack: string,
  position: 'start' | 'middle' | 'end',
  random: () => number,
): string {
  if (position === 'start') return `${attack}\n${context}`;
  if (position === 'end') return `${context}\n${attack}`;
  const boundaries: number[] = [];
  for (const match of context.matchAll(/[.!?]\s|\n/g)) boundaries.push(match.index + match[0].length);
  if (boundaries.length === 0) return `${context}\n${attack}`;
  const at = boundaries[Math.floor(random() * boundaries.length)]!;
  return `${context.slice(0, at)}\n${attack}\n${context.slice(at)}`;
}

export interface BipiaSet {
  readonly attacks: readonly string[];
  readonly contexts: readonly string[];
  readonly samples: readonly Sample[];
}

/**
 * BIPIA: every attack alone and inserted into `perAttack` contexts (picked by a seeded RNG) at the
 * start, middle and end (positives), and every clean context (negatives). Text attacks go with
 * e-mail and table contexts, code attacks with code contexts.
 */
export function loadBipia(data: string, perAttack = 4): BipiaSet | undefined {
  const folder = join(data, 'injection', 'bipia');
  if (!existsSync(folder)) return undefined;
  const attackFiles = readdirSync(folder).filter((name) => /_attack_.*\.json$/.test(name));
  const contextsOf = (kind: string): string[] => {
    const dir = join(folder, kind);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((name) => name.endsWith('.jsonl'))
      .flatMap((name) => readJsonLines(join(dir, name)))
      .map((row) => (Array.isArray(row.context) ? row.context.join('\n') : String(row.context)));
  };
  const textContexts = [...new Set([...contextsOf('email'), ...contextsOf('table')])];
  const codeContexts = [...new Set(contextsOf('code'))];
  const random = seededRandom(2023);
  const samples: Sample[] = [];
  const attacks: string[] = [];
  for (const file of attackFiles.sort()) {
    const byCategory = JSON.parse(readFileSync(join(folder, file), 'utf8')) as Record<string, string[]>;
    const contexts = file.startsWith('code') ? codeContexts : textContexts;
    for (const list of Object.values(byCategory)) {
      for (const attack of list) {
        attacks.push(attack);
        samples.push({ text: attack, positive: true });
        for (let pick = 0; pick < perAttack && contexts.length > 0; pick += 1) {
          const context = contexts[Math.floor(random() * contexts.length)]!;
          for (const position of ['start', 'middle', 'end'] as const) {
            samples.push({ text: insertAttack(context, attack, position, random), positive: true });
          }
        }
      }
    }
  }
  const contexts = [...textContexts, ...codeContexts];
  for (const context of contexts) samples.push({ text: context, positive: false });
  return { attacks, contexts, samples };
}

/** RFC 4180 CSV (quoted fields with commas, quotes and newlines). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index]!;
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[index + 1] === '\n') index += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** LLM Warden: `jailbreak` rows are positives, `benign` rows negatives. */
export function loadLlmWarden(data: string): Sample[] | undefined {
  const folder = join(data, 'injection', 'llm-warden');
  if (!existsSync(folder)) return undefined;
  const samples: Sample[] = [];
  for (const name of readdirSync(folder)
    .filter((file) => /^jailbreak_dataset_.*\.csv$/.test(file))
    .sort()) {
    const [header, ...rows] = parseCsv(readFileSync(join(folder, name), 'utf8'));
    const prompt = header?.indexOf('prompt') ?? -1;
    const type = header?.indexOf('type') ?? -1;
    for (const row of rows) {
      if (row.length < 2) continue;
      samples.push({ text: row[prompt]!, positive: row[type] === 'jailbreak' });
    }
  }
  return samples;
}

/**
 * Every text field of every AgentDojo suite's environment, with the injection placeholders filled
 * by their default (benign) values, as AgentDojo renders it: substitute into the YAML text, then parse
 * (files pulled in with `!include` get the same treatment).
 */
export function loadAgentDojoTexts(data: string): string[] | undefined {
  const folder = join(data, 'agentdojo');
  if (!existsSync(folder)) return undefined;
  const texts: string[] = [];
  for (const suite of readdirSync(folder).sort()) {
    const dir = join(folder, suite);
    const environment = join(dir, 'environment.yaml');
    if (!existsSync(environment)) continue;
    const vectorsFile = join(dir, 'injection_vectors.yaml');
    const vectors = existsSync(vectorsFile)
      ? (parse(readFileSync(vectorsFile, 'utf8')) as Record<string, { default?: unknown }>)
      : {};
    // AgentDojo substitutes into the YAML text, where a raw newline of a default folds into a space
    // and its backslash escapes are interpreted; the same is done here on the parsed strings, which
    // keeps a default's own line breaks from ending the scalar early.
    const fill = (id: string): string =>
      String(vectors[id]?.default ?? '')
        .replace(/\n/g, ' ')
        .replace(/\\n/g, '\n')
        .replace(/\\t/g, '\t');
    const render = (value: string): string =>
      value.replace(/\{([A-Za-z0-9_]+)\}/g, (whole, id: string) =>
        Object.hasOwn(vectors, id) ? fill(id) : whole,
      );
    const load = (file: string): unknown => {
      const include: Tags[number] = {
        tag: '!include',
        resolve: (path: string) => load(join(dirname(file), path)),
      };
      return parse(readFileSync(file, 'utf8'), { customTags: [include] });
    };
    const walk = (value: unknown): void => {
      if (typeof value === 'string') texts.push(render(value));
      else if (Array.isArray(value)) for (const item of value) walk(item);
      else if (typeof value === 'object' && value !== null)
        for (const item of Object.values(value)) walk(item);
    };
    walk(load(environment));
  }
  return texts;
}

export interface PiiRecord {
  readonly text: string;
  readonly spans: ReadonlyArray<{ type: string; start: number; end: number }>;
}

/** Presidio-research synthetic records (`pii/synth_dataset_*.json`). */
export function loadPii(data: string): PiiRecord[] | undefined {
  const folder = join(data, 'pii');
  if (!existsSync(folder)) return undefined;
  const records: PiiRecord[] = [];
  for (const name of readdirSync(folder)
    .filter((file) => /^synth_dataset_.*\.json$/.test(file))
    .sort()) {
    const rows = JSON.parse(readFileSync(join(folder, name), 'utf8')) as Array<{
      full_text: string;
      spans: Array<{ entity_type: string; start_position: number; end_position: number }>;
    }>;
    for (const row of rows) {
      records.push({
        text: row.full_text,
        spans: row.spans.map((span) => ({
          type: span.entity_type,
          start: span.start_position,
          end: span.end_position,
        })),
      });
    }
  }
  return records;
}
