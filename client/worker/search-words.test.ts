import { describe, expect, it } from 'vitest';
import { searchWords } from './search-words.ts';

describe('searchWords', () => {
  it.each([
    ['Hello, World!', ['hello', 'world']],
    ['Élan vital — ÉLAN', ['elan', 'vital']],
    [
      '**bold** `code` https://example.com/a-b',
      ['bold', 'code', 'https', 'example', 'com', 'a', 'b'],
    ],
    ['Straße 42', ['straße', '42']],
    ['日本語 テキスト', ['日本語', 'テキスト']],
    ['   ', []],
  ])('splits %j', (text, expected) => {
    expect(searchWords(text)).toEqual(expected);
  });

  it('keeps a bounded number of words', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `w${i}`).join(' ');
    expect(searchWords(text)).toHaveLength(300);
  });
});
