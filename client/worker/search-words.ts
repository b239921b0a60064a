/** Most words kept per message for search: a long message is still found by its start. */
const WORDS_MAX = 300;

/**
 * The words of a text as search keys: lower case, accents folded ("Élan" is found by
 * "elan"), split on anything that is not a letter or a digit, each once.
 */
export function searchWords(text: string): string[] {
  const folded = text
    .toLocaleLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '');
  const words = new Set<string>();
  for (const word of folded.split(/[^\p{L}\p{N}]+/u)) {
    if (word) words.add(word);
    if (words.size >= WORDS_MAX) break;
  }
  return [...words];
}
