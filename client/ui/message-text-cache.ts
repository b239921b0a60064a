import { parseMessageText, type MessageBlock, type ParseOptions } from './message-text.ts';

/**
 * Parsed message texts, remembered by text: a list re-renders the same messages far more
 * often than it meets new ones, and markdown-it is the costly part of rendering one.
 * Bounded (least recently used goes first), and valid for one set of parse options: new
 * options (a member renamed, say) start it afresh.
 */
export class MessageTextCache {
  private options: ParseOptions = {};
  private readonly parsed = new Map<string, readonly MessageBlock[]>();

  constructor(private readonly max = 500) {}

  parse(text: string, options: ParseOptions): readonly MessageBlock[] {
    if (!sameParseOptions(options, this.options)) this.parsed.clear();
    this.options = options;
    const hit = this.parsed.get(text);
    if (hit) {
      // Re-inserted, so the Map's order is the order of use.
      this.parsed.delete(text);
      this.parsed.set(text, hit);
      return hit;
    }
    const blocks = parseMessageText(text, options);
    this.parsed.set(text, blocks);
    if (this.parsed.size > this.max) this.parsed.delete(this.parsed.keys().next().value!);
    return blocks;
  }

  get size(): number {
    return this.parsed.size;
  }
}

/** Whether two sets of options parse every text alike. */
export function sameParseOptions(a: ParseOptions, b: ParseOptions): boolean {
  if (a === b) return true;
  const names = a.mentionNames ?? [];
  const others = b.mentionNames ?? [];
  return (
    a.ownName === b.ownName &&
    names.length === others.length &&
    names.every((name, i) => name === others[i])
  );
}

/**
 * Parses once ahead of need: building markdown-it's tokenizer takes milliseconds, better
 * spent while the app waits for its worker than when the first messages arrive.
 */
export function prepareParser(): void {
  parseMessageText('');
}
