/** How long the composer waits after the last keystroke before saying the reader stopped. */
export const TYPING_IDLE_MS = 5000;
/** How often the composer repeats "typing" while the reader goes on; the relay's signal lasts 6 s. */
export const TYPING_REPEAT_MS = 3000;

/** A piece of the typing line: plain words, or a person's name (isolated when rendered). */
export type TypingPart = string | { name: string };

/** "Alice is typing…", for whoever types in the room now, in pieces. */
export function typingParts(names: readonly string[]): TypingPart[] {
  const [first, second] = names;
  if (first === undefined) return [];
  if (second === undefined) return [{ name: first }, ' is typing…'];
  if (names.length === 2) return [{ name: first }, ' and ', { name: second }, ' are typing…'];
  return ['Several people are typing…'];
}

/** The typing line as plain text. */
export function typingText(names: readonly string[]): string {
  return typingParts(names)
    .map((part) => (typeof part === 'string' ? part : part.name))
    .join('');
}
