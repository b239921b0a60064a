import {
  newEventId,
  type AuthorId,
  type EventId,
  type KafkyEvent,
  type RoomId,
} from '../../shared/index.ts';
import type { EventBus } from './bus.ts';
import type { EventStore } from './event-store.ts';

/**
 * The write side: each command turns an intent into one event, appends it with its
 * projections in one transaction, and announces it on the bus's eager emit.
 */
export class Commands {
  constructor(
    private readonly store: EventStore,
    private readonly bus: EventBus,
    private readonly author: AuthorId,
    private readonly now: () => number = Date.now,
  ) {}

  async sendMessage(room: RoomId, text: string): Promise<EventId> {
    return this.append({
      ...this.envelope(room),
      type: 'message.sent',
      v: 1,
      payload: { text: text.trim() },
    });
  }

  async setDisplayName(room: RoomId, name: string): Promise<EventId> {
    return this.append({
      ...this.envelope(room),
      type: 'profile.name-set',
      v: 1,
      payload: { name: name.trim() },
    });
  }

  private envelope(room: RoomId) {
    const ts = this.now();
    return { id: newEventId(ts), room, author: this.author, ts };
  }

  private async append(event: KafkyEvent): Promise<EventId> {
    const stored = await this.store.appendLocal(event);
    this.bus.emit('eager', [stored]);
    return stored.id;
  }
}
