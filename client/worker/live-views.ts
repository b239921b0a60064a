import type { AuthorId, RoomId } from '../../shared/index.ts';
import type { RoomSummary, TimelineView, TimelineWindow } from '../api.ts';
import {
  roomSummaryView,
  timelineView,
  type Queries,
  type RoomSummaryRow,
  type TimelineRows,
} from './queries.ts';
import type { SharedLive } from './shared-live.ts';

/*
 * Views the tabs watch, built from live queries each as narrow as Dexie can tell apart:
 * a write re-runs only the queries whose reads it touched. A message sent re-reads its
 * room's window and its room's summary, not the names of the room's members (a room may
 * have thousands) and not the summaries of every other room the reader is in.
 */

type Stop = () => void;
type Watch<T> = (listener: (value: T) => void) => Stop;

/** The names shown for a room's members, one query per room for every view that shows them. */
export function watchNames(
  live: SharedLive,
  queries: Pick<Queries, 'names'>,
  room: RoomId,
  listener: (names: Map<AuthorId, string>) => void,
): Stop {
  return live.watch(
    `names ${room}`,
    () => queries.names(room),
    listener,
    (names) => JSON.stringify([...names]),
  );
}

/** `combine(a, b)` once both have a value, and again whenever either changes. */
function both<A, B, T>(
  first: Watch<A>,
  second: Watch<B>,
  combine: (a: A, b: B) => T,
  listener: (value: T) => void,
): Stop {
  let a: { value: A } | undefined;
  let b: { value: B } | undefined;
  const send = () => {
    if (a && b) listener(combine(a.value, b.value));
  };
  const stopFirst = first((value) => {
    a = { value };
    send();
  });
  const stopSecond = second((value) => {
    b = { value };
    send();
  });
  return () => {
    stopFirst();
    stopSecond();
  };
}

export function watchTimeline(
  live: SharedLive,
  queries: Pick<Queries, 'names' | 'timelineRows'>,
  me: AuthorId,
  room: RoomId,
  window: TimelineWindow,
  listener: (view: TimelineView) => void,
): Stop {
  return both(
    (rows: (value: TimelineRows) => void) =>
      live.watch(
        `timeline ${room} ${JSON.stringify(window)}`,
        () => queries.timelineRows(room, window),
        rows,
      ),
    (names: (value: Map<AuthorId, string>) => void) => watchNames(live, queries, room, names),
    (rows, names) => timelineView(rows, names, me),
    listener,
  );
}

/**
 * The room list: which rooms, and each room's summary and names as queries of their own.
 * Sent once every room listed has its summary, and then on every change.
 */
export function watchRooms(
  live: SharedLive,
  queries: Pick<Queries, 'names' | 'joinedRooms' | 'roomSummary'>,
  listener: (rooms: RoomSummary[]) => void,
): Stop {
  let order: RoomId[] | undefined;
  const summaries = new Map<RoomId, RoomSummary>();
  const stops = new Map<RoomId, Stop>();
  let last = '';
  let stopped = false;
  const send = () => {
    if (stopped || !order || order.some((room) => !summaries.has(room))) return;
    const rooms = order.map((room) => summaries.get(room)!);
    // A room joined or left sends each summary already held once more as its watch starts.
    const print = JSON.stringify(rooms);
    if (print === last) return;
    last = print;
    listener(rooms);
  };
  const stopList = live.watch(
    'joined rooms',
    () => queries.joinedRooms(),
    (rooms) => {
      order = rooms;
      for (const [room, stop] of stops) {
        if (rooms.includes(room)) continue;
        stop();
        stops.delete(room);
        summaries.delete(room);
      }
      for (const room of rooms) {
        if (stops.has(room)) continue;
        stops.set(
          room,
          both(
            (summary: (value: RoomSummaryRow) => void) =>
              live.watch(`room summary ${room}`, () => queries.roomSummary(room), summary),
            (names: (value: Map<AuthorId, string>) => void) =>
              watchNames(live, queries, room, names),
            roomSummaryView,
            (summary) => {
              summaries.set(room, summary);
              send();
            },
          ),
        );
      }
      send();
    },
  );
  return () => {
    stopped = true;
    stopList();
    for (const stop of stops.values()) stop();
    stops.clear();
  };
}
