// --listen-metrics-urls: extra plain HTTP listeners serving /metrics and /health alone (http-endpoints.ts's
// etcdMetricsHandler), as etcd's metrics listener does; kubeadm's etcd manifest scrapes and probes through one
// (http://127.0.0.1:2381). An https URL uses the client port's TLS files, as etcd does.
import * as http from 'node:http';
import * as https from 'node:https';
import { plainHttpRequestListener, tlsServerOptions, type ListenerTls, type PlainHttpHandler } from '../../common/http2/index.ts';
import { checkUrl, listenHost } from '../member/index.ts';

export interface MetricsListener {
  readonly url: string;
  close(): Promise<void>;
}

export class MetricsListenerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsListenerError';
  }
}

export async function listenMetrics(url: string, handler: PlainHttpHandler, clientTls: ListenerTls | undefined): Promise<MetricsListener> {
  const u = checkUrl(url);
  const listener = plainHttpRequestListener(handler);
  let server: http.Server;
  if (u.protocol === 'https:') {
    if (clientTls === undefined) throw new MetricsListenerError(`cannot listen on TLS for ${u.host}: KeyFile and CertFile are not presented`);
    server = https.createServer({ ...tlsServerOptions(clientTls), ALPNProtocols: ['http/1.1'] }, listener);
  } else if (u.protocol === 'http:') {
    server = http.createServer(listener);
  } else {
    throw new MetricsListenerError(`metrics URL ${url}: only http and https are supported`);
  }
  const host = listenHost(u);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(u.port === '' ? 80 : Number(u.port), host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
