// The kubeconfig's server: a local TCP endpoint that hands each connection to a live apiserver. TLS passes through
// untouched (the apiservers' certificates name the loopback addresses this listens on), so client certificates
// authenticate end to end. Apiservers that answered the last /readyz probe are tried first, in order; a refused
// connect moves on to the next one, so a killed master costs a client at most the connection it had open.
import { get } from 'node:https';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface Backend {
  host: string;
  port: number;
}

export interface FailoverEndpointOptions {
  host: string;
  port: number;
  backends: Backend[];
  /** The CA the apiservers' serving certificates chain to, for the /readyz probe. */
  caPem: string;
  probeIntervalMs?: number;
  connectTimeoutMs?: number;
}

export class FailoverEndpoint {
  private readonly server: Server;
  private readonly healthy: boolean[];
  private probeTimer: NodeJS.Timeout | undefined;
  private readonly open = new Set<Socket>();

  constructor(private readonly options: FailoverEndpointOptions) {
    this.healthy = options.backends.map(() => true);
    this.server = createServer((socket) => this.forward(socket));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => resolve());
    });
    const probe = (): void => {
      void this.probeAll().finally(() => {
        if (this.server.listening) this.probeTimer = setTimeout(probe, this.options.probeIntervalMs ?? 1000);
      });
    };
    probe();
  }

  /** Backends in the order a new connection tries them: healthy ones first. */
  order(): number[] {
    const all = this.options.backends.map((_, i) => i);
    return [...all.filter((i) => this.healthy[i]), ...all.filter((i) => !this.healthy[i])];
  }

  async close(): Promise<void> {
    clearTimeout(this.probeTimer);
    for (const s of this.open) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private forward(client: Socket): void {
    client.pause();
    this.open.add(client);
    client.once('close', () => this.open.delete(client));
    client.on('error', () => client.destroy());
    const candidates = this.order();
    const next = (): void => {
      const i = candidates.shift();
      if (i === undefined || client.destroyed) {
        client.destroy();
        return;
      }
      const b = this.options.backends[i];
      const upstream = connect({ host: b.host, port: b.port });
      upstream.setTimeout(this.options.connectTimeoutMs ?? 2000);
      upstream.once('timeout', () => upstream.destroy(new Error('connect timeout')));
      upstream.once('error', () => {
        this.healthy[i] = false;
        next();
      });
      upstream.once('connect', () => {
        upstream.setTimeout(0);
        upstream.removeAllListeners('error');
        upstream.on('error', () => client.destroy());
        upstream.once('close', () => client.destroy());
        client.once('close', () => upstream.destroy());
        this.open.add(upstream);
        upstream.once('close', () => this.open.delete(upstream));
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    next();
  }

  private async probeAll(): Promise<void> {
    await Promise.all(this.options.backends.map(async (b, i) => (this.healthy[i] = await this.ready(b))));
  }

  private ready(b: Backend): Promise<boolean> {
    return new Promise((resolve) => {
      const req = get({ host: b.host, port: b.port, path: '/readyz', ca: this.options.caPem, timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.once('timeout', () => req.destroy());
      req.once('error', () => resolve(false));
    });
  }
}
