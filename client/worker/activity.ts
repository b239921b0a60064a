import type { AuthorId, RoomId } from '../../shared/index.ts';
import type { ActivityView, MemberView } from '../api.ts';
import { fallbackName } from './queries.ts';

/** One typing author, with how long the signal still holds. */
export interface TypingEntry {
  author: AuthorId;
  /** Milliseconds left. */
  ttl: number;
}

/** A room's ephemeral activity as it stands: what one core hands another. */
export interface RoomActivity {
  /** Who is typing, in the order they started. */
  typing: TypingEntry[];
  /** Who is online in the room, as the relay last said. */
  online: AuthorId[];
  /** Why the relay refused this connection the room (no proof of its secret), if it did. */
  denied?: string;
}

type ActivityListener = (room: RoomId) => void;

interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface RoomState {
  typing: Map<AuthorId, { expires: number; timer: unknown }>;
  online: AuthorId[];
  denied: string | null;
}

/**
 * Who is typing and who is online, per room: ephemeral signals from the relay, held in
 * memory only and never written anywhere. Each typing signal expires on its own after
 * its time to live; a room's state goes when the socket does, since nothing keeps it
 * true any more.
 */
export class ActivityState {
  private readonly rooms = new Map<RoomId, RoomState>();
  private readonly listeners = new Set<ActivityListener>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly timers: Timers = realTimers,
  ) {}

  /** Someone is typing for `ttl` ms more; a `ttl` of 0 means they stopped. */
  typing(room: RoomId, author: AuthorId, ttl: number): void {
    const state = this.room(room);
    const old = state.typing.get(author);
    if (old) this.timers.clearTimeout(old.timer);
    if (ttl <= 0) {
      if (!old) return;
      state.typing.delete(author);
    } else {
      // Someone typing again keeps their place in the order, with a new expiry (a change
      // too, for the cores that mirror this one).
      state.typing.set(author, {
        expires: this.now() + ttl,
        timer: this.timers.setTimeout(() => this.typing(room, author, 0), ttl),
      });
    }
    this.changed(room);
  }

  /** Who is online in the room now. Anyone who went offline stopped typing too. */
  presence(room: RoomId, online: readonly AuthorId[]): void {
    const state = this.room(room);
    const next = [...new Set(online)].sort();
    const left = [...state.typing.keys()].filter((author) => !next.includes(author));
    for (const author of left) {
      this.timers.clearTimeout(state.typing.get(author)?.timer);
      state.typing.delete(author);
    }
    if (left.length === 0 && next.join(' ') === state.online.join(' ')) return;
    state.online = next;
    this.changed(room);
  }

  /** Who came online in the room and who went offline, since the relay last told it. */
  presenceChange(room: RoomId, joined: readonly AuthorId[], left: readonly AuthorId[]): void {
    const gone = new Set(left);
    const online = this.rooms.get(room)?.online ?? [];
    this.presence(room, [...online.filter((author) => !gone.has(author)), ...joined]);
  }

  /**
   * The relay refused to let this connection read the room (`reason`), or, with null,
   * let it in after all: a room is never shown as merely empty when it is closed to us.
   */
  denied(room: RoomId, reason: string | null): void {
    // Called on every caught-up: no entry for a room that never had anything.
    if ((this.rooms.get(room)?.denied ?? null) === reason) return;
    const state = this.room(room);
    state.denied = reason;
    this.changed(room);
  }

  /** Replaces a room's state with another core's, for the tabs that follow a leader. */
  load(room: RoomId, activity: RoomActivity): void {
    this.drop(room);
    const state = this.room(room);
    state.online = [...new Set(activity.online)].sort();
    state.denied = activity.denied ?? null;
    for (const { author, ttl } of activity.typing) {
      if (ttl <= 0) continue;
      state.typing.set(author, {
        expires: this.now() + ttl,
        timer: this.timers.setTimeout(() => this.typing(room, author, 0), ttl),
      });
    }
    this.changed(room);
  }

  /** Forgets every room, e.g. when the socket drops: no one is known to be anywhere. */
  clear(): void {
    for (const room of [...this.rooms.keys()]) {
      const empty = this.isEmpty(room);
      this.drop(room);
      if (!empty) this.changed(room);
    }
  }

  get(room: RoomId): RoomActivity {
    const state = this.rooms.get(room);
    if (!state) return { typing: [], online: [] };
    const now = this.now();
    return {
      typing: [...state.typing].map(([author, { expires }]) => ({
        author,
        ttl: Math.max(0, expires - now),
      })),
      online: [...state.online],
      ...(state.denied !== null && { denied: state.denied }),
    };
  }

  /** The rooms with anything going on. */
  activeRooms(): RoomId[] {
    return [...this.rooms.keys()].filter((room) => !this.isEmpty(room));
  }

  /** Called with the room each time a room's activity changes. */
  onChange(listener: ActivityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private room(room: RoomId): RoomState {
    let state = this.rooms.get(room);
    if (!state) {
      state = { typing: new Map(), online: [], denied: null };
      this.rooms.set(room, state);
    }
    return state;
  }

  private isEmpty(room: RoomId): boolean {
    const state = this.rooms.get(room);
    return (
      !state || (state.typing.size === 0 && state.online.length === 0 && state.denied === null)
    );
  }

  private drop(room: RoomId): void {
    const state = this.rooms.get(room);
    if (!state) return;
    for (const { timer } of state.typing.values()) this.timers.clearTimeout(timer);
    this.rooms.delete(room);
  }

  private changed(room: RoomId): void {
    for (const listener of this.listeners) {
      try {
        listener(room);
      } catch (error) {
        console.error('kafky: an activity listener failed', error);
      }
    }
  }
}

/** A room's activity as the reader sees it: names for ids, and the reader not typing. */
export function activityView(
  activity: RoomActivity,
  names: ReadonlyMap<AuthorId, string>,
  me: AuthorId,
): ActivityView {
  const nameOf = (author: AuthorId) => names.get(author) ?? fallbackName(author);
  return {
    typing: activity.typing.filter((t) => t.author !== me).map((t) => nameOf(t.author)),
    online: activity.online
      .map((author): MemberView => ({ author, name: nameOf(author), own: author === me }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    denied: activity.denied ?? null,
  };
}
