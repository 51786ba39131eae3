// kubectl port-forward over SPDY, protocol portforward.k8s.io: for each local connection the client opens an
// error stream and a data stream with the same requestID and the pod's port; we connect to the pod's address on
// that port and copy both ways. A failed connection is reported as text on the error stream, which kubectl logs
// and keeps listening. The error stream ends when the forwarding does: kubectl waits for it before closing.
import net from 'node:net';
import type { Logger } from '../../../common/logger.ts';
import type { Duplex } from 'node:stream';
import type { SpdyServerSession, SpdyStream } from '../../../common/spdy/index.ts';
import type { ChannelSession } from './websocket-channels.ts';
import { STREAM_CREATION_TIMEOUT_MS } from './exec-stream.ts';

export const PORT_FORWARD_PROTOCOLS = ['portforward.k8s.io'];

export interface PortForwardTarget {
  podName: string;
  uid: string;
  /** The pod's address at the moment of each connection (it is the pod's network namespace here). */
  podIP(): string | undefined;
}

interface Pair {
  error?: SpdyStream;
  data?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** Serves every forwarded connection of one session until it closes. */
export function servePortForward(session: SpdyServerSession, target: PortForwardTarget, logger: Logger, timeoutMs = STREAM_CREATION_TIMEOUT_MS): void {
  const pairs = new Map<string, Pair>();
  session.on('stream', (stream) => {
    const type = stream.header('streamType');
    if (type !== 'error' && type !== 'data') return void stream.destroy();
    // Without a requestID the pair is found from the stream ids: the error stream is opened right before its data.
    const requestId = stream.header('requestID') || String(type === 'error' ? stream.id : stream.id - 2);
    let pair = pairs.get(requestId);
    if (pair === undefined) {
      pair = {
        timer: setTimeout(() => {
          pairs.delete(requestId);
          logger.warn({ pod: target.podName, requestId }, 'port-forward: timed out waiting for the stream pair');
          pair?.error?.destroy();
          pair?.data?.destroy();
        }, timeoutMs),
      };
      pairs.set(requestId, pair);
    }
    if (pair[type] !== undefined) return void stream.destroy();
    pair[type] = stream;
    if (pair.error === undefined || pair.data === undefined) return;
    clearTimeout(pair.timer);
    pairs.delete(requestId);
    connectPort(pair.error, pair.data, pair.data.header('port'), target);
  });
  session.on('close', () => {
    for (const pair of pairs.values()) clearTimeout(pair.timer);
    pairs.clear();
  });
}

/**
 * Port-forward over WebSocket (@kubernetes/client-node): the ports are the call's `port` parameter, port i's data
 * on channel 2i and its errors on 2i + 1, each channel's first message the port number (2 bytes, little-endian),
 * one connection per port for the life of the WebSocket, which closes once they all have.
 */
export function forwardWebSocketPorts(session: ChannelSession, ports: readonly number[], target: PortForwardTarget): void {
  let open = ports.length;
  ports.forEach((port, i) => {
    const data = session.channels.get(2 * i)!;
    const error = session.channels.get(2 * i + 1)!;
    const prefix = Buffer.alloc(2);
    prefix.writeUInt16LE(port);
    data.write(prefix);
    error.write(prefix);
    // Our side of the data ends when the pod's connection does (or never came): then this port is done.
    data.once('finish', () => {
      if (--open === 0) session.end();
    });
    connectPort(error, data, String(port), target);
  });
}

/** The ports of a WebSocket port-forward (`port=8080,9090`), or the refusal's text. */
export function portsFrom(q: URLSearchParams): number[] | string {
  const raw = q.getAll('port').flatMap((p) => p.split(',')).map((p) => p.trim()).filter((p) => p !== '');
  if (raw.length === 0) return 'query parameter "port" is required';
  const ports = raw.map(Number);
  const bad = raw.find((p, i) => !/^\d+$/.test(p) || ports[i] < 1 || ports[i] > 65535);
  return bad === undefined ? ports : `invalid port "${bad}"`;
}

function connectPort(error: Duplex, data: Duplex, portText: string, target: PortForwardTarget): void {
  error.resume(); // the client sends nothing on it
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  const fail = (reason: string): void => {
    error.end(`error forwarding port ${portText} to pod ${target.podName}, uid ${target.uid}: ${reason}`);
    data.end();
  };
  if (!(port > 0 && port < 65536)) return fail(`invalid port "${portText}"`);
  const ip = target.podIP();
  if (ip === undefined || ip === '') return fail('the pod has no address yet');
  const socket = net.connect({ host: ip, port });
  let connected = false;
  socket.once('connect', () => {
    connected = true;
    data.pipe(socket);
    socket.pipe(data);
  });
  socket.once('error', (err: NodeJS.ErrnoException) => {
    if (!connected) return fail(`failed to connect to ${ip}:${port}: dial tcp4 ${ip}:${port}: connect: ${connectReason(err)}`);
    data.destroy();
  });
  socket.once('close', () => {
    if (connected) error.end();
  });
  // A reset from the client cuts the connection; after a clean end the socket closes by itself once flushed.
  data.once('close', () => {
    if (!socket.writableEnded) socket.destroy();
  });
}

function connectReason(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return 'connection refused';
  if (err.code === 'ETIMEDOUT') return 'connection timed out';
  return err.message;
}
