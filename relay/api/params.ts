import { DEFAULT_ROOM, isRoomId, type ErrorCode, type RoomId } from '../../shared/index.ts';
import type { ReadQueries } from '../read/queries.ts';
import { refuse } from './errors.ts';

/**
 * The room a path names, if the relay knows it: a room exists once its log has an event.
 * `lobby`, which every browser joins on its first start, always exists.
 */
export function knownRoom(queries: ReadQueries, param: string): RoomId {
  if (isRoomId(param) && (param === DEFAULT_ROOM || queries.room(param))) return param;
  return refuse('unknown_room', `no room "${param.slice(0, 64)}" on this relay`);
}

/** An integer query parameter within bounds; undefined when absent. */
function integerParam(
  value: string | undefined,
  spec: { name: string; min: number; max?: number; code: ErrorCode },
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const max = spec.max ?? Number.MAX_SAFE_INTEGER;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < spec.min || n > max) {
    const range = spec.max === undefined ? `of at least ${spec.min}` : `from ${spec.min} to ${max}`;
    return refuse(
      spec.code,
      `"${spec.name}" must be an integer ${range}, not "${value.slice(0, 32)}"`,
    );
  }
  return n;
}

/** A room sequence to page from (`before`, `after`); undefined when absent. */
export function cursorParam(value: string | undefined, name: string, min: number) {
  return integerParam(value, { name, min, code: 'invalid_cursor' });
}

/** A page size, from 1 to the endpoint's maximum; its default when absent. */
export function limitParam(value: string | undefined, page: { fallback: number; max: number }) {
  return (
    integerParam(value, { name: 'limit', min: 1, max: page.max, code: 'invalid_limit' }) ??
    page.fallback
  );
}
