import { Dexie } from 'dexie';
import {
  KafkyError,
  checkEvent,
  type Ack,
  type AuthorId,
  type ErrorCode,
  type EventId,
  type KafkyEvent,
  type RoomId,
  type SequencedEvent,
} from '../../shared/index.ts';
import { WRITE_TABLES, type KafkyDb, type RoomState, type StoredEvent } from './db.ts';
import type { Projector } from './projectors/index.ts';

/** What a write changed, for the bus to announce once the transaction has committed. */
export interface Applied {
  /** Events this browser did not hold before. */
  added: StoredEvent[];
  /** Own events the relay has now sequenced. */
  confirmed: StoredEvent[];
}

/**
 * This browser's log and read models. Every write appends or updates events and runs
 * the projectors in one IndexedDB transaction, so the read models never disagree with
 * the log, even when the tab or the browser dies mid-write.
 */
export class EventStore {
  constructor(
    private readonly db: KafkyDb,
    private readonly projectors: readonly Projector[],
  ) {}

  /** Appends an event written here; it stays in the outbox until the relay acknowledges it. */
  async appendLocal(event: KafkyEvent): Promise<StoredEvent> {
    const checked = checkEvent(event);
    if (!checked.ok) throw checked.error;
    return this.write(async () => {
      const pos = await this.db.events.add({ ...event });
      const stored: StoredEvent = { ...event, pos };
      await this.db.outbox.add({ id: event.id, room: event.room, pos });
      await this.project(stored);
      return stored;
    });
  }

  /** Takes sequenced events of one room from the relay, in sequence order. */
  async applyRemote(room: RoomId, events: readonly SequencedEvent[]): Promise<Applied> {
    return this.write(async () => {
      const applied: Applied = { added: [], confirmed: [] };
      for (const event of events) {
        if (event.room !== room) continue;
        const existing = await this.db.events.where('id').equals(event.id).first();
        if (!existing) {
          const pos = await this.db.events.add({ ...event });
          const stored: StoredEvent = { ...event, pos };
          await this.project(stored);
          applied.added.push(stored);
        } else if (existing.seq === undefined) {
          // Our own event, stored by the relay but whose ack we never got.
          applied.confirmed.push(await this.confirm(existing, event.seq, event.rts));
        }
      }
      await this.advanceCursor(room);
      return applied;
    });
  }

  /** Marks own events as durable at the relay with the place it gave them. */
  async applyAcks(acks: Ack['acks']): Promise<StoredEvent[]> {
    return this.write(async () => {
      const confirmed: StoredEvent[] = [];
      const rooms = new Set<RoomId>();
      for (const ack of acks) {
        const existing = await this.db.events.where('id').equals(ack.id).first();
        if (!existing || existing.seq !== undefined) continue;
        confirmed.push(await this.confirm(existing, ack.seq, ack.rts));
        rooms.add(ack.room);
      }
      for (const room of rooms) await this.advanceCursor(room);
      return confirmed;
    });
  }

  /** The relay refused an own event: keep it in the log, stop sending it, show it failed. */
  async markRejected(id: EventId, code: ErrorCode, message: string): Promise<StoredEvent | null> {
    return this.write(async () => {
      const existing = await this.db.events.where('id').equals(id).first();
      if (!existing || existing.seq !== undefined) return null;
      const rejected = { code, message };
      await this.db.events.update(existing.pos, { rejected });
      await this.db.outbox.delete(id);
      const stored = { ...existing, rejected };
      await this.project(stored);
      return stored;
    });
  }

  /** Own events waiting for the relay, oldest first. */
  async outbox(limit: number): Promise<StoredEvent[]> {
    const entries = await this.db.outbox.orderBy('pos').limit(limit).toArray();
    const events = await this.db.events.bulkGet(entries.map((entry) => entry.pos));
    return events.filter((event): event is StoredEvent => event !== undefined);
  }

  async pendingCount(): Promise<number> {
    return this.db.outbox.count();
  }

  async rooms(): Promise<RoomState[]> {
    return this.db.rooms.toArray();
  }

  /** Joins a room: from now on this browser syncs it. */
  async join(room: RoomId): Promise<void> {
    await this.db.transaction('rw', this.db.rooms, async () => {
      if (!(await this.db.rooms.get(room))) await this.db.rooms.add({ room, cursor: 0 });
    });
  }

  /** This browser's author id, made on first use. */
  async author(): Promise<AuthorId> {
    return this.db.transaction('rw', this.db.meta, async () => {
      const row = await this.db.meta.get('author');
      if (typeof row?.value === 'string') return row.value as AuthorId;
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      const author = base64url(bytes) as AuthorId;
      await this.db.meta.put({ key: 'author', value: author });
      return author;
    });
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    return (await this.db.meta.get(key))?.value as T | undefined;
  }

  async setMeta(key: string, value: unknown): Promise<void> {
    await this.db.meta.put({ key, value });
  }

  /** Forgets how far each room was caught up, so the next catch-up starts from the beginning. */
  async resetCursors(): Promise<void> {
    await this.db.rooms.toCollection().modify({ cursor: 0 });
  }

  private async confirm(event: StoredEvent, seq: number, rts: number): Promise<StoredEvent> {
    await this.db.events.update(event.pos, { seq, rts });
    await this.db.outbox.delete(event.id);
    const stored = { ...event, seq, rts };
    await this.project(stored);
    return stored;
  }

  /** Moves the room's cursor over every sequence now held without a gap. */
  private async advanceCursor(room: RoomId): Promise<void> {
    const state = await this.db.rooms.get(room);
    if (!state) return;
    let cursor = state.cursor;
    const held = await this.db.events
      .where('[room+seq]')
      .between([room, cursor + 1], [room, Dexie.maxKey])
      .keys();
    for (const key of held) {
      if ((key as unknown as [RoomId, number])[1] !== cursor + 1) break;
      cursor += 1;
    }
    if (cursor !== state.cursor) await this.db.rooms.update(room, { cursor });
  }

  /** Runs the projectors on an event whose type and schema this code knows. */
  private async project(event: StoredEvent): Promise<void> {
    if (!checkEvent(stripStorage(event)).ok) return;
    for (const projector of this.projectors) {
      await projector.apply(this.db, event as Parameters<Projector['apply']>[1]);
    }
  }

  private async write<T>(scope: () => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction('rw', [...WRITE_TABLES], scope);
    } catch (error) {
      throw storageError(error);
    }
  }
}

/** The event as its author wrote it, without what this browser adds. */
function stripStorage(event: StoredEvent): unknown {
  const { id, type, v, room, author, ts, payload } = event;
  return { id, type, v, room, author, ts, payload };
}

function storageError(error: unknown): KafkyError {
  if (error instanceof KafkyError) return error;
  const name = (error as { name?: string } | null)?.name;
  if (
    name === 'QuotaExceededError' ||
    (error as { inner?: { name?: string } })?.inner?.name === 'QuotaExceededError'
  ) {
    return new KafkyError(
      'storage_full',
      'This browser has no room left for Kafky: free some disk space or site data, then try again.',
      { cause: error },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new KafkyError('storage_failed', `The browser refused to store this: ${message}`, {
    cause: error,
  });
}

function base64url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
