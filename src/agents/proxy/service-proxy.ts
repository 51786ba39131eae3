// The kube-proxy role on one machine: for every TCP service port, a listener on ClusterIP:port (and on the node's
// address at the NodePort) that forwards each connection to the next ready endpoint, round robin. The backend is
// picked when a connection arrives, so endpoint changes apply to the next connection; a removed service's
// listener closes while its open connections carry on. With no ready endpoint a connection is reset (kube-proxy
// rejects it). A backend that refuses the connection is skipped for the next one, up to one round.
import net from 'node:net';
import type { Logger } from '../../common/logger.ts';
import { hasClusterIP, ServiceCatalog, type Backend } from './service-catalog.ts';
import type { Endpoints, Service, ServiceConsumer, ServicePort } from './service-types.ts';

export interface ServiceProxyOptions {
  /** Where NodePorts listen (the node's own address, e.g. 127.64.0.1). */
  nodeAddress: string;
  logger: Logger;
  /** How long to try a backend before the next one. Default 3 s. */
  connectTimeoutMs?: number;
}

interface Listener {
  readonly address: string;
  readonly port: number;
  namespace: string;
  name: string;
  servicePort: ServicePort;
  next: number;
  server: net.Server;
  listening: Promise<void>;
}

export class ServiceProxy implements ServiceConsumer {
  private readonly catalog = new ServiceCatalog();
  private readonly listeners = new Map<string, Listener>();
  private readonly connections = new Set<net.Socket>();

  constructor(private readonly options: ServiceProxyOptions) {}

  setServices(services: readonly Service[], endpoints: readonly Endpoints[]): void {
    this.catalog.replace(services, endpoints);
    const wanted = new Map<string, { address: string; port: number; namespace: string; name: string; servicePort: ServicePort }>();
    for (const svc of services) {
      if (!hasClusterIP(svc)) continue;
      const namespace = svc.metadata.namespace ?? 'default';
      for (const sp of svc.spec.ports ?? []) {
        if ((sp.protocol ?? 'TCP') !== 'TCP') continue;
        const entry = { namespace, name: svc.metadata.name, servicePort: sp };
        wanted.set(`${svc.spec.clusterIP}:${sp.port}`, { address: svc.spec.clusterIP!, port: sp.port, ...entry });
        if (sp.nodePort !== undefined && svc.spec.type !== 'ClusterIP') wanted.set(`${this.options.nodeAddress}:${sp.nodePort}`, { address: this.options.nodeAddress, port: sp.nodePort, ...entry });
      }
    }
    for (const [k, l] of this.listeners) {
      if (wanted.has(k)) continue;
      this.listeners.delete(k);
      l.server.close();
    }
    for (const [k, w] of wanted) {
      const existing = this.listeners.get(k);
      if (existing !== undefined) Object.assign(existing, { namespace: w.namespace, name: w.name, servicePort: w.servicePort });
      else this.listeners.set(k, this.listen(w));
    }
  }

  /** Resolves when every listener asked for so far is bound (or failed and was logged). */
  async settled(): Promise<void> {
    await Promise.all([...this.listeners.values()].map((l) => l.listening));
  }

  /** "ip:port" of every listener. */
  listening(): string[] {
    return [...this.listeners.keys()];
  }

  async close(): Promise<void> {
    const servers = [...this.listeners.values()].map((l) => new Promise<void>((resolve) => l.server.close(() => resolve())));
    this.listeners.clear();
    for (const c of this.connections) c.destroy();
    await Promise.all(servers);
  }

  private listen(w: Omit<Listener, 'next' | 'server' | 'listening'>): Listener {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true });
    const listener: Listener = { ...w, next: 0, server, listening: Promise.resolve() };
    server.on('connection', (client) => this.forward(listener, client));
    listener.listening = new Promise<void>((resolve) => {
      server.once('listening', () => resolve());
      server.once('error', (err) => {
        this.options.logger.warn({ err, address: w.address, port: w.port, service: `${w.namespace}/${w.name}` }, 'service listener failed');
        resolve();
      });
      server.listen(w.port, w.address);
    });
    return listener;
  }

  private forward(listener: Listener, client: net.Socket): void {
    this.track(client);
    const backends = this.catalog.backends(listener.namespace, listener.name, listener.servicePort);
    if (backends.length === 0) {
      client.resetAndDestroy();
      return;
    }
    const start = listener.next++ % backends.length;
    this.connect(client, backends, start, 0);
  }

  private connect(client: net.Socket, backends: Backend[], start: number, tried: number): void {
    if (tried >= backends.length) {
      client.resetAndDestroy();
      return;
    }
    const b = backends[(start + tried) % backends.length];
    const upstream = net.connect({ host: b.ip, port: b.port, allowHalfOpen: true, timeout: this.options.connectTimeoutMs ?? 3000 });
    const fail = (): void => {
      upstream.destroy();
      if (!client.destroyed) this.connect(client, backends, start, tried + 1);
    };
    upstream.once('timeout', fail);
    upstream.once('error', fail);
    upstream.once('connect', () => {
      upstream.removeListener('timeout', fail);
      upstream.removeListener('error', fail);
      upstream.setTimeout(0);
      this.track(upstream);
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
  }

  private track(socket: net.Socket): void {
    this.connections.add(socket);
    socket.once('close', () => this.connections.delete(socket));
  }
}
