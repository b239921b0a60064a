import { describe, expect, it } from 'vitest';
import { MessageTextCache } from './message-text-cache.ts';
import { parseMessageText } from './message-text.ts';

describe('MessageTextCache', () => {
  it('parses as parseMessageText does, once per text', () => {
    const cache = new MessageTextCache();
    const options = { mentionNames: ['Bob'], ownName: 'Alice' };
    const text = '**hi** @Bob and @Alice, see https://example.com';
    const first = cache.parse(text, options);
    expect(first).toEqual(parseMessageText(text, options));
    expect(cache.parse(text, { mentionNames: ['Bob'], ownName: 'Alice' })).toBe(first);
  });

  it('starts afresh when the names that can be mentioned change', () => {
    const cache = new MessageTextCache();
    const before = cache.parse('hello @Carol', { mentionNames: ['Bob'] });
    const after = cache.parse('hello @Carol', { mentionNames: ['Bob', 'Carol'] });
    expect(after).not.toBe(before);
    expect(after).toEqual(parseMessageText('hello @Carol', { mentionNames: ['Bob', 'Carol'] }));
    expect(cache.parse('hi', { mentionNames: ['Bob', 'Carol'], ownName: 'Carol' })).toEqual(
      parseMessageText('hi', { mentionNames: ['Bob', 'Carol'], ownName: 'Carol' }),
    );
    expect(cache.size).toBe(1);
  });

  it('keeps at most its bound, dropping the least recently used', () => {
    const cache = new MessageTextCache(2);
    const options = {};
    const a = cache.parse('a', options);
    const b = cache.parse('b', options);
    expect(cache.parse('a', options)).toBe(a);
    const c = cache.parse('c', options);
    expect(cache.size).toBe(2);
    expect(cache.parse('a', options)).toBe(a);
    expect(cache.parse('c', options)).toBe(c);
    // "b" was least recently used, so it went: parsing it again gives a new result.
    const again = cache.parse('b', options);
    expect(again).not.toBe(b);
    expect(again).toEqual(b);
    expect(cache.size).toBe(2);
  });
});
