// kube-apiserver's request metrics: apiserver_request_total and apiserver_request_duration_seconds, labelled the
// way upstream labels them (verb, group, version, resource, subresource, scope, component, code), plus
// apiserver_current_inflight_requests. `wrapHandler` measures every request and serves GET /metrics itself.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Histogram, MetricsRegistry } from './metrics-registry.ts';

/** Upstream's buckets for apiserver_request_duration_seconds. */
const DURATION_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

export interface RequestInfo {
  verb: string;
  group: string;
  version: string;
  resource: string;
  subresource: string;
  scope: string;
}

/** Classifies a request the way upstream's RequestInfo does; non-resource URLs get only a verb. */
export function requestInfo(method: string, rawUrl: string): RequestInfo {
  const url = new URL(rawUrl, 'http://apiserver');
  const parts = url.pathname.split('/').filter((p) => p !== '');
  const info: RequestInfo = { verb: method.toUpperCase(), group: '', version: '', resource: '', subresource: '', scope: '' };
  if (parts[0] !== 'api' && parts[0] !== 'apis') return info;
  const core = parts[0] === 'api';
  if (!core && parts.length < 3) return info;
  info.group = core ? '' : parts[1];
  info.version = core ? (parts[1] ?? '') : parts[2];
  let rest = parts.slice(core ? 2 : 3);
  if (rest.length === 0) return info;
  let namespaced = false;
  // /namespaces/<ns>/status and /finalize are subresources of the namespace itself, not resources inside it.
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    namespaced = true;
    rest = rest.slice(2);
  }
  info.resource = rest[0];
  info.subresource = rest[2] ?? '';
  const named = rest.length >= 2;
  info.scope = named ? 'resource' : namespaced ? 'namespace' : 'cluster';
  const watch = url.searchParams.get('watch');
  const verbs: Record<string, string> = { POST: 'POST', PUT: 'PUT', PATCH: 'PATCH', DELETE: named ? 'DELETE' : 'DELETECOLLECTION' };
  if (method === 'GET') info.verb = watch === 'true' || watch === '1' ? 'WATCH' : named ? 'GET' : 'LIST';
  else info.verb = verbs[method] ?? method;
  return info;
}

export class RequestMetrics {
  readonly registry = new MetricsRegistry();
  private readonly total = this.registry.register(
    new Counter('apiserver_request_total', 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.'),
  );
  private readonly duration = this.registry.register(
    new Histogram('apiserver_request_duration_seconds', 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.', DURATION_BUCKETS),
  );
  private inflight = 0;

  constructor(private readonly clock: () => number) {
    this.registry.register({
      render: () =>
        `# HELP apiserver_current_inflight_requests Maximal number of currently used inflight request limit of this apiserver per request kind in last second.\n# TYPE apiserver_current_inflight_requests gauge\napiserver_current_inflight_requests ${this.inflight}`,
    });
  }

  /** Wraps a request handler: records every request, answers GET /metrics. */
  wrapHandler(handler: (req: IncomingMessage, res: ServerResponse) => void): (req: IncomingMessage, res: ServerResponse) => void {
    return (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
        const text = this.registry.render();
        res.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      const started = this.clock();
      const info = requestInfo(req.method ?? 'GET', req.url ?? '/');
      const dryRun = /[?&]dryRun=All/.test(req.url ?? '') ? 'All' : '';
      this.inflight++;
      let recorded = false;
      const record = (): void => {
        if (recorded) return;
        recorded = true;
        this.inflight--;
        const labels = { verb: info.verb, dry_run: dryRun, group: info.group, version: info.version, resource: info.resource, subresource: info.subresource, scope: info.scope, component: 'apiserver' };
        this.total.inc({ ...labels, code: String(res.statusCode) });
        this.duration.observe(labels, (this.clock() - started) / 1000);
      };
      res.once('finish', record);
      res.once('close', record);
      handler(req, res);
    };
  }
}
