import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { effectFromAnnotations } from './tool-effects.js';

describe('effectFromAnnotations()', () => {
  it.each([
    [{ readOnlyHint: true }, 'read'],
    [{ readOnlyHint: true, destructiveHint: true }, 'read'],
    [{ readOnlyHint: false, destructiveHint: false }, 'write'],
    [{ destructiveHint: false }, 'write'],
    [{ readOnlyHint: false }, 'delete'],
    [{ destructiveHint: true, idempotentHint: true }, 'delete'],
    [{ title: 'Search', openWorldHint: true }, undefined],
    [undefined, undefined],
  ] as [ToolAnnotations | undefined, string | undefined][])('maps %j to %s', (annotations, effect) => {
    expect(effectFromAnnotations(annotations)).toBe(effect);
  });

  it('answers read only when the server explicitly claims read-only', () => {
    const hint = fc.option(fc.boolean(), { nil: undefined });
    fc.assert(
      fc.property(
        fc.record({ readOnlyHint: hint, destructiveHint: hint, idempotentHint: hint, openWorldHint: hint }),
        (annotations) => {
          const effect = effectFromAnnotations(annotations);
          expect(effect === 'read').toBe(annotations.readOnlyHint === true);
          if (annotations.readOnlyHint === undefined && annotations.destructiveHint === undefined) {
            expect(effect).toBeUndefined();
          }
        },
      ),
    );
  });
});
