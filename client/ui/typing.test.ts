import { describe, expect, it } from 'vitest';
import { typingParts, typingText } from './typing.ts';

describe('typingText', () => {
  it('names one or two people, and counts more as several', () => {
    expect(typingText([])).toBe('');
    expect(typingText(['Alice'])).toBe('Alice is typing…');
    expect(typingText(['Alice', 'Bob'])).toBe('Alice and Bob are typing…');
    expect(typingText(['Alice', 'Bob', 'Carol'])).toBe('Several people are typing…');
  });

  it('keeps names apart from the words around them, for bidi isolation', () => {
    expect(typingParts(['אליס', 'Bob'])).toEqual([
      { name: 'אליס' },
      ' and ',
      { name: 'Bob' },
      ' are typing…',
    ]);
  });
});
