// A second observer of the density workload's pods: a REST watch (JSON lines over HTTPS, the kubeconfig's server and
// credentials), as clusterloader2 observes pod startup through client-go's informer. The main observer
// (workload.ts' PodWatch) goes through the agents' gRPC API like the controllers and node agents; measured side by
// side, the two tell the control plane's own latency apart from the gRPC watch path's. It lists once, then watches
// from the list's resourceVersion, resuming from the last one seen when a watch ends, relisting after a 410.
import * as https from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { ClientCredentials } from '../../src/agents/client/kubeconfig-credentials.ts';
import { PodTimeline, type PodLike } from './pod-timeline.ts';

interface WatchLine {
  type?: string;
  object?: PodLike & { code?: number; metadata?: { resourceVersion?: string } };
}

/** Splits a chunked body into lines, a line possibly spread over several chunks. */
export class LineSplitter {
  private rest = '';

  push(chunk: string, onLine: (line: string) => void): void {
    let text = this.rest + chunk;
    let nl: number;
    while ((nl = text.indexOf('\n')) >= 0) {
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      if (line.trim() !== '') onLine(line);
    }
    this.rest = text;
  }
}

export class RestPodWatch {
  readonly timeline = new PodTimeline();
  private resourceVersion = '';
  private stopped = false;
  private request: ReturnType<typeof https.request> | null = null;

  constructor(
    private readonly server: string,
    private readonly credentials: ClientCredentials,
    private readonly namespace: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Lists the namespace's pods; the watch then runs until stop(). */
  async start(): Promise<void> {
    await this.list();
    void this.loop();
  }

  stop(): void {
    this.stopped = true;
    this.request?.destroy();
  }

  private async loop(): Promise<void> {
    let delayMs = 100;
    while (!this.stopped) {
      const outcome = await this.watchOnce().catch(() => 'failed' as const);
      if (this.stopped) return;
      if (outcome === 'expired') await this.list().catch(() => undefined);
      // A watch that ended normally resumes at once; failures (a master killed by a drill) back off up to 1 s.
      delayMs = outcome === 'failed' ? Math.min(1_000, delayMs * 2) : 100;
      await new Promise((r) => setTimeout(r, outcome === 'failed' ? delayMs : 0));
    }
  }

  private async list(): Promise<void> {
    const body = await new Promise<string>((resolve, reject) => {
      const req = https.request(this.options(`/api/v1/namespaces/${this.namespace}/pods`), (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`list pods: HTTP ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end();
    });
    const list = JSON.parse(body) as { metadata?: { resourceVersion?: string }; items?: PodLike[] };
    const at = this.now();
    for (const pod of list.items ?? []) this.timeline.observe(pod, at);
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
  }

  private watchOnce(): Promise<'ended' | 'expired' | 'failed'> {
    return new Promise((resolve) => {
      const query = `?watch=true&resourceVersion=${encodeURIComponent(this.resourceVersion)}&timeoutSeconds=600`;
      const req = https.request(this.options(`/api/v1/namespaces/${this.namespace}/pods${query}`), (res: IncomingMessage) => {
        if (res.statusCode !== 200) {
          res.resume();
          return resolve(res.statusCode === 410 ? 'expired' : 'failed');
        }
        let expired = false;
        const lines = new LineSplitter();
        res.setEncoding('utf8');
        res.on('data', (chunk: string) =>
          lines.push(chunk, (line) => {
            const event = JSON.parse(line) as WatchLine;
            if (event.type === 'ERROR') {
              expired ||= event.object?.code === 410;
              return;
            }
            if (event.object === undefined) return;
            const rv = event.object.metadata?.resourceVersion;
            if (rv !== undefined) this.resourceVersion = rv;
            if (event.type !== 'BOOKMARK') this.timeline.observe(event.object, this.now());
          }),
        );
        res.on('end', () => resolve(expired ? 'expired' : 'ended'));
        res.on('error', () => resolve('failed'));
      });
      this.request = req;
      req.on('error', () => resolve('failed'));
      req.end();
    });
  }

  private options(path: string): https.RequestOptions {
    const url = new URL(this.server);
    const c = this.credentials;
    return {
      host: url.hostname,
      port: url.port === '' ? 443 : Number(url.port),
      path,
      ca: c.caPem,
      cert: c.certPem,
      key: c.keyPem,
      headers: { Accept: 'application/json', 'User-Agent': 'barque-bench-k8s/v0 (REST pod watch)', ...(c.token === undefined ? {} : { Authorization: `Bearer ${c.token}` }) },
      agent: false,
    };
  }
}
