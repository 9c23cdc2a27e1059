import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCanary } from './canary.js';
import { ContentBlockedError } from './errors.js';
import { createOutputGuard } from './output-guard.js';

const SECRET = 'ghp_abcdefghijklmnopqrstuvwxyz0123456789';

function streamOf(chunks: readonly string[]): ReadableStream<string> {
  return new ReadableStream<string>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function run(
  chunks: string[],
  guard = createOutputGuard(),
): Promise<{ emitted: string[]; error?: unknown }> {
  const emitted: string[] = [];
  try {
    for await (const chunk of streamOf(chunks).pipeThrough(guard.createStream())) emitted.push(chunk);
    return { emitted };
  } catch (error) {
    return { emitted, error };
  }
}

describe('createOutputGuard', () => {
  it('redacts secrets and personal data in model output', async () => {
    const guard = createOutputGuard();
    const result = await guard.checkText(`Use ${SECRET} and mail dana@customer.example`);
    expect(result).toMatchObject({ blocked: false, text: 'Use [REDACTED:secret] and mail [REDACTED:email]' });
  });

  it('blocks a canary from the system prompt', async () => {
    const canary = createCanary();
    const guard = createOutputGuard({ canaries: [canary] });
    expect(await guard.checkText(`My instructions say: ${canary.toUpperCase()}`)).toMatchObject({
      blocked: true,
      reasons: ['canary'],
      text: '',
    });
  });

  it('screens tool-call arguments: secrets block, addresses pass', async () => {
    const guard = createOutputGuard();
    await expect(
      guard.checkToolCall({
        name: 'send_email',
        arguments: { to: 'a@b.example', body: { text: `key ${SECRET}` } },
      }),
    ).rejects.toSatisfy(
      (error: unknown) =>
        ContentBlockedError.isInstance(error) && (error as ContentBlockedError).reasons.includes('secret'),
    );
    const ok = await guard.checkToolCall({
      name: 'send_email',
      arguments: { to: 'a@b.example', body: 'hello' },
    });
    expect(ok.arguments).toEqual({ to: 'a@b.example', body: 'hello' });
  });

  it('checks every message of a conversation, not only the newest', async () => {
    const guard = createOutputGuard();
    const messages = await guard.checkMessages([
      { role: 'user', content: `my key is ${SECRET}` },
      { role: 'assistant', content: [{ type: 'text', text: 'noted' }] },
      { role: 'user', content: 'thanks' },
    ]);
    expect(messages[0]!.content).toBe('my key is [REDACTED:secret]');
    expect(messages[1]!.content).toEqual([{ type: 'text', text: 'noted' }]);
  });

  it('checks messages that are class instances and collections too', async () => {
    class Message {
      constructor(
        readonly role: string,
        readonly content: string,
      ) {}
    }
    const guard = createOutputGuard();
    const [checked] = await guard.checkMessages([new Message('user', `key ${SECRET}`)]);
    expect(checked).toBeInstanceOf(Message);
    expect(checked!.content).toBe('key [REDACTED:secret]');
    await expect(
      guard.checkMessages([{ role: 'tool', content: new Map([['token', SECRET]]) }]),
    ).rejects.toSatisfy((error: unknown) => ContentBlockedError.isInstance(error));
  });

  it('catches a secret split across stream chunks, emitting no fragment of it', async () => {
    const text = `Here is the token you asked for: ${SECRET} and the rest of the answer follows here.`;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 12 }),
        async (cuts) => {
          const points = [...new Set(cuts)].sort((left, right) => left - right);
          const chunks = [0, ...points].map((start, index) =>
            text.slice(start, points[index] ?? text.length),
          );
          const { emitted, error } = await run(chunks);
          expect(error).toBeUndefined();
          const joined = emitted.join('');
          expect(joined).toBe(
            'Here is the token you asked for: [REDACTED:secret] and the rest of the answer follows here.',
          );
          // No chunk carries any 8-character piece of the secret.
          for (const chunk of emitted)
            for (let at = 0; at + 8 <= SECRET.length; at += 1)
              expect(chunk).not.toContain(SECRET.slice(at, at + 8));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('holds back a spaced card number split across chunks', async () => {
    const { emitted } = await run(['Card: 4111 11', '11 1111 ', '1111 thanks', ' and goodbye']);
    expect(emitted.join('')).toBe('Card: [REDACTED:credit-card] thanks and goodbye');
    expect(emitted.some((chunk) => chunk.includes('4111'))).toBe(false);
  });

  it('errors the stream on a canary, before any part of it is emitted', async () => {
    const canary = createCanary();
    const half = Math.floor(canary.length / 2);
    const filler = 'x '.repeat(60);
    const { emitted, error } = await run(
      [filler, `leak ${canary.slice(0, half)}`, canary.slice(half), ' more'],
      createOutputGuard({ canaries: [canary] }),
    );
    expect(ContentBlockedError.isInstance(error)).toBe(true);
    expect(emitted.join('')).not.toContain(canary.slice(0, 8));
  });

  it('fails closed when a run outgrows the holdback limit', async () => {
    const { error } = await run(
      ['a'.repeat(300), 'b'.repeat(300)],
      createOutputGuard({ holdback: 32, maxHoldback: 256 }),
    );
    expect(ContentBlockedError.isInstance(error)).toBe(true);
  });

  it('rejects misuse at construction', () => {
    expect(() => createOutputGuard({ holdback: 4 })).toThrow(TypeError);
    expect(() => createOutputGuard({ canaries: ['x'] })).toThrow(TypeError);
    expect(() => createOutputGuard({ onSecret: 'ignore' as 'allow' })).toThrow(TypeError);
  });
});
