// Log lines as both runtimes store them: "<RFC 3339 timestamp with nanoseconds> <text>", the form kubectl logs
// --timestamps prints, so reading with timestamps is the stored line and without is the text after the space.
import type { LogOptions } from './types.ts';

export function logTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

export function storedLine(ms: number, text: string): string {
  return `${logTimestamp(ms)} ${text}`;
}

export function presentLine(stored: string, options: LogOptions): string {
  if (options.timestamps === true) return stored;
  const space = stored.indexOf(' ');
  return space < 0 ? stored : stored.slice(space + 1);
}

/** The index of the first line to show for `tailLines` (all when absent or negative, as kubectl's -1). */
export function tailStart(lineCount: number, options: LogOptions): number {
  const tail = options.tailLines;
  return tail === undefined || tail < 0 ? 0 : Math.max(0, lineCount - tail);
}
