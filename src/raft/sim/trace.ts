// The simulator's trace: virtual time and text only, never the wall clock, so a seed's trace is byte-identical on
// every replay. In the default mode only the last lines are kept (for a violation report); `full` keeps all.
export class Trace {
  private readonly lines: string[] = [];
  private ringStart = 0;
  private count = 0;

  constructor(
    private readonly clockMs: () => number,
    readonly full: boolean,
    private readonly ringLinesMax = 60,
  ) {}

  get lineCount(): number {
    return this.count;
  }

  add(text: string): void {
    const line = `${pad(this.clockMs())} ${text}`;
    this.count++;
    if (this.full || this.lines.length < this.ringLinesMax) {
      this.lines.push(line);
      return;
    }
    this.lines[this.ringStart] = line;
    this.ringStart = (this.ringStart + 1) % this.ringLinesMax;
  }

  /** All kept lines in order (every line in full mode, the last ones otherwise). */
  kept(): string[] {
    if (this.full || this.lines.length < this.ringLinesMax) return [...this.lines];
    return [...this.lines.slice(this.ringStart), ...this.lines.slice(0, this.ringStart)];
  }

  tail(n: number): string[] {
    const all = this.kept();
    return all.slice(Math.max(0, all.length - n));
  }
}

function pad(ms: number): string {
  return `t=${String(ms).padStart(7, '0')}`;
}
