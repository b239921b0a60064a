/**
 * The wire protocol's version, sent by the client in `hello` and echoed in `welcome`.
 *
 * Bump it when a relay and a client built from different versions could no longer
 * understand each other: a message type is removed or renamed, a required field is
 * added to a message, or the meaning of a field changes. Adding a new optional field
 * or a new message type that older peers may ignore does not need a bump. Event types
 * are versioned on their own (see `events/`), not by this constant.
 *
 * 2: events are signed (`sig`), `welcome` carries a challenge the client answers with
 * `auth` before anything else, and `subscribe` proves knowledge of a keyed room's secret.
 * 3: `presence` comes only after `caught-up`; changes come as `presence-change`, which a
 * client of 2 would drop, showing whoever was online when it caught up for good.
 * 4: `subscribe` may ask for a room's `latest` events first, and an `events` frame may
 * carry them ahead of the catch-up; a relay of 3 refuses the field, a client of 3 would
 * take such a frame for a gap.
 */
export const PROTOCOL_VERSION = 4;
