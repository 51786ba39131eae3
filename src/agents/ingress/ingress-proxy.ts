// The ingress controller's data path: an HTTP reverse proxy that routes each request by Host and path
// (ingress-routes.ts) to a ready endpoint of the backend Service, round robin. No route: 404 from the default
// backend; a Service without ready endpoints: 503; a backend that fails: 502. Forwarded requests carry
// X-Forwarded-For, -Host and -Proto.
import http from 'node:http';
import net from 'node:net';
import type { Logger } from '../../common/logger.ts';
import { ServiceCatalog, type Endpoints, type Service, type ServiceConsumer } from '../proxy/index.ts';
import { route } from './ingress-routes.ts';
import type { Ingress } from './ingress-types.ts';

export interface IngressProxyOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  logger: Logger;
  /** When set, only Ingresses of this class (spec.ingressClassName) are served; otherwise all. */
  ingressClassName?: string;
}

export class IngressProxy implements ServiceConsumer {
  private readonly catalog = new ServiceCatalog();
  private ingresses: Ingress[] = [];
  private readonly next = new Map<string, number>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private server: http.Server | null = null;
  private readonly sockets = new Set<net.Socket>();

  constructor(private readonly options: IngressProxyOptions) {}

  setServices(services: readonly Service[], endpoints: readonly Endpoints[]): void {
    this.catalog.replace(services, endpoints);
  }

  setIngresses(ingresses: readonly Ingress[]): void {
    const cls = this.options.ingressClassName;
    this.ingresses = ingresses.filter((i) => cls === undefined || i.spec.ingressClassName === cls);
  }

  async start(): Promise<number> {
    const server = http.createServer((req, res) => this.handle(req, res));
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(this.options.port, this.options.host, () => resolve()));
    this.server = server;
    return (server.address() as net.AddressInfo).port;
  }

  async close(): Promise<void> {
    this.agent.destroy();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server === null ? resolve() : this.server.close(() => resolve())));
    this.server = null;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0];
    const found = route(this.ingresses, req.headers.host ?? '', path);
    if (found === undefined) return reply(res, 404, 'default backend - 404');
    const { namespace, backend } = found;
    const svc = this.catalog.service(namespace, backend.name);
    const port = svc?.spec.ports?.find((p) => (backend.port.name !== undefined ? p.name === backend.port.name : p.port === backend.port.number));
    const backends = svc === undefined || port === undefined ? [] : this.catalog.backends(namespace, backend.name, port);
    if (backends.length === 0) return reply(res, 503, 'Service Unavailable');
    const key = `${namespace}/${backend.name}:${port!.port}`;
    const n = this.next.get(key) ?? 0;
    this.next.set(key, n + 1);
    const target = backends[n % backends.length];
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter((x) => x !== undefined).join(', ');
    const upstream = http.request(
      {
        host: target.ip,
        port: target.port,
        method: req.method,
        path: req.url,
        agent: this.agent,
        headers: { ...req.headers, 'x-forwarded-for': forwardedFor, 'x-forwarded-host': req.headers.host ?? '', 'x-forwarded-proto': 'http' },
      },
      (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, upRes.headers);
        upRes.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      this.options.logger.debug({ err, backend: key }, 'ingress backend failed');
      if (!res.headersSent) reply(res, 502, 'Bad Gateway');
      else res.destroy();
    });
    req.pipe(upstream);
  }
}

function reply(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`${text}\n`);
}
