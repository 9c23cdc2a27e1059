import { describe, expect, it } from 'vitest';
import { renderEnvironment } from './render-environment.js';

describe('renderEnvironment', () => {
  it('fills placeholders in values and keys, leaving the template as it was', () => {
    const template = { channels: ['general', 'External_{channel}'], web: { 'www.a.example': 'Hi {ad}.' } };
    expect(renderEnvironment(template, { channel: '0', ad: 'buy' })).toEqual({
      channels: ['general', 'External_0'],
      web: { 'www.a.example': 'Hi buy.' },
    });
    expect(template.channels[1]).toBe('External_{channel}');
  });

  it('interprets backslash escapes in a value, as a double-quoted YAML scalar does', () => {
    expect(renderEnvironment('{v}', { v: 'a\\tb\\nc\\\\d' })).toBe('a\tb\nc\\d');
  });

  it('keeps placeholders it has no value for, and non-string leaves', () => {
    expect(renderEnvironment({ n: 1, s: '{unknown}', b: true }, {})).toEqual({
      n: 1,
      s: '{unknown}',
      b: true,
    });
  });
});
