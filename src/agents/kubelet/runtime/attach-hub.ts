// `kubectl attach` (and `kubectl run -i`): a running container's output, from the moment of attaching, copied to
// every attached client, and the clients' input into the container's standard input when its spec asked for one
// (stdin: true). With stdinOnce the container's input closes when the first attached client ends its own, as the
// kubelet does, so a program reading to end of input (cat, a shell) sees it and finishes.
import { PassThrough, Writable, type Readable } from 'node:stream';
import type { ExecSession } from './types.ts';

interface Listener {
  stdout: PassThrough;
  stderr: PassThrough;
  detach(): void;
}

export class AttachHub {
  private readonly listeners = new Set<Listener>();
  private ended = false;
  private stdinClosed = false;

  constructor(
    private readonly stdin: NodeJS.WritableStream | undefined,
    stdout: Readable,
    stderr: Readable,
    private readonly stdinOnce: boolean,
    exited: Promise<unknown>,
  ) {
    stdout.on('data', (c: Buffer | string) => this.broadcast('stdout', c));
    stderr.on('data', (c: Buffer | string) => this.broadcast('stderr', c));
    void exited.then(() => {
      this.ended = true;
      for (const l of [...this.listeners]) l.detach();
    });
  }

  /** Output from now on until the container ends or `kill()` detaches; input only when `stdin` and the container has one. */
  attach(stdin: boolean): ExecSession {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let detached!: () => void;
    const exited = new Promise<number>((resolve) => (detached = () => resolve(0)));
    const listener: Listener = {
      stdout,
      stderr,
      detach: () => {
        if (!this.listeners.delete(listener)) return;
        stdout.end();
        stderr.end();
        detached();
      },
    };
    this.listeners.add(listener);
    if (this.ended) listener.detach();
    const input = stdin && this.stdin !== undefined && !this.stdinClosed ? this.inputFor() : undefined;
    return { stdin: input, stdout, stderr, exited, kill: () => listener.detach() };
  }

  private inputFor(): Writable {
    return new Writable({
      write: (chunk: Buffer, _encoding, callback) => {
        if (this.stdinClosed || this.stdin === undefined) return callback();
        this.stdin.write(chunk, () => callback());
      },
      final: (callback) => {
        if (this.stdinOnce && !this.stdinClosed) {
          this.stdinClosed = true;
          this.stdin?.end();
        }
        callback();
      },
    });
  }

  private broadcast(which: 'stdout' | 'stderr', chunk: Buffer | string): void {
    for (const l of this.listeners) l[which].write(chunk);
  }
}
