import { KafkyError } from '../errors.ts';
import type { AnyEvent } from './envelope.ts';
import type { Upcaster } from './upcasters.ts';

/** An event that passed a schema, or why it did not. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: KafkyError };

/** A compiled schema: null when the value passes, else why it does not, in words. */
export type SchemaCheck = (value: unknown) => string | null;

/** The part of an event schema the registry files it under. */
export interface EventSchema {
  readonly properties: {
    readonly type: { readonly const: string };
    readonly v: { readonly const: number };
  };
}

/**
 * What a reader makes of a stored event: `current`, upcast to the version this code
 * writes; `unknown`, of a type or version this code does not know (a newer client wrote
 * it: keep it, do not read it); `invalid`, failing the schema of its own version.
 */
export type ReadEvent<E> =
  { kind: 'current'; event: E } | { kind: 'unknown' } | { kind: 'invalid'; error: KafkyError };

/**
 * Every event type and version some code knows, with a compiled schema per version and
 * the upcasters between versions. `K` is what any known version reads as, `E` what the
 * current versions read as.
 */
export interface EventRegistry<K = AnyEvent, E = AnyEvent> {
  /** Whether this registry has a schema for the event's type and version. */
  knows(event: Pick<AnyEvent, 'type' | 'v'>): boolean;
  /** The version of `type` that writers write: the newest known. */
  currentVersion(type: string): number | undefined;
  /** Checks an event against the schema of its own type and version. */
  check(event: unknown): Checked<K>;
  /** Checks an event, then upcasts it to the current version of its type. */
  read(event: AnyEvent): ReadEvent<E>;
  /** Checks an event about to be written: known, valid, and of the current version. */
  checkWritable(event: unknown): Checked<E>;
  /** The same registry without some types: what an older client knows (for tests). */
  without(types: readonly string[]): EventRegistry<K, E>;
}

export function eventKey(type: string, v: number): string {
  return `${type}/v${v}`;
}

function fail<T>(code: 'invalid_event' | 'unknown_event_type', message: string): Checked<T> {
  return { ok: false, error: new KafkyError(code, message) };
}

class Registry<K, E> implements EventRegistry<K, E> {
  private readonly current = new Map<string, number>();

  constructor(
    private readonly checks: ReadonlyMap<string, { type: string; v: number; check: SchemaCheck }>,
    private readonly steps: ReadonlyMap<string, Upcaster>,
  ) {
    for (const { type, v } of checks.values()) {
      this.current.set(type, Math.max(v, this.current.get(type) ?? 0));
    }
    for (const [type, newest] of this.current) {
      for (let v = 1; v <= newest; v++) {
        if (!checks.has(eventKey(type, v))) throw new Error(`${type}: no schema for v${v}`);
        if (v < newest && !steps.has(eventKey(type, v))) {
          throw new Error(`${type}: no upcaster from v${v} to v${v + 1}`);
        }
      }
    }
  }

  knows(event: Pick<AnyEvent, 'type' | 'v'>): boolean {
    return this.checks.has(eventKey(event.type, event.v));
  }

  currentVersion(type: string): number | undefined {
    return this.current.get(type);
  }

  check(event: unknown): Checked<K> {
    if (typeof event !== 'object' || event === null) {
      return fail('invalid_event', 'an event must be a JSON object');
    }
    const { type, v } = event as { type?: unknown; v?: unknown };
    if (typeof type !== 'string' || typeof v !== 'number') {
      return fail('invalid_event', 'an event must have a string "type" and a number "v"');
    }
    const schema = this.checks.get(eventKey(type, v));
    if (!schema) {
      return fail('unknown_event_type', `unknown event type "${type.slice(0, 64)}" version ${v}`);
    }
    const why = schema.check(event);
    return why === null ? { ok: true, value: event as K } : fail('invalid_event', why);
  }

  read(event: AnyEvent): ReadEvent<E> {
    if (!this.knows(event)) return { kind: 'unknown' };
    const checked = this.check(event);
    if (!checked.ok) return { kind: 'invalid', error: checked.error };
    const newest = this.current.get(event.type)!;
    let upcast = event;
    while (upcast.v < newest) upcast = this.steps.get(eventKey(upcast.type, upcast.v))!.up(upcast);
    if (upcast === event) return { kind: 'current', event: event as E };
    // An upcaster is code too: what it makes must pass the schema it claims to meet.
    const again = this.check(upcast);
    if (!again.ok) {
      const why = `upcasting ${eventKey(event.type, event.v)} gave an invalid event: ${again.error.message}`;
      return { kind: 'invalid', error: new KafkyError('invalid_event', why) };
    }
    return { kind: 'current', event: upcast as E };
  }

  checkWritable(event: unknown): Checked<E> {
    const checked = this.check(event);
    if (!checked.ok) return checked;
    const { type, v } = event as AnyEvent;
    const newest = this.current.get(type)!;
    if (v !== newest) {
      return fail('invalid_event', `${type} is written as v${newest}, not v${v}`);
    }
    return checked as unknown as Checked<E>;
  }

  without(types: readonly string[]): EventRegistry<K, E> {
    const left = [...this.checks].filter(([, { type }]) => !types.includes(type));
    return new Registry<K, E>(new Map(left), this.steps);
  }
}

/**
 * Builds a registry, compiling each schema once with `compile`. Throws if a type's
 * versions have a gap or a step lacks its upcaster: a chain with a hole would leave
 * old events unreadable, which is worse than not starting.
 */
export function createEventRegistry<K = AnyEvent, E = AnyEvent>(
  schemas: readonly EventSchema[],
  upcasters: readonly Upcaster[],
  compile: (schema: EventSchema) => SchemaCheck,
): EventRegistry<K, E> {
  const checks = new Map(
    schemas.map((schema) => {
      const { type, v } = schema.properties;
      return [
        eventKey(type.const, v.const),
        { type: type.const, v: v.const, check: compile(schema) },
      ];
    }),
  );
  const steps = new Map(upcasters.map((step) => [eventKey(step.type, step.from), step]));
  return new Registry<K, E>(checks, steps);
}
