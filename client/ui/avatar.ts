import { html } from 'lit';
import type { AuthorId } from '../../shared/ids.ts';

/** Up to two letters from a name: first and last word, e.g. "Ada Lovelace" → "AL". */
export function initials(name: string): string {
  const words = name
    .replace(/\(.*?\)/g, ' ')
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  const first = [...(words[0] ?? '?')][0] ?? '?';
  const last = words.length > 1 ? ([...words.at(-1)!][0] ?? '') : '';
  return (first + last).toLocaleUpperCase();
}

/** A hue from the author's id: the same person gets the same colour everywhere. */
export function hue(author: AuthorId): number {
  let hash = 2166136261;
  for (let i = 0; i < author.length; i++) {
    hash ^= author.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return (hash >>> 0) % 360;
}

/** The round avatar: decorative, as the name is always shown next to it. */
export function avatar(author: AuthorId, name: string) {
  return html`<span
    class="avatar"
    aria-hidden="true"
    style="background: hsl(${hue(author)} 55% 42%)"
    >${initials(name)}</span
  >`;
}
