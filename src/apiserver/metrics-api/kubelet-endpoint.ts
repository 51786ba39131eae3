// Where a node's kubelet serves logs and stats: the Node's InternalIP and status.daemonEndpoints.kubeletEndpoint.Port,
// as kube-apiserver finds it. Used by pods/log and metrics.k8s.io.
import http from 'node:http';
import type { KubeObject } from '../types.ts';

export interface KubeletEndpoint {
  host: string;
  port: number;
}

export function kubeletEndpoint(node: KubeObject): KubeletEndpoint | undefined {
  const status = node.status as { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } } | undefined;
  const address = status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? status?.addresses?.[0]?.address;
  const port = status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (address === undefined || port === undefined || port === 0) return undefined;
  return { host: address, port };
}

/** GET on the kubelet; resolves with the response (not yet read). */
export function kubeletGet(endpoint: KubeletEndpoint, path: string, timeoutMs: number): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: endpoint.host, port: endpoint.port, path, timeout: timeoutMs }, resolve);
    req.once('timeout', () => req.destroy(new Error(`Get "http://${endpoint.host}:${endpoint.port}${path}": timeout awaiting response headers`)));
    req.once('error', reject);
  });
}

export async function readAll(res: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
