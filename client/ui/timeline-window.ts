import type { EventId } from '../../shared/ids.ts';
import type { TimelineWindow } from '../api.ts';

/**
 * How much history is in the DOM: the latest messages, or a window around the part the
 * reader scrolled (or jumped) to. Scrolling near an edge moves the window, so a room of
 * 100,000 messages costs what a room of a few hundred does.
 */
export const LATEST = { kind: 'latest', limit: 150 } as const satisfies TimelineWindow;
export const PAGE = 100;
/** How close to an edge, in pixels, counts as reaching it. */
const EDGE = 300;
/** Slack below the latest message within which the reader still counts as at the end. */
const END_SLACK = 48;

/** The messages around `anchor`: a page before it, and `after` from it on. */
export function around(anchor: EventId, after = PAGE): TimelineWindow {
  return { kind: 'around', anchor, before: PAGE, after };
}

export function nearTop(log: Element): boolean {
  return log.scrollTop < EDGE;
}

export function nearBottom(log: Element): boolean {
  return below(log) < EDGE;
}

/**
 * At the end of the log: no more than its last item, or a slack under it, below the view.
 * A reader one message short of the end is still reading the latest messages.
 */
export function atEnd(log: Element): boolean {
  const last = log.querySelector('ol')?.lastElementChild;
  const lastHeight = last?.getBoundingClientRect().height ?? 0;
  return below(log) < END_SLACK + Math.min(lastHeight, log.clientHeight / 2);
}

function below(log: Element): number {
  return log.scrollHeight - log.scrollTop - log.clientHeight;
}
