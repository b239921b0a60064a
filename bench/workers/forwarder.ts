/**
 * Baseline (a): a bare `ws` forwarder. It speaks just enough of the protocol for the same
 * load generators and pages to drive it (hello, subscribe, push), gives each event the
 * next sequence of its room, acknowledges the push and forwards the events to the room's
 * other subscribers. It validates nothing and stores nothing: the floor of a relay on
 * this machine. It serializes each forward once per room (the relay does so per socket).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { serve } from '../lib/procs.ts';

interface WireEvent {
  id: string;
  room: string;
  [key: string]: unknown;
}
type Frame =
  | { type: 'hello' }
  | { type: 'subscribe'; room: string }
  | { type: 'push'; events: WireEvent[] }
  | { type: string };

const PAGE = '<!doctype html><meta charset="utf-8"><title>forwarder</title><p>bare forwarder</p>';

function start(): Promise<number> {
  const rooms = new Map<string, Set<WebSocket>>();
  const heads = new Map<string, number>();
  const http = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  });
  const wss = new WebSocketServer({ server: http, path: '/sync', perMessageDeflate: false });
  let connections = 0;
  wss.on('connection', (ws) => {
    const mine = new Set<string>();
    const id = String(++connections);
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as Frame;
      if (frame.type === 'hello') {
        const welcome = {
          type: 'welcome',
          protocol: 1,
          epoch: 'forwarder',
          connection: id,
          time: Date.now(),
        };
        ws.send(JSON.stringify(welcome));
      } else if (frame.type === 'subscribe' && 'room' in frame) {
        const members = rooms.get(frame.room) ?? new Set();
        members.add(ws);
        rooms.set(frame.room, members);
        mine.add(frame.room);
        ws.send(
          JSON.stringify({ type: 'caught-up', room: frame.room, head: heads.get(frame.room) ?? 0 }),
        );
      } else if (frame.type === 'push' && 'events' in frame) {
        push(ws, frame.events);
      }
    });
    ws.on('close', () => {
      for (const room of mine) rooms.get(room)?.delete(ws);
    });
  });

  function push(from: WebSocket, events: WireEvent[]): void {
    const rts = Date.now();
    const byRoom = new Map<string, unknown[]>();
    const acks = events.map((event) => {
      const seq = (heads.get(event.room) ?? 0) + 1;
      heads.set(event.room, seq);
      const list = byRoom.get(event.room) ?? [];
      list.push({ ...event, seq, rts });
      byRoom.set(event.room, list);
      return { id: event.id, room: event.room, seq, rts };
    });
    from.send(JSON.stringify({ type: 'ack', acks }));
    for (const [room, list] of byRoom) {
      const text = JSON.stringify({ type: 'events', room, events: list });
      for (const member of rooms.get(room) ?? []) if (member !== from) member.send(text);
    }
  }

  return new Promise((resolve) => {
    http.listen(0, '127.0.0.1', () => resolve((http.address() as AddressInfo).port));
  });
}

serve({ start });
