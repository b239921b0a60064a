/**
 * Renders parsed message text (see message-text.ts) with Lit.
 *
 * Every piece of user text reaches the DOM through a Lit text binding, and every attribute
 * through an attribute binding: nothing here builds HTML from strings. Link targets are checked
 * again, so a hand-built tree with an unsafe `href` renders as plain text, not a link.
 *
 * The templates have no whitespace between tags, so they can sit in a `white-space: pre-wrap`
 * container without adding blank space.
 */
import { css, html, nothing, type TemplateResult } from 'lit';
import { isSafeHref, type InlineNode, type MessageBlock } from './message-text.ts';

function renderInline(nodes: readonly InlineNode[]): (TemplateResult | string)[] {
  return nodes.map((node) => {
    switch (node.type) {
      case 'text':
        return node.text;
      case 'strong':
        return html`<strong>${renderInline(node.children)}</strong>`;
      case 'em':
        return html`<em>${renderInline(node.children)}</em>`;
      case 'code':
        return html`<code>${node.text}</code>`;
      case 'link':
        return isSafeHref(node.href)
          ? html`<a href=${node.href} target="_blank" rel="noopener noreferrer"
              >${renderInline(node.children)}</a
            >`
          : html`${renderInline(node.children)}`;
      case 'mention':
        // dir="auto" isolates the name, so bidi controls in it cannot reorder the text around it.
        return html`<span class="mention" dir="auto" ?data-self=${node.self}>${node.text}</span>`;
      case 'break':
        return html`<br />`;
    }
  });
}

/** The message as Lit templates: paragraphs as `<p>`, code blocks as `<pre><code>`. */
export function renderMessageText(blocks: readonly MessageBlock[]): TemplateResult {
  return html`${blocks.map((block) =>
    block.type === 'paragraph'
      ? html`<p dir="auto">${renderInline(block.children)}</p>`
      : html`<pre><code data-language=${block.language ?? nothing}>${block.text}</code></pre>`,
  )}`;
}

/** Styles for rendered message text; add them to the styles of the component that shows it. */
export const messageTextStyles = css`
  .message-text p {
    margin: 0;
  }
  .message-text p + p,
  .message-text p + pre,
  .message-text pre + p,
  .message-text pre + pre {
    margin-top: 0.5em;
  }
  .message-text code {
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
    font-size: 0.9em;
    padding: 0.05em 0.3em;
    border-radius: 4px;
    background: var(--kafky-surface);
  }
  .message-text pre {
    margin: 0;
    padding: 0.5em 0.75em;
    overflow-x: auto;
    border-radius: 6px;
    background: var(--kafky-surface);
    white-space: pre;
  }
  .message-text pre code {
    padding: 0;
    background: none;
  }
  .message-text a {
    color: var(--kafky-accent);
  }
  .message-text .mention {
    font-weight: 600;
    color: var(--kafky-accent);
  }
  .message-text .mention[data-self] {
    padding: 0 0.2em;
    border-radius: 4px;
    background: var(--kafky-accent);
    color: var(--kafky-on-accent);
  }
`;
