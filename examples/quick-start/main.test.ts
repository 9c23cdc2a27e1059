import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';

describe("the README's Use snippet", () => {
  it('is this example, word for word', () => {
    const example = readFileSync(new URL('./main.ts', import.meta.url), 'utf8');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(`\`\`\`ts\n${example}\`\`\``);
  });

  it('runs as written: the refund pauses for a person, then runs once after the approval', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      await import('./main.js');
      expect(log).toHaveBeenCalledTimes(1);
      expect(log).toHaveBeenCalledWith({ refunded: 40 }, ['A-77: 40 EUR']);
    } finally {
      log.mockRestore();
    }
  });
});
