import { proxy } from 'comlink';
import type { EventId, RoomId } from '../../shared/ids.ts';
import type { BusEvent, SubscriptionId } from '../api.ts';
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

let permission: NotificationPermission | undefined;
const permissionChanged = new Set<() => void>();

function setPermission(value: NotificationPermission): void {
  if (value === permission) return;
  permission = value;
  for (const listener of permissionChanged) listener();
}

/**
 * Whether the person allows notifications. Reading `Notification.permission` asks the
 * browser process and waits for it (about half a millisecond), too slow to do for every
 * event or every render: this asks once, then follows the Permissions API's changes.
 */
export function notificationPermission(): NotificationPermission {
  if (!('Notification' in window)) return 'denied';
  if (permission === undefined) {
    permission = Notification.permission;
    navigator.permissions
      ?.query({ name: 'notifications' })
      .then((status) => {
        status.onchange = () => setPermission(Notification.permission);
      })
      .catch((error: unknown) => console.warn('kafky: cannot follow the permission', error));
  }
  return permission;
}

/** Asks the person to allow notifications (from a click), and remembers the answer. */
export async function askNotificationPermission(): Promise<NotificationPermission> {
  const answer = await Notification.requestPermission();
  setPermission(answer);
  return answer;
}

/**
 * Desktop notifications, once the person has allowed them: for a message that mentions
 * them, or for any message while this tab is hidden. Every tab of the browser may show
 * one; they share the event id as tag, so the browser shows it once. Until they are
 * allowed, this tab takes no events at all, rather than every event of every room.
 */
export function startNotifications(api: KafkyRemote, context: NotifierContext): Promise<void> {
  if (!('Notification' in window)) return Promise.resolve();
  let subscription: Promise<SubscriptionId> | null = null;
  const follow = () => {
    const granted = notificationPermission() === 'granted';
    if (granted && !subscription) {
      subscription = api.onEvent('kafked', proxy(onEvent));
      subscription.catch((error: unknown) => console.warn('kafky: no notifications', error));
    } else if (!granted && subscription) {
      const stopped = subscription;
      subscription = null;
      stopped
        .then((id) => api.unsubscribe(id))
        .catch((error: unknown) => console.warn('kafky: could not stop notifications', error));
    }
  };
  const recent: number[] = [];
  const onEvent = async (event: BusEvent) => {
    if (event.type !== 'message.sent') return;
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
  };
  permissionChanged.add(follow);
  follow();
  return Promise.resolve();
}

function mentionsName(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}_])@${escaped}(?![\\p{L}\\p{N}_])`, 'iu').test(text);
}
