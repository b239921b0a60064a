import {
  KafkyError,
  newEventId,
  type AuthorId,
  type EventId,
  type KafkyEvent,
  type RoomId,
} from '../../shared/index.ts';
import type { EventBus } from './bus.ts';
import type { KafkyDb, MessageRow } from './db.ts';
import type { EventStore } from './event-store.ts';

/** Distributes the types over the union, so each event type keeps its own payload. */
type Draft<E> = E extends KafkyEvent ? Omit<E, 'id' | 'room' | 'author' | 'ts'> : never;

/**
 * The write side: each command checks what it may do against the read models, turns
 * the intent into events, appends them with their projections in one transaction, and
 * announces them on the bus's eager emit.
 */
export class Commands {
  constructor(
    private readonly store: EventStore,
    private readonly db: KafkyDb,
    private readonly bus: EventBus,
    private readonly author: AuthorId,
    private readonly now: () => number = Date.now,
  ) {}

  async sendMessage(room: RoomId, text: string, replyTo?: EventId): Promise<EventId> {
    const payload = replyTo ? { text: text.trim(), replyTo } : { text: text.trim() };
    const [id] = await this.append(room, [{ type: 'message.sent', v: 1, payload }]);
    return id!;
  }

  async editMessage(id: EventId, text: string): Promise<void> {
    const message = await this.ownMessage(id, 'edit');
    const trimmed = text.trim();
    if (trimmed === message.text && !message.deleted) return;
    const payload = message.replyTo
      ? { text: trimmed, replyTo: message.replyTo }
      : { text: trimmed };
    // Never sent: change it where it is, so only the new text ever leaves this browser.
    if (await this.store.reviseDraft(id, payload)) return;
    await this.append(message.room, [
      { type: 'message.edited', v: 1, payload: { target: id, text: trimmed } },
    ]);
  }

  async deleteMessage(id: EventId): Promise<void> {
    const message = await this.ownMessage(id, 'delete');
    if (message.deleted) return;
    if (await this.store.reviseDraft(id, null)) return;
    await this.append(message.room, [{ type: 'message.deleted', v: 1, payload: { target: id } }]);
  }

  async toggleReaction(id: EventId, key: string): Promise<void> {
    const message = await this.db.messages.get(id);
    if (!message) throw new KafkyError('invalid_event', 'There is no such message here.');
    if (message.deleted) throw new KafkyError('invalid_event', 'That message was deleted.');
    const on = !message.reactions.some((r) => r.key === key && r.authors.includes(this.author));
    await this.append(message.room, [
      { type: 'reaction.set', v: 1, payload: { target: id, key, on } },
    ]);
  }

  async retryMessage(id: EventId): Promise<void> {
    if (!(await this.store.retryRejected(id))) {
      throw new KafkyError('invalid_event', 'Only a message the relay refused can be retried.');
    }
    const event = await this.db.events.where('id').equals(id).first();
    if (event) this.bus.emit('eager', [event]);
  }

  async discardMessage(id: EventId): Promise<void> {
    if (!(await this.store.discardRejected(id))) {
      throw new KafkyError('invalid_event', 'Only a message the relay refused can be discarded.');
    }
  }

  async markRead(room: RoomId, through: EventId): Promise<void> {
    const current = await this.db.reads.get([room, this.author]);
    if (current?.through === through) return;
    await this.append(room, [{ type: 'read.marked', v: 1, payload: { through } }]);
  }

  /** The name is kept per room, as Matrix does: set it in every room this browser is in. */
  async setDisplayName(name: string): Promise<void> {
    const trimmed = name.trim();
    const rooms = (await this.store.rooms()).filter((r) => !r.left);
    const events = rooms.map(({ room }) => ({
      ...this.envelope(room),
      type: 'profile.name-set' as const,
      v: 1 as const,
      payload: { name: trimmed },
    }));
    const stored = await this.store.appendLocalAll(events, async (db) => {
      await db.meta.put({ key: 'displayName', value: trimmed });
    });
    this.bus.emit('eager', stored);
  }

  async createRoom(name: string): Promise<RoomId> {
    const room = newRoomId();
    await this.append(room, [
      { type: 'room.created', v: 1, payload: { name: name.trim() } },
      ...(await this.nameDraft()),
    ]);
    return room;
  }

  async renameRoom(room: RoomId, name: string): Promise<void> {
    await this.append(room, [{ type: 'room.renamed', v: 1, payload: { name: name.trim() } }]);
  }

  async joinRoom(room: RoomId): Promise<void> {
    const member = await this.db.members.get([room, this.author]);
    const state = (await this.store.rooms()).find((r) => r.room === room);
    if (member?.member && state && !state.left) return;
    await this.append(room, [
      { type: 'member.joined', v: 1, payload: {} },
      ...(await this.nameDraft()),
    ]);
  }

  async leaveRoom(room: RoomId): Promise<void> {
    const stored = await this.store.appendLocalAll(
      [{ ...this.envelope(room), type: 'member.left', v: 1, payload: {} }],
      async (db) => {
        await db.rooms.update(room, { left: true });
      },
    );
    this.bus.emit('eager', stored);
  }

  private async nameDraft(): Promise<Draft<KafkyEvent>[]> {
    const name = (await this.db.meta.get('displayName'))?.value;
    return typeof name === 'string' ? [{ type: 'profile.name-set', v: 1, payload: { name } }] : [];
  }

  private async ownMessage(id: EventId, what: string): Promise<MessageRow> {
    const message = await this.db.messages.get(id);
    if (!message) throw new KafkyError('invalid_event', 'There is no such message here.');
    if (message.author !== this.author) {
      throw new KafkyError('invalid_event', `Only its author can ${what} a message.`);
    }
    return message;
  }

  /** Appends drafts to a room as this browser's author; joins the room for sync if needed. */
  private async append(room: RoomId, drafts: readonly Draft<KafkyEvent>[]): Promise<EventId[]> {
    const events = drafts.map((draft) => ({ ...this.envelope(room), ...draft }));
    const stored = await this.store.appendLocalAll(events, async (db) => {
      const state = await db.rooms.get(room);
      if (!state) await db.rooms.add({ room, cursor: 0 });
      else if (state.left && drafts.some((d) => d.type === 'member.joined')) {
        await db.rooms.update(room, { left: false });
      }
    });
    this.bus.emit('eager', stored);
    return stored.map((event) => event.id);
  }

  private envelope(room: RoomId) {
    const ts = this.now();
    return { id: newEventId(ts), room, author: this.author, ts };
  }
}

/** A new room's id: random, so that it cannot be guessed from another room's. */
export function newRoomId(): RoomId {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') as RoomId;
}
