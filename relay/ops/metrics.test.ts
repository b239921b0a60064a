import { describe, expect, it } from 'vitest';
import type { RoomId } from '../../shared/index.ts';
import { LAGGING_ROOMS_SHOWN, RelayMetrics } from './metrics.ts';

describe('RelayMetrics', () => {
  it('gives a lag series only to the rooms furthest behind, and counts every room behind', async () => {
    const metrics = new RelayMetrics();
    // 200 rooms in use, 150 of them behind by 1 to 150 events.
    const lag = new Map<RoomId, number>();
    for (let i = 0; i < 200; i++) lag.set(`room-${i}` as RoomId, Math.max(0, i - 49));
    metrics.observe(() => ({ connections: 200, lag }));
    const lines = (await metrics.text()).split('\n');
    const series = lines.filter((line) => line.startsWith('kafky_room_lag_events{'));
    expect(series).toHaveLength(LAGGING_ROOMS_SHOWN);
    expect(series[0]).toBe('kafky_room_lag_events{room="room-199"} 150');
    const shown = series.map((line) => Number(line.split(' ')[1]));
    expect(Math.min(...shown)).toBe(150 - LAGGING_ROOMS_SHOWN + 1);
    expect(lines).toContain('kafky_rooms_lagging 150');

    // No room behind: no series at all, and a count of none.
    metrics.observe(() => ({ connections: 2, lag: new Map([['quiet' as RoomId, 0]]) }));
    const quiet = (await metrics.text()).split('\n');
    expect(quiet.filter((line) => line.startsWith('kafky_room_lag_events{'))).toEqual([]);
    expect(quiet).toContain('kafky_rooms_lagging 0');
  });

  it('reads the hub once per scrape, and afresh for the next', async () => {
    const metrics = new RelayMetrics();
    let reads = 0;
    metrics.observe(() => {
      reads += 1;
      return { connections: reads, lag: new Map([['busy' as RoomId, reads]]) };
    });
    expect(await metrics.text()).toContain('kafky_connections 1');
    expect(reads).toBe(1);
    const next = await metrics.text();
    expect(reads).toBe(2);
    expect(next).toContain('kafky_connections 2');
    expect(next).toContain('kafky_room_lag_events{room="busy"} 2');
  });
});
