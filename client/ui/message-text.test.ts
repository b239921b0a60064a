import { nothing, type TemplateResult } from 'lit';
import { isTemplateResult } from 'lit/directive-helpers.js';
import { describe, expect, it } from 'vitest';
import {
  isSafeHref,
  mentions,
  parseMessageText,
  plainPreview,
  type InlineNode,
  type MessageBlock,
} from './message-text.ts';
import { renderMessageText } from './message-text-view.ts';

const text = (t: string): InlineNode => ({ type: 'text', text: t });
const para = (...children: InlineNode[]): MessageBlock => ({ type: 'paragraph', children });

/** The inline nodes of a message that must be a single paragraph. */
function inline(source: string, options?: Parameters<typeof parseMessageText>[1]): InlineNode[] {
  const blocks = parseMessageText(source, options);
  expect(blocks).toHaveLength(1);
  const [block] = blocks;
  if (block?.type !== 'paragraph') throw new Error(`expected a paragraph, got ${block?.type}`);
  return [...block.children];
}

function allInline(blocks: readonly MessageBlock[]): InlineNode[] {
  const out: InlineNode[] = [];
  const walk = (nodes: readonly InlineNode[]) => {
    for (const node of nodes) {
      out.push(node);
      if ('children' in node) walk(node.children);
    }
  };
  for (const block of blocks) if (block.type === 'paragraph') walk(block.children);
  return out;
}

const links = (source: string) =>
  allInline(parseMessageText(source)).filter((n) => n.type === 'link');

describe('parseMessageText: formatting', () => {
  it('keeps plain text as one paragraph of text', () => {
    expect(parseMessageText('hello world')).toEqual([para(text('hello world'))]);
  });

  it('gives no blocks for empty or blank text', () => {
    expect(parseMessageText('')).toEqual([]);
    expect(parseMessageText('  \n\n \t')).toEqual([]);
  });

  it('makes **bold** and __bold__ strong', () => {
    expect(inline('a **b** c __d__')).toEqual([
      text('a '),
      { type: 'strong', children: [text('b')] },
      text(' c '),
      { type: 'strong', children: [text('d')] },
    ]);
  });

  it('makes *italic* and _italic_ em', () => {
    expect(inline('*a* and _b_')).toEqual([
      { type: 'em', children: [text('a')] },
      text(' and '),
      { type: 'em', children: [text('b')] },
    ]);
  });

  it('does not italicise underscores inside words', () => {
    expect(inline('use snake_case_names here')).toEqual([text('use snake_case_names here')]);
  });

  it('nests emphasis', () => {
    expect(inline('**bold _both_**')).toEqual([
      {
        type: 'strong',
        children: [text('bold '), { type: 'em', children: [text('both')] }],
      },
    ]);
  });

  it('makes `inline code` a code node whose content is literal', () => {
    expect(inline('run `**x** _y_ <b>z</b> [l](https://a.example) @Alice` now')).toEqual([
      text('run '),
      { type: 'code', text: '**x** _y_ <b>z</b> [l](https://a.example) @Alice' },
      text(' now'),
    ]);
  });

  it('parses a fenced code block with its language, content kept literally', () => {
    const source = '```ts\nconst a = **b**; // @Alice <script>\n  indented\n```';
    expect(parseMessageText(source, { mentionNames: ['Alice'] })).toEqual([
      {
        type: 'codeBlock',
        text: 'const a = **b**; // @Alice <script>\n  indented',
        language: 'ts',
      },
    ]);
  });

  it('parses a ~~~ fence with no language, and one left open to the end', () => {
    expect(parseMessageText('~~~\nx\n~~~')).toEqual([{ type: 'codeBlock', text: 'x' }]);
    expect(parseMessageText('```\nopen *x*')).toEqual([{ type: 'codeBlock', text: 'open *x*' }]);
  });

  it('shows an empty code block as the fence typed', () => {
    expect(parseMessageText('```')).toEqual([para(text('```'))]);
    expect(parseMessageText('hi\r\n```js\r\n```')).toEqual([
      para(text('hi')),
      para(text('```js'), { type: 'break' }, text('```')),
    ]);
  });

  it('keeps text around a code block as paragraphs', () => {
    expect(parseMessageText('before\n```\ncode\n```\nafter')).toEqual([
      para(text('before')),
      { type: 'codeBlock', text: 'code' },
      para(text('after')),
    ]);
  });

  it('turns a newline into a line break and a blank line into a new paragraph', () => {
    expect(parseMessageText('one\ntwo\n\nthree')).toEqual([
      para(text('one'), { type: 'break' }, text('two')),
      para(text('three')),
    ]);
  });

  it('honours backslash escapes', () => {
    expect(inline('\\*not italic\\* and \\`not code\\`')).toEqual([
      text('*not italic* and `not code`'),
    ]);
  });

  it('does not decode HTML entities', () => {
    expect(inline('&lt;b&gt; &amp; &#58;')).toEqual([text('&lt;b&gt; &amp; &#58;')]);
  });

  it.each([
    ['a heading', '# Heading'],
    ['a setext heading', 'Heading\n==='],
    ['a bullet list', '- one\n- two'],
    ['an ordered list', '1. one\n2. two'],
    ['a quote', '> quoted'],
    ['a table', '| a | b |\n|---|---|\n| 1 | 2 |'],
    ['a rule', '---'],
    ['strikethrough', '~~gone~~'],
    ['an image', '![alt](https://example.com/cat.png)'],
    ['an image without target', '![alt]()'],
    ['HTML', '<b>bold</b> <i>x</i>'],
  ])('keeps %s as the characters typed', (_, source) => {
    const flat = allInline(parseMessageText(source))
      .map((n) => (n.type === 'text' ? n.text : n.type === 'break' ? '\n' : `<${n.type}>`))
      .join('');
    expect(flat).toBe(source);
  });
});

describe('parseMessageText: links', () => {
  it('links [text](https://…) with the text as children', () => {
    expect(inline('see [the docs](https://example.com/docs?a=1&b=2) now')).toEqual([
      text('see '),
      {
        type: 'link',
        href: 'https://example.com/docs?a=1&b=2',
        children: [text('the docs')],
      },
      text(' now'),
    ]);
  });

  it.each([
    ['[x](http://example.com)', 'http://example.com'],
    ['[x](HTTPS://example.com)', 'HTTPS://example.com'],
    ['[x](mailto:alice@example.com)', 'mailto:alice@example.com'],
    ['[x]( https://example.com "title" )', 'https://example.com'],
    ['<https://example.com/a>', 'https://example.com/a'],
    ['<mailto:bob@example.com>', 'mailto:bob@example.com'],
    ['go to https://example.com/path', 'https://example.com/path'],
    ['write to mailto:bob@example.com', 'mailto:bob@example.com'],
  ])('links %j', (source, href) => {
    expect(links(source)).toEqual([expect.objectContaining({ type: 'link', href })]);
  });

  it('autolinks a bare https URL, leaving trailing punctuation out and the text as typed', () => {
    expect(inline('look: https://example.com/a_b. ok?')).toEqual([
      text('look: '),
      {
        type: 'link',
        href: 'https://example.com/a_b',
        children: [text('https://example.com/a_b')],
      },
      text('. ok?'),
    ]);
  });

  it('shows an autolinked URL as typed, not decoded', () => {
    const [link] = links('https://xn--pple-43d.com/%41');
    expect(link).toEqual({
      type: 'link',
      href: 'https://xn--pple-43d.com/%41',
      children: [text('https://xn--pple-43d.com/%41')],
    });
  });

  it('percent-encodes characters in the target', () => {
    expect(links('[x](<https://example.com/a b>)')).toEqual([
      { type: 'link', href: 'https://example.com/a%20b', children: [text('x')] },
    ]);
  });

  it('formats link text: bold inside a link', () => {
    expect(inline('[**bold** and `code`](https://example.com)')).toEqual([
      {
        type: 'link',
        href: 'https://example.com',
        children: [
          { type: 'strong', children: [text('bold')] },
          text(' and '),
          { type: 'code', text: 'code' },
        ],
      },
    ]);
  });

  it('puts a link inside bold', () => {
    expect(inline('**see [here](https://example.com)**')).toEqual([
      {
        type: 'strong',
        children: [
          text('see '),
          { type: 'link', href: 'https://example.com', children: [text('here')] },
        ],
      },
    ]);
  });

  it('does not autolink a URL inside link text (no links in links)', () => {
    expect(links('[https://a.example](https://b.example)')).toEqual([
      { type: 'link', href: 'https://b.example', children: [text('https://a.example')] },
    ]);
  });

  it('shows a link with an empty target as typed', () => {
    expect(parseMessageText('[x]() and [**y**]( )')).toEqual([para(text('[x]() and [**y**]( )'))]);
  });

  it('has no reference links: [x][ref] stays text', () => {
    expect(parseMessageText('[x][ref]\n\n[ref]: https://example.com')).toEqual([
      para(text('[x][ref]')),
      para(text('[ref]: '), {
        type: 'link',
        href: 'https://example.com',
        children: [text('https://example.com')],
      }),
    ]);
  });

  it('does not link a URL inside inline code or a code block', () => {
    expect(links('`https://example.com`')).toEqual([]);
    expect(parseMessageText('```\nhttps://example.com\n```')).toEqual([
      { type: 'codeBlock', text: 'https://example.com' },
    ]);
  });

  it.each([
    'www.example.com',
    'example.com',
    'notes.md',
    'bob@example.com',
    '//example.com/x',
    'ftp://example.com/file',
    '[x](ftp://example.com)',
    '[x](/relative/path)',
    '[x](relative)',
    '[x](#fragment)',
    '[x](//evil.example)',
    '[x](file:///etc/passwd)',
    '[x]()',
    '[x](<>)',
  ])('does not link %j', (source) => {
    expect(links(source)).toEqual([]);
  });
});

describe('parseMessageText: hostile input is text, never a link or markup', () => {
  const hostile = [
    '<img src=x onerror=alert(1)>',
    '<script>alert(1)</script>',
    '[x](javascript:alert(1))',
    '[x](JaVaScRiPt:alert(1))',
    '[x]( javascript:alert(1) )',
    '[x](<javascript:alert(1)>)',
    '<javascript:alert(1)>',
    'javascript:alert(1)',
    'javascript&#58;alert(1)',
    '[x](javascript&#58;alert(1))',
    '[x](javascript&#x3A;alert(1))',
    '[x](java&#9;script:alert(1))',
    '[x](&#106;avascript:alert(1))',
    '[x](javascript%3Aalert(1))',
    'data:text/html,<script>alert(1)</script>',
    '[x](data:text/html,<script>alert(1)</script>)',
    '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '[x](vbscript:msgbox(1))',
    '[x](file:///etc/passwd)',
    '![x](javascript:alert(1))',
    '<a href="javascript:alert(1)">x</a>',
    '[x](https:javascript:alert(1))',
  ];

  it.each(hostile)('%j', (source) => {
    const blocks = parseMessageText(source);
    expect(blocks).toEqual([para(text(source))]);
  });

  it('keeps hostile text around a real link', () => {
    expect(inline('<b>[a](javascript:x)</b> [b](https://ok.example)')).toEqual([
      text('<b>[a](javascript:x)</b> '),
      { type: 'link', href: 'https://ok.example', children: [text('b')] },
    ]);
  });
});

describe('isSafeHref', () => {
  it.each([
    'http://example.com',
    'https://example.com/a?b#c',
    'HTTPS://EXAMPLE.COM',
    '  https://example.com  ',
    'mailto:alice@example.com',
    'MailTo:alice@example.com',
  ])('accepts %j', (href) => {
    expect(isSafeHref(href)).toBe(true);
  });

  it.each([
    '',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    ' javascript:alert(1)',
    '\u0001javascript:alert(1)',
    'java\tscript:alert(1)',
    'data:text/html,x',
    'vbscript:x',
    'file:///etc/passwd',
    'ftp://example.com',
    '//example.com',
    '/path',
    'example.com',
    'https:',
    'http://',
    'https://exa mple.com',
    'ht\ttps://example.com',
    '\u0001https://example.com',
  ])('rejects %j', (href) => {
    expect(isSafeHref(href)).toBe(false);
  });
});

describe('parseMessageText: mentions', () => {
  const names = ['Al', 'Alice', 'Alice Smith', 'Bob', 'Dr. Who'];
  const mention = (name: string, typed = `@${name}`, self = false): InlineNode => ({
    type: 'mention',
    name,
    text: typed,
    self,
  });

  it('makes @name a mention', () => {
    expect(inline('hi @Bob!', { mentionNames: names })).toEqual([
      text('hi '),
      mention('Bob'),
      text('!'),
    ]);
  });

  it('makes no mentions without known names', () => {
    expect(inline('hi @Bob')).toEqual([text('hi @Bob')]);
    expect(inline('hi @Bob', { mentionNames: ['Carol'] })).toEqual([text('hi @Bob')]);
  });

  it('matches names with spaces, longest first', () => {
    expect(inline('@Alice Smith and @Alice', { mentionNames: names })).toEqual([
      mention('Alice Smith'),
      text(' and '),
      mention('Alice'),
    ]);
  });

  it('matches the longest name whatever the order of the list', () => {
    expect(inline('@Alice Smith', { mentionNames: ['Alice', 'Alice Smith'] })).toEqual([
      mention('Alice Smith'),
    ]);
    expect(inline('@Alice Smith', { mentionNames: ['Alice Smith', 'Alice'] })).toEqual([
      mention('Alice Smith'),
    ]);
  });

  it('falls back to a shorter name when the longer one does not fit', () => {
    expect(inline('@Alice Smithers', { mentionNames: names })).toEqual([
      mention('Alice'),
      text(' Smithers'),
    ]);
  });

  it('is case-insensitive, keeping the typed text and the known spelling', () => {
    expect(inline('@alice @BOB', { mentionNames: names })).toEqual([
      mention('Alice', '@alice'),
      text(' '),
      mention('Bob', '@BOB'),
    ]);
  });

  it('ends a mention at a word boundary: @Alice is Alice, not Al', () => {
    expect(inline('@Alice', { mentionNames: ['Al', 'Alice'] })).toEqual([mention('Alice')]);
    expect(inline('@Al', { mentionNames: ['Al', 'Alice'] })).toEqual([mention('Al')]);
    expect(inline('@Alex', { mentionNames: ['Al', 'Alice'] })).toEqual([text('@Alex')]);
    expect(inline('@Alice_2 @Alice2 @Alicé', { mentionNames: ['Alice'] })).toEqual([
      text('@Alice_2 @Alice2 @Alicé'),
    ]);
  });

  it('accepts punctuation right after a name', () => {
    expect(inline("@Bob, @Bob's (@Bob) @Bob.", { mentionNames: ['Bob'] })).toEqual([
      mention('Bob'),
      text(', '),
      mention('Bob'),
      text("'s ("),
      mention('Bob'),
      text(') '),
      mention('Bob'),
      text('.'),
    ]);
  });

  it('matches a name that ends in punctuation when a letter follows', () => {
    expect(inline('@Dr. Who @Dr.x', { mentionNames: ['Dr.', 'Dr. Who'] })).toEqual([
      mention('Dr. Who'),
      text(' '),
      mention('Dr.'),
      text('x'),
    ]);
  });

  it('needs the @ to start a word: no mention inside an address', () => {
    expect(inline('bob@Alice x_@Alice', { mentionNames: ['Alice'] })).toEqual([
      text('bob@Alice x_@Alice'),
    ]);
    expect(inline('(@Alice)', { mentionNames: ['Alice'] })).toEqual([
      text('('),
      mention('Alice'),
      text(')'),
    ]);
  });

  it('finds a mention after a line break, after formatting and inside emphasis', () => {
    expect(inline('x\n@Bob **@Alice**', { mentionNames: names })).toEqual([
      text('x'),
      { type: 'break' },
      mention('Bob'),
      text(' '),
      { type: 'strong', children: [mention('Alice')] },
    ]);
  });

  it('does not mention inside code or link text', () => {
    expect(inline('`@Bob` [@Bob](https://example.com)', { mentionNames: names })).toEqual([
      { type: 'code', text: '@Bob' },
      text(' '),
      { type: 'link', href: 'https://example.com', children: [text('@Bob')] },
    ]);
  });

  it('marks mentions of the own name as self, case-insensitively, even if not in the list', () => {
    expect(inline('@bob @Alice', { mentionNames: ['Bob', 'Alice'], ownName: 'Bob' })).toEqual([
      mention('Bob', '@bob', true),
      text(' '),
      mention('Alice'),
    ]);
    expect(inline('@carol', { mentionNames: ['Bob'], ownName: 'Carol' })).toEqual([
      mention('Carol', '@carol', true),
    ]);
  });

  it('ignores empty names', () => {
    expect(inline('@ x @', { mentionNames: ['', '  '] })).toEqual([text('@ x @')]);
  });

  it('keeps bidi controls in names and text as they are', () => {
    const name = 'Eve\u202Egnp.exe';
    expect(inline(`hi @${name} \u202Edlrow`, { mentionNames: [name] })).toEqual([
      text('hi '),
      mention(name),
      text(' \u202Edlrow'),
    ]);
  });
});

describe('mentions', () => {
  const names = ['Al', 'Alice', 'Alice Smith', 'Bob'];

  it('lists each mentioned name once, spelled as known, in order of first mention', () => {
    expect(mentions('@bob and @alice smith, @ALICE SMITH and @Bob', names)).toEqual([
      'Bob',
      'Alice Smith',
    ]);
  });

  it('finds mentions in formatted text and not in code', () => {
    expect(mentions('**@Al** `@Bob`\n```\n@Alice\n```', names)).toEqual(['Al']);
  });

  it('gives nothing when nobody is mentioned', () => {
    expect(mentions('hello bob@Alice @Alex', names)).toEqual([]);
  });
});

describe('plainPreview', () => {
  it('drops the formatting marks', () => {
    expect(plainPreview('**bold** _it_ `code` [link](https://example.com) @Bob', 100)).toBe(
      'bold it code link @Bob',
    );
  });

  it('makes one line of several lines, paragraphs and code blocks', () => {
    expect(plainPreview('one\ntwo\n\nthree\n```\nx  =\n  1\n```\nend', 100)).toBe(
      'one two three x = 1 end',
    );
  });

  it('keeps raw HTML and hostile links as the text typed', () => {
    expect(plainPreview('<b>x</b> [y](javascript:alert(1))', 100)).toBe(
      '<b>x</b> [y](javascript:alert(1))',
    );
  });

  it('cuts to max characters, the last an ellipsis', () => {
    expect(plainPreview('abcdefghij', 10)).toBe('abcdefghij');
    expect(plainPreview('abcdefghijk', 10)).toBe('abcdefghi…');
    expect(plainPreview('**abcdefghijk**', 5)).toBe('abcd…');
  });

  it('does not cut an emoji or accented letter in two', () => {
    const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
    expect(plainPreview(`${family}${family}${family}`, 2)).toBe(`${family}…`);
    expect(plainPreview('e\u0301e\u0301e\u0301', 2)).toBe('e\u0301…');
  });

  it('gives an empty string for max 0 or a blank message', () => {
    expect(plainPreview('hello', 0)).toBe('');
    expect(plainPreview(' \n ', 10)).toBe('');
  });
});

describe('parseMessageText: long messages', () => {
  it('parses a 4,000-character message with every feature', () => {
    const piece = '**b** _i_ `c` [l](https://example.com) @Bob <x>\n';
    const source = piece.repeat(Math.ceil(4000 / piece.length)).slice(0, 4000);
    expect(source).toHaveLength(4000);
    const started = performance.now();
    const nodes = allInline(parseMessageText(source, { mentionNames: ['Bob'] }));
    expect(performance.now() - started).toBeLessThan(1000);
    const count = (type: InlineNode['type']) => nodes.filter((n) => n.type === type).length;
    const pieces = Math.floor(4000 / piece.length);
    expect(count('strong')).toBeGreaterThanOrEqual(pieces);
    expect(count('link')).toBeGreaterThanOrEqual(pieces);
    expect(count('mention')).toBeGreaterThanOrEqual(pieces);
    expect(count('break')).toBe(pieces);
  });

  it('parses 4,000 characters of unbalanced markup as text', () => {
    for (const unit of ['*', '[', '`', '<', '@', '_a', '![']) {
      const source = unit.repeat(4000 / unit.length);
      const flat = allInline(parseMessageText(source, { mentionNames: ['a'] }))
        .map((n) => (n.type === 'text' || n.type === 'code' ? n.text : ''))
        .join('');
      expect(flat.length, unit).toBeGreaterThan(0);
    }
  });
});

/** A Lit `html` template result (not a compiled one, which these files never make). */
function isTemplate(value: unknown): value is TemplateResult {
  return isTemplateResult(value) && 'strings' in value;
}

/** Serializes a Lit template tree to HTML the way Lit's bindings would fill it in. */
function toHtml(value: unknown): string {
  if (value === nothing || value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(toHtml).join('');
  if (isTemplate(value)) {
    let out = '';
    value.strings.forEach((s, i) => {
      if (i === value.strings.length - 1) {
        out += s;
        return;
      }
      const v: unknown = value.values[i];
      const boolAttr = /\s\?([\w-]+)=$/.exec(s);
      const attr = /\s([\w-]+)=$/.exec(s);
      if (boolAttr) out += s.slice(0, boolAttr.index) + (v ? ` ${boolAttr[1]}` : '');
      else if (attr) out += v === nothing ? s.slice(0, attr.index) : `${s}"${escape(v)}"`;
      else out += s + toHtml(v);
    });
    return out.replace(/\s+>/g, '>');
  }
  return escape(value);
}

function escape(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** All the static parts of a template tree: the only text Lit treats as markup. */
function staticParts(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(staticParts);
  if (isTemplate(value)) return [...value.strings, ...value.values.flatMap(staticParts)];
  return [];
}

describe('renderMessageText', () => {
  const render = (source: string, options?: Parameters<typeof parseMessageText>[1]) =>
    toHtml(renderMessageText(parseMessageText(source, options)));

  it('renders formatting with the matching elements', () => {
    expect(render('**b** _i_ `c`\nx')).toBe(
      '<p dir="auto"><strong>b</strong> <em>i</em> <code>c</code><br />x</p>',
    );
  });

  it('renders links to open in a new tab with rel="noopener noreferrer"', () => {
    expect(render('[x](https://example.com/?a=1&b="2")')).toBe(
      '<p dir="auto"><a href="https://example.com/?a=1&amp;b=%222%22" target="_blank" rel="noopener noreferrer">x</a></p>',
    );
  });

  it('renders code blocks as pre/code and mentions as highlighted spans', () => {
    expect(render('```js\n<b>\n```')).toBe('<pre><code data-language="js">&lt;b&gt;</code></pre>');
    expect(render('```\nx\n```')).toBe('<pre><code>x</code></pre>');
    expect(render('@Bob @Al', { mentionNames: ['Bob', 'Al'], ownName: 'Bob' })).toBe(
      '<p dir="auto"><span class="mention" dir="auto" data-self>@Bob</span> <span class="mention" dir="auto">@Al</span></p>',
    );
  });

  it.each([
    '<img src=x onerror=alert(1)>',
    '<script>alert(1)</script>',
    '[x](javascript:alert(1))',
    '`<img src=x onerror=alert(1)>`',
    '```\n<script>alert(1)</script>\n```',
    '**<img src=x onerror=alert(1)>**',
  ])('puts user text only in bindings, never in markup: %j', (source) => {
    const result: TemplateResult = renderMessageText(parseMessageText(source));
    const markup = staticParts(result).join('');
    expect(markup).not.toMatch(/img|script|onerror|alert/);
    expect(toHtml(result)).not.toMatch(/<img|<script|href=/);
  });

  it('does not render a hand-built link with an unsafe href as a link', () => {
    const blocks: MessageBlock[] = [
      para({ type: 'link', href: 'javascript:alert(1)', children: [text('click')] }),
    ];
    expect(toHtml(renderMessageText(blocks))).toBe('<p dir="auto">click</p>');
  });
});
