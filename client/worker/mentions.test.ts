import { describe, expect, it } from 'vitest';
import type { AuthorId } from '../../shared/index.ts';
import type { MemberRow } from './db.ts';
import { mentionedAuthors } from './mentions.ts';
import { ROOM } from './test-helpers.ts';

const member = (author: string, name: string | null, present = true): MemberRow => ({
  room: ROOM,
  author: author as AuthorId,
  name,
  nameKey: null,
  member: present,
  memberKey: null,
});

describe('mentionedAuthors', () => {
  const ann = member('ann-00001', 'Ann');
  const annLee = member('annlee-01', 'Ann Lee');
  const bob = member('bob-00001', 'Bob');

  it('binds each @name to its member, once, in the order mentioned', () => {
    expect(mentionedAuthors('@bob and @Ann, then @Bob again', [ann, bob])).toEqual([
      bob.author,
      ann.author,
    ]);
  });

  it('takes the longest name at one place, and whole names only', () => {
    expect(mentionedAuthors('hi @Ann Lee', [ann, annLee])).toEqual([annLee.author]);
    expect(mentionedAuthors('hi @Ann, @Ann Lee', [ann, annLee])).toEqual([
      ann.author,
      annLee.author,
    ]);
    expect(mentionedAuthors('@Bobby and mail@Bob', [bob])).toEqual([]);
  });

  it('knows people by the names the room shows, and only those in the room', () => {
    const twin = member('bobz-0002', 'Bob');
    // Two Bobs: each is shown with a piece of their id, and only that names one of them.
    expect(mentionedAuthors('@Bob', [bob, twin])).toEqual([]);
    expect(mentionedAuthors('@Bob (bobz) or @Bob (bob-)', [bob, twin])).toEqual([
      twin.author,
      bob.author,
    ]);
    expect(mentionedAuthors('@Ann', [member('ann-00001', 'Ann', false)])).toEqual([]);
    expect(mentionedAuthors('@Guest ann-', [member('ann-00001', null)])).toEqual(['ann-00001']);
  });
});
