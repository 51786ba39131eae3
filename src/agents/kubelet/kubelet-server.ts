// The kubelet's own HTTP endpoint on the node address (the role of :10250): container logs for `kubectl logs`
// (proxied by the apiserver), /stats/summary for metrics.k8s.io, /healthz, and the streaming calls upgraded to
// SPDY or WebSocket: /exec/NS/POD/CONTAINER, /attach/NS/POD/CONTAINER and /portForward/NS/POD. Runtime errors become Status objects here, in one place.
// Plain HTTP on the node's loopback address; the apiserver is its only intended client.
import http from 'node:http';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../common/logger.ts';
import { SpdyServerSession } from '../../common/spdy/index.ts';
import { RuntimeError, type Runtime } from './runtime/index.ts';
import type { SummaryProvider } from './stats-summary.ts';
import {
  acceptSpdyUpgrade,
  acceptWebSocket,
  awaitExecStreams,
  Channel,
  EXEC_PROTOCOLS,
  execChannels,
  execRequestFrom,
  exitStatus,
  finishExec,
  internalErrorStatus,
  forwardWebSocketPorts,
  PORT_FORWARD_PROTOCOLS,
  PORT_FORWARD_WEBSOCKET_PROTOCOLS,
  portsFrom,
  pumpExec,
  refuseUpgrade,
  servePortForward,
  type ExecStreams,
  type PortForwardTarget,
  type StreamSession,
} from './streaming/index.ts';

export interface KubeletServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  runtime: Runtime;
  summary: SummaryProvider;
  /** The uid of the pod namespace/name this node runs. */
  uidOf(namespace: string, name: string): string | undefined;
  logger: Logger;
}

function sendStatus(res: http.ServerResponse, code: number, reason: string, message: string): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }));
}

function sendError(res: http.ServerResponse, err: unknown): void {
  if (err instanceof RuntimeError) {
    if (err.code === 'NotFound') return sendStatus(res, 404, 'NotFound', err.message);
    if (err.code === 'BadRequest') return sendStatus(res, 400, 'BadRequest', err.message);
    if (err.code === 'Internal') return sendStatus(res, 500, 'InternalError', err.message);
    return sendStatus(res, 504, 'Timeout', err.message);
  }
  sendStatus(res, 500, 'InternalError', err instanceof Error ? err.message : String(err));
}

export class KubeletServer {
  private server: http.Server | null = null;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly o: KubeletServerOptions) {}

  async start(): Promise<number> {
    const server = http.createServer((req, res) => void this.handle(req, res).catch((err: unknown) => sendError(res, err)));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => {});
      if (head.length > 0) socket.unshift(head);
      this.upgrade(req, socket).catch((err: unknown) => {
        this.o.logger.warn({ err: String(err), url: req.url }, 'streaming call failed');
        socket.destroy();
      });
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.o.port, this.o.host, () => resolve()));
    this.server = server;
    return (server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server === null ? resolve() : this.server.close(() => resolve())));
    this.server = null;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    const parts = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
    if (req.method !== 'GET') return sendStatus(res, 405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    if (parts[0] === 'healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (parts[0] === 'stats' && parts[1] === 'summary') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(await this.o.summary.summary()));
      return;
    }
    if (parts[0] === 'containerLogs' && parts.length === 4) return this.logs(parts[1], parts[2], parts[3], url.searchParams, req, res);
    sendStatus(res, 404, 'NotFound', 'the server could not find the requested resource');
  }

  private async upgrade(req: http.IncomingMessage, socket: Duplex): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://kubelet');
    const parts = url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
    const [kind, namespace, name] = parts;
    const isExec = (kind === 'exec' || kind === 'attach') && (parts.length === 4 || parts.length === 5);
    const isPortForward = kind === 'portForward' && (parts.length === 3 || parts.length === 4);
    if (!isExec && !isPortForward) return refuseUpgrade(socket, 404, '404 page not found');
    const uid = this.o.uidOf(namespace, name);
    if (uid === undefined || (parts.length === (isExec ? 5 : 4) && parts[3] !== uid)) {
      return refuseUpgrade(socket, 404, `pod does not exist`);
    }
    const websocket = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    if (isPortForward) {
      const target = { podName: name, uid, podIP: () => this.o.runtime.podStatus(uid)?.podIP };
      // Over WebSocket (client-node), the ports come in the query; newer kubectl's tunnelled SPDY is refused, and it
      // falls back to SPDY.
      if (websocket) return this.portForwardWebSocket(req, socket, url.searchParams, target);
      if (acceptSpdyUpgrade(req, socket, PORT_FORWARD_PROTOCOLS) === undefined) return;
      const session = new SpdyServerSession(socket);
      session.on('error', (err) => this.o.logger.warn({ err: err.message }, 'port-forward session failed'));
      servePortForward(session, target, this.o.logger);
      return;
    }
    const request = execRequestFrom(url.searchParams);
    if (!request.stdin && !request.stdout && !request.stderr) {
      return refuseUpgrade(socket, 400, 'you must specify at least 1 of stdin, stdout, stderr');
    }
    let session: StreamSession;
    let streams: ExecStreams | undefined;
    if (websocket) {
      const ws = await acceptWebSocket(req, socket, Buffer.alloc(0), execChannels(request));
      if (ws === undefined) return;
      session = ws;
      streams = { error: ws.channels.get(Channel.Error)!, stdin: ws.channels.get(Channel.Stdin), stdout: ws.channels.get(Channel.Stdout), stderr: ws.channels.get(Channel.Stderr) };
      // An empty message on the lowest writable channel tells the client the call is set up, as the kubelet does.
      (streams.stdout ?? streams.stderr ?? streams.error).write(Buffer.alloc(0));
    } else {
      if (acceptSpdyUpgrade(req, socket, EXEC_PROTOCOLS) === undefined) return;
      const spdy = new SpdyServerSession(socket);
      spdy.on('error', (err) => this.o.logger.warn({ err: err.message }, 'exec session failed'));
      session = spdy;
      streams = await awaitExecStreams(spdy, request);
      if (streams === undefined) return session.end();
    }
    let status;
    const container = parts[parts.length - 1];
    try {
      if (kind === 'attach') {
        await pumpExec(request, streams, await this.o.runtime.attach(uid, container, { stdin: request.stdin }), session);
        status = exitStatus([], 0);
      } else {
        const exec = await this.o.runtime.execStream(uid, container, request.command, { stdin: request.stdin, tty: request.tty });
        status = exitStatus(request.command, await pumpExec(request, streams, exec, session));
      }
    } catch (err) {
      status = internalErrorStatus(err instanceof Error ? err.message : String(err));
    }
    finishExec(streams, status, session);
  }

  private async portForwardWebSocket(req: http.IncomingMessage, socket: Duplex, q: URLSearchParams, target: PortForwardTarget): Promise<void> {
    const ports = portsFrom(q);
    if (typeof ports === 'string') return refuseUpgrade(socket, 400, ports);
    const session = await acceptWebSocket(req, socket, Buffer.alloc(0), ports.flatMap((_, i) => [2 * i, 2 * i + 1]), { protocols: PORT_FORWARD_WEBSOCKET_PROTOCOLS });
    if (session === undefined) return;
    forwardWebSocketPorts(session, ports, target);
  }

  private async logs(namespace: string, name: string, container: string, q: URLSearchParams, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const uid = this.o.uidOf(namespace, name);
    if (uid === undefined) return sendStatus(res, 404, 'NotFound', `pod "${name}" not found on this node`);
    const flag = (k: string): boolean => q.get(k) === 'true' || q.get(k) === '1';
    const tail = q.get('tailLines');
    const lines = this.o.runtime.readLogs(uid, container, {
      follow: flag('follow'),
      previous: flag('previous'),
      timestamps: flag('timestamps'),
      tailLines: tail !== null && /^\d+$/.test(tail) ? Number(tail) : undefined,
    });
    const iterator = lines[Symbol.asyncIterator]();
    let closed = false;
    req.once('close', () => {
      closed = true;
      void iterator.return?.();
    });
    // The first line decides between an error Status and a 200 stream.
    let first: IteratorResult<string>;
    try {
      first = await iterator.next();
    } catch (err) {
      return sendError(res, err);
    }
    res.writeHead(200, { 'Content-Type': 'text/plain' });
    try {
      for (let r = first; !r.done && !closed; r = await iterator.next()) res.write(`${r.value}\n`);
    } catch (err) {
      this.o.logger.warn({ err: String(err), pod: `${namespace}/${name}` }, 'log stream failed');
    }
    res.end();
  }
}
