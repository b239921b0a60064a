import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from './cdp.ts';

/**
 * What a CPU profile cannot show: a page's main thread spends much of its time in native
 * work (style, layout, paint, message deserialization) that a profile lumps as
 * "(program)", and the browser's other processes are not in it at all. A trace of the
 * whole browser names each piece, on every thread of every process.
 */
const CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'blink',
  'v8.execute',
  'IndexedDB',
  'toplevel',
];

interface TraceEvent {
  ph: string;
  name: string;
  pid: number;
  tid: number;
  ts: number;
  dur?: number;
  args?: { name?: string };
}

/**
 * Traces every process of a Chromium started with `--remote-debugging-port=<port>`.
 * `stop()` writes `<label>.trace.json` (for chrome://tracing or Perfetto) and a summary,
 * `<label>.trace.txt`: the events with most self time, by process and thread.
 */
export async function traceChromium(port: number, dir: string, label: string) {
  const session = await Session.browser(port);
  const events: TraceEvent[] = [];
  // A browser that dies before it hands over the whole trace fails the run, not hangs it.
  const done = session.nextEvent('Tracing.tracingComplete');
  session.on<{ value: TraceEvent[] }>('Tracing.dataCollected', ({ value }) =>
    events.push(...value),
  );
  await session.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: { includedCategories: CATEGORIES, recordMode: 'recordContinuously' },
  });
  return {
    async stop(): Promise<string> {
      try {
        await session.send('Tracing.end');
        await done;
      } finally {
        session.close();
      }
      const file = join(dir, `${label}.trace.json`);
      writeFileSync(file, JSON.stringify({ traceEvents: events }));
      writeFileSync(join(dir, `${label}.trace.txt`), summarizeTrace(events));
      return file;
    },
  };
}

/** Self time per event name and thread: an event's duration less its nested events'. */
export function summarizeTrace(events: readonly TraceEvent[]): string {
  const processes = new Map<number, string>();
  const threads = new Map<string, string>();
  for (const e of events) {
    if (e.ph !== 'M') continue;
    if (e.name === 'process_name') processes.set(e.pid, e.args?.name ?? '?');
    if (e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, e.args?.name ?? '?');
  }
  const byThread = new Map<string, TraceEvent[]>();
  for (const e of events) {
    if (e.ph !== 'X' || e.dur === undefined) continue;
    const key = `${e.pid}:${e.tid}`;
    const list = byThread.get(key) ?? [];
    list.push(e);
    byThread.set(key, list);
  }
  const self = new Map<string, number>();
  for (const [key, list] of byThread) {
    list.sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
    const pid = list[0]!.pid;
    const where = `${processes.get(pid) ?? '?'} ${pid} / ${threads.get(key) ?? '?'}`;
    const stack: { end: number; name: string; own: number }[] = [];
    const close = (until: number) => {
      while (stack.length > 0 && stack.at(-1)!.end <= until) {
        const top = stack.pop()!;
        const id = `${where}\t${top.name}`;
        self.set(id, (self.get(id) ?? 0) + top.own);
      }
    };
    for (const e of list) {
      close(e.ts);
      const parent = stack.at(-1);
      if (parent) parent.own -= e.dur!;
      stack.push({ end: e.ts + e.dur!, name: e.name, own: e.dur! });
    }
    close(Infinity);
  }
  const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, 80);
  return [
    'self ms\tprocess pid / thread\tevent',
    ...rows.map(([id, us]) => `${(us / 1000).toFixed(1)}\t${id}`),
  ].join('\n');
}
