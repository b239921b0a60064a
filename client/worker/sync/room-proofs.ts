import { joinProof, roomKey, type EventId, type Subscribe } from '../../../shared/index.ts';
import type { RoomState } from '../db.ts';

/**
 * A subscribe from the room's cursor, proving its secret against this connection's
 * challenge if it has one (a keyed room); an open room needs no proof.
 */
export async function subscribeFrame(
  challenge: string,
  { room, cursor, secret }: Pick<RoomState, 'room' | 'cursor' | 'secret'>,
): Promise<Subscribe> {
  if (!secret) return { type: 'subscribe', room, after: cursor };
  const [{ publicKey }, proof] = await Promise.all([
    roomKey(secret),
    joinProof(secret, challenge, room),
  ]);
  return { type: 'subscribe', room, after: cursor, key: publicKey, proof };
}

/** How long events wait for a keyed room the relay does not have yet. */
const ROOM_RETRY_MS = 1000;

/**
 * Events a keyed room turned away although this browser holds its secret: the room is
 * not at the relay yet (an invite opened before the room's creation arrived, or a
 * replaced log its creator has not pushed again). Not a refusal: they are held back a
 * moment and then `retry` pushes them again, with the room's events behind them.
 */
export class RoomNotThere {
  private readonly held = new Set<EventId>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly retry: () => void) {}

  has(id: EventId): boolean {
    return this.held.has(id);
  }

  hold(id: EventId): void {
    this.held.add(id);
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.held.clear();
      this.retry();
    }, ROOM_RETRY_MS);
  }

  /** The socket dropped: the next one pushes everything anew. */
  clear(): void {
    this.held.clear();
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
