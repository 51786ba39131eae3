// Peer partitions without root: every member runs with `grpc_proxy=http://127.0.0.1:<port>` pointing at its own
// HTTP CONNECT proxy owned by the runner. grpc-js (1.14: http_proxy.js) reads grpc_proxy/http_proxy for every
// channel, skips only targets in no_grpc_proxy/no_proxy (loopback is not exempt) and tunnels through CONNECT, so
// proxy i sees each outbound connection of member i and the CONNECT target names the member it goes to. A link
// i->j is cut by refusing or blackholing member i's connections to member j (Raft messages from i to j travel on
// them). Real etcd (Go) does not proxy loopback targets, so partitions apply to barque only.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** How a cut link behaves: refuse new tunnels and reset open ones, or accept and silently drop everything. */
export type CutMode = 'refuse' | 'drop';

/** Which directed links between member slots are cut. Shared by every member's proxy. */
export class LinkTable {
  private readonly cut = new Map<string, CutMode>();
  private readonly listeners = new Set<(from: number, to: number, mode: CutMode) => void>();

  block(from: number, to: number, mode: CutMode): void {
    if (from === to) return;
    this.cut.set(`${from}->${to}`, mode);
    for (const l of this.listeners) l(from, to, mode);
  }

  modeOf(from: number, to: number): CutMode | undefined {
    return this.cut.get(`${from}->${to}`);
  }

  /** Every cut link, as "from->to". */
  describe(): string[] {
    return [...this.cut.keys()];
  }

  healAll(): void {
    this.cut.clear();
    for (const l of this.listeners) l(-1, -1, 'refuse');
  }

  /** from = -1: everything healed. */
  onChange(listener: (from: number, to: number, mode: CutMode) => void): void {
    this.listeners.add(listener);
  }
}

interface Tunnel {
  readonly to: number | undefined;
  readonly client: Duplex;
  upstream: Socket | null;
  blackholed: boolean;
}

export interface ProxyStats {
  tunnels: number;
  refused: number;
  blackholed: number;
  reset: number;
}

export class ConnectProxy {
  private server: Server | undefined;
  private readonly tunnels = new Set<Tunnel>();
  readonly stats: ProxyStats = { tunnels: 0, refused: 0, blackholed: 0, reset: 0 };

  /**
   * `owner`: the member slot whose outbound connections come here. `slotOfPort`: the member slot a target port
   * belongs to (peer or client port), undefined for anything else (passed through, never cut).
   */
  constructor(
    readonly owner: number,
    private readonly slotOfPort: (port: number) => number | undefined,
    private readonly links: LinkTable,
  ) {
    links.onChange((from, to, mode) => {
      if (from === -1) this.dropBlackholed();
      else if (from === this.owner) this.cutOpen(to, mode);
    });
  }

  async listen(): Promise<number> {
    const server = createServer((_req, res) => {
      res.writeHead(405).end();
    });
    server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.tunnel(req, socket, head));
    this.server = server;
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => done());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no TCP address');
    return address.port;
  }

  async close(): Promise<void> {
    for (const t of this.tunnels) this.destroy(t);
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }

  private tunnel(req: IncomingMessage, client: Duplex, head: Buffer): void {
    client.on('error', () => undefined);
    const target = /^(?:\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? '');
    if (target === null) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    const host = (req.url ?? '').slice(0, (req.url ?? '').lastIndexOf(':')).replace(/^\[|\]$/g, '');
    const port = Number(target[1]);
    const to = this.slotOfPort(port);
    const mode = to === undefined ? undefined : this.links.modeOf(this.owner, to);
    if (mode === 'refuse') {
      this.stats.refused++;
      client.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
      return;
    }
    const t: Tunnel = { to, client, upstream: null, blackholed: false };
    this.tunnels.add(t);
    client.once('close', () => this.destroy(t));
    if (mode === 'drop') {
      // Accept, then swallow everything: the member sees a connection that never answers.
      this.stats.blackholed++;
      t.blackholed = true;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      client.resume();
      return;
    }
    const upstream = connect({ host, port });
    t.upstream = upstream;
    upstream.on('error', () => this.destroy(t));
    upstream.once('close', () => this.destroy(t));
    upstream.once('connect', () => {
      if (t.blackholed || client.destroyed) return;
      this.stats.tunnels++;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  /** A link was cut: open tunnels to `to` are reset (refuse) or go silent (drop). */
  private cutOpen(to: number, mode: CutMode): void {
    for (const t of this.tunnels) {
      if (t.to !== to) continue;
      if (mode === 'refuse') {
        this.stats.reset++;
        this.destroy(t);
        continue;
      }
      if (t.blackholed) continue;
      t.blackholed = true;
      this.stats.blackholed++;
      const up = t.upstream;
      t.client.unpipe();
      t.client.resume();
      if (up !== null) {
        up.unpipe();
        up.resume();
      }
    }
  }

  /** On heal a blackholed tunnel is reset, as a connection whose peer vanished eventually is. */
  private dropBlackholed(): void {
    for (const t of this.tunnels) if (t.blackholed) this.destroy(t);
  }

  private destroy(t: Tunnel): void {
    if (!this.tunnels.delete(t)) return;
    t.client.destroy();
    t.upstream?.destroy();
  }
}
