import type { FromSchema as FromSchemaBase, JSONSchema } from 'json-schema-to-ts';
import type { AuthorId, ConnectionId, EventId, RoomId } from './ids.ts';

/**
 * Schema fragments for ids. The `format` names are registered with Ajv (see
 * validation.ts) and map to branded types here, so a validated value already
 * carries its brand.
 */
export const eventIdSchema = { type: 'string', format: 'event-id' } as const;
export const roomIdSchema = { type: 'string', format: 'room-id' } as const;
export const authorIdSchema = { type: 'string', format: 'author-id' } as const;
export const connectionIdSchema = { type: 'string', format: 'connection-id' } as const;
/** An Ed25519 signature, 64 bytes in base64url. */
export const signatureSchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{86}$' } as const;
/** An Ed25519 public key, 32 bytes in base64url. */
export const keySchema = { type: 'string', pattern: '^[A-Za-z0-9_-]{43}$' } as const;
export const seqSchema = { type: 'integer', minimum: 1 } as const;
export const cursorSchema = { type: 'integer', minimum: 0 } as const;
export const timeSchema = { type: 'integer', minimum: 0 } as const;

type Deserialize = [
  { pattern: { type: 'string'; format: 'event-id' }; output: EventId },
  { pattern: { type: 'string'; format: 'room-id' }; output: RoomId },
  { pattern: { type: 'string'; format: 'author-id' }; output: AuthorId },
  { pattern: { type: 'string'; format: 'connection-id' }; output: ConnectionId },
];

/** The TypeScript type of a value that passed the schema. */
export type FromSchema<S extends JSONSchema> = FromSchemaBase<S, { deserialize: Deserialize }>;

export type { JSONSchema };
