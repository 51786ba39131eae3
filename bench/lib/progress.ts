// Progress on stderr: one line per step always (so logs of non-interactive runs show where time went), plus a
// status line rewritten in place while a step runs when stderr is a terminal.
import { performance } from 'node:perf_hooks';

export class Progress {
  private readonly startedMs = performance.now();
  private statusShown = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly interactive = process.stderr.isTTY === true,
  ) {}

  /** A permanent line, prefixed with the elapsed time. */
  step(text: string): void {
    this.clearStatus();
    this.out.write(`[${this.elapsed()}] ${text}\n`);
  }

  /** A transient line (terminals only): replaced by the next status or step. */
  status(text: string): void {
    if (!this.interactive) return;
    const width = Math.max(20, (this.out.columns ?? 100) - 1);
    this.out.write(`\r\x1b[2K[${this.elapsed()}] ${text}`.slice(0, width + 5));
    this.statusShown = true;
  }

  clearStatus(): void {
    if (!this.statusShown) return;
    this.out.write('\r\x1b[2K');
    this.statusShown = false;
  }

  private elapsed(): string {
    const s = Math.floor((performance.now() - this.startedMs) / 1000);
    return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  }
}
