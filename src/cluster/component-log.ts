// One component's log file: every line it writes, as a pino JSON line. Lines that are not JSON (a component's
// stdout messages, stack traces) are wrapped with the time they arrived, so `barque logs` can merge files by time.
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

const PINO_INFO = 30;

export class ComponentLog {
  private readonly out: WriteStream;

  constructor(
    dir: string,
    private readonly name: string,
    private readonly now: () => number,
  ) {
    mkdirSync(dir, { recursive: true });
    this.out = createWriteStream(join(dir, `${name}.log`), { flags: 'a' });
  }

  /** A line from the component; `stream` says where it came from. */
  line(text: string, stream: 'stdout' | 'stderr'): void {
    if (text.trim() === '') return;
    if (text.startsWith('{')) {
      try {
        JSON.parse(text);
        this.out.write(`${text}\n`);
        return;
      } catch {
        // not JSON after all: wrap it below
      }
    }
    this.write({ level: PINO_INFO, time: this.now(), name: this.name, stream, msg: text });
  }

  /** A line from the supervisor about this component (started, exited, restarting). */
  event(msg: string, fields: Record<string, unknown> = {}, level = PINO_INFO): void {
    this.write({ level, time: this.now(), name: 'supervisor', component: this.name, ...fields, msg });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.out.end(resolve));
  }

  private write(entry: Record<string, unknown>): void {
    this.out.write(`${JSON.stringify(entry)}\n`);
  }
}
