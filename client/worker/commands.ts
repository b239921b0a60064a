import {
  KafkyError,
  isRoomSecret,
  newRoomSecret,
  roomKey,
  type AuthorId,
  type EventId,
  type RoomId,
} from '../../shared/index.ts';
import type { KafkyDb, MessageRow } from './db.ts';
import type { EventStore } from './event-store.ts';
import { mentionsIn } from './mentions.ts';
import * as processes from './sagas/definitions.ts';
import type { EventDraft, ProcessDefinition } from './sagas/process.ts';
import type { ProcessManager } from './sagas/process-manager.ts';

/**
 * The write side: each command checks what it may do against the read models, turns
 * the intent into events, and starts a process that appends them with their
 * projections in one transaction (announced on the bus's eager emit) and sees them
 * through to the relay's acknowledgement or refusal (see sagas/).
 */
export class Commands {
  constructor(
    private readonly store: EventStore,
    private readonly db: KafkyDb,
    private readonly author: AuthorId,
    private readonly processes: ProcessManager,
  ) {}

  async sendMessage(room: RoomId, text: string, replyTo?: EventId): Promise<EventId> {
    const trimmed = text.trim();
    // Bound now (message.sent v2), so a later rename does not change who was meant.
    const mentions = await mentionsIn(this.db, room, trimmed);
    const payload = replyTo ? { text: trimmed, replyTo, mentions } : { text: trimmed, mentions };
    const [id] = await this.append(
      [{ room, type: 'message.sent', v: 2, payload }],
      processes.sendMessage,
    );
    return id!;
  }

  async editMessage(id: EventId, text: string): Promise<void> {
    const message = await this.ownMessage(id, 'edit');
    notFailed(message);
    const trimmed = text.trim();
    if (trimmed === message.text && !message.deleted) return;
    const mentions = await mentionsIn(this.db, message.room, trimmed);
    const payload = message.replyTo
      ? { text: trimmed, replyTo: message.replyTo, mentions }
      : { text: trimmed, mentions };
    // Never sent: change it where it is, so only the new text ever leaves this browser.
    if (await this.store.reviseDraft(id, payload)) return;
    await this.append([
      { room: message.room, type: 'message.edited', v: 1, payload: { target: id, text: trimmed } },
    ]);
  }

  async deleteMessage(id: EventId): Promise<void> {
    const message = await this.ownMessage(id, 'delete');
    if (message.deleted) return;
    notFailed(message);
    if (await this.processes.dropDraft(id)) return;
    await this.append([
      { room: message.room, type: 'message.deleted', v: 1, payload: { target: id } },
    ]);
  }

  async toggleReaction(id: EventId, key: string): Promise<void> {
    const message = await this.db.messages.get(id);
    if (!message) throw new KafkyError('invalid_event', 'There is no such message here.');
    if (message.deleted) throw new KafkyError('invalid_event', 'That message was deleted.');
    notFailed(message);
    const on = !message.reactions.some((r) => r.key === key && r.authors.includes(this.author));
    await this.append([
      { room: message.room, type: 'reaction.set', v: 1, payload: { target: id, key, on } },
    ]);
  }

  async retryMessage(id: EventId): Promise<void> {
    if (!(await this.processes.retry(id))) {
      throw new KafkyError('invalid_event', 'Only a message the relay refused can be retried.');
    }
  }

  async discardMessage(id: EventId): Promise<void> {
    if (!(await this.processes.discard(id))) {
      throw new KafkyError('invalid_event', 'Only a message the relay refused can be discarded.');
    }
  }

  async markRead(room: RoomId, through: EventId): Promise<void> {
    const current = await this.db.reads.get([room, this.author]);
    if (current?.through === through) return;
    await this.append([{ room, type: 'read.marked', v: 1, payload: { through } }]);
  }

  /** The name is kept per room, as Matrix does: set it in every room this browser is in. */
  async setDisplayName(name: string): Promise<void> {
    const trimmed = name.trim();
    const rooms = (await this.store.rooms()).filter((r) => !r.left);
    const drafts = rooms.map(({ room }) => ({
      room,
      type: 'profile.name-set' as const,
      v: 1 as const,
      payload: { name: trimmed },
    }));
    await this.processes.start(processes.deliver, { drafts }, async (db) => {
      await db.meta.put({ key: 'displayName', value: trimmed });
    });
  }

  /**
   * A process of its own: the room, then the creator joining, then the invite. The room's
   * secret is made here; its public key goes into `room.created` (derived before the
   * process's transaction: Web Crypto is asynchronous).
   */
  async createRoom(name: string): Promise<RoomId> {
    const room = newRoomId();
    const secret = newRoomSecret();
    const { publicKey } = await roomKey(secret);
    const displayName = (await this.db.meta.get('displayName'))?.value;
    await this.processes.start(
      processes.createRoom,
      {
        room,
        name: name.trim(),
        key: publicKey,
        displayName: typeof displayName === 'string' ? displayName : null,
      },
      (db) => joinLocally(db, room, false, secret),
    );
    return room;
  }

  async renameRoom(room: RoomId, name: string): Promise<void> {
    await this.append([{ room, type: 'room.renamed', v: 1, payload: { name: name.trim() } }]);
  }

  /** Joins a room, with the secret of its invite link unless it is open (or known here). */
  async joinRoom(room: RoomId, secret?: string): Promise<void> {
    if (secret !== undefined && !isRoomSecret(secret)) {
      throw new KafkyError('room_denied', 'This invite link is damaged: its secret is not whole.');
    }
    const member = await this.db.members.get([room, this.author]);
    const state = await this.db.rooms.get(room);
    // In it already, unless this brings the secret it lacked (a room first opened by its
    // id alone, which the relay keeps closed): then joining again keeps it and proves it.
    const newSecret = secret !== undefined && !state?.secret;
    if (member?.member && state && !state.left && !newSecret) return;
    await this.append(
      [{ room, type: 'member.joined', v: 1, payload: {} }, ...(await this.nameDraft(room))],
      processes.deliver,
      secret,
    );
  }

  /** The secret for a room's invite links; null for an open room. */
  async roomSecret(room: RoomId): Promise<string | null> {
    return (await this.db.rooms.get(room))?.secret ?? null;
  }

  async leaveRoom(room: RoomId): Promise<void> {
    await this.processes.start(
      processes.deliver,
      { drafts: [{ room, type: 'member.left', v: 1, payload: {} }] },
      async (db) => {
        await db.rooms.update(room, { left: true });
      },
    );
  }

  private async nameDraft(room: RoomId): Promise<EventDraft[]> {
    const name = (await this.db.meta.get('displayName'))?.value;
    return typeof name === 'string'
      ? [{ room, type: 'profile.name-set', v: 1, payload: { name } }]
      : [];
  }

  private async ownMessage(id: EventId, what: string): Promise<MessageRow> {
    const message = await this.db.messages.get(id);
    if (!message) throw new KafkyError('invalid_event', 'There is no such message here.');
    if (message.author !== this.author) {
      throw new KafkyError('invalid_event', `Only its author can ${what} a message.`);
    }
    return message;
  }

  /**
   * Starts a one-step process writing drafts to one room as this browser's author, and
   * joins the room for sync if needed.
   */
  private async append(
    drafts: EventDraft[],
    definition: ProcessDefinition<processes.DeliverData> = processes.deliver,
    secret?: string,
  ): Promise<EventId[]> {
    const room = drafts[0]!.room;
    const joins = drafts.some((d) => d.type === 'member.joined');
    const { events } = await this.processes.start(definition, { drafts }, (db) =>
      joinLocally(db, room, joins, secret),
    );
    return events.map((event) => event.id);
  }
}

/**
 * Makes this browser sync a room it writes to; a join also undoes an earlier leave, and
 * keeps the secret it came with (a secret held already is kept).
 */
async function joinLocally(
  db: KafkyDb,
  room: RoomId,
  joins: boolean,
  secret?: string,
): Promise<void> {
  const state = await db.rooms.get(room);
  if (!state) {
    await db.rooms.add({ room, ...(secret ? { secret } : {}) });
    return;
  }
  const changes = {
    ...(state.left && joins && { left: false }),
    ...(!state.secret && secret && { secret }),
  };
  if (Object.keys(changes).length > 0) await db.rooms.update(room, changes);
}

/** A refused message offers Retry and Discard; anything else would be lost with it. */
function notFailed(message: MessageRow): void {
  if (message.state === 'failed') {
    throw new KafkyError(
      'invalid_event',
      'The relay refused this message: retry or discard it first.',
    );
  }
}

/** A new room's id: random, so that it cannot be guessed from another room's. */
export function newRoomId(): RoomId {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') as RoomId;
}
