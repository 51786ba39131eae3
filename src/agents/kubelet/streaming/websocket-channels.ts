// The kubelet's WebSocket streaming protocol (the channel.k8s.io family), as newer kubectl and
// @kubernetes/client-node speak it for exec and attach: every binary message starts with its channel (0 stdin,
// 1 stdout, 2 stderr, 3 error, 4 resize), the rest is data. v5.channel.k8s.io adds a close message (255, then the
// channel) for a half-close of stdin; under v4 the client ends its input by closing the connection. The same
// Status as over SPDY ends the call on the error channel, then the connection closes.
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { refuseUpgrade } from './spdy-upgrade.ts';

export const WEBSOCKET_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
/** Port-forward over WebSocket: channel 2i carries port i's data, 2i + 1 its errors (the kubelet's v4 only). */
export const PORT_FORWARD_WEBSOCKET_PROTOCOLS = ['v4.channel.k8s.io'];
const CLOSE_CHANNEL = 255;
export const enum Channel {
  Stdin = 0,
  Stdout = 1,
  Stderr = 2,
  Error = 3,
  Resize = 4,
}

/** One channel as a stream: writes become messages on it; the client's messages on it are its data. */
export class ChannelStream extends Duplex {
  constructor(
    readonly channel: number,
    private readonly socket: WebSocket,
  ) {
    super({ allowHalfOpen: true });
  }

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.socket.readyState !== WebSocket.OPEN) return callback();
    this.socket.send(Buffer.concat([Buffer.from([this.channel]), chunk]), { binary: true }, () => callback());
  }
}

export interface ChannelSessionEvents {
  close: [];
}

/** The streams of one WebSocket connection, closed together; `end()` closes the connection cleanly. */
export class ChannelSession extends EventEmitter<ChannelSessionEvents> {
  readonly channels = new Map<number, ChannelStream>();
  private closed = false;

  constructor(
    private readonly socket: WebSocket,
    readonly protocol: string,
    open: readonly number[],
    /** Channels whose messages are read and dropped (an exec's resize: no terminal size to apply). */
    discarded: readonly number[] = [],
  ) {
    super();
    for (const c of open) this.channels.set(c, new ChannelStream(c, socket));
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary || data.length === 0) return;
      if (data[0] === CLOSE_CHANNEL && protocol === 'v5.channel.k8s.io') return void this.channels.get(data[1])?.push(null);
      const stream = this.channels.get(data[0]);
      if (stream === undefined || discarded.includes(data[0])) return;
      stream.push(data.subarray(1));
    });
    socket.on('close', () => this.close());
    socket.on('error', () => this.close());
  }

  end(): void {
    if (this.closed) return;
    this.socket.close(1000);
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    // Under v4 the closing connection is the client's end of input.
    for (const s of this.channels.values()) s.push(null);
    this.emit('close');
  }
}

function serverFor(protocols: readonly string[]): WebSocketServer {
  return new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    handleProtocols: (offered) => protocols.find((p) => offered.has(p)) ?? false,
  });
}

const servers = new Map<string, WebSocketServer>();

/**
 * Completes a WebSocket upgrade when the client offers one of `protocols`; otherwise refuses it (400), which is
 * what makes newer kubectl's tunnelled port-forward fall back to SPDY.
 */
export function acceptWebSocket(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  open: readonly number[],
  options: { protocols?: readonly string[]; discarded?: readonly number[] } = {},
): Promise<ChannelSession | undefined> {
  const protocols = options.protocols ?? WEBSOCKET_PROTOCOLS;
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '');
  const protocol = protocols.find((p) => offered.includes(p));
  if (protocol === undefined) {
    refuseUpgrade(socket, 400, `unable to upgrade: requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${protocols.join(' ')}]`);
    return Promise.resolve(undefined);
  }
  let server = servers.get(protocols.join());
  if (server === undefined) servers.set(protocols.join(), (server = serverFor(protocols)));
  return new Promise((resolve) => server.handleUpgrade(req, socket, head, (ws) => resolve(new ChannelSession(ws, protocol, open, options.discarded))));
}
