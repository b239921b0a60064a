import type { AnyEvent } from './envelope.ts';
import type { MessageSent, MessageSentV1 } from './message-sent.ts';

/**
 * One step of an event type's chain: version `from` to `from + 1`. Pure: it sees only
 * the event (never the clock, the log or who is reading), so every reader upcasts an
 * event the same way, today and after any number of later versions.
 */
export interface Upcaster {
  readonly type: string;
  readonly from: number;
  up(event: AnyEvent): AnyEvent;
}

function step<From extends AnyEvent, To extends AnyEvent>(
  type: From['type'],
  from: number,
  up: (event: From) => To,
): Upcaster {
  // Sound because the registry calls `up` only on events that passed `type` v`from`'s schema.
  return { type, from, up };
}

/**
 * `message.sent` v1 → v2. A v1 message bound no one: its `@name`s were matched against
 * whoever bore the name when it was read. Nothing in the event says who that was when it
 * was sent, so the honest upcast mentions no one; the text keeps its `@name`s as typed.
 */
export function messageSentV1toV2(event: MessageSentV1): MessageSent {
  return { ...event, v: 2, payload: { ...event.payload, mentions: [] } };
}

/** Every step of every chain; the registry checks at load that no chain has a gap. */
export const UPCASTERS: readonly Upcaster[] = [step('message.sent', 1, messageSentV1toV2)];
