import { proxy } from 'comlink';
import type { EventId, RoomId } from '../../shared/ids.ts';
import type { BusEvent } from '../api.ts';
import type { KafkyRemote } from './worker-connection.ts';

/** Events older than this when they arrive are history catching up, not news. */
const FRESH_MS = 2 * 60_000;
/** At most this many notifications per window; more become one summary. */
const BURST = 3;
const BURST_WINDOW_MS = 10_000;

export interface NotifierContext {
  /** The room on screen in this tab. */
  currentRoom(): RoomId;
  /** Where a click on a notification leads. */
  open(room: RoomId, message: EventId): void;
}

/**
 * Desktop notifications, once the person has allowed them: for a message that mentions
 * them, or for any message while this tab is hidden. Every tab of the browser may show
 * one; they share the event id as tag, so the browser shows it once.
 */
export async function startNotifications(
  api: KafkyRemote,
  context: NotifierContext,
): Promise<void> {
  if (!('Notification' in window)) return;
  const recent: number[] = [];
  await api.onEvent(
    'kafked',
    proxy(async (event: BusEvent) => {
      if (Notification.permission !== 'granted' || event.type !== 'message.sent') return;
      const profile = await api.getProfile();
      if (event.author === profile.author) return;
      if (event.rts !== undefined && Date.now() - event.rts > FRESH_MS) return;
      const { text, mentions } = event.payload as { text?: unknown; mentions?: unknown };
      // v2 messages name who they mention, bound when sent; a v1 one only has the text.
      const mentioned = Array.isArray(mentions)
        ? mentions.includes(profile.author)
        : profile.name !== null && typeof text === 'string' && mentionsName(text, profile.name);
      const hidden = document.visibilityState !== 'visible';
      if (!hidden && (!mentioned || context.currentRoom() === event.room)) return;
      const now = Date.now();
      while (recent.length && now - recent[0]! > BURST_WINDOW_MS) recent.shift();
      recent.push(now);
      if (recent.length > BURST + 1) return;
      const summary = await api.getMessageSummary(event.id);
      if (!summary) return;
      const notification =
        recent.length > BURST
          ? new Notification('Kafky', { body: 'More new messages', tag: 'kafky-burst' })
          : new Notification(`${summary.authorName} in ${summary.roomName}`, {
              body: summary.text,
              tag: event.id,
            });
      notification.onclick = () => {
        window.focus();
        context.open(event.room, event.id);
        notification.close();
      };
    }),
  );
}

function mentionsName(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}_])@${escaped}(?![\\p{L}\\p{N}_])`, 'iu').test(text);
}
