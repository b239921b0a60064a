/**
 * Message text formatting: a small, safe markdown subset, turned into a plain data tree.
 *
 * Supported: **bold** / __bold__, *italic* / _italic_, `inline code`, fenced code blocks
 * (``` or ~~~, with an optional language), links (`[text](url)`, `<url>` and bare
 * `scheme://` URLs) whose target is http:, https: or mailto:, line breaks, and @mentions of
 * known display names. Everything else (headings, lists, quotes, tables, images, raw HTML,
 * links to any other scheme) stays the literal characters the user typed.
 *
 * markdown-it is used only as a tokenizer, with just the rules of the subset enabled; its
 * tokens are converted here into {@link MessageBlock}s, which the view renders through text
 * bindings only. Nothing in this module touches the DOM, so it runs (and is tested) in Node.
 */
import MarkdownIt from 'markdown-it';
import type { Token } from 'markdown-it';

type Tokenizer = InstanceType<typeof MarkdownIt>;
type InlineRule = Tokenizer['inline']['ruler']['__rules__'][number]['fn'];

/** An inline piece of a paragraph. */
export type InlineNode =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'strong'; readonly children: readonly InlineNode[] }
  | { readonly type: 'em'; readonly children: readonly InlineNode[] }
  | { readonly type: 'code'; readonly text: string }
  | { readonly type: 'link'; readonly href: string; readonly children: readonly InlineNode[] }
  /**
   * `name` is the known display name (as spelled in the list it was matched against),
   * `text` what the user typed, `@` included; `self` is true when it names `ownName`.
   */
  | {
      readonly type: 'mention';
      readonly name: string;
      readonly text: string;
      readonly self: boolean;
    }
  | { readonly type: 'break' };

/** A block of a message. */
export type MessageBlock =
  | { readonly type: 'paragraph'; readonly children: readonly InlineNode[] }
  | { readonly type: 'codeBlock'; readonly text: string; readonly language?: string };

export interface ParseOptions {
  /** Display names that can be @mentioned. */
  readonly mentionNames?: readonly string[];
  /** The reader's own display name: mentions of it get `self: true` (it need not be in `mentionNames`). */
  readonly ownName?: string;
}

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);
const SAFE_SCHEME = /^(?:https?|mailto):/i;

/**
 * Whether `href` may be the target of a link: an absolute http:, https: or mailto: URL.
 * Checked both on the text the user wrote and the way a browser would parse it.
 */
export function isSafeHref(href: string): boolean {
  const trimmed = href.trim();
  if (!SAFE_SCHEME.test(trimmed)) return false;
  try {
    return SAFE_PROTOCOLS.has(new URL(trimmed).protocol);
  } catch {
    return false;
  }
}

/** Token type for source text kept as typed, untouched by any later rule. */
const LITERAL = 'kafky_literal';

function ruleNamed(md: Tokenizer, name: string): InlineRule {
  const rule = md.inline.ruler.__rules__.find((r) => r.name === name);
  if (!rule) throw new Error(`markdown-it has no inline rule "${name}"`);
  return rule.fn;
}

function createTokenizer(): Tokenizer {
  const md = new MarkdownIt('zero', { html: false, linkify: true, breaks: true });
  md.enable([
    'fence',
    'emphasis',
    'backticks',
    'link',
    'image',
    'autolink',
    'linkify',
    'newline',
    'escape',
  ]);
  // Only URLs that say their scheme are linked ("notes.md" is not a link), and only ours.
  md.linkify.set({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });
  md.validateLink = isSafeHref;
  // Link text is shown as typed: no punycode or percent decoding that could disguise a URL.
  md.normalizeLinkText = (url) => url;

  // Images are not part of the subset: `![alt](url)` stays the characters typed, rather than
  // a "!" and a link.
  const image = ruleNamed(md, 'image');
  md.inline.ruler.at('image', (state, silent) => {
    const start = state.pos;
    if (!image(state, true)) return false;
    // A token of its own, so linkify does not turn the URL inside into a link either.
    if (!silent) state.push(LITERAL, '', 0).content = state.src.slice(start, state.pos);
    return true;
  });

  // Remember each link's source, so a link whose target fails the final check (markdown-it
  // accepts an empty target in `[x]()`) can be shown as what the user wrote.
  const link = ruleNamed(md, 'link');
  md.inline.ruler.at('link', (state, silent) => {
    const start = state.pos;
    const first = state.tokens.length;
    if (!link(state, silent)) return false;
    if (!silent) {
      const open = state.tokens.slice(first).find((t) => t.type === 'link_open');
      if (open) open.meta = { ...open.meta, source: state.src.slice(start, state.pos) };
    }
    return true;
  });
  return md;
}

let tokenizer: Tokenizer | undefined;

interface Mentionable {
  readonly name: string;
  readonly lower: string;
  readonly endsInWordChar: boolean;
}

const WORD_CHAR = /^[\p{L}\p{N}\p{M}_]$/u;

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && WORD_CHAR.test(ch);
}

function lastChar(s: string): string | undefined {
  if (s.length === 0) return undefined;
  const cp = s.codePointAt(s.length - 1)!;
  // The last unit may be the low half of a surrogate pair.
  if (cp >= 0xdc00 && cp <= 0xdfff && s.length >= 2)
    return String.fromCodePoint(s.codePointAt(s.length - 2)!);
  return String.fromCodePoint(cp);
}

function firstChar(s: string, at: number): string | undefined {
  const cp = s.codePointAt(at);
  return cp === undefined ? undefined : String.fromCodePoint(cp);
}

/** Known names by the lower case of their first character, each list longest first. */
type MentionIndex = ReadonlyMap<string, readonly Mentionable[]>;

function firstLower(s: string, at: number): string {
  return (firstChar(s, at) ?? '').toLowerCase();
}

function mentionIndex(options: ParseOptions | undefined): MentionIndex {
  const names = [...(options?.mentionNames ?? [])];
  if (options?.ownName !== undefined) names.push(options.ownName);
  const seen = new Set<string>();
  const index = new Map<string, Mentionable[]>();
  for (const raw of names) {
    const name = raw.trim();
    const lower = name.toLowerCase();
    if (name.length === 0 || seen.has(lower)) continue;
    seen.add(lower);
    const key = firstLower(name, 0);
    const bucket = index.get(key) ?? [];
    bucket.push({ name, lower, endsInWordChar: isWordChar(lastChar(name)) });
    index.set(key, bucket);
  }
  // Longest first, so "@Alice Smith" is Alice Smith even when Alice is known too.
  for (const bucket of index.values()) bucket.sort((a, b) => b.name.length - a.name.length);
  return index;
}

/** Builds the inline nodes of one paragraph, finding mentions in its plain text. */
class InlineBuilder {
  /** The last character emitted so far in this paragraph, to tell "a@b" from "@b". */
  private previous: string | undefined;
  private readonly root: InlineNode[] = [];
  private readonly stack: { node: InlineNode[]; close: string }[] = [];

  constructor(
    private readonly names: MentionIndex,
    private readonly ownLower: string | undefined,
  ) {}

  private get current(): InlineNode[] {
    return this.stack.at(-1)?.node ?? this.root;
  }

  private get inLink(): boolean {
    return this.stack.some((s) => s.close === 'link_close');
  }

  private pushText(text: string): void {
    if (text.length === 0) return;
    const nodes = this.current;
    const last = nodes.at(-1);
    if (last?.type === 'text') nodes[nodes.length - 1] = { type: 'text', text: last.text + text };
    else nodes.push({ type: 'text', text });
    this.previous = lastChar(text);
  }

  private matchMention(text: string, at: number): Mentionable | undefined {
    for (const candidate of this.names.get(firstLower(text, at + 1)) ?? []) {
      const end = at + 1 + candidate.name.length;
      if (text.slice(at + 1, end).toLowerCase() !== candidate.lower) continue;
      if (candidate.endsInWordChar && isWordChar(firstChar(text, end))) continue;
      return candidate;
    }
    return undefined;
  }

  text(text: string): void {
    if (this.names.size === 0 || this.inLink) {
      this.pushText(text);
      return;
    }
    let from = 0;
    for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', at + 1)) {
      const before = at === 0 ? this.previous : lastChar(text.slice(Math.max(0, at - 2), at));
      if (isWordChar(before)) continue;
      const found = this.matchMention(text, at);
      if (!found) continue;
      this.pushText(text.slice(from, at));
      const typed = text.slice(at, at + 1 + found.name.length);
      this.current.push({
        type: 'mention',
        name: found.name,
        text: typed,
        self: found.lower === this.ownLower,
      });
      this.previous = lastChar(typed);
      from = at + typed.length;
      at = from - 1;
    }
    this.pushText(text.slice(from));
  }

  code(text: string): void {
    this.current.push({ type: 'code', text });
    this.previous = lastChar(text) ?? this.previous;
  }

  lineBreak(): void {
    this.current.push({ type: 'break' });
    this.previous = undefined;
  }

  open(
    node:
      | { type: 'strong' | 'em'; children: InlineNode[] }
      | { type: 'link'; href: string; children: InlineNode[] },
    close: string,
  ): void {
    this.current.push(node);
    this.stack.push({ node: node.children, close });
  }

  close(type: string): void {
    if (this.stack.at(-1)?.close === type) this.stack.pop();
  }

  build(tokens: readonly Token[]): InlineNode[] {
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      switch (token.type) {
        case 'text':
        case 'text_special':
          this.text(token.content);
          break;
        case LITERAL:
          this.pushText(token.content);
          break;
        case 'code_inline':
          this.code(token.content);
          break;
        case 'softbreak':
        case 'hardbreak':
          this.lineBreak();
          break;
        case 'strong_open':
          this.open({ type: 'strong', children: [] }, 'strong_close');
          break;
        case 'em_open':
          this.open({ type: 'em', children: [] }, 'em_close');
          break;
        case 'link_open': {
          const href = String(token.attrGet('href') ?? '');
          if (isSafeHref(href)) {
            this.open({ type: 'link', href: href.trim(), children: [] }, 'link_close');
            break;
          }
          // Not a link after all: show what was typed and skip the link's own tokens.
          const source = (token.meta as { source?: unknown } | null)?.source;
          let depth = 1;
          let j = i + 1;
          for (; j < tokens.length && depth > 0; j++) {
            if (tokens[j]!.type === 'link_open') depth++;
            else if (tokens[j]!.type === 'link_close') depth--;
          }
          if (typeof source === 'string') this.pushText(source);
          else
            this.pushText(
              tokens
                .slice(i + 1, j - 1)
                .map((t) => t.content)
                .join(''),
            );
          i = j - 1;
          break;
        }
        case 'strong_close':
        case 'em_close':
        case 'link_close':
          this.close(token.type);
          break;
        default:
          // No other rule is enabled; should one ever produce a token, keep its text.
          this.pushText(token.content);
      }
    }
    return this.root;
  }
}

/**
 * Parses message text into blocks. Never throws for any string; the result only ever
 * contains links whose `href` passes {@link isSafeHref}.
 */
export function parseMessageText(text: string, options?: ParseOptions): MessageBlock[] {
  tokenizer ??= createTokenizer();
  const tokens = tokenizer.parse(text, {});
  const names = mentionIndex(options);
  const ownLower = options?.ownName?.trim().toLowerCase();
  const blocks: MessageBlock[] = [];
  for (const token of tokens) {
    if (token.type === 'inline') {
      const children = new InlineBuilder(names, ownLower).build(token.children ?? []);
      if (children.length > 0) blocks.push({ type: 'paragraph', children });
    } else if ((token.type === 'fence' || token.type === 'code_block') && !token.content) {
      // An empty code block (a lone "```") shows nothing: show the lines as typed instead.
      const [from, to] = token.map ?? [0, 0];
      const lines = text.replace(/\r\n?/g, '\n').split('\n').slice(from, to);
      const children = lines.flatMap((line, i): InlineNode[] =>
        i === 0
          ? [{ type: 'text', text: line }]
          : [{ type: 'break' }, { type: 'text', text: line }],
      );
      blocks.push({ type: 'paragraph', children });
    } else if (token.type === 'fence' || token.type === 'code_block') {
      const language = token.info.trim().split(/\s+/)[0];
      const code = token.content.endsWith('\n') ? token.content.slice(0, -1) : token.content;
      blocks.push(
        language ? { type: 'codeBlock', text: code, language } : { type: 'codeBlock', text: code },
      );
    }
  }
  return blocks;
}

function walkInline(nodes: readonly InlineNode[], visit: (node: InlineNode) => void): void {
  for (const node of nodes) {
    visit(node);
    if ('children' in node) walkInline(node.children, visit);
  }
}

/**
 * The known names that `text` @mentions (outside code and link text), each once, spelled as
 * in `names`, in the order they first appear.
 */
export function mentions(text: string, names: readonly string[]): string[] {
  const found = new Set<string>();
  for (const block of parseMessageText(text, { mentionNames: names })) {
    if (block.type !== 'paragraph') continue;
    walkInline(block.children, (node) => {
      if (node.type === 'mention') found.add(node.name);
    });
  }
  return [...found];
}

function inlinePlain(nodes: readonly InlineNode[]): string {
  return nodes
    .map((node) => {
      switch (node.type) {
        case 'text':
        case 'code':
          return node.text;
        case 'mention':
          return node.text;
        case 'break':
          return ' ';
        default:
          return inlinePlain(node.children);
      }
    })
    .join('');
}

/**
 * A single line of plain text for room lists and notifications: formatting marks dropped,
 * whitespace collapsed, and cut to at most `max` characters (user-perceived characters,
 * the last being "…" when cut).
 */
export function plainPreview(text: string, max: number): string {
  const plain = parseMessageText(text)
    .map((block) => (block.type === 'paragraph' ? inlinePlain(block.children) : block.text))
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (max <= 0) return '';
  const graphemes = Array.from(new Intl.Segmenter().segment(plain), (s) => s.segment);
  if (graphemes.length <= max) return plain;
  return (
    graphemes
      .slice(0, max - 1)
      .join('')
      .trimEnd() + '…'
  );
}
