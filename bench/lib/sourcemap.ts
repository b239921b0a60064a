import { existsSync, readFileSync } from 'node:fs';

/** [generated column, source index, source line, source column], all 0-based. */
type Segment = [number, number, number, number];

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decodes a source map's `mappings` (base64 VLQ) into segments per generated line. */
function decode(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let source = 0;
  let sourceLine = 0;
  let sourceColumn = 0;
  for (const line of mappings.split(';')) {
    const segments: Segment[] = [];
    let column = 0;
    for (const text of line.split(',')) {
      if (!text) continue;
      const values: number[] = [];
      let value = 0;
      let shift = 0;
      for (const char of text) {
        const digit = BASE64.indexOf(char);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          values.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      column += values[0] ?? 0;
      if (values.length < 4) continue;
      source += values[1]!;
      sourceLine += values[2]!;
      sourceColumn += values[3]!;
      segments.push([column, source, sourceLine, sourceColumn]);
    }
    lines.push(segments);
  }
  return lines;
}

/** Maps positions in a built file to the source they came from, with its `.map` beside it. */
export function sourceMapFor(
  file: string,
): ((line: number, column: number) => string | undefined) | undefined {
  if (!existsSync(`${file}.map`)) return undefined;
  const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as {
    sources: string[];
    mappings: string;
  };
  const lines = decode(map.mappings);
  return (line, column) => {
    let best: Segment | undefined;
    for (const segment of lines[line] ?? []) if (segment[0] <= column) best = segment;
    if (!best) return undefined;
    const source = map.sources[best[1]]!.replace(/^(\.\.\/)+/, '');
    return `${source}:${best[2] + 1}`;
  };
}
