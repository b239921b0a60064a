import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { KafkyError, type ErrorCode } from './errors.ts';
import {
  EVENT_SCHEMAS,
  LOCAL_EVENT_SCHEMAS,
  UPCASTERS,
  anyEventSchema,
  createEventRegistry,
  type AnyEvent,
  type Checked,
  type EventRegistry,
  type KafkyEvent,
  type KnownEvent,
  type ReadEvent,
} from './events/index.ts';
import { AUTHOR_ID_PATTERN, EVENT_ID_PATTERN, ROOM_ID_PATTERN } from './ids.ts';
import {
  CLIENT_MESSAGE_SCHEMAS,
  RELAY_MESSAGE_SCHEMAS,
  type ClientMessage,
  type RelayMessage,
} from './protocol/index.ts';

export type { Checked };

// One Ajv instance; each schema compiled once, the first time it is needed. Compiling
// is the costly part (about 100 ms for every schema), and a worker opening a room meets
// only a few types: it should not wait for all of them. `compileAll` keeps a broken
// schema from hiding until its first use (a test calls it).
const ajv = new Ajv({ strict: true, allErrors: false });
ajv.addFormat('event-id', EVENT_ID_PATTERN);
ajv.addFormat('room-id', ROOM_ID_PATTERN);
ajv.addFormat('author-id', AUTHOR_ID_PATTERN);
ajv.addFormat('connection-id', /^[A-Za-z0-9_-]{1,64}$/);

const compilers: (() => ValidateFunction)[] = [];

/** A schema's validator, compiled on first call. */
function lazily<T = unknown>(schema: object): () => ValidateFunction<T> {
  let validate: ValidateFunction<T> | undefined;
  const get = () => (validate ??= ajv.compile<T>(schema));
  compilers.push(get);
  return get;
}

/** Compiles every schema now: a schema Ajv refuses throws here rather than at first use. */
export function compileAll(): number {
  for (const get of compilers) get();
  return compilers.length;
}

function compileByType(schemas: readonly { properties: { type: { const: string } } }[]) {
  return new Map<string, () => ValidateFunction>(
    schemas.map((schema) => [schema.properties.type.const, lazily(schema)]),
  );
}

const clientValidators = compileByType(CLIENT_MESSAGE_SCHEMAS);
const relayValidators = compileByType(RELAY_MESSAGE_SCHEMAS);

/** The schema registry of this code: every event type and version, compiled once. */
export const EVENT_REGISTRY: EventRegistry<KnownEvent, KafkyEvent> = createEventRegistry(
  [...EVENT_SCHEMAS, ...LOCAL_EVENT_SCHEMAS],
  UPCASTERS,
  (schema) => {
    const compiled = lazily(schema);
    return (value) => {
      const validate = compiled();
      return validate(value) ? null : describe(validate.errors, schema.properties.type.const);
    };
  },
);

const anyEventValidator = lazily<AnyEvent>(anyEventSchema);

function describe(errors: ErrorObject[] | null | undefined, what: string): string {
  return ajv.errorsText(errors, { dataVar: what, separator: '; ' });
}

function fail<T>(code: ErrorCode, message: string, cause?: unknown): Checked<T> {
  return { ok: false, error: new KafkyError(code, message, { cause }) };
}

function checkMessage<T>(
  value: unknown,
  validators: Map<string, () => ValidateFunction>,
): Checked<T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail('invalid_message', 'a frame must be a JSON object');
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string') {
    return fail('invalid_message', 'a frame must have a string "type"');
  }
  const validate = validators.get(type)?.();
  if (!validate) {
    return fail('unknown_message_type', `unknown message type "${type.slice(0, 64)}"`);
  }
  if (!validate(value)) return fail('invalid_message', describe(validate.errors, type));
  return { ok: true, value: value as T };
}

function parseJson(text: string): Checked<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return fail('bad_json', `the frame is not valid JSON: ${(error as Error).message}`, error);
  }
}

/** Checks a frame a client sent; used by the relay on every frame. */
export function parseClientFrame(text: string): Checked<ClientMessage> {
  const json = parseJson(text);
  return json.ok ? checkMessage<ClientMessage>(json.value, clientValidators) : json;
}

/** Checks a frame the relay sent; used by the client on every frame. */
export function parseRelayFrame(text: string): Checked<RelayMessage> {
  const json = parseJson(text);
  return json.ok ? checkMessage<RelayMessage>(json.value, relayValidators) : json;
}

const localEventTypes = new Set<string>(
  LOCAL_EVENT_SCHEMAS.map((schema) => schema.properties.type.const),
);

/** Whether an event's type only ever lives in the log of the browser that wrote it. */
export function isLocalOnlyEvent(event: Pick<AnyEvent, 'type'>): boolean {
  return localEventTypes.has(event.type);
}

/** Whether this code has a schema for the event's type and version. */
export function isKnownEventType(event: Pick<AnyEvent, 'type' | 'v'>): boolean {
  return EVENT_REGISTRY.knows(event);
}

/** Checks an event against the schema of its own type and version (any known version). */
export function checkEvent(event: unknown): Checked<KnownEvent> {
  return EVENT_REGISTRY.check(event);
}

/**
 * An event as readers see it: checked against its own version's schema, then upcast to
 * the version this code writes. Projections read events only through this.
 */
export function readEvent(event: AnyEvent): ReadEvent<KafkyEvent> {
  return EVENT_REGISTRY.read(event);
}

/**
 * Whether the relay (or a peer) may store and pass on an event: its envelope must be
 * valid, and so must its payload when this code knows its type and version. An event of
 * a type or version this code does not know (a newer client wrote it) passes with
 * `known: false`: it is kept and synced, never dropped, and projected by code that
 * knows it.
 */
export function checkStorable(event: unknown): Checked<{ event: AnyEvent; known: boolean }> {
  const validateAnyEvent = anyEventValidator();
  if (!validateAnyEvent(event)) {
    return fail('invalid_event', describe(validateAnyEvent.errors, 'event'));
  }
  if (isLocalOnlyEvent(event)) {
    return fail('invalid_event', 'a local event (a compensation) is never sent or stored');
  }
  if (!isKnownEventType(event)) return { ok: true, value: { event, known: false } };
  const checked = checkEvent(event);
  return checked.ok ? { ok: true, value: { event, known: true } } : checked;
}
