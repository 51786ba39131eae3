// kubectl exec and attach over SPDY, protocol v4.channel.k8s.io: the client opens an error stream and one stream
// per standard stream it asked for (stdin, stdout, stderr, and resize with a TTY, which has no stderr of its own);
// we run the command (or join the container) once they are all there, copy its output, and end with a Status on
// the error stream: Success, NonZeroExitCode with the exit code as cause (kubectl exits with it), or an internal
// error. An attach ends in Success when the container ends or the client leaves.
import type { Duplex } from 'node:stream';
import type { SpdyServerSession, SpdyStream } from '../../../common/spdy/index.ts';
import type { ExecSession } from '../runtime/index.ts';
import { Channel } from './websocket-channels.ts';

export const EXEC_PROTOCOLS = ['v4.channel.k8s.io'];
/** How long the client has to open its streams (the kubelet's --streaming-connection default for creation). */
export const STREAM_CREATION_TIMEOUT_MS = 30_000;

export interface ExecRequest {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export interface ExecStatus {
  metadata: Record<string, never>;
  status: 'Success' | 'Failure';
  message?: string;
  reason?: string;
  details?: { causes: Array<{ reason?: string; message: string }> };
  code?: number;
}

/** Reads kubelet exec parameters (input/output/error/tty as the apiserver passes them, or stdin/stdout/stderr). */
export function execRequestFrom(q: URLSearchParams): ExecRequest {
  const flag = (...names: string[]): boolean => names.some((n) => q.get(n) === '1' || q.get(n) === 'true');
  const tty = flag('tty');
  return { command: q.getAll('command'), stdin: flag('input', 'stdin'), stdout: flag('output', 'stdout'), stderr: flag('error', 'stderr') && !tty, tty };
}

export function exitStatus(command: readonly string[], exitCode: number): ExecStatus {
  if (exitCode === 0) return { metadata: {}, status: 'Success' };
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

export function internalErrorStatus(message: string): ExecStatus {
  return { metadata: {}, status: 'Failure', message: `Internal error occurred: ${message}`, reason: 'InternalError', details: { causes: [{ message }] }, code: 500 };
}

/** The client's streams, over SPDY or WebSocket channels. */
export interface ExecStreams {
  error: Duplex;
  stdin?: Duplex;
  stdout?: Duplex;
  stderr?: Duplex;
}

/** The connection carrying them: a SPDY session or a WebSocket's channels. */
export interface StreamSession {
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
  end(): void;
}

export type ExecStreamType = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';

/** The streams a call carries, whatever the transport: error always, the standard streams asked for, resize with a TTY. */
export function execStreamTypes(want: ExecRequest): ExecStreamType[] {
  const types: ExecStreamType[] = ['error'];
  if (want.stdin) types.push('stdin');
  if (want.stdout) types.push('stdout');
  if (want.stderr) types.push('stderr');
  if (want.tty) types.push('resize');
  return types;
}

const CHANNEL_OF: Record<ExecStreamType, Channel> = { stdin: Channel.Stdin, stdout: Channel.Stdout, stderr: Channel.Stderr, error: Channel.Error, resize: Channel.Resize };

/** The same streams as WebSocket channels. */
export function execChannels(want: ExecRequest): Channel[] {
  return execStreamTypes(want).map((t) => CHANNEL_OF[t]);
}

/** Waits for the client's streams; undefined when they do not all come in time or the connection ends. */
export function awaitExecStreams(session: SpdyServerSession, want: ExecRequest, timeoutMs = STREAM_CREATION_TIMEOUT_MS): Promise<ExecStreams | undefined> {
  const needed: string[] = execStreamTypes(want);
  const got = new Map<string, SpdyStream>();
  return new Promise((resolve) => {
    const done = (result: ExecStreams | undefined): void => {
      clearTimeout(timer);
      session.off('stream', onStream);
      session.off('close', onClose);
      resolve(result);
    };
    const onStream = (s: SpdyStream): void => {
      const type = s.header('streamType');
      if (!needed.includes(type) || got.has(type)) return void s.destroy();
      if (type === 'resize') s.resume(); // window sizes: no TTY to resize (the command runs on pipes or `script`)
      got.set(type, s);
      if (needed.every((n) => got.has(n))) done({ error: got.get('error')!, stdin: got.get('stdin'), stdout: got.get('stdout'), stderr: got.get('stderr') });
    };
    const onClose = (): void => done(undefined);
    const timer = setTimeout(() => done(undefined), timeoutMs);
    session.on('stream', onStream);
    session.on('close', onClose);
  });
}

/** Copies the command's streams to the client's until it exits; resolves with its exit code. */
export async function pumpExec(request: ExecRequest, streams: ExecStreams, exec: ExecSession, session: StreamSession): Promise<number> {
  const kill = (): void => exec.kill();
  session.once('close', kill);
  if (streams.stdin !== undefined && exec.stdin !== undefined) streams.stdin.pipe(exec.stdin);
  else streams.stdin?.resume();
  // A TTY has one output stream: what the command writes to stderr shows there too.
  const copied = [copy(exec.stdout, streams.stdout), copy(exec.stderr, request.tty ? streams.stdout : streams.stderr)];
  const exitCode = await exec.exited;
  await Promise.all(copied);
  session.off('close', kill);
  return exitCode;
}

/** Copies until the source ends; a missing target (the client did not ask for it) discards. */
function copy(from: NodeJS.ReadableStream, to: Duplex | undefined): Promise<void> {
  return new Promise((resolve) => {
    from.on('data', (chunk: Buffer) => {
      if (to !== undefined && !to.destroyed && !to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
    });
    from.once('end', resolve);
    from.once('close', resolve);
    from.once('error', () => resolve());
  });
}

/** Sends the status and ends every stream and the session. */
export function finishExec(streams: ExecStreams | undefined, status: ExecStatus, session: StreamSession): void {
  if (streams !== undefined) {
    for (const s of [streams.stdout, streams.stderr]) s?.end();
    streams.error.end(`${JSON.stringify(status)}\n`);
  }
  // The client reads the status to its end, then closes; the session ends once our frames are out.
  setImmediate(() => session.end());
}
