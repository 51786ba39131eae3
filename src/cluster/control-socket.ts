// The detached cluster supervisor's control channel: a Unix socket in the data directory; one JSON line in, one
// JSON line out per connection.
import { connect, createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';

export type ControlRequest = { op: 'status' } | { op: 'kill-master'; master: number } | { op: 'restart-master'; master: number } | { op: 'down' };
export type ControlResponse = { ok: true; result?: unknown } | { ok: false; error: string };

export function serveControl(path: string, handle: (req: ControlRequest) => Promise<unknown>): Promise<Server> {
  const server = createServer((socket) => {
    socket.on('error', () => socket.destroy());
    createInterface({ input: socket }).once('line', (line) => {
      let req: ControlRequest;
      try {
        req = JSON.parse(line) as ControlRequest;
      } catch {
        socket.end(`${JSON.stringify({ ok: false, error: 'bad request' })}\n`);
        return;
      }
      handle(req).then(
        (result) => socket.end(`${JSON.stringify({ ok: true, result })}\n`),
        (err: unknown) => socket.end(`${JSON.stringify({ ok: false, error: err instanceof Error ? err.message : String(err) })}\n`),
      );
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve(server));
  });
}

export class ControlUnavailable extends Error {}

export function callControl(path: string, req: ControlRequest, timeoutMs = 120_000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    let reply = '';
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no answer from the cluster supervisor within ${timeoutMs / 1000} s`)));
    socket.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? new ControlUnavailable('the cluster supervisor is not running') : err));
    socket.on('data', (b: Buffer) => (reply += b.toString()));
    socket.once('end', () => {
      try {
        const res = JSON.parse(reply) as ControlResponse;
        if (res.ok) resolve(res.result);
        else reject(new Error(res.error));
      } catch {
        reject(new Error('the cluster supervisor closed the connection without an answer'));
      }
    });
    socket.write(`${JSON.stringify(req)}\n`);
  });
}
