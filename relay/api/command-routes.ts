import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import {
  EVENT_REGISTRY,
  verifyEvent,
  type AnyEvent,
  type RoomId,
  type SequencedEvent,
} from '../../shared/index.ts';
import type { ReadQueries } from '../read/queries.ts';
import { admitEvent } from '../sync/admission.ts';
import type { Hub } from '../sync/hub.ts';
import { refuse } from './errors.ts';
import { knownRoom } from './params.ts';

/**
 * What a bot says in a message: the fields of the `message.sent` event it signed, which
 * the relay rebuilds from them (docs/rest-api.md says how, for the bot to sign the same).
 */
const BODY_FIELDS = ['id', 'author', 'ts', 'text', 'replyTo', 'mentions', 'sig'] as const;
/** Printable ASCII without spaces, as most clients generate (UUIDs, ULIDs, hashes). */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * The write side over HTTP: a bot posts a message. It becomes a `message.sent` event,
 * checked by the same schemas and limits as a browser's push, and takes the same path:
 * the hub's group commit, then fan-out to every browser subscribed to the room.
 */
export function commandRoutes({ hub, queries }: { hub: Hub; queries: ReadQueries }): Hono {
  const routes = new Hono();

  routes.post(
    '/rooms/:room/messages',
    bodyLimit({
      // A body is smaller than the event it makes, so the event limit bounds it too.
      maxSize: hub.maxEventBytes,
      onError: () =>
        refuse('body_too_large', `a request body may be at most ${hub.maxEventBytes} bytes`),
    }),
    async (c) => {
      const room = knownRoom(queries, c.req.param('room'));
      const key = c.req.header('Idempotency-Key');
      if (key === undefined) {
        refuse(
          'idempotency_key_missing',
          'send an Idempotency-Key header, the same for every retry of this message',
        );
      }
      if (!IDEMPOTENCY_KEY.test(key)) {
        refuse(
          'invalid_idempotency_key',
          'an Idempotency-Key is 1 to 255 printable ASCII characters, no spaces',
        );
      }
      const body = parseBody(await c.req.text());
      const event = messageEvent(room, body, hub.maxEventBytes);
      // No connection proved this author's key: the event's own signature must.
      const signature = await verifyEvent(event);
      if (!signature.ok) {
        refuse(
          event.sig === undefined ? 'unsigned_event' : 'bad_signature',
          `the message must be signed by its author's key: ${signature.reason}`,
        );
      }
      // A bot is held to its author's rate like any device.
      const limited = hub.refuseDevice(event.author, 1);
      if (limited) {
        if (limited.retryAfterMs !== undefined) {
          c.header('Retry-After', String(Math.ceil(limited.retryAfterMs / 1000)));
        }
        refuse(limited.code, limited.message);
      }
      const [result] = await hub.commit(null, [event], new Map([[event.id, key]]));
      if (!result!.duplicate) {
        return c.json(
          { event: { ...event, seq: result!.seq, rts: result!.rts }, replayed: false },
          201,
        );
      }
      const [original] = await hub.log.read(result!.room, result!.seq - 1, {
        maxEvents: 1,
        maxBytes: 1,
      });
      if (!original || !sameMessage(original, event)) {
        refuse(
          'idempotency_key_reused',
          `this Idempotency-Key was used for another message (${result!.id}); use a new key for a new message`,
        );
      }
      c.header('Idempotent-Replayed', 'true');
      return c.json({ event: original, replayed: true }, 200);
    },
  );

  return routes;
}

function parseBody(text: string): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    refuse('bad_json', `the body is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    refuse(
      'invalid_body',
      'the body must be a JSON object: {"id", "author", "ts", "text", "replyTo"?, "mentions"?, "sig"}',
    );
  }
  const extra = Object.keys(body).find(
    (field) => !(BODY_FIELDS as readonly string[]).includes(field),
  );
  if (extra !== undefined) {
    refuse(
      'invalid_body',
      `unknown field "${extra.slice(0, 64)}"; a message takes ${BODY_FIELDS.join(', ')}`,
    );
  }
  return body as Record<string, unknown>;
}

/**
 * The event a browser would write for this message, checked as the relay checks a push:
 * the current version's schema, then the size limit.
 */
function messageEvent(
  room: RoomId,
  body: Record<string, unknown>,
  maxEventBytes: number,
): AnyEvent {
  const { id, author, ts, text, replyTo, mentions, sig } = body;
  const event = {
    id,
    type: 'message.sent',
    v: 2,
    room,
    author,
    ts,
    payload: { text, mentions: mentions ?? [], ...(replyTo === undefined ? {} : { replyTo }) },
    ...(sig === undefined ? {} : { sig }),
  };
  const writable = EVENT_REGISTRY.checkWritable(event);
  if (!writable.ok) refuse('invalid_body', `invalid message: ${writable.error.message}`);
  const admitted = admitEvent(event, maxEventBytes);
  if (!admitted.ok) throw admitted.error;
  return admitted.value;
}

/** Whether a stored message is the one this request describes (so a retry, not a reuse). */
function sameMessage(stored: SequencedEvent, request: AnyEvent): boolean {
  return (
    stored.room === request.room &&
    stored.author === request.author &&
    JSON.stringify(stored.payload) === JSON.stringify(request.payload)
  );
}
