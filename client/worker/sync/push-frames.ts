import { LIMITS, signEvent, type AnyEvent } from '../../../shared/index.ts';
import type { StoredEvent } from '../db.ts';
import type { DeviceIdentity } from '../identity.ts';
import type { Delivery } from './sync-client.ts';

/** Leave room in a frame for the envelope of the `push` message. */
const PUSH_BYTES_MAX = LIMITS.frameBytesMax - 1024;

/** The event as its author wrote it, without what the local store adds. */
export function wireEvent(event: AnyEvent) {
  const { id, type, v, room, author, ts, payload, sig } = event;
  return { id, type, v, room, author, ts, payload, ...(sig === undefined ? {} : { sig }) };
}

/**
 * Signs own events as they leave, outside any transaction (Web Crypto is asynchronous).
 * They are signed here rather than when written because a draft may still be rewritten
 * until it is claimed for a push; Ed25519 is deterministic, so pushing an event again
 * signs it the same. An event stored under another author (this browser's id from before
 * signing) cannot be signed by this key: it is refused here, as the relay would.
 */
export async function signForPush(
  events: readonly StoredEvent[],
  identity: DeviceIdentity | undefined,
  delivery: Pick<Delivery, 'refused'>,
): Promise<{ event: StoredEvent; wire: ReturnType<typeof wireEvent> }[]> {
  if (!identity) return events.map((event) => ({ event, wire: wireEvent(event) }));
  const signed = [];
  for (const event of events) {
    if (event.author !== identity.author) {
      await delivery.refused(
        event.id,
        'wrong_author',
        'written under this browser’s id from before events were signed; it cannot be signed now',
      );
      continue;
    }
    // A signature once made is kept (a claimed event is never rewritten): a resend, a
    // reconnect or an epoch change does not sign it again.
    const wire = wireEvent(event);
    signed.push({ event, wire: wire.sig ? wire : await signEvent(wire, identity.privateKey) });
  }
  return signed;
}

/** Splits events into push frames that respect the relay's batch and frame limits. */
export function* batches<E extends AnyEvent>(events: readonly E[]): Generator<E[]> {
  let batch: E[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = JSON.stringify(wireEvent(event)).length * 3;
    if (batch.length && (batch.length >= LIMITS.pushBatchMax || bytes + size > PUSH_BYTES_MAX)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(event);
    bytes += size;
  }
  if (batch.length) yield batch;
}
