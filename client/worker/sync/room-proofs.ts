import {
  PROOF_TEXTS,
  joinProof,
  roomKey,
  signText,
  type Auth,
  type EventId,
  type RoomId,
  type Subscribe,
} from '../../../shared/index.ts';
import type { RoomState } from '../db.ts';
import { Backoff } from './backoff.ts';
import type { EventStore } from '../event-store.ts';
import type { DeviceIdentity } from '../identity.ts';

/**
 * How many of a room's newest events to ask for ahead of a long catch-up: two timeline
 * pages' worth, so a screenful of messages shows even with edits and reactions among them.
 */
export const LATEST_FIRST = 200;

/**
 * A subscribe from the room's cursor, proving its secret against this connection's
 * challenge if it has one (a keyed room); an open room needs no proof.
 */
export async function subscribeFrame(
  challenge: string,
  { room, cursor, secret }: Pick<RoomState, 'room' | 'cursor' | 'secret'>,
): Promise<Subscribe> {
  const frame = { type: 'subscribe', room, after: cursor, latest: LATEST_FIRST } as const;
  if (!secret) return frame;
  const [{ publicKey }, proof] = await Promise.all([
    roomKey(secret),
    joinProof(secret, challenge, room),
  ]);
  return { ...frame, key: publicKey, proof };
}

/**
 * What answers a `welcome`: the proof of this browser's key (none without one), and a
 * subscribe for each room it follows, with `left` for a room left while offline that
 * still has its leave to push: it is proved and left again at once, as the relay takes no
 * event of a keyed room without a proof.
 */
export async function welcomeReply(
  store: Pick<EventStore, 'rooms' | 'outboxRooms'>,
  identity: DeviceIdentity | undefined,
  challenge: string,
): Promise<{ auth: Auth | null; subscribes: { left?: boolean; frame: Subscribe }[] }> {
  const rooms = await store.rooms();
  const proof = identity ? await signText(identity.privateKey, PROOF_TEXTS.auth(challenge)) : null;
  const waiting = new Set(await store.outboxRooms());
  const subscribes = await Promise.all(
    rooms
      .filter((r) => !r.left || waiting.has(r.room))
      .map(async (r) => ({ left: r.left, frame: await subscribeFrame(challenge, r) })),
  );
  const auth = identity && proof ? { type: 'auth' as const, author: identity.author, proof } : null;
  return { auth, subscribes };
}

/** How long events first wait for a keyed room the relay does not have yet. */
export const ROOM_RETRY_MS = 1000;
/**
 * The longest they wait: each round a room is turned away doubles its wait up to here, so
 * a room the relay keeps refusing (an invite link with a wrong secret, whose denial the
 * room shows) costs a push a minute, not one a second for as long as the tab is open.
 */
export const ROOM_RETRY_MAX_MS = 60_000;

/**
 * Events a keyed room turned away although this browser holds its secret: the room is
 * not at the relay yet (an invite opened before the room's creation arrived, or a
 * replaced log its creator has not pushed again). Not a refusal: they are held back a
 * moment and then `retry` pushes them again, with the room's events behind them.
 */
export class RoomNotThere {
  /** Each event held back, with its room. */
  private readonly held = new Map<EventId, RoomId>();
  /** Per room turned away: the round waiting, and the waits of the next ones. */
  private readonly rounds = new Map<
    RoomId,
    { timer?: ReturnType<typeof setTimeout>; backoff: Backoff }
  >();

  constructor(private readonly retry: () => void) {}

  has(id: EventId): boolean {
    return this.held.has(id);
  }

  hold(id: EventId, room: RoomId): void {
    this.held.set(id, room);
    // Without jitter: these are one browser's waits, not every browser's reconnects.
    const round = this.rounds.get(room) ?? {
      backoff: new Backoff(ROOM_RETRY_MS, ROOM_RETRY_MAX_MS, () => 1),
    };
    this.rounds.set(room, round);
    if (round.timer !== undefined) return;
    round.timer = setTimeout(() => {
      round.timer = undefined;
      for (const [held, of] of this.held) if (of === room) this.held.delete(held);
      this.retry();
    }, round.backoff.next());
  }

  /** The relay took an event of `room`: it is there now, and waits start short again. */
  taken(room: RoomId): void {
    const round = this.rounds.get(room);
    if (!round) return;
    if (round.timer === undefined) this.rounds.delete(room);
    else round.backoff.reset();
  }

  /** The socket dropped: the next one pushes everything anew. */
  clear(): void {
    this.held.clear();
    for (const round of this.rounds.values()) clearTimeout(round.timer);
    this.rounds.clear();
  }
}
