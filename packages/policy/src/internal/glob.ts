/**
 * Glob patterns for names, ids and condition values.
 *
 * `*` matches any run of characters except `/`, `**` matches any run including `/`, `?` matches one
 * character other than `/`; `\` escapes the next character. Patterns are compiled to a matcher that
 * runs in O(pattern x value) without backtracking, so a hostile value can never make matching slow.
 */

/** A compiled glob. */
export type GlobMatcher = (value: string) => boolean;

type Token =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'star' }
  | { readonly kind: 'globstar' }
  | { readonly kind: 'any' };

/** True when the pattern contains an unescaped wildcard. */
export function hasWildcard(pattern: string): boolean {
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index];
    if (char === '\\') {
      index += 1;
      continue;
    }
    if (char === '*' || char === '?') return true;
  }
  return false;
}

/** Removes escapes from a pattern without wildcards. */
export function unescapeGlob(pattern: string): string {
  return pattern.replace(/\\(.)/g, '$1');
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = [];
  let literal = '';
  const flush = () => {
    if (literal !== '') tokens.push({ kind: 'literal', text: literal });
    literal = '';
  };
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern[index] as string;
    if (char === '\\' && index + 1 < pattern.length) {
      literal += pattern[index + 1];
      index += 1;
    } else if (char === '*') {
      flush();
      if (pattern[index + 1] === '*') {
        index += 1;
        while (pattern[index + 1] === '*') index += 1;
        tokens.push({ kind: 'globstar' });
      } else {
        tokens.push({ kind: 'star' });
      }
    } else if (char === '?') {
      flush();
      tokens.push({ kind: 'any' });
    } else {
      literal += char;
    }
  }
  flush();
  return tokens;
}

/**
 * Compiles a glob. Common shapes (exact, `prefix*`, `*suffix`, `**`) get a direct string test; the
 * rest run a position-set simulation (a Thompson NFA), linear in the value for a given pattern.
 */
export function compileGlob(pattern: string): GlobMatcher {
  const tokens = tokenize(pattern);
  if (tokens.length === 0) return (value) => value === '';
  const first = tokens[0] as Token;
  if (tokens.length === 1) {
    if (first.kind === 'literal') {
      const text = first.text;
      return (value) => value === text;
    }
    if (first.kind === 'globstar') return () => true;
    if (first.kind === 'star') return (value) => !value.includes('/');
  }
  if (tokens.length === 2) {
    const second = tokens[1] as Token;
    if (first.kind === 'literal' && second.kind === 'globstar') {
      const prefix = first.text;
      return (value) => value.startsWith(prefix);
    }
    if (first.kind === 'literal' && second.kind === 'star') {
      const prefix = first.text;
      return (value) => value.startsWith(prefix) && value.indexOf('/', prefix.length) === -1;
    }
    if (first.kind === 'globstar' && second.kind === 'literal') {
      const suffix = second.text;
      return (value) => value.endsWith(suffix);
    }
    if (first.kind === 'star' && second.kind === 'literal') {
      const suffix = second.text;
      return (value) =>
        value.endsWith(suffix) && value.lastIndexOf('/', value.length - suffix.length - 1) === -1;
    }
  }
  return simulate(expand(tokens));
}

/** One pattern position: a single character test or a repeatable wildcard. */
type Step =
  | { readonly kind: 'char'; readonly char: string }
  | { readonly kind: 'any' }
  | { readonly kind: 'star'; readonly crossesSlash: boolean };

function expand(tokens: readonly Token[]): Step[] {
  const steps: Step[] = [];
  for (const token of tokens) {
    if (token.kind === 'literal') for (const char of token.text) steps.push({ kind: 'char', char });
    else if (token.kind === 'any') steps.push({ kind: 'any' });
    else steps.push({ kind: 'star', crossesSlash: token.kind === 'globstar' });
  }
  return steps;
}

function simulate(steps: readonly Step[]): GlobMatcher {
  const size = steps.length;
  return (value) => {
    // positions[i] is true when the first i steps can match the prefix read so far.
    let current = new Uint8Array(size + 1);
    let next = new Uint8Array(size + 1);
    current[0] = 1;
    closeOverStars(steps, current);
    for (const char of value) {
      next.fill(0);
      let alive = false;
      for (let position = 0; position < size; position += 1) {
        if (current[position] !== 1) continue;
        const step = steps[position] as Step;
        if (step.kind === 'char') {
          if (step.char === char) {
            next[position + 1] = 1;
            alive = true;
          }
        } else if (step.kind === 'any') {
          if (char !== '/') {
            next[position + 1] = 1;
            alive = true;
          }
        } else if (step.crossesSlash || char !== '/') {
          next[position] = 1;
          alive = true;
        }
      }
      if (!alive) return false;
      closeOverStars(steps, next);
      [current, next] = [next, current];
    }
    return current[size] === 1;
  };
}

/** A star may match nothing: a live position on a star also makes the position after it live. */
function closeOverStars(steps: readonly Step[], positions: Uint8Array): void {
  for (let position = 0; position < steps.length; position += 1) {
    if (positions[position] === 1 && (steps[position] as Step).kind === 'star') positions[position + 1] = 1;
  }
}
