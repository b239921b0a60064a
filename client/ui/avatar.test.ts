import { describe, expect, it } from 'vitest';
import type { AuthorId } from '../../shared/ids.ts';
import { hue, initials } from './avatar.ts';

describe('avatar', () => {
  it.each([
    ['Ada Lovelace', 'AL'],
    ['grace', 'G'],
    ['  Jean  Paul   Sartre ', 'JS'],
    ['Sam (bob-)', 'S'],
    ['élodie durand', 'ÉD'],
    ['🦊 Fox', '🦊F'],
    ['', '?'],
  ])('takes the initials of %j as %j', (name, expected) => {
    expect(initials(name)).toBe(expected);
  });

  it('gives each id a stable hue, and different ids different hues', () => {
    const a = 'alice-0000' as AuthorId;
    const b = 'bob-00000' as AuthorId;
    expect(hue(a)).toBe(hue(a));
    expect(hue(a)).not.toBe(hue(b));
    expect(hue(a)).toBeGreaterThanOrEqual(0);
    expect(hue(a)).toBeLessThan(360);
  });
});
