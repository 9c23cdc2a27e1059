/** A compiled Aho-Corasick automaton over lower-case ASCII literals (a dense 128-column table). */
export interface TriggerAutomaton {
  /** Calls `hit(literalIndex, endExclusive)` for every occurrence of every literal in `lower`. */
  scan(lower: string, hit: (literal: number, end: number) => void): void;
  readonly lengths: readonly number[];
}

export function compileTriggers(literals: readonly string[]): TriggerAutomaton {
  const goto: Array<Int32Array> = [new Int32Array(128).fill(-1)];
  const outputs: number[][] = [[]];
  for (const [index, literal] of literals.entries()) {
    let state = 0;
    for (let position = 0; position < literal.length; position += 1) {
      const code = literal.charCodeAt(position);
      if (code >= 128) throw new TypeError('triggers must be ASCII');
      let next = goto[state]![code]!;
      if (next === -1) {
        next = goto.length;
        goto.push(new Int32Array(128).fill(-1));
        outputs.push([]);
        goto[state]![code] = next;
      }
      state = next;
    }
    outputs[state]!.push(index);
  }
  // Breadth-first: failure links, then a full transition table (a DFA).
  const fail = new Int32Array(goto.length);
  const table = new Int32Array(goto.length * 128);
  const queue: number[] = [];
  for (let code = 0; code < 128; code += 1) {
    const next = goto[0]![code]!;
    if (next === -1) table[code] = 0;
    else {
      table[code] = next;
      fail[next] = 0;
      queue.push(next);
    }
  }
  for (let head = 0; head < queue.length; head += 1) {
    const state = queue[head]!;
    outputs[state] = [...outputs[state]!, ...outputs[fail[state]!]!];
    for (let code = 0; code < 128; code += 1) {
      const next = goto[state]![code]!;
      if (next === -1) table[state * 128 + code] = table[fail[state]! * 128 + code]!;
      else {
        fail[next] = table[fail[state]! * 128 + code]!;
        table[state * 128 + code] = next;
        queue.push(next);
      }
    }
  }
  const hasOutput = Uint8Array.from(outputs, (list) => (list.length > 0 ? 1 : 0));
  return {
    lengths: literals.map((literal) => literal.length),
    scan(lower, hit) {
      let state = 0;
      for (let position = 0; position < lower.length; position += 1) {
        const code = lower.charCodeAt(position);
        state = code < 128 ? table[state * 128 + code]! : 0;
        if (hasOutput[state] === 1) for (const literal of outputs[state]!) hit(literal, position + 1);
      }
    },
  };
}
