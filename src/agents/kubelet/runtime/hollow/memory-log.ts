// An attempt's log held in memory (the hollow runtime has no files), readable with tail and follow.
import { presentLine, tailStart } from '../log-lines.ts';
import type { LogOptions } from '../types.ts';

/** Lines kept per attempt; a hollow node holding thousands of pods must stay small. */
const MAX_LINES = 1000;

export class MemoryLog {
  private readonly lines: string[] = [];
  private wake: (() => void) | null = null;

  append(line: string): void {
    this.lines.push(line);
    if (this.lines.length > MAX_LINES) this.lines.shift();
    this.wake?.();
  }

  async *read(options: LogOptions, ended: Promise<void>): AsyncIterable<string> {
    let isEnded = false;
    void ended.then(() => {
      isEnded = true;
      this.wake?.();
    });
    let next = tailStart(this.lines.length, options);
    for (;;) {
      while (next < this.lines.length) yield presentLine(this.lines[next++], options);
      if (options.follow !== true) return;
      await Promise.resolve(); // lets an already resolved `ended` mark itself first
      if (isEnded && next >= this.lines.length) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }
}
